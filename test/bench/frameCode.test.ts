// The code row decoder: what frameclock.c writes comes back, and a torn or
// blank strip is discarded rather than misread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLOCK, COLS, KEY_GAP_MS, STRIP, FrameNumberUnwrapper, decodeCode, encodeCode, keyPressSchedule, readStrip, stampTime, summarise } from './frameCode';

/** Paints the code row as frameclock.c does, into an RGBA strip as getImageData returns it. */
function paintStrip(bytes: number[]): Uint8ClampedArray {
  const pixels = new Uint8ClampedArray(STRIP.width * STRIP.height * 4);
  for (let y = 0; y < STRIP.height; y++) {
    const blockRow = Math.floor((y + STRIP.y) / BLOCK);
    for (let x = 0; x < STRIP.width; x++) {
      const bit = blockRow * COLS + Math.floor(x / BLOCK);
      const on = (bytes[bit >> 3]! & (0x80 >> (bit & 7))) !== 0;
      pixels.fill(on ? 255 : 0, (y * STRIP.width + x) * 4, (y * STRIP.width + x) * 4 + 3);
      pixels[(y * STRIP.width + x) * 4 + 3] = 255;
    }
  }
  return pixels;
}

test('encode, paint, read and decode give back frame, time and key count', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1.7e12, max: 2.2e12 }), fc.integer({ min: 0, max: 255 }), (frame, time, keys) => {
      const stamp = decodeCode(readStrip(paintStrip(encodeCode(frame, time, keys)), STRIP.width * 4));
      assert.ok(stamp);
      assert.equal(stamp.frame, frame);
      assert.equal(stamp.keys, keys);
      assert.equal(stampTime(stamp.timeLow, time + 37.5), time);
    }),
  );
});

test('a strip that is all black or all white is not a frame', () => {
  assert.equal(decodeCode([0, 0, 0, 0, 0, 0, 0, 0]), null);
  assert.equal(decodeCode([255, 255, 255, 255, 255, 255, 255, 255]), null);
});

test('mid-grey noise from a lossy codec does not flip a block', () => {
  const pixels = paintStrip(encodeCode(4242, 1.8e12, 7));
  for (let i = 0; i < pixels.length; i += 4) for (let c = 0; c < 3; c++) pixels[i + c] = pixels[i + c]! > 127 ? pixels[i + c]! - 90 : pixels[i + c]! + 90;
  assert.equal(decodeCode(readStrip(pixels, STRIP.width * 4))?.frame, 4242);
});

test('a read torn between two frames fails the check value', () => {
  const a = encodeCode(1000, 1.8e12, 1);
  const b = encodeCode(1001, 1.8e12 + 17, 1);
  let mixed = 0;
  let caught = 0;
  for (let cut = 1; cut < 8; cut++) {
    const torn = [...b.slice(0, cut), ...a.slice(cut)];
    if (torn.every((v, i) => v === a[i]) || torn.every((v, i) => v === b[i])) continue; // the cut fell where both agree
    mixed++;
    if (decodeCode(torn) === null) caught++;
  }
  assert.ok(mixed >= 3);
  assert.equal(caught, mixed);
});

test('time and frame numbers unwrap across their wrap points', () => {
  const now = 2 ** 32 * 400 + 5; // just after the low 32 bits wrapped
  assert.equal(stampTime((2 ** 32 - 10) >>> 0, now), now - 15);
  const unwrap = new FrameNumberUnwrapper();
  assert.deepEqual([0xfffe, 0xffff, 0, 3].map((n) => unwrap.next(n)), [0xfffe, 0xffff, 0x10000, 0x10003]);
});

test('summary counts frames per second, gaps and percentiles in the window', () => {
  const frames = [0, 1, 2, 5, 6].map((frame, i) => ({ frame, seenAt: 1000 + i * 100, latencyMs: 10 + i, keys: 0 }));
  const s = summarise(frames, 1000, 1500);
  assert.equal(s.framesSeen, 5);
  assert.equal(s.framesPerSecond, 10);
  assert.equal(s.skipped, 2);
  assert.equal(s.latency.p50, 12);
  assert.equal(s.latency.p99, 14);
});

test('summary counts only the torn reads inside the window', () => {
  const frames = [0, 1].map((frame, i) => ({ frame, seenAt: 1000 + i * 100, latencyMs: 10, keys: 0 }));
  // One before the window (a warm-up's), two in it, one at its end (outside: the window is [from, to)).
  assert.equal(summarise(frames, 1000, 1500, [900, 1000, 1499, 1500]).tornReads, 2);
  assert.equal(summarise(frames, 1000, 1500).tornReads, 0);
});

/** The largest share of the frame interval (circular) in which no press falls. */
function largestPhaseGap(at: number[], frameMs: number): number {
  const phases = at.map((t) => (t % frameMs) / frameMs).sort((a, b) => a - b);
  return Math.max(...phases.map((p, i) => (i + 1 < phases.length ? phases[i + 1]! : phases[0]! + 1) - p));
}

test('key presses meet the frame clock at phases spread over its interval, not at one', () => {
  for (const fps of [60, 30]) {
    for (const keys of [5, 8, 20]) {
      const at = keyPressSchedule(keys, fps);
      assert.equal(at.length, keys);
      for (let i = 1; i < keys; i++) assert.ok(at[i]! - at[i - 1]! >= KEY_GAP_MS, 'the picture settles between presses');
      const gap = largestPhaseGap(at, 1000 / fps);
      assert.ok(gap <= 0.3, `${keys} presses at ${fps} frames/s leave ${gap.toFixed(2)} of the interval without a press`);
    }
  }
  // The fixed 250-ms gap this replaces: one phase at 60 frames/s (the whole interval without a press), two at 30.
  const fixed = (keys: number) => Array.from({ length: keys }, (_, i) => i * KEY_GAP_MS);
  assert.ok(largestPhaseGap(fixed(5), 1000 / 60) > 0.99);
  assert.ok(largestPhaseGap(fixed(5), 1000 / 30) > 0.49);
});
