// Why an RDP session ended, when the page closes its socket before the server
// closes the connection: xrdp sends its Disconnect Provider Ultimatum when the
// user signs out and closes the connection a moment later, while IronRDP in
// the page closes its WebSocket as soon as it reads the ultimatum. A scripted
// server (X.224 and TLS as an RDP server answers them, then the ultimatum,
// the connection held open) reproduces that order every time; a Node client
// takes the page's part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import { openScriptedSession, startScriptedServerWithCertificate, type ScriptedServer } from './scriptedRdpServer';
import type { ControlEvent } from '../../shared/api/contract';
import { messageFor } from '../../shared/errors/errorCodes';

/** TPKT, X.224 data, MCS Disconnect Provider Ultimatum with reason 3 (user-requested), as xrdp sends it at sign-out. */
const ULTIMATUM = Buffer.from([0x03, 0x00, 0x00, 0x09, 0x02, 0xf0, 0x80, 0x21, 0x80]);

let harness: GatewayHarness;
let server: ScriptedServer;

before(async () => {
  server = await startScriptedServerWithCertificate(ULTIMATUM, 5000);
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await server?.close();
});

test('the server ends the session (Disconnect Provider Ultimatum) and the page closes its socket before the server closes the connection: the session ended, said so on the control channel', async () => {
  const { session, control, ws } = await openScriptedSession(harness, server);
  const received: Buffer[] = [];
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
