import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDrawingQueue, type DrawingQueue } from '../../../renderer/protocols/vnc/drawingQueue';
import {
  askForUpdatesWhenNear,
  asksForUpdates,
  CONTINUOUS_UPDATES,
  farRoundTrip,
  filterEncodings,
  NEAR_SERVER_MS,
  setFarAsking,
  useGatewayRoundTrip,
  type NoVncMessages,
  type WatchedSocket,
} from '../../../renderer/protocols/vnc/updateRequests';

// noVNC 1.7's encodings list, in its order (core/rfb.js _sendEncodings, without H.264).
const NOVNC_ENCODINGS = [1, 7, -260, 16, 21, 5, 2, 6, 0, -26, -254, -223, -224, -258, -261, -308, -309, -312, -313, -307, -1063131698, -316, 0x574d5664, -239];

function fakeMessages() {
  const sent: number[][] = [];
  const requests: [object, boolean][] = [];
  const messages: NoVncMessages = {
    clientEncodings: (_sock, encodings) => void sent.push(encodings),
    fbUpdateRequest: (sock, incremental) => void requests.push([sock, incremental]),
  };
  return { messages, sent, requests };
}

/** noVNC's render queue as far as update requests see it: pictures read but not yet drawn. */
function fakeDrawing() {
  let waiting = 0;
  let drawn: (() => void) | null = null;
  let promise: Promise<void> | null = null;
  const drawing: DrawingQueue = {
    pending: () => waiting > 0,
    flush: () => {
      if (waiting === 0) return Promise.resolve();
      promise ??= new Promise<void>((resolve) => (drawn = resolve));
      return promise;
    },
  };
  return {
    drawing,
    read: (pictures: number) => void (waiting += pictures),
    /** Draws everything read, as noVNC's queue does once the last decode is done. */
    drawAll: async () => {
      waiting = 0;
      drawn?.();
      drawn = null;
      promise = null;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** A session named with `sock` and `drawing`, whose handshake found its server `ms` away. */
function timedSession(messages: NoVncMessages, sock: object, drawing: DrawingQueue | undefined, ms: number): void {
  const wire = fakeSocket();
  askForUpdatesWhenNear(wire.socket, undefined, wire.now)(sock, drawing);
  roundTrip(wire, 0, ms);
  messages.clientEncodings!(sock, NOVNC_ENCODINGS);
}

/** A WebSocket stand-in with a clock the test moves. */
function fakeSocket() {
  const listeners = new Set<() => void>();
  const sent: unknown[] = [];
  let time = 0;
  const socket: WatchedSocket = {
    send: (data) => void sent.push(data),
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
  };
  return {
    socket,
    sent,
    now: () => time,
    at: (ms: number) => (time = ms),
    receive: () => [...listeners].forEach((listener) => listener()),
  };
}

/** One handshake round trip: the page sends at `sentAt`, the server's answer arrives `ms` later. */
function roundTrip(wire: ReturnType<typeof fakeSocket>, sentAt: number, ms: number): void {
  wire.at(sentAt);
  wire.socket.send(`message at ${sentAt}`);
  wire.at(sentAt + ms);
  wire.receive();
}

test('a session near its server leaves continuous updates out of its encodings, and only that session', () => {
  const { messages, sent } = fakeMessages();
  assert.equal(filterEncodings(messages), true);
  const near = {};
  const far = {};
  const wire = fakeSocket();
  const decisions: [number, boolean][] = [];
  askForUpdatesWhenNear(wire.socket, (shortest, asking) => decisions.push([shortest, asking]), wire.now)(near);
  wire.at(5);
  wire.receive(); // the server's greeting: the page has sent nothing yet, so no round trip
  roundTrip(wire, 100, 2); // version → security types
  roundTrip(wire, 200, NEAR_SERVER_MS); // security type → result
  assert.deepEqual(wire.sent, ['message at 100', 'message at 200'], 'the page still sends what it sends');
  assert.equal(asksForUpdates(near), false, 'undecided until noVNC sends its encodings');

  messages.clientEncodings!(near, NOVNC_ENCODINGS);
  messages.clientEncodings!(far, NOVNC_ENCODINGS);
  assert.deepEqual(decisions, [[2, true]]);
  assert.equal(asksForUpdates(near), true);
  assert.deepEqual(sent[0], NOVNC_ENCODINGS.filter((encoding) => encoding !== CONTINUOUS_UPDATES));
  assert.equal(sent[0]!.length, NOVNC_ENCODINGS.length - 1, 'everything else stays, in order');
  assert.deepEqual(sent[1], NOVNC_ENCODINGS, 'a session that was not timed streams as noVNC does');
});

test('the shortest round trip decides: a page busy during one of them still finds its server near', () => {
  const { messages, sent } = fakeMessages();
  filterEncodings(messages);
  const sock = {};
  const wire = fakeSocket();
  askForUpdatesWhenNear(wire.socket, undefined, wire.now)(sock);
  roundTrip(wire, 0, 40);
  roundTrip(wire, 100, 3);
  roundTrip(wire, 200, 25);
  messages.clientEncodings!(sock, NOVNC_ENCODINGS);
  assert.equal(sent[0]!.includes(CONTINUOUS_UPDATES), false);
});

test('a server farther than the limit keeps streaming, and the choice stays when the encodings are sent again', () => {
  const { messages, sent } = fakeMessages();
  filterEncodings(messages);
  const sock = {};
  const wire = fakeSocket();
  const decisions: [number, boolean][] = [];
  askForUpdatesWhenNear(wire.socket, (shortest, asking) => decisions.push([shortest, asking]), wire.now)(sock);
  roundTrip(wire, 0, NEAR_SERVER_MS + 15);
  roundTrip(wire, 100, NEAR_SERVER_MS + 5);
  messages.clientEncodings!(sock, NOVNC_ENCODINGS);
  // After the handshake round trips are no longer timed (an update request's answer waits for a change).
  roundTrip(wire, 1000, 1);
  messages.clientEncodings!(sock, NOVNC_ENCODINGS); // a new picture quality: noVNC sends the list again
  assert.deepEqual(decisions, [[NEAR_SERVER_MS + 5, false]]);
  assert.equal(asksForUpdates(sock), false);
  assert.deepEqual(sent, [NOVNC_ENCODINGS, NOVNC_ENCODINGS]);
});

test("noVNC's answer to a message is not taken for that message's answer (this listens before noVNC)", () => {
  const { messages, sent } = fakeMessages();
  filterEncodings(messages);
  const sock = {};
  const wire = fakeSocket();
  const name = askForUpdatesWhenNear(wire.socket, undefined, wire.now);
  // noVNC attaches after: on each message from the server it answers at once.
  wire.socket.addEventListener('message', () => wire.socket.send('answer'));
  name(sock);
  wire.at(0);
  wire.receive(); // greeting → noVNC sends its version at 0
  wire.at(30);
  wire.receive(); // security types, 30 ms later → noVNC answers at 30
  wire.at(61);
  wire.receive(); // security result, 31 ms later
  messages.clientEncodings!(sock, NOVNC_ENCODINGS);
  assert.deepEqual(sent[0], NOVNC_ENCODINGS, 'the server is 30 ms away: it streams');
});

test('a session with no round trip timed (no answer came before the encodings) streams', () => {
  const { messages, sent } = fakeMessages();
  filterEncodings(messages);
  const sock = {};
  const wire = fakeSocket();
  askForUpdatesWhenNear(wire.socket, undefined, wire.now)(sock);
  messages.clientEncodings!(sock, NOVNC_ENCODINGS);
  assert.deepEqual(sent[0], NOVNC_ENCODINGS);
});

test('noVNC messages are wrapped once however many sessions start', () => {
  const { messages, sent, requests } = fakeMessages();
  filterEncodings(messages);
  const first = messages.clientEncodings;
  const firstRequest = messages.fbUpdateRequest;
  filterEncodings(messages);
  assert.equal(messages.clientEncodings, first);
  assert.equal(messages.fbUpdateRequest, firstRequest);
  messages.clientEncodings!({}, [1, -313]);
  messages.fbUpdateRequest!({}, true, 0, 0, 1, 1);
  assert.equal(sent.length, 1);
  assert.equal(requests.length, 1);
});

test("without what it relies on (another noVNC), noVNC's encodings stay", () => {
  const messages: NoVncMessages = {};
  assert.equal(filterEncodings(messages), false);
  assert.equal(messages.clientEncodings, undefined);
});

test('a session asking for updates asks for the next once the pictures it has read are drawn, not while they are decoded', async () => {
  const { messages, requests } = fakeMessages();
  filterEncodings(messages);
  const sock = {};
  const page = fakeDrawing();
  timedSession(messages, sock, page.drawing, 2);
  messages.fbUpdateRequest!(sock, false, 0, 0, 1024, 768); // the first, whole picture: never held
  assert.deepEqual(requests, [[sock, false]]);

  page.read(12); // an update's twelve JPEG rectangles, being decoded
  messages.fbUpdateRequest!(sock, true, 0, 0, 1024, 768); // noVNC asks as soon as it has read them
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(requests.length, 1, 'held while the pictures are decoded');
  messages.fbUpdateRequest!(sock, true, 0, 0, 1024, 768); // a second ask while held is the same ask
  await page.drawAll();
  assert.deepEqual(requests, [[sock, false], [sock, true]], 'sent once, when drawn');

  messages.fbUpdateRequest!(sock, true, 0, 0, 1024, 768); // nothing waits to be drawn: at once
  assert.deepEqual(requests.at(-1), [sock, true]);
  assert.equal(requests.length, 3);
});

test('a streaming session, one not timed and one without a drawing queue send their requests at once', () => {
  const { messages, requests } = fakeMessages();
  filterEncodings(messages);
  const far = {};
  const untimed = {};
  const unnamed = {};
  const page = fakeDrawing();
  page.read(3);
  timedSession(messages, far, page.drawing, NEAR_SERVER_MS + 1);
  timedSession(messages, unnamed, undefined, 2);
  for (const sock of [far, untimed, unnamed]) messages.fbUpdateRequest!(sock, true, 0, 0, 10, 10);
  assert.deepEqual(requests, [[far, true], [untimed, true], [unnamed, true]]);
  assert.equal(isDrawingQueue({ pending: () => false, flush: () => Promise.resolve() }), true);
  assert.equal(isDrawingQueue({ pending: () => false }), false);
});

test('a far session switched to asking (farUpdates.ts) holds its requests until drawn, keeps continuous updates in its encodings, and sends at once again when it streams', async () => {
  const { messages, sent, requests } = fakeMessages();
  filterEncodings(messages);
  const far = {};
  const near = {};
  const page = fakeDrawing();
  timedSession(messages, far, page.drawing, 23);
  timedSession(messages, near, undefined, 2);
  assert.equal(farRoundTrip(far), 23, 'the handshake\u2019s shortest, for a far session');
  assert.equal(farRoundTrip(near), null, 'a near session is not far');
  assert.equal(farRoundTrip({}), null, 'nor one never timed');

  setFarAsking(far, true);
  page.read(4);
  messages.fbUpdateRequest!(far, true, 0, 0, 1920, 1080);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(requests.length, 0, 'held while the pictures are decoded');
  await page.drawAll();
  assert.deepEqual(requests, [[far, true]], 'sent once drawn');
  // A new picture quality sends the encodings again: continuous updates stay offered, to be turned on again later.
  messages.clientEncodings!(far, NOVNC_ENCODINGS);
  assert.deepEqual(sent.at(-1), NOVNC_ENCODINGS);

  setFarAsking(far, false);
  page.read(4);
  messages.fbUpdateRequest!(far, true, 0, 0, 1920, 1080);
  assert.deepEqual(requests, [[far, true], [far, true]], 'streaming again: not held');
});

test('where the gateway signed in, its round trip to the server decides, not the page\'s handshake with the gateway', () => {
  const { messages, sent } = fakeMessages();
  filterEncodings(messages);
  const far = {};
  const wire = fakeSocket();
  const decisions: [number, boolean][] = [];
  askForUpdatesWhenNear(wire.socket, (shortest, asking) => decisions.push([shortest, asking]), wire.now)(far);
  // The gateway's figure comes first; the page's exchanges with the gateway are answered at once.
  useGatewayRoundTrip(far, 42);
  roundTrip(wire, 100, 0.5);
  roundTrip(wire, 200, 0.4);
  messages.clientEncodings!(far, NOVNC_ENCODINGS);
  assert.deepEqual(decisions, [[42, false]]);
  assert.deepEqual(sent[0], NOVNC_ENCODINGS, 'a far server streams');
  assert.equal(farRoundTrip(far), 42);

  // A near one, found near by the gateway.
  const near = {};
  const wire2 = fakeSocket();
  askForUpdatesWhenNear(wire2.socket, undefined, wire2.now)(near);
  useGatewayRoundTrip(near, 0.3);
  messages.clientEncodings!(near, NOVNC_ENCODINGS);
  assert.equal(asksForUpdates(near), true);
  // Once decided, a late figure changes nothing.
  useGatewayRoundTrip(near, 500);
  assert.equal(asksForUpdates(near), true);
});
