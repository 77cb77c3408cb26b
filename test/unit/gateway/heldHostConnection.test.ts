// The VNC connection held for a session's relay: what it hands over, and
// when it lets go. Real sockets on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { HeldHostConnection } from '../../../electron/gateway/bridges/heldHostConnection';
import { freePort } from '../../servers/processes';

async function listen(t: { after(fn: () => void): void }, onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('hands over the connection with what the server sent, paused, and nothing read after', async (t) => {
  let server: net.Socket | null = null;
  const port = await listen(t, (socket) => {
    server = socket;
    socket.write('RFB 003.008\n');
  });
  const held = new HeldHostConnection('127.0.0.1', port);
  await sleep(100);
  const taken = held.take();
  assert.ok(taken.connection, 'taken');
  const { socket, connected, received } = taken.connection;
  t.after(() => socket.destroy());
  assert.equal(connected, true);
  assert.equal(Buffer.concat(received).toString('latin1'), 'RFB 003.008\n');
  // Sent after the take: waits in the socket until the relay reads.
  server!.write('more');
  await sleep(50);
  assert.equal(socket.isPaused(), true);
  const later = await new Promise<string>((resolve) => {
    socket.once('data', (d: Buffer) => resolve(d.toString('latin1')));
    socket.resume();
  });
  assert.equal(later, 'more');
  assert.deepEqual(held.take(), { connection: null, why: 'taken' }, 'once');
});

test('taken while still connecting: the relay waits for the connect itself', async (t) => {
  const port = await listen(t, (socket) => socket.write('RFB 003.008\n'));
  const held = new HeldHostConnection('127.0.0.1', port);
  const taken = held.take();
  assert.ok(taken.connection);
  const { socket, connected, received } = taken.connection;
  t.after(() => socket.destroy());
  assert.equal(connected, false);
  assert.deepEqual(received, []);
  await new Promise((resolve) => socket.once('connect', resolve));
  const greeting = await new Promise<string>((resolve) => {
    socket.once('data', (d: Buffer) => resolve(d.toString('latin1')));
    socket.resume();
  });
  assert.equal(greeting, 'RFB 003.008\n');
});

test('a refused, closed or expired connection is not handed over, and an expired one is closed', async (t) => {
  const why = (held: HeldHostConnection) => {
    const taken = held.take();
    return taken.connection ? 'handed over' : taken.why;
  };
  const refused = new HeldHostConnection('127.0.0.1', await freePort());
  await sleep(100);
  assert.match(why(refused), /^dropped: the connection failed \(ECONNREFUSED\)/);

  const hangsUp = new HeldHostConnection('127.0.0.1', await listen(t, (socket) => socket.end()));
  await sleep(100);
  assert.match(why(hangsUp), /^dropped: the server ended the connection/);

  let closedAt = 0;
  const started = Date.now();
  const port = await listen(t, (socket) => socket.on('close', () => (closedAt = Date.now())));
  const expiring = new HeldHostConnection('127.0.0.1', port, 150);
  await sleep(400);
  assert.deepEqual(expiring.take(), { connection: null, why: 'expired' });
  assert.ok(closedAt > 0, 'the server saw it close');
  assert.ok(closedAt - started >= 140, `closed after ${closedAt - started} ms`);
});

test('release closes a held connection', async (t) => {
  let closed = false;
  const port = await listen(t, (socket) => socket.on('close', () => (closed = true)));
  const held = new HeldHostConnection('127.0.0.1', port);
  await sleep(100);
  held.release();
  for (let i = 0; i < 50 && !closed; i++) await sleep(10);
  assert.equal(closed, true);
  assert.deepEqual(held.take(), { connection: null, why: 'taken' });
});
