// What the gateway's session registry tells control channels, including one
// that attaches late (the session view opens its channel while the bridge may
// already be connecting): a fake socket, the registry as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import { SessionRegistry, STATS_INTERVAL_MS } from '../../../electron/gateway/sessions/sessionRegistry';
import type { ControlEvent } from '../../../shared/api/contract';

function fakeControl(): { socket: WebSocket; received: ControlEvent[] } {
  const received: ControlEvent[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    send: (data: string) => received.push(JSON.parse(data) as ControlEvent),
    on: () => socket,
    close: () => undefined,
  };
  return { socket: socket as unknown as WebSocket, received };
}

test('the round trip the gateway timed reaches the control channels attached, and is replayed to one attached later', () => {
  const registry = new SessionRegistry();
  try {
    const session = registry.create('profile-1', 'rdp', '127.0.0.1', 3389);
    const early = fakeControl();
    registry.attachControl(session, early.socket);
    registry.setLink(session, 23.4);
    assert.deepEqual(early.received.filter((event) => event.type === 'link'), [{ type: 'link', roundTripMs: 23.4 }]);
    const late = fakeControl();
    registry.attachControl(session, late.socket);
    assert.deepEqual(late.received.filter((event) => event.type === 'link'), [{ type: 'link', roundTripMs: 23.4 }]);
    // Before any was timed, nothing of the kind is replayed.
    const other = registry.create('profile-2', 'rdp', '127.0.0.1', 3390);
    const none = fakeControl();
    registry.attachControl(other, none.socket);
    assert.equal(none.received.filter((event) => event.type === 'link').length, 0);
  } finally {
    registry.close();
  }
});

test('the remote pointer\u2019s shape reaches the control channels attached, and only the last one is replayed to one attached later', () => {
  const registry = new SessionRegistry();
  try {
    const session = registry.create('profile-1', 'rdp', '127.0.0.1', 3389);
    const early = fakeControl();
    registry.attachControl(session, early.socket);
    const image = { width: 1, height: 1, hotspotX: 0, hotspotY: 0, rgba: 'AAAA/w==' };
    registry.setPointer(session, { shape: 'image', image });
    registry.setPointer(session, { shape: 'hidden' });
    assert.deepEqual(early.received.filter((event) => event.type === 'pointer'), [{ type: 'pointer', shape: 'image', image }, { type: 'pointer', shape: 'hidden' }]);
    const late = fakeControl();
    registry.attachControl(session, late.socket);
    assert.deepEqual(late.received.filter((event) => event.type === 'pointer'), [{ type: 'pointer', shape: 'hidden' }]);
  } finally {
    registry.close();
  }
});

test('while a bridge is open, each second\u2019s stats carry the frames the client acknowledged (RDP) with the byte counts', async () => {
  const registry = new SessionRegistry();
  try {
    const session = registry.create('profile-1', 'rdp', '127.0.0.1', 3389);
    const control = fakeControl();
    registry.attachControl(session, control.socket);
    session.bridgeClosers.add(() => undefined);
    session.bytesFromHost = 1000;
    session.framesDrawn = 7;
    await new Promise((resolve) => setTimeout(resolve, STATS_INTERVAL_MS + 200));
    const stats = control.received.filter((event) => event.type === 'stats');
    assert.ok(stats.length >= 1, 'a stats event within a second');
    assert.equal(stats.at(-1)!.type === 'stats' && stats.at(-1)!.framesDrawn, 7);
  } finally {
    registry.close();
  }
});

test('a session ended before its RDCleanPath request came closes the certificate check\u2019s connection it held', () => {
  const registry = new SessionRegistry();
  try {
    const session = registry.create('profile-1', 'rdp', '127.0.0.1', 3389);
    let released = 0;
    session.heldTransport = { release: () => released++ } as unknown as NonNullable<typeof session.heldTransport>;
    registry.end(session, 'user-ended');
    assert.equal(released, 1);
  } finally {
    registry.close();
  }
});
