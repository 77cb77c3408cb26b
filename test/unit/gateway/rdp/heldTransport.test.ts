import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { HeldRdpTransport, type SecuredTransport } from '../../../../electron/gateway/bridges/rdp/heldTransport';
import { PROTOCOL, connectionRequest } from '../../../../electron/gateway/bridges/rdp/x224';

/** A stand-in for the preflight's TLS socket: events, pause, resume, destroy. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  paused = false;
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
}

function held(holdMs = 10_000) {
  const socket = new FakeSocket();
  const transport = { kind: 'secured', socket, confirm: new Uint8Array(19), selectedProtocol: PROTOCOL.HYBRID, chain: [], serverAddr: '127.0.0.1', roundTripMs: 1 } as unknown as SecuredTransport;
  const request = connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX, 'ann');
  return { socket, transport, request, hold: new HeldRdpTransport(transport, request, holdMs) };
}

test('the same request takes the connection, paused, with none of the hold\u2019s listeners left; only once', () => {
  const { socket, transport, request, hold } = held();
  const taken = hold.take(Uint8Array.from(request));
  assert.equal(taken.transport, transport);
  assert.equal(socket.paused, true);
  assert.equal(socket.destroyed, false);
  for (const event of ['data', 'end', 'close', 'error']) assert.equal(socket.listenerCount(event), 0, event);
  assert.deepEqual(hold.take(request), { transport: null, why: 'taken' });
  hold.release();
  assert.equal(socket.destroyed, false, 'release after take leaves the taken connection alone');
});

test('held again once taken (kept for the certificate question, then for the session): flowing into the new hold, which a server speaking spoils', () => {
  const { socket, request, hold } = held();
  const taken = hold.take(request);
  assert.equal(socket.paused, true);
  const again = new HeldRdpTransport(taken.transport!, request);
  assert.equal(socket.paused, false, 'resumed into the new hold\u2019s listeners');
  socket.emit('data', Buffer.from([1]));
  assert.equal(socket.destroyed, true);
  assert.equal(again.take(request).transport, null);
});

test('another request (other protocols, another user) closes the held connection and gets none', () => {
  for (const other of [connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID, 'ann'), connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX, 'bob'), connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX)]) {
    const { socket, hold } = held();
    assert.deepEqual(hold.take(other), { transport: null, why: 'other request' });
    assert.equal(socket.destroyed, true);
  }
});

test('a server that speaks first, ends, closes or fails spoils it; the connection is closed and not given out', () => {
  for (const event of ['data', 'end', 'close', 'error'] as const) {
    const { socket, request, hold } = held();
    socket.emit(event, event === 'data' ? Buffer.from([1]) : event === 'error' ? new Error('reset') : undefined);
    assert.equal(socket.destroyed, true, event);
    const taken = hold.take(request);
    assert.equal(taken.transport, null);
    assert.match(taken.transport === null ? taken.why : '', /^spoiled: the (server|connection) /, event);
    // A late error from the destroyed socket has a listener (an unheard 'error' would throw).
    assert.doesNotThrow(() => socket.emit('error', new Error('late')));
  }
});

test('held only so long: then closed, and a late request gets a new connection', async () => {
  const { socket, request, hold } = held(20);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(socket.destroyed, true);
  assert.deepEqual(hold.take(request), { transport: null, why: 'expired' });
});

test('released with its session before any request: closed', () => {
  const { socket, request, hold } = held();
  hold.release();
  assert.equal(socket.destroyed, true);
  assert.equal(hold.take(request).transport, null);
});
