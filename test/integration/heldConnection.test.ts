// A VNC session's connection is opened with the session, so the server's
// greeting is already in the gateway when the page's relay arrives. Real
// Xvnc behind a relay that holds every chunk 100 ms each way (a 200 ms
// round trip), and a Node client playing the page's part of the handshake.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startFaultRelay, type FaultRelay } from '../servers/faultRelay';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import type { CreateSessionResponse } from '../../shared/api/contract';

const DELAY_MS = 100;
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

/** Reads a WebSocket's messages as one byte stream. */
function streamOf(ws: WebSocket): { read(n: number): Promise<Buffer> } {
  let buffered = Buffer.alloc(0);
  let waiting: { n: number; resolve: (b: Buffer) => void } | null = null;
  const serve = () => {
    if (waiting && buffered.length >= waiting.n) {
      const { n, resolve } = waiting;
      waiting = null;
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      resolve(out);
    }
  };
  ws.on('message', (data: Buffer) => {
    buffered = Buffer.concat([buffered, data]);
    serve();
  });
  return {
    read: (n) =>
      new Promise((resolve) => {
        waiting = { n, resolve };
        serve();
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the greeting is waiting when the relay opens, and the session goes on over that one connection', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Far desktop', protocol: 'vnc', host: '127.0.0.1', port: relay.port } });
  const before = relay.connections.length;
  const session = (await harness.call('POST', '/api/sessions', { profileId: created.json.id })).json as CreateSessionResponse;
  // The page takes a while to open the relay; the connection is made meanwhile.
  await sleep(3 * DELAY_MS);
  assert.equal(relay.connections.length, before + 1, 'the connection to the server was opened with the session');

  const ws = harness.socket(session.relayPath);
  const stream = streamOf(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const opened = performance.now();
  const greeting = await stream.read(12);
  const greetingMs = performance.now() - opened;
  assert.equal(greeting.toString('latin1'), 'RFB 003.008\n');
  // Without the held connection, the greeting would come a whole one-way delay (100 ms) after the relay opened.
  assert.ok(greetingMs < DELAY_MS / 2, `greeting ${greetingMs.toFixed(1)} ms after the relay opened`);

  // The rest of the handshake over it, as noVNC does it (RFC 6143 §7.1–7.3, security None).
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await stream.read(1))[0]!;
  const types = [...(await stream.read(count))];
  assert.ok(types.includes(1), `security types ${types}`);
  ws.send(Buffer.from([1]));
  assert.equal((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult OK');
  ws.send(Buffer.from([1]));
  const serverInit = await stream.read(24);
  assert.deepEqual([serverInit.readUInt16BE(0), serverInit.readUInt16BE(2)], [WIDTH, HEIGHT], 'ServerInit names the desktop');
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
  const stream = streamOf(ws);
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
