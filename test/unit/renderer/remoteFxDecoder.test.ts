// The page's RemoteFX decoder: the WebAssembly tile decoder (wasm/remoteFx.ts,
// compiled here as the build compiles it) and the message reading and
// painting around it. Messages come from a test encoder written from the
// specification (test/unit/gateway/rdp/remoteFxEncoder.ts); against a real
// server, test/e2e/rdpRemoteFxDecode.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ENTROPY_RLGR1, ENTROPY_RLGR3, type Rect } from '../../../shared/remoteFx/remoteFxMessage';
import { MIN_SHARED_TILES, RemoteFxDecoder, instantiateTileDecoder, rlgrDecode, type PaintedRect, type TileDecoderExports } from '../../../renderer/protocols/rdp/remoteFxDecoder';
import { compileTileDecoder } from '../../../scripts/tileDecoder.mjs';
import { encodeMessage, rlgrEncode } from '../gateway/rdp/remoteFxEncoder';

const compiled = compileTileDecoder().then((bytes) => WebAssembly.compile(bytes));
const tileDecoder = async (): Promise<TileDecoderExports> => instantiateTileDecoder(await compiled);
const newDecoder = async () => new RemoteFxDecoder(await tileDecoder());

/** A picture with smooth areas, edges and colour: what a desktop has. */
const picture = (x: number, y: number): [number, number, number] => {
  if (x > 100 && x < 180 && y > 20 && y < 60) return [250, 250, 250];
  if ((x >> 3) % 5 === 0 && y > 70) return [20, 30, 40];
  return [(x * 3) & 255, (y * 2) & 255, ((x + y) * 5) & 255];
};

/** Mean and largest difference per colour channel between painted RGBA and the picture. */
function difference(rects: readonly PaintedRect[]): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  let n = 0;
  for (const r of rects) {
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const [red, green, blue] = picture(r.x + x, r.y + y);
        const at = (y * r.width + x) * 4;
        for (const [got, want] of [[r.pixels[at]!, red], [r.pixels[at + 1]!, green], [r.pixels[at + 2]!, blue]] as const) {
          const d = Math.abs(got - want);
          sum += d;
          max = Math.max(max, d);
          n++;
        }
        assert.equal(r.pixels[at + 3], 0xff);
      }
    }
  }
  return { mean: sum / n, max };
}

const area = (rects: readonly Rect[]) => rects.reduce((a, r) => a + r.width * r.height, 0);

for (const [name, mode] of [['RLGR1', ENTROPY_RLGR1], ['RLGR3', ENTROPY_RLGR3]] as const) {
  test(`RLGR (${name}): what the encoder wrote decodes to the same coefficients`, async () => {
    const wasm = await tileDecoder();
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -2000, max: 2000 })), { minLength: 4096, maxLength: 4096 }), (values) => {
        const input = Int16Array.from(values);
        const data = rlgrEncode(mode, input);
        assert.deepEqual(rlgrDecode(wasm, mode, data), input);
      }),
      { numRuns: 60 },
    );
  });

  test(`a RemoteFX message (${name}) decodes to the picture it was made from, clipped to its rectangles`, async () => {
    // The first as wide as its tiles (their rows copied at once), the second narrower (row by row).
    const rects = [
      { x: 0, y: 0, width: 256, height: 90 },
      { x: 130, y: 140, width: 70, height: 20 },
    ];
    const decoder = await newDecoder();
    const near = decoder.decode(encodeMessage(picture, rects, { width: 256, height: 192, mode, quant: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }), 0, 0);
    // The painted area is exactly the rectangles, each cut at tile rows.
    assert.equal(area(near), area(rects));
    for (const r of near) assert.ok(rects.some((c) => r.x >= c.x && r.y >= c.y && r.x + r.width <= c.x + c.width && r.y + r.height <= c.y + c.height), JSON.stringify(r));
    assert.equal(decoder.tiles, 4 * 2 + 2);
    const fine = difference(near);
    assert.ok(fine.mean < 1.5 && fine.max <= 8, `finest quantisation: mean ${fine.mean}, max ${fine.max}`);
    // A coarser quantisation, as servers use: lossy, still the picture.
    const coarse = difference(decoder.decode(encodeMessage(picture, rects, { width: 256, height: 192, mode, headers: false }), 0, 0));
    assert.ok(coarse.mean < 8 && coarse.mean > fine.mean, `usual quantisation: mean ${coarse.mean}`);
  });
}

test('a message painted at a destination offset lands there, and nothing paints past the desktop', async () => {
  const decoder = await newDecoder();
  // The desktop is 100 x 80: the tile at the destination (64, 64) reaches past both edges.
  const shifted = (x: number, y: number) => picture(x + 64, y + 64);
  const out = decoder.decode(encodeMessage(shifted, [{ x: 0, y: 0, width: 64, height: 64 }], { width: 100, height: 80, quant: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }), 64, 64);
  assert.deepEqual(out.map(({ x, y, width, height }) => ({ x, y, width, height })), [{ x: 64, y: 64, width: 36, height: 16 }]);
  assert.ok(difference(out).mean < 1.5);
});

/** Every pixel the rectangles paint, "x,y" → RGBA; a pixel painted twice fails. */
function pixelsOf(rects: readonly PaintedRect[], into = new Map<string, string>()): Map<string, string> {
  for (const r of rects) {
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const key = `${r.x + x},${r.y + y}`;
        assert.ok(!into.has(key), `pixel ${key} painted twice`);
        into.set(key, r.pixels.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4).join());
      }
    }
  }
  return into;
}

test('decoders given each share of the messages paint between them exactly what one decoder paints, with the work spread evenly', async () => {
  // 5 x 3 tiles with clip rectangles that leave gaps and cut tiles; the second message has no headers.
  const rects = [
    { x: 0, y: 0, width: 320, height: 100 },
    { x: 10, y: 130, width: 250, height: 50 },
  ];
  const messages = [
    encodeMessage(picture, rects, { width: 320, height: 192 }),
    encodeMessage((x, y) => picture(x + 7, y), rects, { width: 320, height: 192, headers: false }),
  ];
  for (const count of [2, 3]) {
    const whole = await newDecoder();
    const shares = await Promise.all(Array.from({ length: count }, () => newDecoder()));
    for (const message of messages) {
      const expected = pixelsOf(whole.decode(message, 16, 0));
      const painted = new Map<string, string>();
      for (const [index, decoder] of shares.entries()) pixelsOf(decoder.decode(message, 16, 0, { index, count }), painted);
      assert.equal(painted.size, expected.size);
      assert.deepEqual(painted, expected);
    }
    // 15 + 15 tiles: each share decoded about as many (their costs differ a little).
    const tiles = shares.map((d) => d.tiles);
    assert.equal(tiles.reduce((a, b) => a + b), whole.tiles);
    assert.ok(Math.max(...tiles) - Math.min(...tiles) <= 4, `tiles per share ${tiles}`);
  }
  // A message with few tiles is decoded by the first share alone.
  const small = encodeMessage(picture, [{ x: 0, y: 0, width: 128, height: 64 }], { width: 320, height: 192 });
  assert.ok(2 < MIN_SHARED_TILES);
  const [first, second] = [await newDecoder(), await newDecoder()];
  assert.equal(first.decode(small, 0, 0, { index: 0, count: 2 }).length, 1);
  assert.deepEqual(second.decode(small, 0, 0, { index: 1, count: 2 }), []);
  assert.deepEqual([first.tiles, second.tiles], [2, 0]);
});

test('a damaged message is refused with a reason, not painted', async () => {
  const decoder = await newDecoder();
  const good = encodeMessage(picture, [{ x: 0, y: 0, width: 64, height: 64 }], { width: 64, height: 64 });
  assert.throws(() => decoder.decode(good.subarray(0, good.length - 20), 0, 0), /overrun/);
  const unknown = Buffer.from(good);
  unknown.writeUInt16LE(0xc0de, 0);
  assert.throws(() => decoder.decode(unknown, 0, 0), /unknown/);
});


test('tiles of any bytes decode without reading or writing outside their place, whatever their stated lengths and row stride', async () => {
  const wasm = await tileDecoder();
  const free = wasm.FREE.value as number;
  const guard = free + 70000;
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.constantFrom(ENTROPY_RLGR1, ENTROPY_RLGR3),
      fc.array(fc.nat(10), { minLength: 30, maxLength: 30 }),
      fc.nat(64),
      (bytes, mode, quant, extraPixels) => {
        const stride = 256 + 4 * extraPixels;
        const end = guard + 63 * stride + 256;
        const memory = new Uint8Array(wasm.memory.buffer);
        // The tile's bytes, a gap of 0xee, then the output rows with 0xee between them and after them.
        memory.fill(0xee, free, end + 64);
        memory.set(bytes, free);
        memory.set(quant.map((q) => q + 1), wasm.QUANT.value as number);
        const a = Math.floor(bytes.length / 3);
        wasm.decodeTile(mode, free, a, a, bytes.length - 2 * a, guard, stride);
        for (let i = free + bytes.length; i < guard; i++) assert.equal(memory[i], 0xee);
        for (let row = 0; row < 64; row++) {
          const start = guard + row * stride;
          for (let i = start + 3; i < start + 256; i += 4) assert.equal(memory[i], 0xff);
          const gapEnd = row < 63 ? start + stride : end + 64;
          for (let i = start + 256; i < gapEnd; i++) assert.equal(memory[i], 0xee);
        }
      },
    ),
    { numRuns: 150 },
  );
});

/**
 * The reference: dequantisation and the three-level inverse LeGall 5/3 wavelet
 * of MS-RDPRFX 3.1.8.1.4 in plain 32-bit arithmetic, each sample stored to 16
 * bits, written out straight from the specification.
 */
function referenceReconstruct(c: Int16Array, quant: readonly number[]): Int16Array {
  const b = Int16Array.from(c);
  for (let i = 4033; i < 4096; i++) b[i] = b[i]! + b[i - 1]!;
  // Band start, length, index of its quantisation value (LL3 LH3 HL3 HH3 LH2 HL2 HH2 LH1 HL1 HH1).
  const bands = [[0, 1024, 8], [1024, 1024, 7], [2048, 1024, 9], [3072, 256, 5], [3328, 256, 4], [3584, 256, 6], [3840, 64, 2], [3904, 64, 1], [3968, 64, 3], [4032, 64, 0]] as const;
  for (const [start, length, q] of bands) for (let i = start; i < start + length && quant[q]! > 1; i++) b[i] = b[i]! << (quant[q]! - 1);
  const level = (base: number, w: number) => {
    const size = w * w;
    const [hl, lh, hh, ll] = [base, base + size, base + 2 * size, base + 3 * size];
    const lift = (low: (n: number) => number, high: (n: number) => number): number[] => {
      const even: number[] = [];
      for (let n = 0; n < w; n++) even.push((low(n) - ((high(Math.max(n - 1, 0)) + high(n) + 1) >> 1)) << 16 >> 16);
      const out: number[] = [];
      for (let n = 0; n < w; n++) out.push(even[n]!, ((high(n) << 1) + ((even[n]! + even[Math.min(n + 1, w - 1)]!) >> 1)) << 16 >> 16);
      return out;
    };
    const lRows: number[][] = [];
    const hRows: number[][] = [];
    for (let r = 0; r < w; r++) {
      lRows.push(lift((n) => b[ll + r * w + n]!, (n) => b[hl + r * w + n]!));
      hRows.push(lift((n) => b[lh + r * w + n]!, (n) => b[hh + r * w + n]!));
    }
    for (let x = 0; x < 2 * w; x++) {
      const column = lift((n) => lRows[n]![x]!, (n) => hRows[n]![x]!);
      column.forEach((v, y) => (b[base + y * 2 * w + x] = v));
    }
  };
  level(3840, 8);
  level(3072, 16);
  level(0, 32);
  return b;
}

test('the inverse wavelet gives exactly what 32-bit arithmetic gives, large coefficients included', async () => {
  const wasm = await tileDecoder();
  const small = fc.integer({ min: -300, max: 300 });
  const large = fc.integer({ min: -32768, max: 32767 });
  fc.assert(
    fc.property(fc.array(fc.oneof(small, small, large), { minLength: 4096, maxLength: 4096 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 10, maxLength: 10 }), (values, quant) => {
      const coefficients = Int16Array.from(values);
      new Int16Array(wasm.memory.buffer, wasm.PLANE0.value as number, 4096).set(coefficients);
      new Uint8Array(wasm.memory.buffer, wasm.QUANT.value as number, 10).set(quant);
      wasm.reconstructComponent();
      assert.deepEqual(new Int16Array(wasm.memory.buffer, wasm.PLANE0.value as number, 4096).slice(), referenceReconstruct(coefficients, quant));
    }),
    { numRuns: 40 },
  );
});
