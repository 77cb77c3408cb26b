// The server's pointer made no larger than the page shows (128 pixels) before it is sent: its size and aspect, its
// hotspot on the shown pixel that covers the server's, and its edges averaged on premultiplied alpha (a transparent
// pixel's colour does not darken the opaque one beside it). A shape within the limit is the server's, untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pointerToShow, areaAverage } from '../../../../electron/gateway/bridges/rdp/pointerScaling';
import type { PointerShape } from '../../../../electron/gateway/bridges/rdp/serverPointer';

type ImageShape = Extract<PointerShape, { kind: 'image' }>;

/** A shape whose pixel at (x, y) is `pixel(x, y)` as [r, g, b, a]. */
function shape(width: number, height: number, hotspotX: number, hotspotY: number, pixel: (x: number, y: number) => number[]): ImageShape {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.set(pixel(x, y), (y * width + x) * 4);
  return { kind: 'image', width, height, hotspotX, hotspotY, rgba };
}

const pixelAt = (s: ImageShape, x: number, y: number) => [...s.rgba.subarray((y * s.width + x) * 4, (y * s.width + x) * 4 + 4)];

test('a Windows large pointer (384×384) becomes 128×128, its hotspot a third of the way, on the pixel covering it', () => {
  const large = shape(384, 384, 0, 0, () => [10, 20, 30, 255]);
  const shown = pointerToShow(large);
  assert.deepEqual([shown.width, shown.height, shown.hotspotX, shown.hotspotY, shown.rgba.length], [128, 128, 0, 0, 128 * 128 * 4]);
  assert.ok(shown.rgba.equals(Buffer.alloc(128 * 128 * 4).fill(Buffer.from([10, 20, 30, 255]))), 'one colour stays that colour');
  for (const [hot, expected] of [[0, 0], [1, 0], [2, 0], [3, 1], [191, 63], [192, 64], [383, 127]]) {
    const s = pointerToShow({ ...large, hotspotX: hot!, hotspotY: 383 - hot! });
    assert.deepEqual([s.hotspotX, s.hotspotY], [expected, 127 - expected!], `hotspot ${hot}`);
  }
  // The same shape named again (the server's cache) is not scaled again.
  assert.equal(pointerToShow(large), shown);
});

test('the aspect is kept, and a side that would round to nothing keeps a pixel', () => {
  const wide = pointerToShow(shape(384, 96, 383, 95, () => [0, 0, 0, 255]));
  assert.deepEqual([wide.width, wide.height, wide.hotspotX, wide.hotspotY], [128, 32, 127, 31]);
  const line = pointerToShow(shape(300, 1, 150, 0, () => [0, 0, 0, 255]));
  assert.deepEqual([line.width, line.height, line.hotspotX, line.hotspotY], [128, 1, 64, 0]);
});

test('a pointer no larger than 128 pixels (xrdp\u2019s 32×32, a 128×128 one) is the server\u2019s shape itself, byte for byte', () => {
  for (const [w, h] of [[32, 32], [128, 128], [96, 128], [1, 1]]) {
    const s = shape(w!, h!, 3, 4, (x, y) => [x & 255, y & 255, (x * y) & 255, (x + y) & 255]);
    const before = Buffer.from(s.rgba);
    assert.equal(pointerToShow(s), s, `${w}x${h}`);
    assert.ok(s.rgba.equals(before));
  }
});

test('edges on premultiplied alpha: opaque red beside transparent black becomes partly transparent red, not dark red', () => {
  // Every third column transparent (and black): each shown pixel covers two red pixels and one transparent.
  const striped = pointerToShow(shape(384, 384, 0, 0, (x) => (x % 3 === 0 ? [0, 0, 0, 0] : [255, 0, 0, 255])));
  for (const [x, y] of [[0, 0], [64, 64], [127, 127]]) assert.deepEqual(pixelAt(striped, x!, y!), [255, 0, 0, 170], `(${x}, ${y})`);
  // The edge of a shape: opaque white left of x = 192, transparent right of it; the shown pixels either side of it.
  const half = pointerToShow(shape(384, 384, 0, 0, (x) => (x < 193 ? [255, 255, 255, 255] : [0, 0, 0, 0])));
  assert.deepEqual(pixelAt(half, 63, 5), [255, 255, 255, 255]);
  assert.deepEqual(pixelAt(half, 64, 5), [255, 255, 255, 85], 'one of its three pixels opaque: a third of the alpha, the colour kept');
  assert.deepEqual(pixelAt(half, 65, 5), [0, 0, 0, 0], 'all transparent stays transparent');
});

test('a ratio that is not whole: each shown pixel weighs the server\u2019s pixels by how much of each it covers', () => {
  // 3 pixels to 2: the first shown covers pixel 0 and half of 1 (weights ⅔, ⅓), the second half of 1 and pixel 2 (⅓, ⅔).
  const rgba = Buffer.from([0, 0, 0, 255, 255, 255, 255, 255, 90, 90, 90, 255]);
  assert.deepEqual([...areaAverage(rgba, 3, 1, 2, 1)], [85, 85, 85, 255, 145, 145, 145, 255]);
  // The same colour at a uniform half alpha stays so at any ratio.
  const even = pointerToShow(shape(200, 170, 199, 0, () => [40, 80, 120, 128]));
  assert.deepEqual([even.width, even.height, even.hotspotX], [128, 109, 127]);
  for (let i = 0; i < even.rgba.length; i += 4) assert.deepEqual([...even.rgba.subarray(i, i + 4)], [40, 80, 120, 128], `pixel ${i / 4}`);
});
