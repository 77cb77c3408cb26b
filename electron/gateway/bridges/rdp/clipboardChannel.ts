// The clipboard policy's one-way cases for RDP, and its "no files", in the
// gateway: the client's PDUs on the clipboard's static virtual channel
// (MS-RDPECLIP over MS-RDPBCGR 2.2.6.1 virtual channel PDUs) that would move
// text or files the way the policy forbids are emptied, changed or left out
// before they reach the server. (Where no way is allowed, the channel itself
// is kept from the server: clientSettings.ts renames it.)
//
// In MS-RDPECLIP data moves only when asked for: a side announces what it
// has (Format List), the other asks (Format Data Request) and is answered
// (Format Data Response). So:
//
// - text may not go to the remote computer: the client's Format List is
//   sent empty (the server answers it as usual, and never asks), and a
//   Format Data Response or File Contents Response from the client is
//   turned into a failed response (so a paste on the remote side ends
//   instead of waiting);
// - text may not come from the remote computer: the client's Format Data
//   Request and File Contents Request are left out, so the server never
//   sends its data;
// - files may not be copied (the policy's allowFileTransfer): the client's
//   Clipboard Capabilities say it cannot copy files (a server then offers
//   none), its Format List loses the file formats (so the remote side never
//   sees files to paste), its File Contents Requests are left out and its
//   File Contents Responses fail, either way.
//
// A message may be cut into chunks (CHANNEL_FLAG_FIRST … CHANNEL_FLAG_LAST);
// only the first names its type, and the rest follow its fate.
import { MCS_SEND_DATA_REQUEST, sendDataUserData } from './mcsPdu';

/** MS-RDPBCGR 2.2.6.1.1 CHANNEL_PDU_HEADER flags. */
const CHANNEL_FLAG_FIRST = 0x01;
const CHANNEL_FLAG_LAST = 0x02;
const CHANNEL_PACKET_COMPRESSED = 0x00200000;

/** MS-RDPECLIP 2.2.1 CLIPRDR_HEADER msgType. */
const CB_CLIP_CAPS = 0x0007;
const CB_MONITOR_READY = 0x0001;
const CB_FORMAT_LIST = 0x0002;
const CB_FORMAT_DATA_REQUEST = 0x0004;
const CB_FORMAT_DATA_RESPONSE = 0x0005;
const CB_FILECONTENTS_REQUEST = 0x0008;
const CB_FILECONTENTS_RESPONSE = 0x0009;
const CB_RESPONSE_FAIL = 0x0002;
/** CLIPRDR_HEADER msgFlags of a Format List with short ASCII names. */
const CB_ASCII_NAMES = 0x0004;
/** CLIPRDR_GENERAL_CAPABILITY generalFlags (MS-RDPECLIP 2.2.2.1.1.1). */
const CB_USE_LONG_FORMAT_NAMES = 0x02;
const CB_STREAM_FILECLIP_ENABLED = 0x04;
const CB_FILECLIP_NO_FILE_PATHS = 0x08;
const CB_CAN_LOCK_CLIPDATA = 0x10;
const CB_HUGE_FILE_SUPPORT_ENABLED = 0x20;
const CB_FILE_FLAGS = CB_STREAM_FILECLIP_ENABLED | CB_FILECLIP_NO_FILE_PATHS | CB_CAN_LOCK_CLIPDATA | CB_HUGE_FILE_SUPPORT_ENABLED;
const CB_CAPSTYPE_GENERAL = 0x0001;
/** Format names that carry files (shell clipboard formats, as Windows and xrdp name them). */
const FILE_FORMATS = new Set(['filegroupdescriptorw', 'filegroupdescriptor', 'filecontents', 'filenamew', 'filename', 'shell idlist array']);

export interface ClipboardWays {
  toRemote: boolean;
  toLocal: boolean;
  /** Files may be copied (each way text may go). */
  files: boolean;
}

type Fate = 'pass' | 'drop';

export class ClipboardChannelFilter {
  /** What becomes of the chunks after a message's first, until its last. */
  private rest: Fate = 'pass';
  /** Messages emptied or left out (for the log). */
  changed = 0;
  /** Whether the client's Format Lists use long format names (its Clipboard Capabilities; MS-RDPECLIP's default is short). */
  private longNames = false;

  constructor(private readonly ways: ClipboardWays) {}

  /**
   * A whole slow-path PDU from the client (TPKT, X.224, MCS Send Data Request)
   * known to be on the clipboard channel: what goes to the server instead
   * (itself, another PDU, or null for nothing).
   */
  judge(tpkt: Buffer): Buffer | null {
    const at = sendDataUserData(tpkt);
    if (at === null || at + 8 > tpkt.length) return tpkt;
    const flags = tpkt.readUInt32LE(at + 4);
    const first = (flags & CHANNEL_FLAG_FIRST) !== 0;
    const last = (flags & CHANNEL_FLAG_LAST) !== 0;
    if (!first) {
      const fate = this.rest;
      if (last) this.rest = 'pass';
      return fate === 'pass' ? tpkt : null;
    }
    // A compressed message cannot be read: under a one-way policy it does not go.
    if (flags & CHANNEL_PACKET_COMPRESSED || at + 8 + 8 > tpkt.length) return this.outcome(null, last);
    const type = tpkt.readUInt16LE(at + 8);
    // Nothing may go to the remote computer first: a Format List goes empty, not just without its files.
    if (!this.ways.toRemote) {
      if (type === CB_FORMAT_LIST) return this.outcome(emptyFormatList(tpkt, at), last);
      if (type === CB_FORMAT_DATA_RESPONSE) return this.outcome(rebuild(tpkt, at, cliprdr(CB_FORMAT_DATA_RESPONSE, CB_RESPONSE_FAIL, Buffer.alloc(0))), last);
      if (type === CB_FILECONTENTS_RESPONSE) return this.outcome(failedFileContents(tpkt, at), last);
    }
    if (!this.ways.files) {
      const changed = this.withoutFiles(tpkt, at, type, last);
      if (changed !== undefined) return this.outcome(changed, last);
    }
    if (!this.ways.toLocal && (type === CB_FORMAT_DATA_REQUEST || type === CB_FILECONTENTS_REQUEST)) return this.outcome(null, last);
    if (!last) this.rest = 'pass';
    return tpkt;
  }

  /**
   * Under "no files": what becomes of a message that could carry files or say
   * the client copies them (undefined: nothing to change).
   */
  private withoutFiles(tpkt: Buffer, at: number, type: number, last: boolean): Buffer | null | undefined {
    const dataAt = at + 8 + 8;
    if (type === CB_CLIP_CAPS) {
      if (!last) return null;
      const flagsAt = generalFlagsOffset(tpkt, dataAt);
      if (flagsAt === null) return undefined;
      const flags = tpkt.readUInt32LE(flagsAt);
      this.longNames = (flags & CB_USE_LONG_FORMAT_NAMES) !== 0;
      if (!(flags & CB_FILE_FLAGS)) return undefined;
      tpkt.writeUInt32LE((flags & ~CB_FILE_FLAGS) >>> 0, flagsAt);
      return tpkt;
    }
    if (type === CB_FORMAT_LIST) {
      // A list cut into chunks is not put together here: it goes empty (the copy is lost, no file slips through).
      const dataLength = tpkt.readUInt32LE(at + 8 + 4);
      if (!last || dataAt + dataLength > tpkt.length) return emptyFormatList(tpkt, at);
      const msgFlags = tpkt.readUInt16LE(at + 8 + 2);
      const kept = keptFormats(tpkt.subarray(dataAt, dataAt + dataLength), this.longNames, msgFlags);
      if (kept === null) return emptyFormatList(tpkt, at);
      if (kept.length === dataLength) return undefined;
      return rebuild(tpkt, at, cliprdr(CB_FORMAT_LIST, msgFlags, kept));
    }
    if (type === CB_FILECONTENTS_REQUEST) return null;
    if (type === CB_FILECONTENTS_RESPONSE) return failedFileContents(tpkt, at);
    return undefined;
  }

  /** A first chunk replaced (or left out): the chunks after it, if any, are left out. */
  private outcome(replacement: Buffer | null, last: boolean): Buffer | null {
    this.changed++;
    if (!last) this.rest = 'drop';
    return replacement;
  }
}

/**
 * A server's message on the clipboard channel that says what its clipboard
 * can do: its Clipboard Capabilities (`files`: the general set's flags have
 * CB_STREAM_FILECLIP_ENABLED) or its Monitor Ready; null for anything else,
 * a chunk after a message's first, or a compressed one.
 */
export function serverClipboardMessage(tpkt: Buffer): { type: 'capabilities'; files: boolean } | { type: 'monitor-ready' } | null {
  const at = sendDataUserData(tpkt);
  if (at === null || at + 8 + 8 > tpkt.length) return null;
  const flags = tpkt.readUInt32LE(at + 4);
  if (!(flags & CHANNEL_FLAG_FIRST) || flags & CHANNEL_PACKET_COMPRESSED) return null;
  const type = tpkt.readUInt16LE(at + 8);
  if (type === CB_MONITOR_READY) return { type: 'monitor-ready' };
  if (type !== CB_CLIP_CAPS) return null;
  const flagsAt = generalFlagsOffset(tpkt, at + 8 + 8);
  return { type: 'capabilities', files: flagsAt !== null && (tpkt.readUInt32LE(flagsAt) & CB_STREAM_FILECLIP_ENABLED) !== 0 };
}

/**
 * Where the general capability set's generalFlags are in a Clipboard
 * Capabilities PDU whose data begins at `dataAt` (cCapabilitiesSets (2), pad
 * (2), then sets: type (2), length (2), and for the general set version (4),
 * generalFlags (4)); null if it has none.
 */
function generalFlagsOffset(tpkt: Buffer, dataAt: number): number | null {
  let offset = dataAt + 4;
  while (offset + 4 <= tpkt.length) {
    const setType = tpkt.readUInt16LE(offset);
    const setLength = tpkt.readUInt16LE(offset + 2);
    if (setLength < 4) return null;
    if (setType === CB_CAPSTYPE_GENERAL && offset + 12 <= tpkt.length) return offset + 8;
    offset += setLength;
  }
  return null;
}

/** The MCS channel id a client PDU is sent on, or null if it is not a slow-path Send Data Request. */
export function sendDataChannel(pdu: Buffer): number | null {
  if (pdu[0] !== 0x03 || pdu.length < 12 || pdu[5] !== 0xf0 || pdu[7] !== MCS_SEND_DATA_REQUEST) return null;
  return pdu.readUInt16BE(10);
}

/**
 * A Format List's data without the file formats, or null where it cannot be
 * read. Long names (MS-RDPECLIP 2.2.3.1.2): formatId (4) and a NUL-ended
 * UTF-16 name each; short names (2.2.3.1.1): formatId (4) and 32 bytes of
 * name, UTF-16 or, with CB_ASCII_NAMES, ASCII.
 */
export function keptFormats(data: Buffer, longNames: boolean, msgFlags: number): Buffer | null {
  const kept: Buffer[] = [];
  let offset = 0;
  if (longNames) {
    while (offset < data.length) {
      if (offset + 6 > data.length) return null;
      let end = offset + 4;
      while (end + 1 < data.length && (data[end] !== 0 || data[end + 1] !== 0)) end += 2;
      if (end + 1 >= data.length) return null;
      const name = data.subarray(offset + 4, end).toString('utf16le');
      if (!isFileFormat(name)) kept.push(data.subarray(offset, end + 2));
      offset = end + 2;
    }
  } else {
    if (data.length % 36 !== 0) return null;
    const ascii = (msgFlags & CB_ASCII_NAMES) !== 0;
    for (; offset < data.length; offset += 36) {
      const raw = data.subarray(offset + 4, offset + 36);
      const name = (ascii ? raw.toString('latin1') : raw.toString('utf16le')).replace(/\0.*$/s, '');
      if (!isFileFormat(name, ascii ? 32 : 16)) kept.push(data.subarray(offset, offset + 36));
    }
  }
  return Buffer.concat(kept);
}

/** Whether a format name is one that carries files; a short name cut at `room` characters matches the names it begins. */
function isFileFormat(name: string, room = Infinity): boolean {
  const lower = name.toLowerCase();
  if (FILE_FORMATS.has(lower)) return true;
  return lower.length >= room && [...FILE_FORMATS].some((f) => f.startsWith(lower));
}

/** The client's Format List in `tpkt` sent empty: it has nothing to offer. */
function emptyFormatList(tpkt: Buffer, userDataAt: number): Buffer {
  return rebuild(tpkt, userDataAt, cliprdr(CB_FORMAT_LIST, 0, Buffer.alloc(0)));
}

/** The client's File Contents Response in `tpkt` turned into a failed one for the same stream (its streamId, 4 bytes, comes first). */
function failedFileContents(tpkt: Buffer, userDataAt: number): Buffer {
  const dataAt = userDataAt + 8 + 8;
  const streamId = dataAt + 4 <= tpkt.length ? Buffer.from(tpkt.subarray(dataAt, dataAt + 4)) : Buffer.alloc(4);
  return rebuild(tpkt, userDataAt, cliprdr(CB_FILECONTENTS_RESPONSE, CB_RESPONSE_FAIL, streamId));
}

/** A CLIPRDR_HEADER (msgType, msgFlags, dataLen) and its data. */
function cliprdr(type: number, msgFlags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(type, 0);
  header.writeUInt16LE(msgFlags, 2);
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** The PDU with the same TPKT, X.224 and MCS headers (initiator, channel, priority) around a one-chunk message, its channel flags kept (SHOW_PROTOCOL). */
function rebuild(tpkt: Buffer, userDataAt: number, message: Buffer): Buffer {
  const channelHeader = Buffer.alloc(8);
  channelHeader.writeUInt32LE(message.length, 0);
  channelHeader.writeUInt32LE((tpkt.readUInt32LE(userDataAt + 4) | CHANNEL_FLAG_FIRST | CHANNEL_FLAG_LAST) >>> 0, 4);
  const userData = Buffer.concat([channelHeader, message]);
  const perLength = userData.length < 0x80 ? Buffer.from([userData.length]) : Buffer.from([0x80 | (userData.length >> 8), userData.length & 0xff]);
  const mcsHead = tpkt.subarray(7, 13);
  const length = 7 + mcsHead.length + perLength.length + userData.length;
  return Buffer.concat([Buffer.from([0x03, 0x00, length >> 8, length & 0xff]), tpkt.subarray(4, 7), mcsHead, perLength, userData]);
}
