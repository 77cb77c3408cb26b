import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { queueBlitsFromTheirOffset, type NoVncBlitDisplay } from '../../../renderer/protocols/vnc/queuedBlits';

// noVNC's own Display (the code the app runs), on stand-ins for a canvas that
// record what is put on it: the bug is in noVNC's code, so the test runs it.
interface Put {
  x: number;
  y: number;
  width: number;
  height: number;
  pixels: number[];
}

interface PendingFrame {
  ready: boolean;
  frame: { close(): void } | null;
  promise: Promise<void>;
}

type Display = NoVncBlitDisplay & {
  blitImage: NonNullable<NoVncBlitDisplay['blitImage']>;
  _renderQPush(action: object): void;
  pending(): boolean;
};

function fakeCanvas(puts: Put[]) {
  const context = {
    putImageData(image: { data: Uint8ClampedArray; width: number; height: number }, x: number, y: number) {
      puts.push({ x, y, width: image.width, height: image.height, pixels: Array.from(image.data) });
    },
    drawImage() {},
  };
  return { width: 0, height: 0, getContext: () => context };
}

async function noVncDisplay(): Promise<{ display: Display; puts: Put[] }> {
  const puts: Put[] = [];
  const globals = globalThis as Record<string, unknown>;
  globals.document ??= { createElement: () => fakeCanvas(puts) };
  globals.navigator ??= { userAgent: 'test' };
  globals.window ??= { console, Error };
  globals.ImageData ??= class {
    constructor(
      readonly data: Uint8ClampedArray,
      readonly width: number,
      readonly height: number,
    ) {}
  };
  (globals.document as { createElement: () => unknown }).createElement = () => fakeCanvas(puts);
  const url = pathToFileURL(path.resolve('node_modules/@novnc/novnc/core/display.js')).href;
  const { default: DisplayClass } = (await import(url)) as { default: new (target: unknown) => Display };
  return { display: new DisplayClass(fakeCanvas([])), puts };
}

/**
 * What noVNC's Raw decoder does behind a JPEG rectangle still decoding: the
 * rectangle's pixels are a view into the receive queue, starting at byte 16;
 * the receive queue is then reused for the next message before the JPEG
 * rectangle is ready and the queue drawn.
 */
async function rawBehindPendingJpeg(display: Display, puts: Put[]): Promise<{ expected: number[] }> {
  let decoded!: () => void;
  const pending: PendingFrame = { ready: false, frame: null, promise: new Promise<void>((resolve) => (decoded = resolve)) };
  display._renderQPush({ type: 'frame', frame: pending, x: 0, y: 0, width: 8, height: 8 });
  assert.equal(display.pending(), true, 'the JPEG rectangle waits in the render queue');

  const receiveQueue = new Uint8Array(64).fill(0xee);
  const expected = [10, 20, 30, 255, 40, 50, 60, 255];
  receiveQueue.set(expected, 16);
  display.blitImage(3, 1, 2, 1, receiveQueue.subarray(16, 24), 0);
  receiveQueue.fill(0x11); // the next message overwrites the receive queue

  pending.frame = { close() {} };
  pending.ready = true;
  decoded();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(display.pending(), false, 'the queue has been drawn');
  assert.equal(puts.length, 1);
  return { expected };
}

test('a Raw rectangle queued behind a JPEG rectangle still decoding is drawn with its own pixels', async () => {
  const { display, puts } = await noVncDisplay();
  assert.equal(queueBlitsFromTheirOffset(display), true);
  const { expected } = await rawBehindPendingJpeg(display, puts);
  assert.deepEqual(puts[0], { x: 3, y: 1, width: 2, height: 1, pixels: expected });
});

test('the offset noVNC is given counts too, and an unqueued rectangle is drawn at once from where it is', async () => {
  const { display, puts } = await noVncDisplay();
  queueBlitsFromTheirOffset(display);
  const received = new Uint8Array([9, 9, 9, 9, 1, 2, 3, 255]);
  display.blitImage(0, 0, 1, 1, received, 4);
  assert.deepEqual(puts[0]?.pixels, [1, 2, 3, 255]);

  let decoded!: () => void;
  const pending: PendingFrame = { ready: false, frame: null, promise: new Promise<void>((resolve) => (decoded = resolve)) };
  display._renderQPush({ type: 'frame', frame: pending, x: 0, y: 0, width: 1, height: 1 });
  display.blitImage(0, 0, 1, 1, received, 4);
  received.fill(0);
  pending.frame = { close() {} };
  pending.ready = true;
  decoded();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(puts[1]?.pixels, [1, 2, 3, 255]);
});

// When this fails, noVNC has fixed its copy and queuedBlits.ts can go.
test('noVNC 1.7 alone copies a queued rectangle from the start of its buffer (the bug queuedBlits.ts works around)', async () => {
  const { display, puts } = await noVncDisplay();
  const { expected } = await rawBehindPendingJpeg(display, puts);
  assert.notDeepEqual(puts[0]?.pixels, expected);
  assert.deepEqual(puts[0]?.pixels, [0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
});

test("without what it relies on (another noVNC), noVNC's own blitImage stays", () => {
  const own = () => {};
  const display: NoVncBlitDisplay = { blitImage: own };
  assert.equal(queueBlitsFromTheirOffset(display), false);
  assert.equal(display.blitImage, own);
});
