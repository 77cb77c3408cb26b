import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adaptFarUpdates,
  FarUpdateChooser,
  JUDGED,
  LARGE_UPDATE_BYTES,
  TRY_STREAMING_AFTER_MS,
  TRY_STREAMING_MAX_MS,
  SETTLE_MS,
  SLOW_ROUND_TRIPS,
  SMALL_RUN,
  type FarUpdateMode,
  type NoVncFarInternals,
  type NoVncFarMessages,
} from '../../../renderer/protocols/vnc/farUpdates';

const LARGE = LARGE_UPDATE_BYTES + 1;
const SMALL = 2_000;
const RTT = 20;
/** Streaming: an interval that counts as slow (the page behind). */
const SLOW = SLOW_ROUND_TRIPS * RTT + 1;

/** Streaming: an interval the page keeps up with. */
const KEEPING_UP = SLOW_ROUND_TRIPS * RTT - 1;

/** Streams `chooser` large updates the page keeps up with through the settling time; returns when the last was read. */
function settle(chooser: FarUpdateChooser): number {
  let at = 0;
  for (; at + KEEPING_UP < SETTLE_MS; at += KEEPING_UP) assert.equal(chooser.updateRead(at, LARGE), null);
  return at;
}

/** Feeds `chooser` updates of `bytes`, each `gap` ms after the one before (the first at `from`); returns the switches it asked for. */
function feed(chooser: FarUpdateChooser, count: number, bytes: number, gap: number, from = 0): (FarUpdateMode | null)[] {
  return Array.from({ length: count }, (_, i) => chooser.updateRead(from + i * gap, bytes));
}

/** A chooser switched to asking (settled, then JUDGED slow updates). */
function asking(): FarUpdateChooser {
  const chooser = new FarUpdateChooser(RTT);
  const last = settle(chooser);
  assert.equal(feed(chooser, JUDGED, LARGE, SLOW, last + SLOW).at(-1), 'asking');
  return chooser;
}

test('streaming, large updates read more than two round trips apart (the median of the last five) switch to asking', () => {
  const chooser = new FarUpdateChooser(RTT);
  const last = settle(chooser);
  assert.deepEqual(feed(chooser, JUDGED, LARGE, SLOW, last + SLOW), [...new Array<null>(JUDGED - 1).fill(null), 'asking']);
  assert.equal(chooser.mode, 'asking');
});

test('the first half second of streaming is not judged: slow pictures then switch only once five after it are slow', () => {
  const chooser = new FarUpdateChooser(RTT);
  // 200 ms apart from the first: 0, 200, 400 settle; 600 … 1400 are judged.
  const settling = Math.ceil(SETTLE_MS / 200);
  const switches = feed(chooser, settling + JUDGED, LARGE, 200);
  assert.deepEqual(switches.slice(0, -1), new Array(settling + JUDGED - 1).fill(null));
  assert.equal(switches.at(-1), 'asking');
});

test('streaming stays while the page keeps up with large updates, through a few late ones, and for small updates however slowly they come', () => {
  const keepingUp = new FarUpdateChooser(RTT);
  assert.ok(feed(keepingUp, 50, LARGE, KEEPING_UP).every((next) => next === null));
  // Two late pictures among every five (a median of five): the page mostly keeps up.
  const jittery = new FarUpdateChooser(RTT);
  let at = 0;
  const late = Math.floor((JUDGED - 1) / 2);
  for (let i = 0; i < 100; i++) assert.equal(jittery.updateRead((at += i % JUDGED < late ? 200 : 23), LARGE), null);
  const typing = new FarUpdateChooser(RTT);
  assert.ok(feed(typing, 50, SMALL, 500).every((next) => next === null), 'typing-like changes');
  assert.equal(typing.mode, 'streaming');
});

test('a small update starts the judging again', () => {
  const chooser = new FarUpdateChooser(RTT);
  let at = settle(chooser);
  const next = (gap: number, bytes: number) => chooser.updateRead((at += gap), bytes);
  for (let i = 0; i < JUDGED - 1; i++) assert.equal(next(SLOW, LARGE), null);
  assert.equal(next(SLOW, SMALL), null); // a cursor moved
  for (let i = 0; i < JUDGED - 1; i++) assert.equal(next(SLOW, LARGE), null);
  assert.equal(next(SLOW, LARGE), 'asking');
});

test('asking, five small updates in a row switch back to streaming', () => {
  const chooser = asking();
  assert.deepEqual(feed(chooser, SMALL_RUN, SMALL, 500, 1000), [null, null, null, null, 'streaming']);
  assert.equal(chooser.mode, 'streaming');
});

test('asking stays for large updates however quickly they come (asked, the page is faster than streamed), and a large update breaks a run of small ones', () => {
  const chooser = asking();
  // Asking from the first update read after the switch (at 1000), until streaming is tried again.
  assert.ok(feed(chooser, 40, LARGE, RTT + 1, 1000).every((next) => next === null));
  assert.ok(feed(chooser, 15, LARGE, 10 * RTT, 2000).every((next) => next === null));
  feed(chooser, SMALL_RUN - 1, SMALL, 10, 5000);
  assert.equal(chooser.updateRead(5100, LARGE), null);
  assert.deepEqual(feed(chooser, SMALL_RUN, SMALL, 10, 5200), [null, null, null, null, 'streaming']);
});

/** Feeds a chooser that asks large updates `gap` ms apart from `from` until it switches; returns when it did. */
function untilSwitch(chooser: FarUpdateChooser, from: number, gap: number, bytes = LARGE): number {
  for (let at = from; at < from + 10 * TRY_STREAMING_MAX_MS; at += gap) if (chooser.updateRead(at, bytes) !== null) return at;
  assert.fail('no switch');
}

test('asking, streaming is tried again after a while: a try the page does not keep up with asks again, and the next try waits twice as long, up to a limit', () => {
  const chooser = asking();
  let asked = 1000;
  let wait = TRY_STREAMING_AFTER_MS;
  for (let tries = 0; tries < 7; tries++) {
    const tried = untilSwitch(chooser, asked, 50);
    assert.equal(chooser.mode, 'streaming');
    assert.ok(tried - asked >= wait && tried - asked < wait + 50, `try ${tries + 1} after ${tried - asked} ms, expected ${wait}`);
    // Judged at once (no settling): the first read only starts the timing, then JUDGED slow intervals.
    assert.deepEqual(feed(chooser, JUDGED + 1, LARGE, SLOW, tried + SLOW), [...new Array<null>(JUDGED).fill(null), 'asking']);
    asked = tried + (JUDGED + 2) * SLOW;
    wait = Math.min(2 * wait, TRY_STREAMING_MAX_MS);
  }
  assert.equal(wait, TRY_STREAMING_MAX_MS);
});

test('a try of streaming the page keeps up with stays streaming, and after another switch to asking the next try waits the shortest time again', () => {
  const chooser = asking();
  // One failed try first: the wait doubles.
  let tried = untilSwitch(chooser, 1000, 50);
  feed(chooser, JUDGED + 1, LARGE, SLOW, tried + SLOW);
  tried = untilSwitch(chooser, tried + 10_000, 50);
  // This try keeps up: it stays streaming, for as long as the page keeps up.
  assert.ok(feed(chooser, 200, LARGE, KEEPING_UP, tried + KEEPING_UP).every((next) => next === null));
  assert.equal(chooser.mode, 'streaming');
  // Later too slow: asking, and tried again after the shortest wait (the page kept up last time).
  const asked = untilSwitch(chooser, tried + 201 * KEEPING_UP, SLOW);
  assert.equal(chooser.mode, 'asking');
  assert.ok(untilSwitch(chooser, asked + 100, 50) - (asked + 100) < TRY_STREAMING_AFTER_MS + 50);
});

test('small updates switching back to streaming make the next try wait the shortest time again', () => {
  const chooser = asking();
  const tried = untilSwitch(chooser, 1000, 50);
  feed(chooser, JUDGED + 1, LARGE, SLOW, tried + SLOW); // asking again; the next try would wait twice as long
  assert.equal(feed(chooser, SMALL_RUN, SMALL, 100, tried + 1000).at(-1), 'streaming');
  const asked = untilSwitch(chooser, tried + 2000, SLOW);
  assert.equal(chooser.mode, 'asking');
  assert.ok(untilSwitch(chooser, asked + 100, 50) - (asked + 100) < TRY_STREAMING_AFTER_MS + 50);
});

/**
 * noVNC 1.7 as far as this relies on it (core/rfb.js): its receive queue, its
 * message loop (a FramebufferUpdate read, then an update request unless
 * continuous updates are on; EndOfContinuousUpdates turning them off), and
 * RFB.messages. An update here is a FramebufferUpdate message whose
 * rectangles are `bytes` long in all; it may arrive in pieces.
 */
function fakeNoVnc(options: { far?: number | null } = {}) {
  const queue: number[] = [];
  let received = 0;
  let time = 0;
  const sent: string[] = [];
  const bodies: number[] = [];
  let remaining = 0;
  const messages: NoVncFarMessages = {
    enableContinuousUpdates: (_sock, enable, _x, _y, width, height) => void sent.push(`continuous updates ${enable ? 'on' : 'off'} ${width}x${height}`),
  };
  const sock = { rQlen: () => queue.length, rQpeek8: () => queue[0]! };
  const rfb: NoVncFarInternals & { _handleAll(): void } = {
    _sock: sock,
    _FBU: { rects: 0 },
    _fbWidth: 1920,
    _fbHeight: 1080,
    _enabledContinuousUpdates: true,
    _framebufferUpdate() {
      if (this._FBU!.rects === 0) {
        if (queue.length < 3) return false;
        queue.splice(0, 3);
        this._FBU!.rects = 1;
        remaining = bodies.shift()!;
      }
      const take = Math.min(remaining, queue.length);
      queue.splice(0, take);
      remaining -= take;
      if (remaining > 0) return false;
      this._FBU!.rects = 0;
      return true;
    },
    _normalMsg() {
      const type = this._FBU!.rects > 0 ? 0 : queue.shift()!;
      if (type === 0) {
        const done = this._framebufferUpdate!();
        if (done && !this._enabledContinuousUpdates) sent.push('update request');
        return done;
      }
      if (type === 150) {
        this._enabledContinuousUpdates = false;
        return true;
      }
      throw new Error(`unexpected message ${type}`);
    },
    _updateContinuousUpdates() {
      if (this._enabledContinuousUpdates) messages.enableContinuousUpdates!(sock, true, 0, 0, this._fbWidth!, this._fbHeight!);
    },
    _handleAll() {
      while (queue.length > 0 && this._normalMsg!()) { /* the next message */ }
    },
  };
  const asking: boolean[] = [];
  const changes: FarUpdateMode[] = [];
  const adapted = adaptFarUpdates(rfb, messages, {
    farRoundTrip: () => (options.far === undefined ? RTT : options.far),
    receivedBytes: () => received,
    setAsking: (value) => void asking.push(value),
    changed: (mode) => void changes.push(mode),
    now: () => time,
  });
  const arrive = (bytes: number[]) => {
    queue.push(...bytes);
    received += bytes.length;
    rfb._handleAll();
  };
  return {
    rfb,
    adapted,
    sent,
    asking,
    changes,
    /** An update of `bytes` read at `at` ms, in `pieces` WebSocket messages. */
    update(at: number, bytes: number, pieces = 1) {
      time = at;
      bodies.push(bytes - 4);
      const whole = [0, 0, 0, 1, ...new Array<number>(bytes - 4).fill(0)];
      const size = Math.ceil(whole.length / pieces);
      for (let from = 0; from < whole.length; from += size) arrive(whole.slice(from, from + size));
    },
    endOfContinuousUpdates: () => arrive([150]),
  };
}

test('a far session turns continuous updates off after slow large updates, judges nothing until the server confirms, then asks after each update', () => {
  const novnc = fakeNoVnc();
  assert.equal(novnc.adapted, true);
  // Settling (the first half second), then five judged.
  const count = Math.ceil(SETTLE_MS / SLOW) + JUDGED;
  for (let i = 0; i < count - 1; i++) novnc.update(i * SLOW, LARGE + 100);
  assert.equal(novnc.sent.length, 0, 'nothing sent while settling and judging');
  novnc.update((count - 1) * SLOW, LARGE + 100);
  assert.deepEqual(novnc.sent, ['continuous updates off 1920x1080', 'update request'], 'off, and noVNC asks for the next itself');
  assert.deepEqual(novnc.asking, [true], 'requests held until drawn from now on');
  assert.equal(novnc.rfb._enabledContinuousUpdates, false, 'so a resize does not turn them on again (noVNC _resize)');
  assert.deepEqual(novnc.changes, [], 'not yet: the server has not confirmed');

  // Updates streamed before the server read the message: neither judged nor answered with a second "off".
  for (let i = 0; i < 6; i++) novnc.update((count + i) * SLOW, i % 2 ? SMALL : LARGE);
  assert.equal(novnc.sent.filter((message) => message.startsWith('continuous updates')).length, 1);
  novnc.endOfContinuousUpdates();
  assert.deepEqual(novnc.changes, ['asking']);
  assert.equal(novnc.rfb._enabledContinuousUpdates, false);

  // Typing-like changes again: streaming resumes after five.
  const before = novnc.sent.length;
  for (let i = 0; i < SMALL_RUN; i++) novnc.update(5000 + i * 300, SMALL);
  assert.deepEqual(novnc.sent.slice(before), ['update request', 'update request', 'update request', 'update request', 'continuous updates on 1920x1080']);
  assert.deepEqual(novnc.asking, [true, false]);
  assert.deepEqual(novnc.changes, ['asking', 'streaming']);
  assert.equal(novnc.rfb._enabledContinuousUpdates, true);
});

test('an update counts whole however many messages it came in', () => {
  const novnc = fakeNoVnc();
  // Each in five pieces of ≈10 KB: only the whole is large.
  for (let i = 0; i < Math.ceil(SETTLE_MS / SLOW) + JUDGED; i++) novnc.update(i * SLOW, LARGE + 100, 5);
  assert.deepEqual(novnc.sent[0], 'continuous updates off 1920x1080');
});

test('a far session whose page keeps up, a near session, and one streaming not yet on stay as they are', () => {
  const keepingUp = fakeNoVnc();
  for (let i = 0; i < 30; i++) keepingUp.update(i * (SLOW_ROUND_TRIPS * RTT - 2), LARGE + 100);
  assert.deepEqual(keepingUp.sent, []);

  const near = fakeNoVnc({ far: null });
  for (let i = 0; i < 30; i++) near.update(i * 500, LARGE + 100);
  assert.deepEqual(near.sent, []);
  assert.deepEqual(near.changes, []);

  // A server that never turned continuous updates on (noVNC asks after each update itself).
  const without = fakeNoVnc();
  without.rfb._enabledContinuousUpdates = false;
  for (let i = 0; i < 30; i++) without.update(i * 500, LARGE + 100);
  assert.ok(without.sent.every((message) => message === 'update request'));
  assert.deepEqual(without.changes, []);
});

test("without what it relies on (another noVNC), noVNC's own behaviour stays", () => {
  const rfb: NoVncFarInternals = { _FBU: { rects: 0 } };
  const hooks = { farRoundTrip: () => RTT, receivedBytes: () => 0, setAsking: () => {}, changed: () => {} };
  assert.equal(adaptFarUpdates(rfb, {}, hooks), false);
  assert.equal(rfb._framebufferUpdate, undefined);
});
