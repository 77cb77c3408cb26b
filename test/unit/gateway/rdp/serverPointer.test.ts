import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CACHE_BYTES, pointerImage, ServerPointer, type PointerShape } from '../../../../electron/gateway/bridges/rdp/serverPointer';
import { pointerToShow } from '../../../../electron/gateway/bridges/rdp/pointerScaling';
import { ServerStreamWatch } from '../../../../electron/gateway/bridges/rdp/serverStreamWatch';
import { splitAt } from './chunks';

/** RGBA pixels as letters: K black, W white, R red, . transparent, a lowercase letter for a half-transparent one. */
function letters(rgba: Buffer | null, width: number): string[] {
  assert.ok(rgba);
  const rows: string[] = [];
  for (let at = 0; at < rgba.length; at += width * 4) {
    let row = '';
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = rgba.subarray(at + x * 4, at + x * 4 + 4);
      const letter = r === 0 && g === 0 && b === 0 ? 'K' : r === 255 && g === 255 && b === 255 ? 'W' : r === 255 && g === 0 && b === 0 ? 'R' : '?';
      row += a === 0 ? '.' : a === 255 ? letter : letter.toLowerCase();
    }
    rows.push(row);
  }
  return rows;
}

/** A 2x2 XOR mask at `bpp` from BGR(A) pixels given top row first (stored bottom-up, rows padded to 2 bytes). */
function xorMask(bpp: 24 | 32, top: number[][], bottom: number[][]): Buffer {
  const row = (pixels: number[][]) => {
    const bytes = pixels.flatMap((p) => p.slice(0, bpp / 8));
    while (bytes.length % 2) bytes.push(0);
    return bytes;
  };
  return Buffer.from([...row(bottom), ...row(top)]);
}

/** A 2x2 AND mask from bits given top row first (bottom-up, each row 2 bytes). */
function andMask(top: [number, number], bottom: [number, number]): Buffer {
  const row = ([a, b]: [number, number]) => [(a << 7) | (b << 6), 0];
  return Buffer.from([...row(bottom), ...row(top)]);
}

const RED = [0, 0, 255, 255];
const WHITE = [255, 255, 255, 255];
const BLACK = [0, 0, 0, 0];

test('a 24-bpp pointer: rows bottom-up; where the AND bit is set, black lets the desktop through and another colour (inverted) is shown black', () => {
  const xor = xorMask(24, [RED, BLACK], [WHITE, WHITE]);
  assert.deepEqual(letters(pointerImage(2, 2, 24, xor, andMask([0, 1], [0, 1])), 2), ['R.', 'WK']);
});

test('a 32-bpp pointer keeps its alpha and its AND mask is not used; one with no alpha at all is read as 24 bits with its AND mask', () => {
  const alpha = xorMask(32, [[0, 0, 255, 128], [0, 0, 0, 0]], [[255, 255, 255, 255], [0, 0, 0, 255]]);
  assert.deepEqual(letters(pointerImage(2, 2, 32, alpha, andMask([1, 1], [1, 1])), 2), ['r.', 'WK']);
  const none = xorMask(32, [[0, 0, 255, 0], BLACK], [WHITE.slice(0, 3).concat(0), BLACK]);
  assert.deepEqual(letters(pointerImage(2, 2, 32, none, andMask([0, 1], [0, 0])), 2), ['R.', 'WK']);
});

test('a 1-bpp pointer is black and white; sizes and depths it cannot read give nothing', () => {
  // Rows of 2 bytes, bottom-up: bottom row 01, top row 10.
  assert.deepEqual(letters(pointerImage(2, 2, 1, Buffer.from([0x40, 0, 0x80, 0]), Buffer.alloc(4)), 2), ['WK', 'KW']);
  assert.equal(pointerImage(2, 2, 8, Buffer.alloc(8), Buffer.alloc(4)), null);
  assert.equal(pointerImage(2, 2, 24, Buffer.alloc(7), Buffer.alloc(4)), null);
  assert.equal(pointerImage(0, 2, 24, Buffer.alloc(8), Buffer.alloc(4)), null);
});

/** TS_COLORPOINTERATTRIBUTE for a 2x2 pointer. */
function colorAttribute(index: number, hotspot: [number, number], xor: Buffer, and: Buffer): Buffer {
  const head = Buffer.alloc(14);
  [index, hotspot[0], hotspot[1], 2, 2, and.length, xor.length].forEach((v, i) => head.writeUInt16LE(v, i * 2));
  return Buffer.concat([head, xor, and]);
}

const white24 = xorMask(24, [WHITE, WHITE], [WHITE, WHITE]);
const red32 = xorMask(32, [RED, RED], [RED, RED]);

test('fast-path: hidden, default, a new pointer (then cached by its index), a colour pointer, a large pointer', () => {
  const pointer = new ServerPointer();
  assert.deepEqual(pointer.fastPath(0x5, Buffer.alloc(0)), { kind: 'hidden' });
  assert.deepEqual(pointer.fastPath(0x6, Buffer.alloc(0)), { kind: 'default' });
  assert.equal(pointer.fastPath(0x8, Buffer.from([1, 0, 2, 0])), null); // the position sets no shape
  const xorBpp = Buffer.from([32, 0]);
  const shape = pointer.fastPath(0xb, Buffer.concat([xorBpp, colorAttribute(3, [1, 0], red32, Buffer.alloc(0))])) as Extract<PointerShape, { kind: 'image' }>;
  assert.deepEqual({ ...shape, rgba: letters(shape.rgba, 2) }, { kind: 'image', width: 2, height: 2, hotspotX: 1, hotspotY: 0, rgba: ['RR', 'RR'] });
  assert.equal(pointer.fastPath(0xa, Buffer.from([3, 0])), shape);
  assert.equal(pointer.fastPath(0xa, Buffer.from([4, 0])), null); // never filled
  const colour = pointer.fastPath(0x9, colorAttribute(4, [0, 1], white24, andMask([0, 0], [0, 0]))) as Extract<PointerShape, { kind: 'image' }>;
  assert.deepEqual(letters(colour.rgba, 2), ['WW', 'WW']);
  assert.equal(pointer.fastPath(0xa, Buffer.from([4, 0])), colour);
  const large = Buffer.alloc(20);
  [32, 5, 1, 1, 2, 2].forEach((v, i) => large.writeUInt16LE(v, i * 2));
  large.writeUInt32LE(0, 12);
  large.writeUInt32LE(red32.length, 16);
  assert.deepEqual(letters((pointer.fastPath(0xc, Buffer.concat([large, red32])) as Extract<PointerShape, { kind: 'image' }>).rgba, 2), ['RR', 'RR']);
  // A mask longer than the update: nothing.
  assert.equal(pointer.fastPath(0xb, Buffer.concat([xorBpp, colorAttribute(3, [1, 0], red32, Buffer.alloc(0))]).subarray(0, 20)), null);
});

test('slow-path Pointer Update PDUs: the system pointers, a new pointer and a cached one', () => {
  const pointer = new ServerPointer();
  const message = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, 0, 0, 0]), body]);
  assert.deepEqual(pointer.slowPath(message(1, Buffer.from([0, 0, 0, 0]))), { kind: 'hidden' });
  assert.deepEqual(pointer.slowPath(message(1, Buffer.from([0x00, 0x7f, 0, 0]))), { kind: 'default' });
  const shape = pointer.slowPath(message(8, Buffer.concat([Buffer.from([24, 0]), colorAttribute(0, [0, 0], white24, andMask([0, 0], [0, 0]))])));
  assert.equal(shape?.kind, 'image');
  assert.equal(pointer.slowPath(message(7, Buffer.from([0, 0]))), shape);
});

/** A fast-path output PDU with one update of this code. */
function fastPathUpdate(code: number, data: Buffer): Buffer {
  const update = Buffer.concat([Buffer.from([code, data.length & 0xff, data.length >> 8]), data]);
  const length = update.length + 3;
  return Buffer.concat([Buffer.from([0x00, 0x80 | (length >> 8), length & 0xff]), update]);
}

test('the stream watch tells each shape once, in order, however the stream is cut (a pointer\u2019s PDU is read whole)', () => {
  // A 32x32 pointer at 32 bpp, as xrdp sends the X cursor: 4 KB, more than a chunk often brings.
  const head = Buffer.alloc(16);
  [32, 2, 5, 3, 32, 32, 128, 4096].forEach((v, i) => head.writeUInt16LE(v, i * 2));
  const big = fastPathUpdate(0xb, Buffer.concat([head, Buffer.alloc(4096, 0xff), Buffer.alloc(128)]));
  const stream = Buffer.concat([fastPathUpdate(0x6, Buffer.alloc(0)), big, fastPathUpdate(0x5, Buffer.alloc(0)), fastPathUpdate(0xa, Buffer.from([2, 0]))]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
      const told: string[] = [];
      const watch = new ServerStreamWatch(false, false, () => undefined, undefined, null, null, (shape) => told.push(shape.kind === 'image' ? `image ${shape.width}x${shape.height} at ${shape.hotspotX},${shape.hotspotY}` : shape.kind));
      for (const chunk of splitAt(stream, cuts)) watch.push(chunk);
      assert.deepEqual(told, ['default', 'image 32x32 at 5,3', 'hidden', 'image 32x32 at 5,3']);
    }),
  );
});

/** A fast-path Large Pointer Update (2.2.9.1.2.1.11) of a 384x384 pointer at 32 bpp with these pixels (BGRA, bottom-up). */
function large384(index: number, xor: Buffer): Buffer {
  const and = Buffer.alloc(48 * 384);
  const head = Buffer.alloc(20);
  [32, index, 0, 0, 384, 384].forEach((v, i) => head.writeUInt16LE(v, i * 2));
  head.writeUInt32LE(and.length, 12);
  head.writeUInt32LE(xor.length, 16);
  return Buffer.concat([head, xor, and]);
}

/** A cursor-like 384x384 image: transparent but for a black-edged white arrow. */
function arrow384(variant: number): Buffer {
  const xor = Buffer.alloc(384 * 384 * 4);
  for (let y = 0; y < 384; y++) {
    for (let x = 0; x <= Math.min(y, 383) && x < 200 + variant; x++) {
      const edge = x === 0 || x === y || y === 383;
      xor.set(edge ? [0, 0, 0, 255] : [255, 255, 255, 255], ((383 - y) * 384 + x) * 4);
    }
  }
  return xor;
}

/** Until the cache has deflated what it was given (zlib's thread pool). */
async function deflated(pointer: ServerPointer): Promise<void> {
  while (pointer.deflatingShapes > 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

test('the pointer cache holds every large pointer a real server sets (384x384 arrows: 32 kept, a few KB each), each named back with its pixels', async (t) => {
  const pointer = new ServerPointer();
  const shapes: Extract<PointerShape, { kind: 'image' }>[] = [];
  for (let i = 0; i < 32; i++) {
    shapes.push(pointer.fastPath(0xc, large384(i, arrow384(i))) as Extract<PointerShape, { kind: 'image' }>);
    // A server sets them one at a time (each 590 KB in 37 fragments), not in one go.
    await deflated(pointer);
  }
  t.diagnostic(`32 cached 384x384 arrows: ${pointer.cachedBytes} bytes (their RGBA: ${32 * 384 * 384 * 4})`);
  assert.ok(pointer.cachedBytes < 32 * 20_000, `${pointer.cachedBytes} bytes`);
  for (const [i, shape] of shapes.entries()) {
    const again = pointer.fastPath(0xa, Buffer.from([i, 0])) as Extract<PointerShape, { kind: 'image' }>;
    assert.ok(again.kind === 'image' && again.rgba.equals(shape.rgba), `index ${i}`);
    // Named again while it is the one shown: the same shape (the page is not told twice).
    assert.equal(pointer.fastPath(0xa, Buffer.from([i, 0])), again);
  }
});

test('a hostile server\u2019s burst of noise pointers (100 of 384x384) leaves the cache within its bound; a forgotten index shows the default pointer, a kept one its shape', async (t) => {
  const pointer = new ServerPointer();
  const noise: Buffer[] = [];
  for (let i = 0; i < 100; i++) {
    noise[i % 32] = randomBytes(384 * 384 * 4);
    pointer.fastPath(0xc, large384(i % 32, noise[i % 32]!));
    assert.ok(pointer.cachedBytes <= CACHE_BYTES, `${pointer.cachedBytes} bytes after ${i + 1}`);
    // Those still to be deflated are bounded by the cache's 32 entries.
    assert.ok(pointer.wholeBytes <= 32 * 384 * 384 * 4, `${pointer.wholeBytes} bytes waiting after ${i + 1}`);
    if (i % 10 === 0) await deflated(pointer);
  }
  await deflated(pointer);
  assert.ok(pointer.cachedBytes <= CACHE_BYTES);
  t.diagnostic(`after 100 noise pointers: ${pointer.cachedBytes} bytes cached (bound ${CACHE_BYTES}; 32 shapes of RGBA: ${32 * 384 * 384 * 4})`);
  // The last set (index 99 % 32 = 3) is kept; the one set 31 pointers before it (index 4) was forgotten for room.
  const kept = pointer.fastPath(0xa, Buffer.from([3, 0]));
  assert.ok(kept?.kind === 'image' && kept.rgba.equals(pointerImage(384, 384, 32, noise[3]!, Buffer.alloc(0))!));
  assert.deepEqual(pointer.fastPath(0xa, Buffer.from([4, 0])), { kind: 'default' });
  // Filled again, it is named back again.
  pointer.fastPath(0xc, large384(4, arrow384(0)));
  assert.equal(pointer.fastPath(0xa, Buffer.from([4, 0]))?.kind, 'image');
});

test('a shape is deflated off the gateway\u2019s thread: cached whole when set, a few KB once zlib is done', async () => {
  const pointer = new ServerPointer();
  pointer.fastPath(0xc, large384(0, arrow384(0)));
  assert.deepEqual({ whole: pointer.wholeBytes, deflated: pointer.cachedBytes }, { whole: 384 * 384 * 4, deflated: 0 });
  await deflated(pointer);
  assert.equal(pointer.wholeBytes, 0);
  assert.ok(pointer.cachedBytes < 20_000, `${pointer.cachedBytes} bytes`);
  assert.equal(pointer.fastPath(0xa, Buffer.from([0, 0]))?.kind, 'image');
});

test('32 large pointers set at once (as a server sets them at sign-in, without a pause for zlib) are all deflated in their turn and each named back with its pixels', async (t) => {
  const pointer = new ServerPointer();
  const shapes: Extract<PointerShape, { kind: 'image' }>[] = [];
  for (let i = 0; i < 32; i++) shapes.push(pointer.fastPath(0xc, large384(i, arrow384(i))) as Extract<PointerShape, { kind: 'image' }>);
  await deflated(pointer);
  t.diagnostic(`32 cached 384x384 arrows set at once: ${pointer.cachedBytes} bytes deflated, ${pointer.wholeBytes} whole`);
  for (const [i, shape] of shapes.entries()) {
    const again = pointer.fastPath(0xa, Buffer.from([i, 0]));
    assert.ok(again?.kind === 'image' && again.rgba.equals(shape.rgba), `index ${i}: ${again?.kind}`);
  }
  assert.equal(pointer.wholeBytes, 0);
  assert.ok(pointer.cachedBytes < 32 * 20_000, `${pointer.cachedBytes} bytes`);
});

test('a PDU of cached updates naming two large pointers in turn (6552 of them) costs the gateway\u2019s thread little: a shape is inflated only when its pixels are read, and the last named is the one read', async (t) => {
  const pointer = new ServerPointer();
  const arrows = [arrow384(0), arrow384(50)];
  pointer.fastPath(0xc, large384(0, arrows[0]!));
  pointer.fastPath(0xc, large384(1, arrows[1]!));
  await deflated(pointer);
  let last: PointerShape | null = null;
  const started = performance.now();
  for (let k = 0; k < 6552; k++) last = pointer.fastPath(0xa, Buffer.from([k % 2, 0]));
  const ms = performance.now() - started;
  t.diagnostic(`6552 cached updates: ${ms.toFixed(1)} ms`);
  // Inflating each (590 KB) took a second.
  assert.ok(ms < 250, `${ms.toFixed(1)} ms`);
  assert.ok(last?.kind === 'image' && last.rgba.equals(pointerImage(384, 384, 32, arrows[1]!, Buffer.alloc(0))!));
  // A shape named, then its index set again before the page reads it: it still shows what was named.
  const named = pointer.fastPath(0xa, Buffer.from([0, 0]));
  pointer.fastPath(0xc, large384(0, arrow384(100)));
  assert.ok(named?.kind === 'image' && named.rgba.equals(pointerImage(384, 384, 32, arrows[0]!, Buffer.alloc(0))!));
});

test('two large pointers named in turn from the cache (an arrow and an I-beam) are each scaled once for the page, not at every switch; an index set again is scaled anew', async () => {
  const pointer = new ServerPointer();
  const arrows = [arrow384(0), arrow384(50)];
  pointer.fastPath(0xc, large384(0, arrows[0]!));
  pointer.fastPath(0xc, large384(1, arrows[1]!));
  await deflated(pointer);
  const named = (index: number) => {
    const shape = pointer.fastPath(0xa, Buffer.from([index, 0]));
    assert.ok(shape?.kind === 'image');
    return shape;
  };
  const first = [pointerToShow(named(0)), pointerToShow(named(1))];
  assert.deepEqual([first[0]!.width, first[0]!.height], [128, 128]);
  for (let k = 0; k < 4; k++) {
    assert.equal(pointerToShow(named(0)), first[0], 'the arrow as scaled the first time');
    assert.equal(pointerToShow(named(1)), first[1], 'the I-beam as scaled the first time');
  }
  assert.ok(first[0]!.rgba.equals(pointerToShow({ ...named(0), rgba: Buffer.from(named(0).rgba) }).rgba), 'the same pixels as scaling it anew');
  // The server sets index 0 again, to another shape: that one is scaled, not the old one shown.
  const other = pointer.fastPath(0xc, large384(0, arrows[1]!));
  assert.ok(other?.kind === 'image');
  const again = pointerToShow(named(0));
  assert.notEqual(again, first[0]);
  assert.ok(again.rgba.equals(first[1]!.rgba));
});
