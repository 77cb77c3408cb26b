// The gateway leaves out RemoteFX tiles IronRDP already has and gives it each
// run of tiles in a row as an update of its own (electron/gateway/bridges/rdp/
// remoteFxTiles.ts). Messages come from a test encoder written from MS-RDPRFX;
// the real thing (IronRDP drawing what freerdp-shadow sends) is in
// test/e2e/rdpRemoteFx.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IRONRDP_REMOTEFX_CODEC_ID } from '../../../../electron/gateway/bridges/rdp/fastPathOutput';
import { RemoteFxTileFilter } from '../../../../electron/gateway/bridges/rdp/remoteFxTiles';
import { encodeMessage, type Rect } from './remoteFxEncoder';
import { splitAt } from './chunks';
import { fastPath, marker } from './fastPathPdus';

type Picture = (x: number, y: number) => [number, number, number];
const plain: Picture = (x, y) => [(x * 3) & 255, (y * 2) & 255, ((x + y) * 5) & 255];
/** The same picture with one 10x10 box changed, inside tile (1, 1). */
const changed: Picture = (x, y) => (x >= 70 && x < 80 && y >= 70 && y < 80 ? [255, 0, 0] : plain(x, y));

function surfaceBits(codecId: number, data: Buffer): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(256, 6);
  b.writeUInt16LE(192, 8);
  b[10] = 32;
  b[13] = codecId;
  b.writeUInt16LE(256, 14);
  b.writeUInt16LE(192, 16);
  b.writeUInt32LE(data.length, 18);
  return Buffer.concat([b, data]);
}

const frame = (id: number, picture: Picture, rects: Rect[], options: { headers?: boolean; fragment?: number } = {}) =>
  fastPath(4, Buffer.concat([marker(0, id), surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, encodeMessage(picture, rects, { width: 256, height: 192, headers: options.headers ?? false })), marker(1, id)]), options.fragment);

/** The updates IronRDP gets (fragments joined), each with its code. */
function updates(stream: Buffer): { code: number; data: Buffer }[] {
  const out: { code: number; data: Buffer }[] = [];
  let held: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    if (stream[at] === 0x03) {
      at += stream.readUInt16BE(at + 2);
      continue;
    }
    const long = stream[at + 1]! & 0x80;
    const end = at + (long ? ((stream[at + 1]! & 0x7f) << 8) | stream[at + 2]! : stream[at + 1]!);
    for (let u = at + (long ? 3 : 2); u < end; ) {
      const fragmentation = (stream[u]! >> 4) & 3;
      const size = stream.readUInt16LE(u + 1);
      const data = stream.subarray(u + 3, u + 3 + size);
      if (fragmentation === 0) out.push({ code: stream[u]! & 0xf, data });
      else if (fragmentation === 1) out.push({ code: stream[u]! & 0xf, data: Buffer.concat([...held, data]) });
      if (fragmentation >= 2) held.push(data);
      else held = [];
      u += 3 + size;
    }
    at = end;
  }
  return out;
}

interface Painted {
  tiles: string[];
  region: Rect[];
  headers: boolean;
}

/** Each update read as IronRDP reads it: markers, or a RemoteFX message (its tiles, region, whether it has headers). */
function read(stream: Buffer): (string | Painted)[] {
  return updates(stream).flatMap((u) => {
    assert.equal(u.code, 4);
    const out: (string | Painted)[] = [];
    for (let at = 0; at < u.data.length; ) {
      if (u.data.readUInt16LE(at) === 4) {
        out.push(`marker ${u.data.readUInt16LE(at + 2)}`);
        at += 8;
        continue;
      }
      const length = u.data.readUInt32LE(at + 18);
      const message = u.data.subarray(at + 22, at + 22 + length);
      const painted: Painted = { tiles: [], region: [], headers: false };
      for (let b = 0; b < message.length; ) {
        const type = message.readUInt16LE(b);
        const blockLength = message.readUInt32LE(b + 2);
        assert.ok(blockLength >= 6 && b + blockLength <= message.length, 'block lengths add up');
        if (type === 0xccc0) painted.headers = true;
        if (type === 0xccc6) {
          const count = message.readUInt16LE(b + 9);
          for (let r = 0; r < count; r++) painted.region.push({ x: message.readUInt16LE(b + 11 + r * 8), y: message.readUInt16LE(b + 13 + r * 8), width: message.readUInt16LE(b + 15 + r * 8), height: message.readUInt16LE(b + 17 + r * 8) });
          assert.equal(blockLength, 11 + count * 8 + 4);
        }
        if (type === 0xccc7) {
          const quants = message[b + 14]!;
          const count = message.readUInt16LE(b + 16);
          const tilesSize = message.readUInt32LE(b + 18);
          assert.equal(blockLength, 22 + quants * 5 + tilesSize, 'tile set length');
          for (let t = 0, p = b + 22 + quants * 5; t < count; t++) {
            painted.tiles.push(`${message.readUInt16LE(p + 9)},${message.readUInt16LE(p + 11)}`);
            p += message.readUInt32LE(p + 2);
          }
        }
        b += blockLength;
      }
      out.push(painted);
      at += 22 + length;
    }
    return out;
  });
}

const area: Rect[] = [{ x: 0, y: 0, width: 192, height: 128 }];

test('a tile IronRDP already has is left out; the rest come a tile row run at a time, the region cut to each', () => {
  const filter = new RemoteFxTileFilter(false, false);
  const first = read(filter.push(frame(1, plain, area, { headers: true })));
  // Headers go with the first group; two rows of three tiles, each row its own update.
  assert.deepEqual(first, [
    'marker 0',
    { tiles: ['0,0', '1,0', '2,0'], region: [{ x: 0, y: 0, width: 192, height: 64 }], headers: true },
    { tiles: ['0,1', '1,1', '2,1'], region: [{ x: 0, y: 64, width: 192, height: 64 }], headers: false },
    'marker 1',
  ]);
  // The same picture again: nothing to draw at all. One tile changed: only it.
  assert.deepEqual(read(filter.push(frame(2, plain, area))), ['marker 0', 'marker 1']);
  assert.deepEqual(read(filter.push(frame(3, changed, area))), ['marker 0', { tiles: ['1,1'], region: [{ x: 64, y: 64, width: 64, height: 64 }], headers: false }, 'marker 1']);
  assert.deepEqual(filter.stats, { tiles: 18, dropped: 11, stoppedBecause: null });
});

test('a tile the region cuts is always sent (IronRDP painted only part of it before)', () => {
  const filter = new RemoteFxTileFilter(false, false);
  const cut: Rect[] = [{ x: 0, y: 0, width: 150, height: 64 }];
  filter.push(frame(1, plain, cut, { headers: true }));
  assert.deepEqual(read(filter.push(frame(2, plain, cut))), ['marker 0', { tiles: ['2,0'], region: [{ x: 128, y: 0, width: 22, height: 64 }], headers: false }, 'marker 1']);
});

test('whatever else IronRDP draws, and new headers, make it forget every tile', () => {
  const bitmap = fastPath(0x1, Buffer.from([0x01, 0x00, 0x00, 0x00]));
  for (const between of [bitmap, fastPath(4, surfaceBits(9, Buffer.from([1, 2, 3, 4])))]) {
    const filter = new RemoteFxTileFilter(false, false);
    filter.push(frame(1, plain, area, { headers: true }));
    const out = read(filter.push(Buffer.concat([between, frame(2, plain, area)])).subarray(between.length));
    assert.deepEqual(out.flatMap((e) => (typeof e === 'string' ? [] : e.tiles)), ['0,0', '1,0', '2,0', '0,1', '1,1', '2,1']);
  }
  const filter = new RemoteFxTileFilter(false, false);
  filter.push(frame(1, plain, area, { headers: true }));
  assert.equal(read(filter.push(frame(2, plain, area, { headers: true }))).flatMap((e) => (typeof e === 'string' ? [] : e.tiles)).length, 6);
});

test('whatever the chunks and the server\u2019s fragment size, IronRDP gets the same', () => {
  const stream = Buffer.concat([frame(1, plain, area, { headers: true, fragment: 700 }), frame(2, changed, area, { fragment: 500 }), frame(3, changed, area)]);
  const whole = new RemoteFxTileFilter(false, false).push(stream);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 10 }), (cuts) => {
      const filter = new RemoteFxTileFilter(false, false);
      assert.deepEqual(read(Buffer.concat(splitAt(stream, cuts).map((c) => filter.push(Buffer.from(c))))), read(whole));
      assert.equal(filter.stats.dropped, 5 + 6);
    }),
    { numRuns: 40 },
  );
});

test('what it cannot read goes through as it came, with everything after it', () => {
  const unknownCommand = Buffer.alloc(8);
  unknownCommand.writeUInt16LE(0x0009, 0);
  const later = frame(2, plain, area, { headers: true });
  for (const [why, bad] of [
    ['surface command type 9', fastPath(4, unknownCommand)],
    ['RemoteFX block', fastPath(4, surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, Buffer.from([0xde, 0xc0, 6, 0, 0, 0])))],
    ['bulk-compressed', Buffer.from([0x00, 0x07, 0x84 | 0x80, 0x20, 0x01, 0x00, 0xaa])],
    ['encrypted', Buffer.from([0x80, 0x03, 0x00])],
  ] as const) {
    const filter = new RemoteFxTileFilter(false, false);
    assert.deepEqual(filter.push(Buffer.concat([bad, later])), Buffer.concat([bad, later]));
    assert.match(filter.stats.stoppedBecause ?? '', new RegExp(why));
    assert.deepEqual(filter.push(later), later);
  }
});

test('CredSSP and the Early User Authorization Result pass untouched; slow-path PDUs too', () => {
  const tsRequest = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x06]);
  const earlyAuth = Buffer.from([0x00, 0x00, 0x00, 0x00]);
  const slow = Buffer.from([0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80, 0x68, 1, 2, 3]);
  const filter = new RemoteFxTileFilter(true, true);
  const out = [tsRequest, earlyAuth, slow, frame(1, plain, area, { headers: true }), frame(2, plain, area)].map((c) => filter.push(c));
  assert.deepEqual(out.slice(0, 3), [tsRequest, earlyAuth, slow]);
  assert.equal(filter.stats.dropped, 6);
  assert.equal(filter.stats.stoppedBecause, null);
});
