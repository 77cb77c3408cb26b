// The server's Deactivation-Reactivation Sequence made one the IronRDP build we ship follows (reactivation.ts):
// xrdp's Deactivate All (six bytes, the Share Control Header alone) made whole, and virtual channel PDUs that
// come during the sequence held until its end; through the RemoteFX tile filter and the transcoder, whatever the chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeactivationReactivation } from '../../../../electron/gateway/bridges/rdp/reactivation';
import { RemoteFxTileFilter } from '../../../../electron/gateway/bridges/rdp/remoteFxTiles';
import { RemoteFxTranscoder, TAG_RDP } from '../../../../electron/gateway/bridges/rdp/remoteFxTranscoder';
import { splitAt } from './chunks';
import { fastPath, marker } from './fastPathPdus';

const IO_CHANNEL = 1003;
const CLIPBOARD_CHANNEL = 1004;
const SHARE_ID = 0x000103ea;

/** A slow-path PDU from the server: TPKT, X.224 data, MCS Send Data Indication on `channel`, then `userData`. */
function slowPath(userData: Buffer, channel = IO_CHANNEL): Buffer {
  const length = userData.length < 0x80 ? Buffer.from([userData.length]) : Buffer.from([0x80 | (userData.length >> 8), userData.length & 0xff]);
  const mcs = Buffer.concat([Buffer.from([0x68, 0x00, 0x05, channel >> 8, channel & 0xff, 0x70]), length, userData]);
  const tpkt = Buffer.concat([Buffer.from([0x03, 0x00, 0x00, 0x00, 0x02, 0xf0, 0x80]), mcs]);
  tpkt.writeUInt16BE(tpkt.length, 2);
  return tpkt;
}

/** A Share Control Header (totalLength, pduType with version 1, pduSource 1002) and what follows it. */
function shareControl(pduType: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(6 + body.length, 0);
  header.writeUInt16LE(0x10 | pduType, 2);
  header.writeUInt16LE(1002, 4);
  return Buffer.concat([header, body]);
}

/** A Data PDU of `pduType2` (Share Data Header: shareId, pad, streamId, uncompressedLength, pduType2, compression) and its body. */
function dataPdu(pduType2: number, body: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt32LE(SHARE_ID, 0);
  header[5] = 1;
  header.writeUInt16LE(body.length + 4, 6);
  header[8] = pduType2;
  return slowPath(shareControl(0x7, Buffer.concat([header, body])));
}

/** A Demand Active (its capability sets left out: only its share id matters here). */
const demandActive = (shareId: number) => {
  const body = Buffer.alloc(4 + 2 + 2 + 4 + 2 + 2);
  body.writeUInt32LE(shareId, 0);
  body.writeUInt16LE(4, 4); // lengthSourceDescriptor
  body.write('RDP\0', 8, 'latin1');
  return slowPath(shareControl(0x1, body));
};
/** xrdp's: the header alone (xrdp_rdp_send_deactivate). */
const XRDP_DEACTIVATE_ALL = slowPath(shareControl(0x6, Buffer.alloc(0)));
/** A whole one, as the specification has it (MS-RDPBCGR 2.2.3.1). */
const wholeDeactivateAll = (shareId: number) => {
  const body = Buffer.alloc(7);
  body.writeUInt32LE(shareId, 0);
  body.writeUInt16LE(1, 4);
  return slowPath(shareControl(0x6, body));
};
const SYNCHRONIZE = dataPdu(0x1f, Buffer.from([1, 0, 0xea, 0x03]));
const FONT_MAP = dataPdu(0x28, Buffer.from([0, 0, 0, 0, 3, 0, 4, 0]));
/** xrdp's clipboard opening (CB_CLIP_CAPS, then CB_MONITOR_READY), on its static channel. */
const CLIPBOARD_CAPS = slowPath(Buffer.from('1c0000000300000007000000100000000100000001000c000200000002000000', 'hex'), CLIPBOARD_CHANNEL);
const MONITOR_READY = slowPath(Buffer.from('08000000030000000100000000000000', 'hex'), CLIPBOARD_CHANNEL);

test('xrdp\u2019s six-byte Deactivate All is given its share id (the last Demand Active\u2019s) and an empty source descriptor, its lengths written anew', () => {
  const reactivation = new DeactivationReactivation();
  const demand = demandActive(SHARE_ID);
  assert.deepEqual(reactivation.fix(demand), [demand]);
  const [fixed] = reactivation.fix(XRDP_DEACTIVATE_ALL);
  assert.deepEqual(fixed, wholeDeactivateAll(SHARE_ID));
  assert.equal(fixed!.readUInt16BE(2), fixed!.length, 'TPKT length');
  assert.equal(fixed![13], 13, 'MCS user data length');
  assert.equal(fixed!.readUInt16LE(14), 13, 'Share Control Header totalLength');
  assert.equal(reactivation.stats.completed, 1);
});

test('a whole Deactivate All, and any other PDU, is left as it came', () => {
  const reactivation = new DeactivationReactivation();
  for (const pdu of [demandActive(7), SYNCHRONIZE, CLIPBOARD_CAPS, FONT_MAP, wholeDeactivateAll(7), Buffer.from([0x03, 0x00, 0x00, 0x09, 0x02, 0xf0, 0x80, 0x21, 0x80])]) {
    assert.deepEqual(reactivation.fix(pdu), [pdu]);
  }
  assert.equal(reactivation.stats.completed, 0);
});

test('a virtual channel\u2019s PDUs during the reactivation wait for the server\u2019s Font Map, then follow it in their order', () => {
  const reactivation = new DeactivationReactivation();
  assert.deepEqual(reactivation.fix(XRDP_DEACTIVATE_ALL).length, 1);
  assert.deepEqual(reactivation.fix(demandActive(SHARE_ID + 1)), [demandActive(SHARE_ID + 1)]);
  assert.deepEqual(reactivation.fix(CLIPBOARD_CAPS), []);
  assert.deepEqual(reactivation.fix(MONITOR_READY), []);
  assert.deepEqual(reactivation.fix(SYNCHRONIZE), [SYNCHRONIZE]);
  assert.deepEqual(reactivation.fix(FONT_MAP), [FONT_MAP, CLIPBOARD_CAPS, MONITOR_READY]);
  // The sequence is over: the channel's PDUs go as they come.
  assert.deepEqual(reactivation.fix(CLIPBOARD_CAPS), [CLIPBOARD_CAPS]);
  assert.equal(reactivation.stats.held, 2);
});

test('a sequence that never ends holds no more than a megabyte: then what it held goes on', () => {
  const reactivation = new DeactivationReactivation();
  reactivation.fix(XRDP_DEACTIVATE_ALL);
  const big = slowPath(Buffer.alloc(0x3000), CLIPBOARD_CHANNEL);
  let out: Buffer[] = [];
  let sent = 0;
  while (out.length === 0) {
    out = reactivation.fix(big);
    sent++;
  }
  assert.equal(out.length, sent);
  assert.ok(sent * big.length > 1024 * 1024);
  assert.deepEqual(reactivation.fix(CLIPBOARD_CAPS), [CLIPBOARD_CAPS]);
});

/** The server's side of a resize, as xrdp sent it once: a frame, the Deactivate All, the Demand Active, the clipboard opening, the finalization, a frame. */
const RESIZE = [fastPath(0x4, marker(0, 1)), demandActive(SHARE_ID), XRDP_DEACTIVATE_ALL, demandActive(SHARE_ID + 1), CLIPBOARD_CAPS, MONITOR_READY, SYNCHRONIZE, FONT_MAP, fastPath(0x4, marker(1, 1))];
const EXPECTED = Buffer.concat([RESIZE[0]!, RESIZE[1]!, wholeDeactivateAll(SHARE_ID), RESIZE[3]!, SYNCHRONIZE, FONT_MAP, CLIPBOARD_CAPS, MONITOR_READY, RESIZE[8]!]);

test('IronRDP, through the tile filter or the transcoder, gets the sequence whole and uninterrupted, whatever the chunks', () => {
  const stream = Buffer.concat(RESIZE);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 6 }), (cuts) => {
      const chunks = splitAt(stream, cuts);
      const filter = new RemoteFxTileFilter(false, false);
      assert.deepEqual(Buffer.concat(chunks.map((chunk) => filter.push(chunk))), EXPECTED);
      const transcoder = new RemoteFxTranscoder(false, false);
      const messages = chunks.flatMap((chunk) => transcoder.push(chunk));
      assert.ok(messages.every((m) => m[0] === TAG_RDP));
      assert.deepEqual(Buffer.concat(messages.map((m) => m.subarray(1))), EXPECTED);
      assert.deepEqual(transcoder.reactivation.stats, { completed: 1, held: 2 });
    }),
  );
});
