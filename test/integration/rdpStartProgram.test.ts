// A start program the gateway could not put in the Client Info PDU (here IronRDP's own PDUs with ANSI strings,
// which the rewrite does not write) leaves the server to open the whole desktop: the page is told, on the session's
// control channel, not only the log. A scripted server stands for the RDP server; a Node client takes the page's part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type WebSocket from 'ws';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import { RDCLEANPATH_VERSION, decodePdu, encodePdu } from '../../electron/gateway/bridges/rdcleanpath/rdCleanPathPdu';
import { PROTOCOL, connectionRequest } from '../../electron/gateway/bridges/rdp/x224';
import { startScriptedServer, type ScriptedServer } from './scriptedRdpServer';
import type { CertificatePromptBody, ControlEvent, CreateSessionResponse } from '../../shared/api/contract';
import { WARNING_MESSAGES } from '../../shared/errors/errorCodes';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The client's PDUs after TLS as IronRDP's web client sent them (Connect-Initial … Client Info), one TPKT a line. */
const PDUS = readFileSync(path.join(here, '..', 'unit', 'gateway', 'rdp', 'fixtures', 'ironrdp-client-pdus.hex'), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => Buffer.from(line, 'hex'));
const BEFORE_INFO = Buffer.concat(PDUS.slice(0, -1));
const CLIENT_INFO = PDUS[PDUS.length - 1]!;

/** The Client Info PDU with INFO_UNICODE cleared (TS_INFO_PACKET flags after the 15-byte head, security header and CodePage). */
function ansi(pdu: Buffer): Buffer {
  const copy = Buffer.from(pdu);
  copy.writeUInt32LE(copy.readUInt32LE(15 + 4 + 4) & ~0x10, 15 + 4 + 4);
  return copy;
}

let dir: string;
let harness: GatewayHarness;
let server: ScriptedServer;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-rdp-start-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=scripted-rdp', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  server = await startScriptedServer(await readFile(keyFile), await readFile(certFile), Buffer.alloc(0), 5000);
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A session of a profile with this start program, the page's part played up to the Client Info PDU; its control events. */
async function sessionSending(startProgram: string, clientInfo: Buffer): Promise<{ events: ControlEvent[]; close(): void }> {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: `Ledger ${clientInfo === CLIENT_INFO ? 'unicode' : 'ansi'} ${startProgram}`, protocol: 'rdp', host: '127.0.0.1', port: server.port, username: 'ann', startProgram } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const profileId = created.json.id as string;
  const prompt = await harness.call('POST', '/api/sessions', { profileId });
  const fingerprintSha256 = (prompt.json as CertificatePromptBody).certificate.fingerprintSha256;
  const answer = await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256, remember: false } });
  assert.equal(answer.status, 201, JSON.stringify(answer.json));
  const session = answer.json as CreateSessionResponse;
  const control = await harness.control(session.controlPath);
  const ws: WebSocket = harness.socket(session.rdp!.proxyPath);
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(encodePdu({ version: RDCLEANPATH_VERSION, destination: session.rdp!.destination, proxyAuth: session.rdp!.authToken, x224ConnectionPdu: connectionRequest(PROTOCOL.SSL, 'ann') })));
    ws.once('message', (data: Buffer) => {
      const reply = decodePdu(new Uint8Array(data));
      if (reply.error) reject(new Error(`RDCleanPath error: ${JSON.stringify(reply.error)}`));
      else resolve();
    });
  });
  ws.send(Buffer.concat([BEFORE_INFO, clientInfo]));
  return {
    events: control.events,
    close: () => {
      ws.close();
      control.close();
    },
  };
}

const warned = (events: ControlEvent[]) => events.find((e) => e.type === 'warning' && e.code === 'start-program-not-sent');

test('a start program the gateway could not insert: the page is told the whole desktop opens instead, and why', async () => {
  const session = await sessionSending('C:\\Ledger\\ledger.exe', ansi(CLIENT_INFO));
  const deadline = Date.now() + 5000;
  while (!warned(session.events) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  session.close();
  const warning = warned(session.events);
  assert.ok(warning && warning.type === 'warning', `no warning on the control channel: ${JSON.stringify(session.events)}`);
  assert.equal(warning.message, WARNING_MESSAGES['start-program-not-sent']);
  assert.match(warning.detail ?? '', /not Unicode/);
  assert.ok(harness.logs().some((line) => line.includes('start program not sent') && line.includes('not Unicode')), 'logged');
});

test('one it could insert: no such warning', async () => {
  const session = await sessionSending('C:\\Ledger\\ledger.exe', CLIENT_INFO);
  // The Client Info PDU reached the server (rebuilt, the program in it) before anything is judged.
  const deadline = Date.now() + 5000;
  while (!Buffer.concat(server.received).includes(Buffer.from('ledger.exe', 'utf16le')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  session.close();
  assert.ok(Buffer.concat(server.received).includes(Buffer.from('ledger.exe', 'utf16le')), 'the program reached the server');
  assert.equal(warned(session.events), undefined, JSON.stringify(session.events));
});
