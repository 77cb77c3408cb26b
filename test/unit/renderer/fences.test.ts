import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerFencesAfterDrawing, nextIsBlockingFence, type NoVncRfbInternals } from '../../../renderer/protocols/vnc/fences';

/** ServerFence (type 248): three bytes of padding, flags, payload length, payload. */
function serverFence(flags: number, payload = [1]): number[] {
  return [248, 0, 0, 0, (flags >>> 24) & 0xff, (flags >>> 16) & 0xff, (flags >>> 8) & 0xff, flags & 0xff, payload.length, ...payload];
}
const REQUEST_BLOCK_BEFORE = 0x8000_0001;

// A stand-in for noVNC's RFB: a receive queue of bytes, a display whose drawing
// can be held back, and a message loop shaped like noVNC's _handleMessage.
function fakeRfb(bytes: number[]) {
  let queue = bytes.slice();
  let drawing: Promise<void> | null = null;
  let finishDrawing!: () => void;
  const handled: number[] = [];
  const rfb: NoVncRfbInternals & { hold(): void; release(): void; handled: number[] } = {
    handled,
    _sock: {
      rQlen: () => queue.length,
      rQpeekBytes: (length: number) => new Uint8Array(queue.slice(0, length)),
    },
    _display: {
      pending: () => drawing !== null,
      flush: () => drawing ?? Promise.resolve(),
    },
    _FBU: { rects: 0 },
    _flushing: false,
    // noVNC's reading of one whole message (here: a fence is 10 bytes, anything else 1).
    _normalMsg() {
      const type = queue[0]!;
      queue = queue.slice(type === 248 ? 10 : 1);
      handled.push(type);
      return true;
    },
    _handleMessage() {
      while (!this._flushing && queue.length > 0 && this._normalMsg!()) {
        /* as noVNC's loop */
      }
    },
    hold() {
      drawing = new Promise<void>((resolve) => (finishDrawing = resolve)).then(() => {
        drawing = null;
      });
    },
    release() {
      finishDrawing();
    },
  };
  return rfb;
}

test('a fence flagged BlockBefore is read (and so answered) only after everything before it is drawn', async () => {
  const rfb = fakeRfb([0, ...serverFence(REQUEST_BLOCK_BEFORE), 3]);
  assert.equal(answerFencesAfterDrawing(rfb), true);
  rfb.hold(); // the update's pictures are still being decoded
  rfb._handleMessage!();
  assert.deepEqual(rfb.handled, [0], 'the update is read, the fence waits');
  assert.equal(rfb._flushing, true);
  rfb.release();
  await rfb._display!.flush!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(rfb.handled, [0, 248, 3], 'then the fence and what follows it, in order');
  assert.equal(rfb._flushing, false);
});

test('with nothing left to draw, or a fence that does not ask to block, reading goes straight on', () => {
  const idle = fakeRfb([...serverFence(REQUEST_BLOCK_BEFORE), 3]);
  answerFencesAfterDrawing(idle);
  idle._handleMessage!();
  assert.deepEqual(idle.handled, [248, 3]);

  const notBlocking = fakeRfb([...serverFence(0x8000_0002), 3]); // BlockAfter only
  answerFencesAfterDrawing(notBlocking);
  notBlocking.hold();
  notBlocking._handleMessage!();
  assert.deepEqual(notBlocking.handled, [248, 3]);
});

test('inside an update (between its rectangles) the next bytes are never taken for a fence', () => {
  const rfb = fakeRfb([...serverFence(REQUEST_BLOCK_BEFORE)]);
  answerFencesAfterDrawing(rfb);
  rfb._FBU!.rects = 2;
  rfb.hold();
  rfb._handleMessage!();
  assert.deepEqual(rfb.handled, [248]);
});

test('a fence header still arriving is not decided on', () => {
  const partial = serverFence(REQUEST_BLOCK_BEFORE).slice(0, 6);
  assert.equal(nextIsBlockingFence({ rQlen: () => partial.length, rQpeekBytes: (n) => new Uint8Array(partial.slice(0, n)) }), false);
  const whole = serverFence(REQUEST_BLOCK_BEFORE);
  assert.equal(nextIsBlockingFence({ rQlen: () => whole.length, rQpeekBytes: (n) => new Uint8Array(whole.slice(0, n)) }), true);
  const response = serverFence(0x0000_0001); // not a request
  assert.equal(nextIsBlockingFence({ rQlen: () => response.length, rQpeekBytes: (n) => new Uint8Array(response.slice(0, n)) }), false);
});

test("without what it relies on (another noVNC), noVNC's own behaviour stays", () => {
  const rfb = fakeRfb([]);
  delete rfb._display;
  const own = rfb._normalMsg;
  assert.equal(answerFencesAfterDrawing(rfb), false);
  assert.equal(rfb._normalMsg, own);
});
