// A VNC session's relay logs one line when it ends, however it ends: the page
// closing its end (its dead-link probe, a reload), the server dropping it, the
// session ended through the API. Without it a drop that starts a run of
// reconnects leaves only "session created" in the log. Real Xvnc (VNC
// authentication, a saved password the gateway signs in with) behind a relay
// that can cut the connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startFaultRelay, type FaultRelay } from '../servers/faultRelay';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import type { CreateSessionResponse } from '../../shared/api/contract';
import { relayStream } from '../support/relayStream';

const PASSWORD = 'ends-logged-7';
const WIDTH = 640;
const HEIGHT = 480;

let xvnc: XvncServer;
let cutter: FaultRelay;
let harness: GatewayHarness;

before(async () => {
  xvnc = await startXvnc({ width: WIDTH, height: HEIGHT, xterm: false, password: PASSWORD });
  cutter = await startFaultRelay(xvnc.port);
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await cutter?.close();
  await disposeXvnc(xvnc);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session with the password saved, its relay open and past ServerInit (the gateway signed in for the page). */
async function openDesktop(name: string): Promise<{ session: CreateSessionResponse; ws: ReturnType<GatewayHarness['socket']> }> {
  const created = await harness.call('POST', '/api/profiles', { profile: { name, protocol: 'vnc', host: '127.0.0.1', port: cutter.port }, password: PASSWORD });
  const session = (await harness.call('POST', '/api/sessions', { profileId: created.json.id })).json as CreateSessionResponse;
  const ws = harness.socket(session.relayPath);
  const stream = relayStream(ws);
  assert.equal((await stream.read(12)).toString('latin1'), 'RFB 003.008\n');
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await stream.read(1))[0]!;
  await stream.read(count);
  ws.send(Buffer.from([1]));
  assert.equal((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult OK');
  ws.send(Buffer.from([1]));
  const serverInit = await stream.read(24);
  assert.deepEqual([serverInit.readUInt16BE(0), serverInit.readUInt16BE(2)], [WIDTH, HEIGHT]);
  return { session, ws };
}

/** The session's 'relay ended' lines, once there is one (within 3 s). */
async function endLines(sessionId: string): Promise<string[]> {
  const lines = () => harness.logs().filter((line) => line.includes('relay ended') && line.includes(`session="${sessionId}"`));
  for (let i = 0; i < 150 && lines().length === 0; i++) await sleep(20);
  await sleep(100);
  return lines();
}

function assertNoSecret(line: string, session: CreateSessionResponse): void {
  assert.equal(line.includes(PASSWORD), false, 'no password in the line');
  const ticket = new URLSearchParams(session.relayPath.split('?')[1] ?? '').get('ticket');
  assert.ok(ticket);
  assert.equal(line.includes(ticket), false, 'no ticket in the line');
}

const field = (line: string, name: string) => new RegExp(` ${name}=("[^"]*"|[^ ]+)`).exec(line)?.[1];

test('the page closing its relay is logged at info level: the session, by the page, bytes each way and how long it lasted', async () => {
  const { session, ws } = await openDesktop('Closed by the page');
  await sleep(300);
  ws.close(1000);
  const lines = await endLines(session.sessionId);
  assert.equal(lines.length, 1, lines.join('\n'));
  const line = lines[0]!;
  assert.match(line, / INFO \[[^\]]*relay\] relay ended /);
  assert.equal(field(line, 'protocol'), '"vnc"');
  assert.equal(field(line, 'by'), '"page"');
  assert.equal(field(line, 'pageCode'), '1000');
  assert.equal(field(line, 'reason'), undefined, 'not a failure');
  assert.ok(Number(field(line, 'bytesFromHost')) > 24, line);
  assert.ok(Number(field(line, 'bytesToHost')) > 12, line);
  assert.ok(Number(field(line, 'seconds')) >= 0.3 && Number(field(line, 'seconds')) < 10, line);
  assertNoSecret(line, session);
});

test('the server dropping the connection is logged with the host as the side that ended it, and the reason', async () => {
  const { session, ws } = await openDesktop('Dropped by the server');
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  cutter.cutAll();
  assert.equal(await closed, 4000, 'the page is told it failed');
  const lines = await endLines(session.sessionId);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.equal(field(lines[0]!, 'by'), '"host"');
  assert.match(field(lines[0]!, 'reason') ?? '', /^"(server-closed|connection-lost)"$/);
  assertNoSecret(lines[0]!, session);
});

test('a session ended through the API is logged as ended by the session', async () => {
  const { session, ws } = await openDesktop('Ended by the user');
  assert.equal((await harness.call('DELETE', `/api/sessions/${session.sessionId}`)).status, 204);
  const lines = await endLines(session.sessionId);
  ws.close();
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.equal(field(lines[0]!, 'by'), '"session"');
  assert.equal(field(lines[0]!, 'reason'), '"user-ended"');
});
