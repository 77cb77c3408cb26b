// A VNC session's connection is opened with the session, so the server's
// greeting is already in the gateway when the page's relay arrives. Real
// Xvnc behind a relay that holds every chunk 100 ms each way (a 200 ms
// round trip), and a Node client playing the page's part of the handshake.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startFaultRelay, type FaultRelay } from '../servers/faultRelay';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import type { CreateSessionResponse } from '../../shared/api/contract';
import { relayStream } from '../support/relayStream';

const DELAY_MS = 100;
const ROUND_TRIP_MS = 2 * DELAY_MS;
const WIDTH = 800;
const HEIGHT = 600;

let xvnc: XvncServer;
let relay: FaultRelay;
let harness: GatewayHarness;

before(async () => {
  xvnc = await startXvnc({ width: WIDTH, height: HEIGHT, xterm: false });
  relay = await startFaultRelay(xvnc.port, '127.0.0.1', { delayMs: DELAY_MS });
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await relay?.close();
  await disposeXvnc(xvnc);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the greeting is waiting when the relay opens, and the session goes on over that one connection', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Far desktop', protocol: 'vnc', host: '127.0.0.1', port: relay.port } });
  const before = relay.connections.length;
  const session = (await harness.call('POST', '/api/sessions', { profileId: created.json.id })).json as CreateSessionResponse;
  // The page takes a while to open the relay; the connection is made meanwhile.
  await sleep(3 * DELAY_MS);
  assert.equal(relay.connections.length, before + 1, 'the connection to the server was opened with the session');

  const ws = harness.socket(session.relayPath);
  const stream = relayStream(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const opened = performance.now();
  // The page's handshake, as noVNC does it (RFC 6143 §7.1–7.3): with the gateway, which signed in for it (security None here).
  assert.equal((await stream.read(12)).toString('latin1'), 'RFB 003.008\n');
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await stream.read(1))[0]!;
  assert.deepEqual([...(await stream.read(count))], [1], 'the page is offered None');
  ws.send(Buffer.from([1]));
  assert.equal((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult OK');
  ws.send(Buffer.from([1]));
  const serverInit = await stream.read(24);
  const serverInitMs = performance.now() - opened;
  assert.deepEqual([serverInit.readUInt16BE(0), serverInit.readUInt16BE(2)], [WIDTH, HEIGHT], 'ServerInit names the desktop');
  // The gateway signs in as the server's bytes come, from the session request on: by the relay's opening (1.5 round
  // trips after the request) it has the types, and has sent None with ClientInit; SecurityResult and ServerInit are on
  // their way (half a round trip off). Signing in only once the relay opened: 2 round trips; the page signing in: 3.
  console.info(`ServerInit ${serverInitMs.toFixed(1)} ms after the relay opened`);
  assert.ok(serverInitMs < 1.5 * ROUND_TRIP_MS, `ServerInit ${serverInitMs.toFixed(1)} ms after the relay opened`);
  assert.deepEqual(stream.notes.length, 1, 'the gateway\'s round trip, for the page');
  const { roundTripMs } = stream.notes[0] as { roundTripMs: number };
  assert.ok(roundTripMs >= ROUND_TRIP_MS - 1 && roundTripMs < ROUND_TRIP_MS + 50, `round trip ${roundTripMs}`);
  assert.equal(relay.connections.length, before + 1, 'no second connection to the server');
  ws.close();
});

test('a held connection the server closed is dropped, and the relay connects anew', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Cut desktop', protocol: 'vnc', host: '127.0.0.1', port: relay.port } });
  const before = relay.connections.length;
  const session = (await harness.call('POST', '/api/sessions', { profileId: created.json.id })).json as CreateSessionResponse;
  await sleep(3 * DELAY_MS);
  assert.equal(relay.connections.length, before + 1);
  relay.cutAll();
  await sleep(50);

  const ws = harness.socket(session.relayPath);
  const stream = relayStream(ws);
  const greeting = await stream.read(12);
  assert.equal(greeting.toString('latin1'), 'RFB 003.008\n');
  assert.equal(relay.connections.length, before + 2, 'a new connection for the relay');
  ws.close();
});

test('ending a session before its relay opens closes the held connection', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Ended desktop', protocol: 'vnc', host: '127.0.0.1', port: relay.port } });
  const before = relay.connections.length;
  const session = (await harness.call('POST', '/api/sessions', { profileId: created.json.id })).json as CreateSessionResponse;
  await sleep(3 * DELAY_MS);
  const held = relay.connections[before]!;
  assert.equal(held.closed, false);
  assert.equal((await harness.call('DELETE', `/api/sessions/${session.sessionId}`)).status, 204);
  for (let i = 0; i < 50 && !held.closed; i++) await sleep(20);
  assert.equal(held.closed, true, 'the server saw the connection close');
});
