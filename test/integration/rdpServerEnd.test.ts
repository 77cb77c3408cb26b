// Why an RDP session ended, when the page closes its socket before the server
// closes the connection: xrdp sends its Disconnect Provider Ultimatum when the
// user signs out and closes the connection a moment later, while IronRDP in
// the page closes its WebSocket as soon as it reads the ultimatum. A scripted
// server (X.224 and TLS as an RDP server answers them, then the ultimatum,
// the connection held open) reproduces that order every time; a Node client
// takes the page's part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type WebSocket from 'ws';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import { RDCLEANPATH_VERSION, decodePdu, encodePdu } from '../../electron/gateway/bridges/rdcleanpath/rdCleanPathPdu';
import { PROTOCOL, connectionRequest, tpktLength } from '../../electron/gateway/bridges/rdp/x224';
import type { CertificatePromptBody, ControlEvent, CreateSessionResponse } from '../../shared/api/contract';
import { messageFor } from '../../shared/errors/errorCodes';

/** MS-RDPBCGR 2.2.1.2: an X.224 Connection Confirm selecting TLS (RDP_NEG_RSP, PROTOCOL_SSL). */
const CONNECTION_CONFIRM = Buffer.from([0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00]);
/** TPKT, X.224 data, MCS Disconnect Provider Ultimatum with reason 3 (user-requested), as xrdp sends it at sign-out. */
const ULTIMATUM = Buffer.from([0x03, 0x00, 0x00, 0x09, 0x02, 0xf0, 0x80, 0x21, 0x80]);

interface ScriptedServer {
  port: number;
  /** Connections that reached the session (TLS up and the client's first bytes read). */
  sessions: number;
  close(): Promise<void>;
}

/** Answers X.224 and TLS; once the client's first session bytes come, sends `afterFirstBytes` and holds the connection for `holdMs`. */
async function startScriptedServer(key: Buffer, cert: Buffer, afterFirstBytes: Buffer, holdMs: number): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { sessions: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const length = tpktLength(pending);
      if (length === null || pending.length < length) return;
      socket.off('data', onData);
      socket.write(CONNECTION_CONFIRM);
      const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
      secure.on('error', () => undefined);
      secure.once('data', () => {
        state.sessions++;
        secure.write(afterFirstBytes);
        const timer = setTimeout(() => secure.destroy(), holdMs);
        timers.add(timer);
      });
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get sessions() {
      return state.sessions;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let dir: string;
let harness: GatewayHarness;
let server: ScriptedServer;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-rdp-end-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=scripted-rdp', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  server = await startScriptedServer(await readFile(keyFile), await readFile(certFile), ULTIMATUM, 5000);
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the server ends the session (Disconnect Provider Ultimatum) and the page closes its socket before the server closes the connection: the session ended, said so on the control channel', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Scripted', protocol: 'rdp', host: '127.0.0.1', port: server.port } });
  assert.equal(created.status, 201);
  const profileId = created.json.id as string;
  const prompt = await harness.call('POST', '/api/sessions', { profileId });
  assert.equal(prompt.status, 409);
  const fingerprintSha256 = (prompt.json as CertificatePromptBody).certificate.fingerprintSha256;
  const answer = await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256, remember: false } });
  assert.equal(answer.status, 201);
  const session = answer.json as CreateSessionResponse;
  const control = await harness.control(session.controlPath);

  const ws: WebSocket = harness.socket(session.rdp!.proxyPath);
  const received: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(encodePdu({ version: RDCLEANPATH_VERSION, destination: session.rdp!.destination, proxyAuth: session.rdp!.authToken, x224ConnectionPdu: connectionRequest(PROTOCOL.SSL) })));
    ws.once('message', (data: Buffer) => {
      const reply = decodePdu(new Uint8Array(data));
      if (reply.error) reject(new Error(`RDCleanPath error: ${JSON.stringify(reply.error)}`));
      else resolve();
    });
  });
  // The page's first session bytes (what they are does not matter to this server), then the server's ultimatum.
  ws.on('message', (data: Buffer) => received.push(data));
  ws.send(Buffer.from([0x03, 0x00, 0x00, 0x08, 0x02, 0xf0, 0x80, 0x00]));
  const deadline = Date.now() + 5000;
  while (Buffer.concat(received).length < ULTIMATUM.length) {
    if (Date.now() > deadline) assert.fail(`the ultimatum never reached the page: ${Buffer.concat(received).toString('hex')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(Buffer.concat(received), ULTIMATUM);
  // IronRDP has read it and closes its socket, the server still holding the connection.
  ws.close();
  const said = (): ControlEvent | undefined => control.events.find((e) => e.type === 'error');
  const until = Date.now() + 1000;
  while (!said() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  control.close();
  assert.equal(server.sessions, 1);
  const error = said();
  assert.ok(error && error.type === 'error', `no reason on the control channel within 1 s (the page waits that long, then retries as a lost link): ${JSON.stringify(control.events)}`);
  assert.equal(error.code, 'session-ended');
  assert.equal(error.message, messageFor('session-ended'));
  assert.match(error.detail ?? '', /Disconnect Provider Ultimatum \(reason 3\)/);
  // The log says it once, with what went each way (as the VNC/SPICE relay's line).
  const ended = harness.logs().filter((line) => line.includes('RDP session ended') && line.includes(`session="${session.sessionId}"`));
  assert.equal(ended.length, 1, ended.join('\n'));
  assert.match(ended[0]!, /reason="session-ended".* bytesFromHost=\d+ bytesToHost=\d+/);
});
