// A scripted RDP server for the gateway's integration tests: it answers
// X.224 and TLS as an RDP server does, then, once the client's first session
// bytes come, sends what the test gives it and holds the connection. Enough
// for what the gateway reads of the server's stream (rdp/serverStreamWatch.ts)
// without a real server's timing: the same bytes in the same order every time.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import type { GatewayHarness } from './gatewayHarness';
import { RDCLEANPATH_VERSION, decodePdu, encodePdu } from '../../electron/gateway/bridges/rdcleanpath/rdCleanPathPdu';
import { PROTOCOL, connectionRequest, tpktLength } from '../../electron/gateway/bridges/rdp/x224';
import type { CertificatePromptBody, ControlEvent, CreateSessionResponse } from '../../shared/api/contract';

/** MS-RDPBCGR 2.2.1.2: an X.224 Connection Confirm selecting TLS (RDP_NEG_RSP, PROTOCOL_SSL). */
const CONNECTION_CONFIRM = Buffer.from([0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00]);

export interface ScriptedServer {
  port: number;
  /** Connections that reached the session (TLS up and the client's first bytes read). */
  sessions: number;
  /** What the clients sent after TLS, each connection's bytes as they came. */
  received: Buffer[];
  close(): Promise<void>;
}

/** Answers X.224 and TLS; once the client's first session bytes come, sends `afterFirstBytes` and holds the connection for `holdMs`. */
export async function startScriptedServer(key: Buffer, cert: Buffer, afterFirstBytes: Buffer, holdMs: number): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { sessions: 0 };
  const received: Buffer[] = [];
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
      secure.on('data', (data: Buffer) => received.push(data));
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
    received,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A scripted server with a self-signed certificate made for it. */
export async function startScriptedServerWithCertificate(afterFirstBytes: Buffer, holdMs: number): Promise<ScriptedServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-scripted-rdp-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=scripted-rdp', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    const server = await startScriptedServer(await readFile(keyFile), await readFile(certFile), afterFirstBytes, holdMs);
    return server;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A session on the scripted server as the page opens one: the connection saved, its certificate accepted once, the
 * control channel read, the RDCleanPath WebSocket through its handshake. The page's first session bytes are the test's.
 */
export async function openScriptedSession(harness: GatewayHarness, server: ScriptedServer): Promise<{ session: CreateSessionResponse; control: { events: ControlEvent[]; close(): void }; ws: WebSocket }> {
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
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(encodePdu({ version: RDCLEANPATH_VERSION, destination: session.rdp!.destination, proxyAuth: session.rdp!.authToken, x224ConnectionPdu: connectionRequest(PROTOCOL.SSL) })));
    ws.once('message', (data: Buffer) => {
      const reply = decodePdu(new Uint8Array(data));
      if (reply.error) reject(new Error(`RDCleanPath error: ${JSON.stringify(reply.error)}`));
      else resolve();
    });
  });
  return { session, control, ws };
}
