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

/** A server that greets with RFB 3.8, offers `types`, and answers each step as a real one would; `result` 0 signs in. */
function rfbServer(types: number[], result: number) {
  return (socket: net.Socket) => {
    socket.write('RFB 003.008\n');
    let seen = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      seen = Buffer.concat([seen, d]);
      if (seen.length === 12) socket.write(Buffer.from([types.length, ...types]));
      // The choice (None) and ClientInit, together: the result, then ServerInit's first bytes, or a refusal and the end.
      if (seen.length === 14) {
        const answer = Buffer.alloc(4);
        answer.writeUInt32BE(result);
        if (result === 0) socket.write(Buffer.concat([answer, Buffer.from([4, 0, 3, 0])]));
        else socket.end(Buffer.concat([answer, Buffer.from([0, 0, 0, 2]), Buffer.from('no')]));
      }
    });
  };
}

test('a sign-in started while held goes on as the server answers; the relay gets it over, with what followed', async (t) => {
  const port = await listen(t, rfbServer([1], 0));
  const held = new HeldHostConnection('127.0.0.1', port);
  held.signIn({ password: null, judge: null, requireTls: false });
  await sleep(150);
  const taken = held.take();
  assert.ok(taken.connection);
  t.after(() => taken.connection?.socket.destroy());
  const outcome = taken.connection.signIn?.outcome;
  assert.equal(outcome?.kind, 'signed-in');
  assert.deepEqual(Buffer.concat([outcome!.serverBytes, ...taken.connection.received]), Buffer.from([0, 0, 0, 0, 4, 0, 3, 0]));
  assert.equal(taken.connection.ended, false);
});

test('a refusal the server closed after is kept for the relay, not dropped', async (t) => {
  const port = await listen(t, rfbServer([1], 1));
  const held = new HeldHostConnection('127.0.0.1', port);
  held.signIn({ password: null, judge: null, requireTls: false });
  await sleep(150);
  const taken = held.take();
  assert.ok(taken.connection, 'kept');
  t.after(() => taken.connection?.socket.destroy());
  assert.equal(taken.connection.signIn?.outcome?.kind, 'refused');
  assert.equal(taken.connection.ended, true);
});

test('a server that closes midway through the sign-in is dropped, for the relay to start anew', async (t) => {
  const port = await listen(t, (socket) => socket.end('RFB 003.008\n'));
  const held = new HeldHostConnection('127.0.0.1', port);
  held.signIn({ password: 'pw', judge: null, requireTls: false });
  await sleep(150);
  const taken = held.take();
  assert.equal(taken.connection, null);
  assert.match(taken.connection === null ? taken.why : '', /^dropped/);
});

test('a server that closes while the page has still to choose its security is dropped, for the relay to start anew', async (t) => {
  // Types the gateway cannot use (VeNCrypt only), then the server hangs up: nothing refused, so nothing to keep.
  const port = await listen(t, (socket) => {
    socket.write('RFB 003.008\n');
    socket.once('data', () => socket.end(Buffer.from([1, 19])));
  });
  const held = new HeldHostConnection('127.0.0.1', port);
  held.signIn({ password: 'pw', judge: null, requireTls: false });
  await sleep(150);
  assert.equal(held.take().connection, null);
});
