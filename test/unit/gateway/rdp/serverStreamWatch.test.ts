import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ServerStreamWatch, serverEndReason, type PaddedBitmap } from '../../../../electron/gateway/bridges/rdp/serverStreamWatch';
import { splitAt } from './chunks';

/** One TS_BITMAP_DATA with a 4-byte "bitmap". */
function rectangle(left: number, right: number, width: number, bpp = 16): Buffer {
  const b = Buffer.alloc(18 + 4);
  [left, 10, right, 20, width, 11, bpp, 0x0401, 4].forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
}

/** A fast-path output PDU with one bitmap update (MS-RDPBCGR 2.2.9.1.2). */
function fastPathBitmap(rects: Buffer[], fragmentation = 0): Buffer {
  const data = Buffer.concat([Buffer.from([0x01, 0x00, rects.length, 0x00]), ...rects]);
  const update = Buffer.concat([Buffer.from([0x01 | (fragmentation << 4), data.length & 0xff, data.length >> 8]), data]);
  const length = update.length + 3;
  return Buffer.concat([Buffer.from([0x00, 0x80 | (length >> 8), length & 0xff]), update]);
}

/** A slow-path Update PDU (bitmap) in TPKT, X.224, MCS Send Data Indication, share headers. */
function slowPathBitmap(rects: Buffer[]): Buffer {
  return slowPathData(0x02, Buffer.concat([Buffer.from([0x01, 0x00, rects.length, 0x00]), ...rects])); // PDUTYPE2_UPDATE
}

/** A slow-path Data PDU of this pduType2 with this body. */
function slowPathData(pduType2: number, update: Buffer): Buffer {
  const shareData = Buffer.alloc(12);
  shareData[8] = pduType2;
  const shareControl = Buffer.alloc(6);
  shareControl.writeUInt16LE(6 + 12 + update.length, 0);
  shareControl.writeUInt16LE(0x0017, 2); // PDUTYPE_DATAPDU | version
  const body = Buffer.concat([shareControl, shareData, update]);
  const mcs = Buffer.from([0x68, 0x00, 0x01, 0x03, 0xeb, 0x70, 0x80 | (body.length >> 8), body.length & 0xff]);
  const x224 = Buffer.from([0x02, 0xf0, 0x80]);
  const total = 4 + x224.length + mcs.length + body.length;
  return Buffer.concat([Buffer.from([0x03, 0x00, total >> 8, total & 0xff]), x224, mcs, body]);
}

function watch(chunks: Buffer[], nla = false, earlyAuth = false): PaddedBitmap[] {
  const found: PaddedBitmap[] = [];
  const check = new ServerStreamWatch(nla, earlyAuth, (f) => found.push(f));
  for (const chunk of chunks) check.push(chunk);
  return found;
}

test('a padded bitmap (source wider than its rectangle, as xrdp sends) is found, fast-path and slow-path', () => {
  assert.deepEqual(watch([fastPathBitmap([rectangle(0, 63, 64), rectangle(100, 449, 352)])]), [{ destinationWidth: 350, sourceWidth: 352, bitsPerPixel: 16, path: 'fast-path' }]);
  assert.deepEqual(watch([slowPathBitmap([rectangle(5, 7, 4, 32)])]), [{ destinationWidth: 3, sourceWidth: 4, bitsPerPixel: 32, path: 'slow-path' }]);
});

test('bitmaps that fit their rectangles, and updates of other kinds, are not', () => {
  const pointer = Buffer.from([0x00, 0x08, 0x0a, 0x02, 0x00, 0x00, 0x00]); // fast-path default pointer
  assert.deepEqual(watch([fastPathBitmap([rectangle(0, 63, 64), rectangle(64, 127, 64)]), pointer, slowPathBitmap([rectangle(0, 3, 4)])]), []);
});

test('after CredSSP (and HYBRID_EX\u2019s 4-byte result) the watch starts', () => {
  const tsRequest = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x06]);
  const earlyAuthResult = Buffer.from([0x00, 0x00, 0x00, 0x00]);
  // The server's next PDU is always a TPKT (MCS Connect Response); this one is short of content, as it does not matter here.
  const connectResponse = Buffer.from([0x03, 0x00, 0x00, 0x09, 0x02, 0xf0, 0x80, 0x7f, 0x66]);
  assert.equal(watch([tsRequest, earlyAuthResult, connectResponse, fastPathBitmap([rectangle(0, 9, 12)])], true, true).length, 1);
  assert.equal(watch([Buffer.concat([tsRequest, tsRequest, connectResponse, fastPathBitmap([rectangle(0, 9, 12)])])], true, false).length, 1);
});

test('any split of the stream finds the same', () => {
  const stream = Buffer.concat([fastPathBitmap([rectangle(0, 63, 64)]), slowPathBitmap([rectangle(0, 3, 4)]), fastPathBitmap([rectangle(0, 63, 64), rectangle(0, 9, 12)])]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
      const chunks = splitAt(stream, cuts);
      const points = [...new Set(cuts)];
      // The padded rectangle is the second of its PDU: seen whenever its header arrives with the PDU's first bytes.
      const found = watch(chunks);
      assert.ok(found.length <= 1);
      if (points.every((p) => p < stream.length - 60 || p >= stream.length)) assert.equal(found.length, 1);
    }),
  );
});

test('garbage never throws and ends the watch', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), fc.boolean(), (bytes, nla, earlyAuth) => {
      const check = new ServerStreamWatch(nla, earlyAuth, () => undefined);
      check.push(Buffer.from(bytes));
      check.push(Buffer.from(bytes));
    }),
  );
  const check = new ServerStreamWatch(false, false, () => undefined);
  check.push(Buffer.from([0x03, 0x00, 0x00, 0x09, 0x02, 0xf0, 0x80, 0x7f, 0x66]));
  check.push(Buffer.from([0x07, 0x01, 0x02])); // action bits 3: neither fast-path nor a TPKT
  assert.equal(check.watching, false);
});

test('the server\u2019s own end: a Disconnect Provider Ultimatum (as xrdp sent it) and a Set Error Info PDU are read', () => {
  // Captured from xrdp 0.9.21 when the session's desktop exited: TPKT, X.224 data, MCS DPUm rn-user-requested.
  const ultimatum = Buffer.from('0300000902f0802180', 'hex');
  const watch = new ServerStreamWatch(false, false, () => undefined);
  watch.push(fastPathBitmap([rectangle(0, 63, 64)]));
  watch.push(ultimatum);
  assert.equal(watch.ultimatumReason, 3);
  assert.deepEqual(serverEndReason(watch.errorInfo, watch.ultimatumReason)?.code, 'session-ended');

  // Windows on sign-out: Set Error Info ERRINFO_LOGOFF_BY_USER (0xC), then the ultimatum.
  const body = Buffer.alloc(6 + 12 + 4);
  body.writeUInt16LE(body.length, 0);
  body.writeUInt16LE(0x0017, 2);
  body[6 + 8] = 0x2f; // PDUTYPE2_SET_ERROR_INFO_PDU
  body.writeUInt32LE(0x0000000c, 18);
  const mcs = Buffer.from([0x68, 0x00, 0x01, 0x03, 0xeb, 0x70, body.length]);
  const total = 4 + 3 + mcs.length + body.length;
  const setErrorInfo = Buffer.concat([Buffer.from([0x03, 0x00, 0x00, total]), Buffer.from([0x02, 0xf0, 0x80]), mcs, body]);
  const windows = new ServerStreamWatch(false, false, () => undefined);
  windows.push(Buffer.concat([setErrorInfo, ultimatum]));
  assert.equal(windows.errorInfo, 0xc);
  assert.deepEqual(serverEndReason(windows.errorInfo, windows.ultimatumReason)?.code, 'logged-off');
});

test('server end reasons: deliberate ends are named, anything else is left as a closed connection', () => {
  assert.equal(serverEndReason(0x5, 3)?.code, 'session-taken-over');
  assert.equal(serverEndReason(0x3, null)?.code, 'idle-timeout');
  assert.equal(serverEndReason(0xb, 3)?.code, 'session-ended');
  assert.equal(serverEndReason(null, 1)?.code, 'session-ended');
  assert.equal(serverEndReason(null, null), null);
  assert.equal(serverEndReason(null, 0), null); // domain disconnected: not a decision about this session
  assert.equal(serverEndReason(0x10ff, null), null); // a protocol error code: the connection's problem
});

/** A fast-path surface commands update (MS-RDPBCGR 2.2.9.1.2.1.10): frame markers around a stand-in for surface bits. */
function fastPathFrame(frameId: number, options: { fragmentation?: number; compressed?: boolean; begin?: boolean } = {}): Buffer {
  const marker = (action: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(0x0004, 0); // CMDTYPE_FRAME_MARKER
    b.writeUInt16LE(action, 2);
    b.writeUInt32LE(frameId, 4);
    return b;
  };
  const surfaceBits = Buffer.alloc(30, 0x11);
  surfaceBits.writeUInt16LE(0x0006, 0); // CMDTYPE_STREAM_SURFACE_BITS
  const data = Buffer.concat([...(options.begin === false ? [] : [marker(0)]), surfaceBits, marker(1)]);
  const header = 0x04 | ((options.fragmentation ?? 0) << 4) | (options.compressed ? 0x80 : 0);
  const update = Buffer.concat([Buffer.from(options.compressed ? [header, 0x20 | 0x01] : [header]), Buffer.from([data.length & 0xff, data.length >> 8]), data]);
  const length = update.length + 3;
  return Buffer.concat([Buffer.from([0x00, 0x80 | (length >> 8), length & 0xff]), update]);
}

test('frame begin markers are reported with their frame id, however the stream is cut; not from compressed or continuing fragments', () => {
  const begun: number[] = [];
  const check = new ServerStreamWatch(false, false, () => undefined, (id) => begun.push(id));
  const whole = Buffer.concat([fastPathFrame(7), fastPathBitmap([rectangle(0, 63, 64)]), fastPathFrame(8, { fragmentation: 2 }), fastPathFrame(0xfffffffe), fastPathFrame(9, { compressed: true }), fastPathFrame(10, { fragmentation: 3 }), fastPathFrame(11, { begin: false })]);
  for (const chunk of splitAt(whole, [1, 2, 9, 40, 53, 54, 100, 101])) check.push(chunk);
  assert.deepEqual(begun, [7, 8, 0xfffffffe]);
});

/** What a watch told of an auto-logon (6). */
function signIn(chunks: Buffer[], autologon = true): { finalized: number; unchecked: number; outcomes: boolean[]; padded: number } {
  const told = { finalized: 0, unchecked: 0, outcomes: [] as boolean[], padded: 0 };
  const check = new ServerStreamWatch(false, false, () => told.padded++, undefined, null, {
    autologon: () => autologon,
    finalized: () => told.finalized++,
    unchecked: () => told.unchecked++,
    outcome: (signedIn) => told.outcomes.push(signedIn),
  });
  for (const chunk of chunks) check.push(chunk);
  return told;
}

const fontMap = slowPathData(0x28, Buffer.from([0, 0, 0, 0, 3, 0, 4, 0]));
const cachedPointer = Buffer.from([0x00, 0x07, 0x0a, 0x02, 0x00, 0x00, 0x00]); // fast-path cached pointer
const synchronize = Buffer.from([0x00, 0x05, 0x03, 0x00, 0x00]); // fast-path synchronize (xrdp sends it after the Font Map)

test('auto-logon: xrdp\u2019s own window (a slow-path Bitmap Update) first after the Font Map is a refusal; its padded bitmaps are not reported', () => {
  assert.deepEqual(signIn([fontMap, synchronize, cachedPointer, slowPathBitmap([rectangle(13, 407, 396, 32)]), fastPathFrame(1)]), { finalized: 1, unchecked: 0, outcomes: [false], padded: 0 });
});

test('auto-logon: the session\u2019s picture (surface commands, a fast-path bitmap) or a Save Session Info PDU first is a sign-in', () => {
  assert.deepEqual(signIn([fontMap, synchronize, cachedPointer, fastPathFrame(1), slowPathBitmap([rectangle(0, 3, 4)])]), { finalized: 1, unchecked: 0, outcomes: [true], padded: 0 });
  assert.deepEqual(signIn([fontMap, fastPathBitmap([rectangle(0, 63, 64)])]).outcomes, [true]);
  assert.deepEqual(signIn([fontMap, slowPathData(0x26, Buffer.alloc(8)), slowPathBitmap([rectangle(0, 3, 4)])]).outcomes, [true]);
});

test('auto-logon: nothing is told before the Font Map; without an auto-logon, only that there is nothing to watch', () => {
  assert.deepEqual(signIn([slowPathBitmap([rectangle(0, 3, 4)]), fastPathFrame(1)]), { finalized: 0, unchecked: 0, outcomes: [], padded: 0 });
  assert.deepEqual(signIn([fontMap, slowPathBitmap([rectangle(0, 5, 8)])], false), { finalized: 0, unchecked: 1, outcomes: [], padded: 1 });
  assert.deepEqual(signIn([fontMap, cachedPointer, synchronize]), { finalized: 1, unchecked: 0, outcomes: [], padded: 0 });
});

test('auto-logon: any split of the stream tells the same', () => {
  for (const [stream, outcome] of [
    [Buffer.concat([fontMap, synchronize, cachedPointer, slowPathBitmap([rectangle(13, 407, 396, 32)])]), false],
    [Buffer.concat([fontMap, synchronize, cachedPointer, fastPathFrame(7)]), true],
  ] as const) {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
        assert.deepEqual(signIn(splitAt(stream, cuts)).outcomes, [outcome]);
      }),
    );
  }
});
