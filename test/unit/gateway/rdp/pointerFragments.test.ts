// Pointer updates that come in fragments (MS-RDPBCGR 2.2.9.1.2.1): put together by the stream watch, within a bound,
// with the picture's fragments around them read as they pass and never held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PointerFragments } from '../../../../electron/gateway/bridges/rdp/pointerFragments';
import { LARGEST_POINTER_UPDATE_BYTES, type PointerShape } from '../../../../electron/gateway/bridges/rdp/serverPointer';
import { ServerStreamWatch } from '../../../../electron/gateway/bridges/rdp/serverStreamWatch';
import { splitAt } from './chunks';
import { fastPath, marker } from './fastPathPdus';

/** xrdp's and FreeRDP's fast-path fragment size (xrdp_rdp.c FASTPATH_FRAG_SIZE: 16 KB less 128). */
const FRAGMENT = 16 * 1024 - 128;
const LARGE_POINTER = 0xc;
const SURFACE_COMMANDS = 0x4;

/** The test pointer's pixel at (x, y), top row first, as RGBA: transparent, red, white or half-transparent black. */
function pixel(x: number, y: number): [number, number, number, number] {
  const v = (x * 7 + y * 3) % 4;
  return v === 0 ? [0, 0, 0, 0] : v === 1 ? [255, 0, 0, 255] : v === 2 ? [255, 255, 255, 255] : [0, 0, 0, 128];
}

function expectedRgba(side: number): Buffer {
  const out = Buffer.alloc(side * side * 4);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out.set(pixel(x, y), (y * side + x) * 4);
  return out;
}

/** A fast-path Large Pointer Update's data (TS_LARGEPOINTERATTRIBUTE, 2.2.9.1.2.1.11): 32 bpp, rows bottom-up, BGRA. */
function largePointer(side: number, index: number, hotspot: [number, number]): Buffer {
  const xor = Buffer.alloc(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const [r, g, b, a] = pixel(x, y);
      xor.set([b, g, r, a], ((side - 1 - y) * side + x) * 4);
    }
  }
  const and = Buffer.alloc(((side + 15) >> 4) * 2 * side);
  const head = Buffer.alloc(20);
  [32, index, hotspot[0], hotspot[1], side, side].forEach((v, i) => head.writeUInt16LE(v, i * 2));
  head.writeUInt32LE(and.length, 12); // lengthAndMask
  head.writeUInt32LE(xor.length, 16); // lengthXorMask
  return Buffer.concat([head, xor, and]);
}

/** A picture's surface commands update: a frame's begin marker, then `filler` bytes of (unread) surface bits. */
function picture(frameId: number, filler: number, fragment = FRAGMENT): Buffer {
  return fastPath(SURFACE_COMMANDS, Buffer.concat([marker(0, frameId), Buffer.alloc(filler, 0x5a)]), fragment);
}

/** The fast-path PDUs of `pdus` (one update each), split where each one starts. */
function pdusOf(stream: Buffer): Buffer[] {
  const pdus: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const length = ((stream[at + 1]! & 0x7f) << 8) | stream[at + 2]!;
    pdus.push(stream.subarray(at, at + length));
    at += length;
  }
  return pdus;
}

interface Told {
  shapes: string[];
  images: Buffer[];
  frames: number[];
  dropped: string[];
  watching: boolean;
}

function watchPointers(chunks: Buffer[]): Told {
  const told: Told = { shapes: [], images: [], frames: [], dropped: [], watching: false };
  const onShape = (shape: PointerShape) => {
    told.shapes.push(shape.kind === 'image' ? `image ${shape.width}x${shape.height} at ${shape.hotspotX},${shape.hotspotY}` : shape.kind);
    if (shape.kind === 'image') told.images.push(shape.rgba);
  };
  const watch = new ServerStreamWatch(false, false, () => undefined, (id) => told.frames.push(id), null, null, onShape, (why) => told.dropped.push(why));
  for (const chunk of chunks) watch.push(chunk);
  told.watching = watch.watching;
  return told;
}

const pointer96 = fastPath(LARGE_POINTER, largePointer(96, 1, [10, 20]), FRAGMENT);
const pointer384 = fastPath(LARGE_POINTER, largePointer(384, 2, [383, 0]), FRAGMENT);
const cached96 = fastPath(0xa, Buffer.from([1, 0]));
const defaultPointer = fastPath(0x6, Buffer.alloc(0));

test('a large pointer in fragments (96x96, 384x384 at 32 bpp, as FIRST, NEXT…, LAST) is put together and shown, however the stream is cut; the picture\u2019s fragments between two pointers are read as before', () => {
  assert.equal(pdusOf(pointer96).length, 3);
  assert.equal(pdusOf(pointer384).length, 38);
  const stream = Buffer.concat([pointer96, picture(1, 20_000), picture(2, 100), pointer384, cached96]);
  const expected = ['image 96x96 at 10,20', 'image 384x384 at 383,0', 'image 96x96 at 10,20'];
  const check = (told: Told) => {
    assert.deepEqual({ shapes: told.shapes, frames: told.frames, dropped: told.dropped, watching: told.watching }, { shapes: expected, frames: [1, 2], dropped: [], watching: true });
    assert.ok(told.images[0]!.equals(expectedRgba(96)) && told.images[2]!.equals(expectedRgba(96)), 'the 96x96 pointer\u2019s pixels');
    assert.ok(told.images[1]!.equals(expectedRgba(384)), 'the 384x384 pointer\u2019s pixels');
  };
  // Cut in every PDU's header and in its update's header (the awkward places), then anywhere.
  let start = 0;
  const awkward: number[] = [];
  for (const pdu of pdusOf(stream)) {
    awkward.push(start + 1, start + 2, start + 4, start + 5, start + 7);
    start += pdu.length;
  }
  check(watchPointers(splitAt(stream, awkward)));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }), (cuts) => check(watchPointers(splitAt(stream, cuts)))),
    { numRuns: 15 },
  );
});

test('the largest pointer ended by a 1-byte pad (384x384 at 32 bpp, 608,277 bytes, as a FreeRDP-based server writes it) is put together and shown', () => {
  const padded = Buffer.concat([largePointer(384, 4, [1, 2]), Buffer.from([0])]);
  assert.equal(padded.length, 608_277);
  const told = watchPointers([fastPath(LARGE_POINTER, padded, FRAGMENT), cached96]);
  assert.deepEqual({ shapes: told.shapes, dropped: told.dropped }, { shapes: ['image 384x384 at 1,2'], dropped: [] });
  assert.ok(told.images[0]!.equals(expectedRgba(384)), 'the 384x384 pointer\u2019s pixels');
});

test('a pointer\u2019s fragments broken by another update (a picture\u2019s, whole or in fragments) are dropped, said once; the picture is read and the next pointer shown', () => {
  const [first, next, , last] = pdusOf(fastPath(LARGE_POINTER, largePointer(96, 1, [0, 0]), 12_000));
  for (const between of [picture(5, 100), picture(5, 20_000)]) {
    const told = watchPointers([first!, next!, between, last!, pointer96]);
    assert.deepEqual(told.shapes, ['image 96x96 at 10,20']);
    assert.deepEqual(told.frames, [5]);
    assert.equal(told.dropped.length, 1, told.dropped.join('\n'));
    assert.match(told.dropped[0]!, /code 0xc, 24000 bytes so far\) dropped: another update came between its fragments/);
  }
});

test('the picture\u2019s fragments are not held: what the watch keeps while a picture in fragments passes is a header at most', () => {
  const watch = new ServerStreamWatch(false, false, () => undefined, undefined, null, null, () => undefined);
  const stream = Buffer.concat([picture(1, 60_000), picture(2, 100)]);
  let most = 0;
  for (const chunk of splitAt(stream, Array.from({ length: stream.length / 1000 }, (_, i) => i * 1000 + 1))) {
    watch.push(chunk);
    most = Math.max(most, watch.heldBytes);
  }
  assert.ok(most <= 15, `held ${most} bytes`);
});

test('a pointer in fragments larger than the largest pointer is dropped, said once, never held beyond it; the watch reads on', () => {
  // 50 fragments of 16 KB: 813 KB, more than a 384x384 pointer at 32 bpp, its header and pad (608,277 bytes).
  const oversized = fastPath(LARGE_POINTER, Buffer.concat([largePointer(384, 3, [0, 0]), Buffer.alloc(50 * FRAGMENT - LARGEST_POINTER_UPDATE_BYTES)]), FRAGMENT);
  const told = watchPointers(splitAt(Buffer.concat([oversized, picture(9, 100), pointer96, defaultPointer]), [3, 70_000, 500_000]));
  assert.deepEqual({ shapes: told.shapes, frames: told.frames, watching: told.watching }, { shapes: ['image 96x96 at 10,20', 'default'], frames: [9], watching: true });
  assert.equal(told.dropped.length, 1);
  assert.match(told.dropped[0]!, /more than the largest pointer \(608277\)/);

  const fragments = new PointerFragments();
  let most = 0;
  for (const [i, pdu] of pdusOf(oversized).entries()) {
    const updateHeader = pdu[3]!;
    fragments.take(updateHeader & 0xf, (updateHeader >> 4) & 0x3, pdu.subarray(6));
    most = Math.max(most, fragments.heldBytes);
    assert.ok(i < 49 || fragments.heldBytes === 0);
  }
  assert.ok(most <= LARGEST_POINTER_UPDATE_BYTES, `held ${most} bytes`);
});

test('fragments out of order: one without its first, two updates\u2019 fragments mixed, a new first, one that could not be read; each dropped sequence said once', () => {
  const FIRST = 2;
  const NEXT = 3;
  const LAST = 1;
  const bytes = (n: number) => Buffer.alloc(n, 1);
  const fragments = new PointerFragments();
  const said = (outcome: { whole?: Buffer; dropped?: string }) => [outcome.dropped ? 'dropped' : '', outcome.whole ? `whole ${outcome.whole.length}` : ''].filter(Boolean).join(' + ') || '-';
  // Without its first: said once, the rest of it passes.
  assert.deepEqual([fragments.take(0xc, NEXT, bytes(4)), fragments.take(0xc, NEXT, bytes(4)), fragments.take(0xc, LAST, bytes(4))].map(said), ['dropped', '-', '-']);
  // Mixed with another pointer update's fragments: both dropped, once.
  assert.deepEqual([fragments.take(0xc, FIRST, bytes(4)), fragments.take(0xb, NEXT, bytes(4)), fragments.take(0xc, LAST, bytes(4))].map(said), ['-', 'dropped', '-']);
  // A new first: the one before is dropped, the new one put together.
  assert.deepEqual([fragments.take(0xc, FIRST, bytes(4)), fragments.take(0xc, FIRST, bytes(5)), fragments.take(0xc, NEXT, bytes(6)), fragments.take(0xc, LAST, bytes(7))].map(said), ['-', 'dropped', '-', 'whole 18']);
  // A fragment that could not be read (bulk-compressed, cut short): dropped.
  assert.deepEqual([fragments.take(0xc, FIRST, bytes(4)), fragments.take(0xc, NEXT, null), fragments.take(0xc, LAST, bytes(4))].map(said), ['-', 'dropped', '-']);
  // A whole pointer update between fragments: shown, the sequence dropped, the rest of it passes.
  assert.deepEqual([fragments.take(0xc, FIRST, bytes(4)), fragments.take(0x6, 0, bytes(0)), fragments.take(0xc, LAST, bytes(4))].map(said), ['-', 'dropped + whole 0', '-']);
  assert.equal(said(fragments.take(0x6, 0, bytes(0))), 'whole 0');
  assert.equal(fragments.heldBytes, 0);
});

test('an empty NEXT fragment breaks the sequence: dropped, said once, the rest of it passes unread', () => {
  const fragments = new PointerFragments();
  const said = (outcome: { whole?: Buffer; dropped?: string }) => outcome.dropped ?? (outcome.whole ? `whole ${outcome.whole.length}` : '-');
  assert.deepEqual(
    [fragments.take(0xc, 2, Buffer.alloc(4)), fragments.take(0xc, 3, Buffer.alloc(0)), fragments.take(0xc, 3, Buffer.alloc(0)), fragments.take(0xc, 1, Buffer.alloc(4))].map(said),
    ['-', 'a pointer update in fragments (code 0xc, 4 bytes so far) dropped: an empty fragment came', '-', '-'],
  );
  assert.equal(fragments.heldBytes, 0);
  // Fragments of 1 byte are no fault, only slow: put together as any.
  const pieces = [fragments.take(0xc, 2, Buffer.from([1])), fragments.take(0xc, 3, Buffer.from([2])), fragments.take(0xc, 1, Buffer.from([3]))];
  assert.deepEqual(pieces.map(said), ['-', '-', 'whole 3']);
  assert.deepEqual([...pieces[2]!.whole!], [1, 2, 3]);
});

test('a hostile server\u2019s fragments of 1 byte each (600,000 of them, up to the largest pointer) cost the heap no more than the bytes held', () => {
  // The heap after a full collection, with the collector this test turns on.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const fragments = new PointerFragments();
  fragments.take(0xc, 2, Buffer.alloc(4));
  const one = Buffer.from([1]);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 600_000; i++) fragments.take(0xc, 3, one);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(fragments.heldBytes, 600_004);
  // Kept one Buffer a fragment, this was 65 MB.
  assert.ok(grown < 4_000_000, `the heap grew ${grown} bytes`);
});
