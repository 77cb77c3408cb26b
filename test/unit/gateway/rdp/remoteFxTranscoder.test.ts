// The gateway's half of RemoteFX decoded by the page: the transcoder takes
// RemoteFX Surface Bits out of IronRDP's stream and sends the page the
// messages (tag 1), IronRDP getting the rest of the stream (tag 0), in order.
// Messages come from a test encoder written from the specification
// (remoteFxEncoder.ts); the page's decoder: test/unit/renderer/remoteFxDecoder.test.ts;
// against a real server, test/e2e/rdpRemoteFxDecode.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRemoteFxMessage, type Rect } from '../../../../shared/remoteFx/remoteFxMessage';
import { IRONRDP_REMOTEFX_CODEC_ID } from '../../../../electron/gateway/bridges/rdp/fastPathOutput';
import { RemoteFxTranscoder, TAG_REMOTEFX, TAG_RDP } from '../../../../electron/gateway/bridges/rdp/remoteFxTranscoder';
import { encodeMessage } from './remoteFxEncoder';
import { splitAt } from './chunks';
import { fastPath, marker } from './fastPathPdus';

/** A picture with smooth areas, edges and colour: what a desktop has. */
const picture = (x: number, y: number): [number, number, number] => {
  if (x > 100 && x < 180 && y > 20 && y < 60) return [250, 250, 250];
  return [(x * 3) & 255, (y * 2) & 255, ((x + y) * 5) & 255];
};

function surfaceBits(codecId: number, dest: Rect, data: Buffer): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt16LE(0x0001, 0);
  [dest.x, dest.y, dest.x + dest.width, dest.y + dest.height].forEach((v, i) => b.writeUInt16LE(v, 2 + 2 * i));
  b[10] = 32;
  b[13] = codecId;
  b.writeUInt16LE(dest.width, 14);
  b.writeUInt16LE(dest.height, 16);
  b.writeUInt32LE(data.length, 18);
  return Buffer.concat([b, data]);
}

/** Reads fast-path output back: each update whole (fragments joined), with its code; TPKTs as they are. */
function readOutput(stream: Buffer): { code: number | 'tpkt'; data: Buffer }[] {
  const out: { code: number | 'tpkt'; data: Buffer }[] = [];
  let at = 0;
  let held: Buffer[] = [];
  while (at < stream.length) {
    if (stream[at] === 0x03) {
      const length = stream.readUInt16BE(at + 2);
      out.push({ code: 'tpkt', data: stream.subarray(at, at + length) });
      at += length;
      continue;
    }
    const long = stream[at + 1]! & 0x80;
    const length = long ? ((stream[at + 1]! & 0x7f) << 8) | stream[at + 2]! : stream[at + 1]!;
    let u = at + (long ? 3 : 2);
    const end = at + length;
    while (u < end) {
      const code = stream[u]! & 0xf;
      const fragmentation = (stream[u]! >> 4) & 3;
      const size = stream.readUInt16LE(u + 1);
      const data = stream.subarray(u + 3, u + 3 + size);
      u += 3 + size;
      if (fragmentation === 0) out.push({ code, data });
      else if (fragmentation === 2 || fragmentation === 3) held.push(data);
      else {
        out.push({ code, data: Buffer.concat([...held, data]) });
        held = [];
      }
    }
    at = end;
  }
  return out;
}

/** The surface commands of an update: markers, or bits with their codec and a copy of their data. */
function commands(data: Buffer): ({ marker: number } | { codec: number; x: number; y: number; width: number; height: number; bytes: Buffer })[] {
  const out: ReturnType<typeof commands> = [];
  let at = 0;
  while (at < data.length) {
    if (data.readUInt16LE(at) === 0x0004) {
      out.push({ marker: data.readUInt16LE(at + 2) });
      at += 8;
      continue;
    }
    const length = data.readUInt32LE(at + 18);
    out.push({ codec: data[at + 13]!, x: data.readUInt16LE(at + 2), y: data.readUInt16LE(at + 4), width: data.readUInt16LE(at + 14), height: data.readUInt16LE(at + 16), bytes: data.subarray(at + 22, at + 22 + length) });
    at += 22 + length;
  }
  return out;
}

const tpkt = (payload: number[]) => Buffer.from([0x03, 0x00, 0x00, 4 + payload.length, ...payload]);

type Event = { code: number | 'tpkt'; data: Buffer } | { remoteFx: { left: number; top: number }[]; bytes: Buffer[] };

/** What the page receives, in order: RDP PDUs for IronRDP (tag 0, each message whole PDUs) and RemoteFX messages for its decoder (tag 1). */
function events(messages: Buffer[]): Event[] {
  return messages.flatMap((m): Event[] => {
    if (m[0] === TAG_REMOTEFX) {
      const event = { remoteFx: [] as { left: number; top: number }[], bytes: [] as Buffer[] };
      let at = 1;
      while (at < m.length) {
        const length = m.readUInt32LE(at + 4);
        event.remoteFx.push({ left: m.readUInt16LE(at), top: m.readUInt16LE(at + 2) });
        event.bytes.push(m.subarray(at + 8, at + 8 + length));
        at += 8 + length;
      }
      assert.equal(at, m.length, 'the entries fill the message');
      return [event];
    }
    assert.equal(m[0], TAG_RDP);
    return readOutput(m.subarray(1));
  });
}

/** The bytes IronRDP receives. */
const forIronRdp = (messages: Buffer[]) => Buffer.concat(messages.filter((m) => m[0] === TAG_RDP).map((m) => m.subarray(1)));

test('the transcoder sends the page the RemoteFX and IronRDP the rest, in order, whatever the chunks', () => {
  const rects = [{ x: 0, y: 0, width: 150, height: 100 }];
  const rfx = encodeMessage(picture, rects, { width: 256, height: 192 });
  const second = encodeMessage(picture, [{ x: 0, y: 0, width: 64, height: 64 }], { width: 256, height: 192, headers: false });
  // Two RemoteFX commands one after the other: one message to the page, both in it.
  const frame = Buffer.concat([
    marker(0, 7),
    surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, { x: 0, y: 0, width: 256, height: 192 }, rfx),
    surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, { x: 64, y: 128, width: 64, height: 64 }, second),
    marker(1, 7),
  ]);
  const other = surfaceBits(9, { x: 5, y: 5, width: 1, height: 1 }, Buffer.from([1, 2, 3, 4]));
  const slow = tpkt([0x02, 0xf0, 0x80, 0x68, 1, 2, 3]);
  const pointer = fastPath(0xa, Buffer.from([9, 9]));
  // Another codec before any painting (IronRDP draws it), then the RemoteFX frame in fragments of 1000 bytes.
  const stream = Buffer.concat([slow, fastPath(4, other), fastPath(4, frame, 1000), pointer, slow]);

  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
      const transcoder = new RemoteFxTranscoder(false, false);
      const got = events(splitAt(stream, cuts).flatMap((c) => transcoder.push(Buffer.from(c))));
      assert.equal(transcoder.stats.stoppedBecause, null);
      assert.equal(transcoder.stats.messages, 2);
      assert.equal(transcoder.stats.tiles, 6 + 1);
      const shape = got.map((e) => ('remoteFx' in e ? 'remoteFx' : e.code === 4 ? commands(e.data).map((c) => ('marker' in c ? `marker ${c.marker}` : `bits ${c.codec}`)).join(',') : String(e.code)));
      assert.deepEqual(shape, ['tpkt', 'bits 9', 'marker 0', 'remoteFx', 'marker 1', '10', 'tpkt']);
      const sent = got.find((e): e is Extract<Event, { remoteFx: unknown }> => 'remoteFx' in e)!;
      assert.deepEqual(sent.remoteFx, [
        { left: 0, top: 0 },
        { left: 64, top: 128 },
      ]);
      assert.deepEqual(sent.bytes, [rfx, second]);
    }),
    { numRuns: 40 },
  );
});

test('graphics IronRDP draws after the page began painting: the transcoding stops, IronRDP gets them and all later RemoteFX, and the whole screen is asked for again', () => {
  const rfx = (first: boolean) => encodeMessage(picture, [{ x: 0, y: 0, width: 64, height: 64 }], { width: 128, height: 64, headers: first });
  const frame = (id: number) => fastPath(4, Buffer.concat([marker(0, id), surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, { x: 0, y: 0, width: 128, height: 64 }, rfx(id === 1)), marker(1, id)]));
  const bitmap = fastPath(0x1, Buffer.from([0x01, 0x00, 0x00, 0x00]));
  const transcoder = new RemoteFxTranscoder(false, false);
  const first = transcoder.push(frame(1));
  assert.ok(first.some((m) => m[0] === TAG_REMOTEFX));
  assert.equal(transcoder.stats.refreshWanted, false);
  const after = transcoder.push(Buffer.concat([bitmap, frame(2)]));
  assert.match(transcoder.stats.stoppedBecause ?? '', /IronRDP draws/);
  assert.equal(transcoder.stats.refreshWanted, true);
  assert.deepEqual(transcoder.stats.screen, { width: 128, height: 64 });
  assert.ok(after.every((m) => m[0] === TAG_RDP));
  assert.deepEqual(forIronRdp(after), Buffer.concat([bitmap, frame(2)]));
  // From there IronRDP's own tile filter: the same tile again is left out, only the frame markers go.
  assert.deepEqual(
    readOutput(forIronRdp(transcoder.push(frame(3)))).map((u) => commands(u.data).map((c) => ('marker' in c ? `marker ${c.marker}` : 'bits'))),
    [['marker 0'], ['marker 1']],
  );
  assert.deepEqual(transcoder.tileStats, { tiles: 3, dropped: 1, stoppedBecause: null });
});

test('tiles the page shows already are left out of what it is sent; a message none of whose tiles is left out goes as it came', () => {
  const plain = picture;
  const changed = (x: number, y: number): [number, number, number] => (x >= 70 && x < 80 && y >= 70 && y < 80 ? [255, 0, 0] : plain(x, y));
  const area = [{ x: 0, y: 0, width: 192, height: 128 }];
  const rfx = (id: number, draw: typeof picture) => encodeMessage(draw, area, { width: 256, height: 192, headers: id === 1 });
  const frame = (id: number, message: Buffer) => fastPath(4, Buffer.concat([marker(0, id), surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, { x: 0, y: 0, width: 256, height: 192 }, message), marker(1, id)]), 1000);
  const sentToPage = (messages: Buffer[]) => events(messages).flatMap((e) => ('remoteFx' in e ? e.bytes : []));
  const transcoder = new RemoteFxTranscoder(false, false);
  const first = rfx(1, plain);
  assert.deepEqual(sentToPage(transcoder.push(frame(1, first))), [first]);
  // The same picture: no message at all. One tile changed: a message with that tile alone.
  assert.deepEqual(sentToPage(transcoder.push(frame(2, rfx(2, plain)))), []);
  const third = sentToPage(transcoder.push(frame(3, rfx(3, changed))));
  assert.equal(third.length, 1);
  const tiles = parseRemoteFxMessage(third[0]!).tiles.map((t) => `${t.xIdx},${t.yIdx}`);
  assert.deepEqual(tiles, ['1,1']);
  assert.deepEqual(transcoder.tileStats, { tiles: 18, dropped: 11, stoppedBecause: null });
  // IronRDP gets the frame markers each time, in order, with or without a message between them.
  const fourth = transcoder.push(frame(4, rfx(4, changed)));
  assert.deepEqual(sentToPage(fourth), []);
  assert.deepEqual(readOutput(forIronRdp(fourth)).map((u) => commands(u.data).map((c) => ('marker' in c ? `marker ${c.marker}` : 'bits'))), [['marker 0'], ['marker 1']]);
});

test('another codec IronRDP draws in the same update as the page\'s first RemoteFX: the page is not taken to still show those tiles', () => {
  const area = [{ x: 0, y: 0, width: 64, height: 64 }];
  const sentToPage = (messages: Buffer[]) => events(messages).flatMap((e) => ('remoteFx' in e ? e.bytes : []));
  const transcoder = new RemoteFxTranscoder(false, false);
  const first = encodeMessage(picture, area, { width: 128, height: 64 });
  const over = surfaceBits(9, { x: 0, y: 0, width: 64, height: 64 }, Buffer.from([1, 2, 3, 4]));
  const update = (id: number, ...bits: Buffer[]) => fastPath(4, Buffer.concat([marker(0, id), ...bits, marker(1, id)]));
  assert.deepEqual(sentToPage(transcoder.push(update(1, surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, area[0]!, first), over))), [first]);
  assert.equal(transcoder.stats.stoppedBecause, null);
  // The same tile again: IronRDP drew over it, so the page must paint it again.
  const again = encodeMessage(picture, area, { width: 128, height: 64, headers: false });
  assert.deepEqual(sentToPage(transcoder.push(update(2, surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, area[0]!, again)))), [again]);
});

test('what the transcoder cannot read goes to IronRDP as it came, with everything after it', () => {
  const unknownCommand = Buffer.alloc(8);
  unknownCommand.writeUInt16LE(0x0009, 0);
  const rfx = encodeMessage(picture, [{ x: 0, y: 0, width: 64, height: 64 }], { width: 64, height: 64 });
  const later = fastPath(4, Buffer.concat([marker(0, 2), surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, { x: 0, y: 0, width: 64, height: 64 }, rfx)]));
  for (const [why, bad] of [
    ['surface command type 9', fastPath(4, unknownCommand)],
    ['RemoteFX it could not read', fastPath(4, surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, { x: 0, y: 0, width: 64, height: 64 }, rfx.subarray(0, 40)))],
    ['bulk-compressed', Buffer.from([0x00, 0x07, 0x84 | 0x80, 0x20, 0x01, 0x00, 0xaa])],
  ] as const) {
    const transcoder = new RemoteFxTranscoder(false, false);
    const first = transcoder.push(Buffer.concat([bad, later]));
    assert.match(transcoder.stats.stoppedBecause ?? '', new RegExp(why));
    assert.equal(transcoder.stats.refreshWanted, false, 'nothing was painted, so nothing is missing');
    assert.deepEqual(forIronRdp(first), Buffer.concat([bad, later]));
    const more = Buffer.from([0x03, 0x00, 0x00, 0x05, 0x42]);
    assert.deepEqual(transcoder.push(more), [Buffer.concat([Buffer.from([TAG_RDP]), more])]);
  }
});

test('CredSSP and the Early User Authorization Result pass untouched before RDP begins', () => {
  const tsRequest = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x06]);
  const earlyAuth = Buffer.from([0x00, 0x00, 0x00, 0x00]);
  const frame = fastPath(4, Buffer.concat([marker(0, 1), surfaceBits(IRONRDP_REMOTEFX_CODEC_ID, { x: 0, y: 0, width: 64, height: 64 }, encodeMessage(picture, [{ x: 0, y: 0, width: 64, height: 64 }], { width: 64, height: 64 }))]));
  const transcoder = new RemoteFxTranscoder(true, true);
  const out = [tsRequest, earlyAuth, frame].flatMap((c) => transcoder.push(c));
  assert.deepEqual(forIronRdp(out).subarray(0, 9), Buffer.concat([tsRequest, earlyAuth]));
  assert.equal(transcoder.stats.messages, 1);
  assert.equal(transcoder.stats.stoppedBecause, null);
});
