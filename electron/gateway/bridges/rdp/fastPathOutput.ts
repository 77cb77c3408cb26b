// Reading and writing the server's fast-path output (MS-RDPBCGR 2.2.9.1.2)
// and its surface commands (2.2.9.1.2.1.10), for the two that change what
// IronRDP is given: the RemoteFX tile filter (remoteFxTiles.ts) and the
// transcoder that takes RemoteFX out for the page's decoder
// (remoteFxTranscoder.ts). Where each PDU ends is serverFraming.ts's.
import { fastPathHeaderLength, slowPathDataPdu } from './serverFraming';

export const FASTPATH_UPDATETYPE_ORDERS = 0x0;
export const FASTPATH_UPDATETYPE_BITMAP = 0x1;
export const FASTPATH_UPDATETYPE_SURFCMDS = 0x4;
export const FASTPATH_FRAGMENT_SINGLE = 0x0;
export const FASTPATH_FRAGMENT_LAST = 0x1;
export const FASTPATH_FRAGMENT_FIRST = 0x2;
export const FASTPATH_FRAGMENT_NEXT = 0x3;
const FASTPATH_OUTPUT_COMPRESSION_USED = 0x2;
const FASTPATH_OUTPUT_ENCRYPTED = 0x2;
const CMDTYPE_SET_SURFACE_BITS = 0x0001;
const CMDTYPE_FRAME_MARKER = 0x0004;
const CMDTYPE_STREAM_SURFACE_BITS = 0x0006;
const EX_COMPRESSED_BITMAP_HEADER_PRESENT = 0x01;
/** Slow-path: a Data PDU of type Update (ORDERS 0, BITMAP 1 are drawn). */
const PDUTYPE2_UPDATE = 0x02;
const UPDATETYPE_ORDERS = 0x0000;
const UPDATETYPE_BITMAP = 0x0001;
/** The codec id IronRDP gives RemoteFX in its Bitmap Codecs capability (ironrdp-pdu CODEC_ID_REMOTEFX). */
export const IRONRDP_REMOTEFX_CODEC_ID = 3;
/** A fast-path PDU's length is 15 bits; its header (3) and the update's header (1) and size (2) come off. */
const MAX_FRAGMENT = 0x7fff - 3 - 3;

/** Something in the server's output these readers cannot read; the reason says what. */
export class Unreadable extends Error {}

export interface FastPathUpdate {
  code: number;
  fragmentation: number;
  /** The update's data. */
  data: Buffer;
  /** The update as it came (header, size, data). */
  raw: Buffer;
}

/** The updates of a whole fast-path output PDU; throws Unreadable for encrypted or bulk-compressed output or bad lengths. */
export function fastPathUpdates(pdu: Buffer): FastPathUpdate[] {
  if (((pdu[0]! >> 6) & FASTPATH_OUTPUT_ENCRYPTED) !== 0) throw new Unreadable('encrypted fast-path output');
  const updates: FastPathUpdate[] = [];
  let at = fastPathHeaderLength(pdu, 0);
  while (at < pdu.length) {
    const start = at;
    const updateHeader = pdu[at]!;
    at += 1;
    if ((updateHeader >> 6) & FASTPATH_OUTPUT_COMPRESSION_USED) throw new Unreadable('bulk-compressed fast-path output');
    if (at + 2 > pdu.length) throw new Unreadable('a fast-path update header cut short');
    const size = pdu.readUInt16LE(at);
    at += 2;
    if (at + size > pdu.length) throw new Unreadable('a fast-path update longer than its PDU');
    updates.push({ code: updateHeader & 0xf, fragmentation: (updateHeader >> 4) & 0x3, data: pdu.subarray(at, at + size), raw: pdu.subarray(start, at + size) });
    at += size;
  }
  return updates;
}

/** Bitmaps or orders: what IronRDP draws into its framebuffer. */
export const drawsBitmapsOrOrders = (update: FastPathUpdate): boolean => update.code === FASTPATH_UPDATETYPE_ORDERS || update.code === FASTPATH_UPDATETYPE_BITMAP;

export type SurfaceCommand =
  | { kind: 'marker'; bytes: Buffer }
  | {
      kind: 'bits';
      /** The whole command. */
      bytes: Buffer;
      codecId: number;
      left: number;
      top: number;
      /** The codec's data (bitmapData). */
      data: Buffer;
    };

/** The commands of a whole surface commands update; throws Unreadable for a command it does not know or bad lengths. */
export function surfaceCommands(data: Buffer): SurfaceCommand[] {
  const commands: SurfaceCommand[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 2 > data.length) throw new Unreadable('a surface command cut short');
    const type = data.readUInt16LE(at);
    if (type === CMDTYPE_FRAME_MARKER) {
      if (at + 8 > data.length) throw new Unreadable('a frame marker cut short');
      commands.push({ kind: 'marker', bytes: data.subarray(at, at + 8) });
      at += 8;
      continue;
    }
    if (type !== CMDTYPE_SET_SURFACE_BITS && type !== CMDTYPE_STREAM_SURFACE_BITS) throw new Unreadable(`surface command type ${type}`);
    // cmdType, destLeft, destTop, destRight, destBottom (2 each), TS_BITMAP_DATA_EX: bpp, flags, reserved, codecID, width (2), height (2), bitmapDataLength (4).
    if (at + 22 > data.length) throw new Unreadable('a surface bits command cut short');
    const headerLength = 22 + (data[at + 11]! & EX_COMPRESSED_BITMAP_HEADER_PRESENT ? 24 : 0);
    const end = at + headerLength + data.readUInt32LE(at + 18);
    if (end > data.length) throw new Unreadable('a surface bits command longer than its update');
    commands.push({ kind: 'bits', bytes: data.subarray(at, end), codecId: data[at + 13]!, left: data.readUInt16LE(at + 2), top: data.readUInt16LE(at + 4), data: data.subarray(at + headerLength, end) });
    at = end;
  }
  return commands;
}

/** A slow-path Update PDU that IronRDP draws (orders or bitmaps; a bulk-compressed one cannot be read, so counts as drawn)? */
export function drawnByIronRdp(tpkt: Buffer): boolean {
  const data = slowPathDataPdu(tpkt);
  if (!data || data.pduType2 !== PDUTYPE2_UPDATE || data.body + 2 > tpkt.length) return false;
  const updateType = tpkt.readUInt16LE(data.body);
  return data.compressed || updateType === UPDATETYPE_ORDERS || updateType === UPDATETYPE_BITMAP;
}

/** A surface commands update's bytes (header and size, then the data). */
function updateBytes(fragmentation: number, data: Buffer): Buffer {
  const update = Buffer.allocUnsafe(3 + data.length);
  update[0] = FASTPATH_UPDATETYPE_SURFCMDS | (fragmentation << 4);
  update.writeUInt16LE(data.length, 1);
  data.copy(update, 3);
  return update;
}

/** A fast-path output PDU (unencrypted) holding the given updates, whole. */
export function fastPathPdu(updates: Buffer[]): Buffer {
  const body = updates.reduce((n, u) => n + u.length, 0);
  const pdu = Buffer.allocUnsafe(3 + body);
  pdu[0] = 0;
  pdu.writeUInt16BE(0x8000 | (3 + body), 1);
  let at = 3;
  for (const u of updates) {
    u.copy(pdu, at);
    at += u.length;
  }
  return pdu;
}

/** One surface commands update carrying `data`, in fragments if it is larger than a fast-path PDU holds. */
export function surfaceCommandsPdus(data: Buffer): Buffer[] {
  if (data.length <= MAX_FRAGMENT) return [fastPathPdu([updateBytes(FASTPATH_FRAGMENT_SINGLE, data)])];
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_FRAGMENT) {
    const end = Math.min(at + MAX_FRAGMENT, data.length);
    out.push(fastPathPdu([updateBytes(at === 0 ? FASTPATH_FRAGMENT_FIRST : end === data.length ? FASTPATH_FRAGMENT_LAST : FASTPATH_FRAGMENT_NEXT, data.subarray(at, end))]));
  }
  return out;
}

/** The fragments of a surface commands update held so far, as fast-path PDUs again (first, then next ones). */
export function heldFragmentPdus(fragments: readonly Buffer[]): Buffer[] {
  return fragments.map((data, i) => fastPathPdu([updateBytes(i === 0 ? FASTPATH_FRAGMENT_FIRST : FASTPATH_FRAGMENT_NEXT, data)]));
}
