// Watches what the server sends, in clear here because TLS ends in the
// gateway, for two things a user must hear about, one the gateway's frame
// pacing needs, and one its clipboard policy needs.
//
// 1. Why the server ended the session: the Set Error Info PDU (MS-RDPBCGR
// 2.2.5.1.1; a sign-out, another connection taking over, an idle limit) and
// the MCS Disconnect Provider Ultimatum that follows it or comes alone (xrdp
// when the session's desktop exits). The IronRDP build we ship reports the
// ultimatum as a generic error and drops the error info, so without this a
// deliberate end looks like a lost link and is retried, signing the user
// straight back in.
//
// 2. Where each frame begins (its TS_FRAME_MARKER), for the frame pacing of
// framePacing.ts.
//
// 3. Bitmaps the IronRDP build we ship draws wrong: a
// TS_BITMAP_DATA whose source width is larger than its destination rectangle
// (rows padded, as xrdp pads them to a multiple of 4 pixels). That build uses
// the destination width as the source stride, so every row after the first
// starts a little further left: slanted stripes (fixed upstream in IronRDP
// #1486, not in a published npm release). When one arrives, the user is told
// that the picture may not match the remote screen. Nothing is ever changed.
//
// 4. The MCS channel ids the server gave the client's static virtual
// channels (the Server Network Data of its MCS Connect Response, 2.2.1.4.4),
// in the order of the client's list: where the clipboard policy allows one
// way only, the gateway finds the clipboard channel's PDUs by its id
// (clientSettings.ts).
//
// 5. What the server's clipboard can do: its Clipboard Capabilities and the
// Monitor Ready that opens the clipboard channel (MS-RDPECLIP 2.2.2.1,
// 2.2.2.2). A server whose capabilities do not say it copies files
// (CB_STREAM_FILECLIP_ENABLED; freerdp-shadow's have no clipboard at all)
// would leave files sent to it waiting forever: the page offers sending
// files only once the server has said it takes them.
//
// 6. Whether an auto-logon signed in, where the server says it only by what it
// draws (xrdp 0.9): after the client's Client Info asked for INFO_AUTOLOGON,
// xrdp checks the credentials (sesman, PAM) once the connection is
// finalized. Signed in, the session's Xorg (xorgxrdp) draws the first
// picture, as RemoteFX in fast-path surface commands; refused, xrdp draws
// its own window ("login failed for user …", then its sign-in form) with
// its own painter, which sends slow-path Bitmap Updates (libxrdp_send_bitmap:
// 2.2.9.1.1.3.1.2, even to a client that takes fast-path output), and
// keeps the connection open. Neither sends a Set Error Info or a Save
// Session Info PDU (2.2.10.1: xrdp sends one only for a module that asks).
// So the first drawing after the server's Font Map tells it: a fast-path
// update that draws (surface commands, bitmap, orders) or a Save Session
// Info PDU (Windows' logon notification) is a session; a slow-path Bitmap
// or Orders Update first is the server's own window. Pointer updates and
// channel PDUs say nothing either way.
//
// 7. The server's pointer shape (serverPointer.ts, which says why the page
// needs it from here): fast-path pointer updates (codes 0x5–0xC but the
// position, 0x8) and slow-path Pointer Update PDUs (pduType2 0x1B). A PDU
// that carries one is read whole (put together when cut, up to the 32 KB
// of a fast-path PDU), the rest as before. A pointer update larger than the
// server's fragment size (a large pointer) comes in fragments, one a PDU,
// which are put together (pointerFragments.ts: up to the largest pointer;
// one broken by another update, or larger, is dropped and said so). The
// picture's fragments are never held: the watch only reads the stream, which
// goes on to the page as it comes, whatever the watch makes of it.
//
// Framing (MS-RDPBCGR): CredSSP TSRequests (DER) and, with HYBRID_EX, a
// 4-byte Early User Authorization Result first; then slow-path PDUs (TPKT,
// 2.2.8.1.1.1.1) and fast-path output (2.2.9.1.2). Bitmap updates are read
// from fast-path updates (code 0x1, 2.2.9.1.2.1.2) and slow-path Update PDUs
// (pduType2 0x02, updateType 0x0001, 2.2.9.1.1.3.1.2). Anything encrypted,
// bulk-compressed or unrecognised is skipped; a stream that cannot be framed
// ends the watch.

import type { ErrorCode } from '../../../../shared/errors/errorCodes';
import { fastPathHeaderLength, serverFraming, serverPduLength, slowPathDataPdu, type ServerFraming } from './serverFraming';
import { MCS_SEND_DATA_INDICATION, walkGccUserData } from './mcsPdu';
import { serverClipboardMessage } from './clipboardChannel';
import { FASTPATH_POINTER_CODES, ServerPointer, type PointerShape } from './serverPointer';
import { PointerFragments } from './pointerFragments';
import { FASTPATH_FRAGMENT_FIRST, FASTPATH_FRAGMENT_SINGLE } from './fastPathOutput';

const FASTPATH_UPDATETYPE_BITMAP = 0x1;
const FASTPATH_UPDATETYPE_SURFCMDS = 0x4;
/** MS-RDPBCGR 2.2.9.2.3 TS_FRAME_MARKER: cmdType CMDTYPE_FRAME_MARKER, frameAction SURFACECMD_FRAMEACTION_BEGIN. */
const CMDTYPE_FRAME_MARKER = 0x0004;
const SURFACECMD_FRAMEACTION_BEGIN = 0x0000;
/** A fast-path PDU's header (3), first update's header (2 with compression flags) and size (2), and a frame marker (8). */
const FASTPATH_HEAD_BYTES = 3 + 2 + 2 + 8;
const FASTPATH_OUTPUT_COMPRESSION_USED = 0x2;
const FASTPATH_OUTPUT_ENCRYPTED = 0x2;
const PACKET_COMPRESSED = 0x20;
const UPDATETYPE_BITMAP = 0x0001;
const PDUTYPE2_UPDATE = 0x02;
/** T.125 DomainMCSPDU choice 8, PER-encoded in the top six bits. */
const MCS_DISCONNECT_PROVIDER_ULTIMATUM = 8;
const PDUTYPE2_SET_ERROR_INFO_PDU = 0x2f;
/** 2.2.1.22 Font Map PDU: the server's last PDU of the connection sequence. */
const PDUTYPE2_FONTMAP = 0x28;
/** 2.2.10.1 Save Session Info PDU (a logon notification). */
const PDUTYPE2_SAVE_SESSION_INFO = 0x26;
const UPDATETYPE_ORDERS = 0x0000;
/** Fast-path update codes that draw (2.2.9.1.2.1): orders, bitmap, palette, surface commands. */
const FASTPATH_DRAWING = new Set([0x0, 0x1, 0x2, 0x4]);
/** The H.221 non-standard key of the GCC user data a server sends ("McDn"), and its Server Network Data block. */
const H221_SERVER_KEY = Buffer.from('McDn', 'latin1');
const SC_NET = 0x0c03;
/** Slow-path PDUs up to this long are put together when cut, so that what the watch reads in them is all there. */
const WHOLE_SLOW_PATH_BYTES = 4096;
/** 2.2.9.1.1.4 Pointer Update PDU. */
const PDUTYPE2_POINTER = 0x1b;

/** MS-RDPBCGR 2.2.5.1.1 errorInfo values that say why the server ended the session on purpose. */
const END_BY_ERROR_INFO: Readonly<Record<number, ErrorCode>> = {
  0x1: 'session-ended', // ERRINFO_RPC_INITIATED_DISCONNECT: an administrator disconnected it
  0x2: 'logged-off', // ERRINFO_RPC_INITIATED_LOGOFF
  0x3: 'idle-timeout',
  0x4: 'session-ended', // ERRINFO_LOGON_TIMEOUT: the session's time limit
  0x5: 'session-taken-over', // ERRINFO_DISCONNECTED_BY_OTHERCONNECTION
  0x7: 'access-denied', // ERRINFO_SERVER_DENIED_CONNECTION
  0x9: 'access-denied', // ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES
  0xb: 'session-ended', // ERRINFO_RPC_INITIATED_DISCONNECT_BYUSER: the user chose Disconnect in the session
  0xc: 'logged-off', // ERRINFO_LOGOFF_BY_USER
};

/**
 * What a server's own end of the session means (null: nothing deliberate was
 * said, so it counts as a closed or lost connection). errorInfo values are
 * MS-RDPBCGR 2.2.5.1.1's; ultimatum reasons T.125's.
 */
export function serverEndReason(errorInfo: number | null, ultimatumReason: number | null): { code: ErrorCode; evidence: string } | null {
  if (errorInfo !== null && END_BY_ERROR_INFO[errorInfo]) return { code: END_BY_ERROR_INFO[errorInfo], evidence: `Set Error Info 0x${errorInfo.toString(16).padStart(8, '0')}` };
  // 1 provider-initiated, 3 user-requested: the server ended it on purpose.
  if (ultimatumReason === 1 || ultimatumReason === 3) {
    return { code: 'session-ended', evidence: `Disconnect Provider Ultimatum (reason ${ultimatumReason})${errorInfo !== null ? ` after Set Error Info 0x${errorInfo.toString(16)}` : ''}` };
  }
  return null;
}

/** What the watch found: the first bitmap drawn wrong, for the warning's detail. */
export interface PaddedBitmap {
  destinationWidth: number;
  sourceWidth: number;
  bitsPerPixel: number;
  path: 'fast-path' | 'slow-path';
}

/** What the watch needs for the server's clipboard (5): where it is, and whom to tell once the server has opened it. */
export interface ClipboardWatch {
  /** The MCS channel id of the clipboard channel, once known (null: none, or not yet). */
  channelId: () => number | null;
  /** The server's clipboard is open (its Monitor Ready came); `files`: its capabilities say it copies files. Once. */
  opened: (remote: { files: boolean }) => void;
}

/** What the watch tells of an auto-logon (6). */
export interface SignInWatch {
  /** Whether the client's Client Info asked the server to sign in with what it sent (asked at the server's Font Map). */
  autologon: () => boolean;
  /** The connection sequence is over (the server's Font Map) and what the server draws first will tell the sign-in's outcome. */
  finalized: () => void;
  /** The connection sequence is over (the server's Font Map) and there is no auto-logon to watch (NLA, or none asked for). */
  unchecked: () => void;
  /** The server's first drawing after its Font Map: the session's (signed in), or its own window (refused). Once. */
  outcome: (signedIn: boolean, evidence: string) => void;
}

export class ServerStreamWatch {
  private readonly framing: ServerFraming;
  /** The watch stops at anything it cannot frame. */
  private done = false;
  private carry: Buffer = Buffer.alloc(0);
  /** Bytes of the current PDU still to pass unseen. */
  private skip = 0;
  private found: PaddedBitmap | null = null;
  /** The last non-zero errorInfo of a Set Error Info PDU. */
  errorInfo: number | null = null;
  /** The reason of a Disconnect Provider Ultimatum from the server (T.125: 0 domain-disconnected … 3 user-requested), if one came. */
  ultimatumReason: number | null = null;
  /** The MCS channel ids of the client's static virtual channels, in the client's order, once the server's Connect Response has come. */
  channelIds: number[] | null = null;
  /** The server's clipboard: whether its capabilities said it copies files (false until they come), and whether it has opened. */
  private serverFiles = false;
  private clipboardOpened = false;
  /** The auto-logon's outcome (6): not asked yet, waiting for the first drawing, or told. */
  private signIn: 'before' | 'waiting' | 'told' = 'before';
  /** The server's pointer shapes and its cache of them (7), when someone is told of them. */
  private readonly pointer: ServerPointer | null;
  /** A pointer update coming in fragments (7). */
  private readonly pointerFragments = new PointerFragments();

  constructor(
    nla: boolean,
    earlyAuth: boolean,
    private readonly onPadded: (found: PaddedBitmap) => void,
    /** A frame's begin marker (surface commands, 2.2.9.1.2.1.10) is going to the client. */
    private readonly onFrameBegin: (frameId: number) => void = () => undefined,
    private readonly clipboard: ClipboardWatch | null = null,
    private readonly signInWatch: SignInWatch | null = null,
    /** The server set its pointer's shape (7). */
    private readonly onPointer: ((shape: PointerShape) => void) | null = null,
    /** A pointer update in fragments was dropped (7): why, for the log. */
    private readonly onPointerDropped: (why: string) => void = () => undefined,
  ) {
    this.framing = serverFraming(nla, earlyAuth);
    this.pointer = onPointer ? new ServerPointer() : null;
  }

  get watching(): boolean {
    return !this.done;
  }

  /** The stream's bytes the watch holds (copies): a header cut in two, a pointer's PDU, a pointer's fragments (7). */
  get heldBytes(): number {
    return this.carry.length + this.pointerFragments.heldBytes;
  }

  /** Sees a chunk from the server (never changes it). Copies nothing but the first few bytes of a PDU when a chunk ends in them. */
  push(chunk: Buffer): void {
    if (this.done) return;
    let data = chunk;
    let offset = 0;
    if (this.skip > 0) {
      offset = Math.min(this.skip, data.length);
      this.skip -= offset;
    } else if (this.carry.length > 0) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = Buffer.alloc(0);
    }
    while (this.watching && offset < data.length) {
      const length = this.frame(data, offset);
      if (length === null) {
        // A header cut in two, or a pointer's PDU (read whole, 7): keep its bytes for the next chunk.
        this.carry = Buffer.from(data.subarray(offset));
        return;
      }
      if (length === 'unknown') {
        this.done = true;
        return;
      }
      const available = data.length - offset;
      if (length > available) {
        // Looked at what is here; the rest of this PDU passes unseen.
        this.skip = length - available;
        return;
      }
      offset += length;
    }
  }

  /** Length of the PDU at `offset` (looking at what of it is here), null if its header is incomplete, 'unknown' if unframeable. */
  private frame(b: Buffer, offset: number): number | null | 'unknown' {
    const inCredssp = this.framing.phase === 'credssp';
    const length = serverPduLength(b, offset, this.framing);
    // CredSSP and the Early User Authorization Result hold nothing the watch looks for.
    if (typeof length !== 'number' || (inCredssp && b[offset] !== 0x03)) return length;
    const available = b.length - offset;
    if (b[offset] === 0x03) {
      // A small PDU (the Connect Response, a clipboard message) is read whole; a large one (a bitmap) from what is here.
      if (length <= WHOLE_SLOW_PATH_BYTES && available < length) return null;
      if (available < length && this.pointer && slowPathDataPdu(b.subarray(offset))?.pduType2 === PDUTYPE2_POINTER) return null;
      this.slowPath(b.subarray(offset, offset + Math.min(length, available)));
      return length;
    }
    // Wait for the start of the first update whole (its header and a frame marker), so a cut there hides nothing.
    if (available < Math.min(length, FASTPATH_HEAD_BYTES)) return null;
    // A pointer's shape is read whole (7): up to a fast-path PDU's 32 KB, for one that starts with a pointer update.
    if (available < length && this.pointer && FASTPATH_POINTER_CODES.has(b[offset + fastPathHeaderLength(b, offset)]! & 0xf)) return null;
    if (((b[offset]! >> 6) & FASTPATH_OUTPUT_ENCRYPTED) === 0) this.fastPath(b.subarray(offset + fastPathHeaderLength(b, offset), offset + Math.min(length, available)));
    return length;
  }

  private fastPath(updates: Buffer): void {
    let at = 0;
    while (at + 3 <= updates.length) {
      const header = updates[at]!;
      const code = header & 0xf;
      const fragmentation = (header >> 4) & 0x3;
      const compression = (header >> 6) & 0x3;
      at += 1;
      let compressed = false;
      if (compression & FASTPATH_OUTPUT_COMPRESSION_USED) {
        compressed = (updates[at]! & PACKET_COMPRESSED) !== 0;
        at += 1;
      }
      if (at + 2 > updates.length) return;
      const size = updates.readUInt16LE(at);
      at += 2;
      const data = updates.subarray(at, Math.min(at + size, updates.length));
      at += size;
      if (this.signIn === 'waiting' && FASTPATH_DRAWING.has(code)) this.tellSignIn(true, `fast-path update code ${code} first after the Font Map`);
      if (this.pointer) {
        const pointerUpdate = FASTPATH_POINTER_CODES.has(code);
        // Every update is seen here, so that one between a pointer's fragments breaks them (pointerFragments.ts).
        const { whole, dropped } = pointerUpdate ? this.pointerFragments.take(code, fragmentation, compressed || data.length < size ? null : data) : this.pointerFragments.other();
        if (dropped) this.onPointerDropped(dropped);
        const shape = whole ? this.pointer.fastPath(code, whole) : null;
        if (shape) this.onPointer!(shape);
        if (pointerUpdate) continue;
      }
      if (compressed || (fragmentation !== FASTPATH_FRAGMENT_SINGLE && fragmentation !== FASTPATH_FRAGMENT_FIRST)) continue;
      // A frame's surface commands start with its begin marker: cmdType (2), frameAction (2), frameId (4).
      if (code === FASTPATH_UPDATETYPE_SURFCMDS) {
        if (data.length >= 8 && data.readUInt16LE(0) === CMDTYPE_FRAME_MARKER && data.readUInt16LE(2) === SURFACECMD_FRAMEACTION_BEGIN) this.onFrameBegin(data.readUInt32LE(4));
        continue;
      }
      if (code !== FASTPATH_UPDATETYPE_BITMAP || this.found) continue;
      // TS_UPDATE_BITMAP_DATA: updateType (2), numberRectangles (2), rectangles.
      if (data.length >= 4 && data.readUInt16LE(0) === UPDATETYPE_BITMAP) this.rectangles(data.subarray(4), data.readUInt16LE(2), 'fast-path');
    }
  }

  private slowPath(tpkt: Buffer): void {
    // X.224 data, then an MCS PDU: a Disconnect Provider Ultimatum, or a Send Data Indication carrying a Data PDU.
    if (tpkt.length < 8 || tpkt[5] !== 0xf0) return;
    // BER application tag 102: the MCS Connect Response, once, before anything else of the session.
    if (tpkt[7] === 0x7f && tpkt[8] === 0x66 && this.channelIds === null) {
      this.channelIds = serverChannelIds(tpkt);
      return;
    }
    if (tpkt[7]! >> 2 === MCS_DISCONNECT_PROVIDER_ULTIMATUM && tpkt.length >= 9) {
      // PER: choice (6 bits), then the 3-bit reason across the byte boundary.
      this.ultimatumReason = ((tpkt[7]! & 0x3) << 1) | (tpkt[8]! >> 7);
      return;
    }
    if (tpkt[7] === MCS_SEND_DATA_INDICATION) {
      if (this.clipboard && !this.clipboardOpened && tpkt.length >= 12 && tpkt.readUInt16BE(10) === this.clipboard.channelId()) this.clipboardPdu(tpkt);
    }
    const data = slowPathDataPdu(tpkt);
    if (data && this.signInWatch) {
      if (data.pduType2 === PDUTYPE2_FONTMAP && this.signIn === 'before') {
        this.signIn = this.signInWatch.autologon() ? 'waiting' : 'told';
        if (this.signIn === 'waiting') this.signInWatch.finalized();
        else this.signInWatch.unchecked();
      } else if (data.pduType2 === PDUTYPE2_SAVE_SESSION_INFO && this.signIn === 'waiting') {
        this.tellSignIn(true, 'Save Session Info PDU');
      } else if (data.pduType2 === PDUTYPE2_UPDATE && this.signIn === 'waiting' && !data.compressed && data.body + 4 <= tpkt.length) {
        const updateType = tpkt.readUInt16LE(data.body);
        if (updateType === UPDATETYPE_BITMAP || updateType === UPDATETYPE_ORDERS) {
          // The server's own window: nothing of it is looked at further (its padded bitmaps are not the session's).
          this.tellSignIn(false, `slow-path ${updateType === UPDATETYPE_BITMAP ? 'Bitmap' : 'Orders'} Update first after the Font Map (the server's own window)`);
          return;
        }
      }
    }
    if (!data || data.compressed || data.body + 4 > tpkt.length) return;
    if (data.pduType2 === PDUTYPE2_POINTER && this.pointer) {
      const shape = this.pointer.slowPath(tpkt.subarray(data.body));
      if (shape) this.onPointer!(shape);
      return;
    }
    if (data.pduType2 === PDUTYPE2_SET_ERROR_INFO_PDU) {
      const info = tpkt.readUInt32LE(data.body);
      if (info !== 0) this.errorInfo = info;
      return;
    }
    if (data.pduType2 !== PDUTYPE2_UPDATE || this.found) return;
    if (tpkt.readUInt16LE(data.body) !== UPDATETYPE_BITMAP) return;
    this.rectangles(tpkt.subarray(data.body + 4), tpkt.readUInt16LE(data.body + 2), 'slow-path');
  }

  private tellSignIn(signedIn: boolean, evidence: string): void {
    this.signIn = 'told';
    this.signInWatch!.outcome(signedIn, evidence);
  }

  /** A PDU from the server on the clipboard channel, until its Monitor Ready. */
  private clipboardPdu(tpkt: Buffer): void {
    const message = serverClipboardMessage(tpkt);
    if (message?.type === 'capabilities') this.serverFiles = message.files;
    else if (message?.type === 'monitor-ready') {
      this.clipboardOpened = true;
      this.clipboard!.opened({ files: this.serverFiles });
    }
  }

  /** TS_BITMAP_DATA × count: destLeft, destTop, destRight, destBottom, width, height, bitsPerPixel, flags, bitmapLength (2 each), then the bitmap. */
  private rectangles(b: Buffer, count: number, path: PaddedBitmap['path']): void {
    let at = 0;
    for (let i = 0; i < count && at + 18 <= b.length; i++) {
      const left = b.readUInt16LE(at);
      const right = b.readUInt16LE(at + 4);
      const width = b.readUInt16LE(at + 8);
      const bitsPerPixel = b.readUInt16LE(at + 12);
      const flags = b.readUInt16LE(at + 14);
      const bitmapLength = b.readUInt16LE(at + 16);
      const destinationWidth = right - left + 1;
      if (!this.found && right >= left && width > destinationWidth) {
        this.found = { destinationWidth, sourceWidth: width, bitsPerPixel, path };
        this.onPadded(this.found);
        return;
      }
      // bitmapLength covers the optional 8-byte compressed header as well.
      at += 18 + bitmapLength;
    }
  }
}

/** The channel ids of a Connect Response's Server Network Data (MCSChannelId, channelCount, then the ids), or null if it has none readable. */
export function serverChannelIds(tpkt: Buffer): number[] | null {
  let ids: number[] | null = null;
  walkGccUserData(tpkt, H221_SERVER_KEY, ({ type, offset, length }) => {
    if (type !== SC_NET) return true;
    const count = length >= 8 ? tpkt.readUInt16LE(offset + 6) : 0;
    if (length >= 8 && 8 + 2 * count <= length) ids = Array.from({ length: count }, (_, i) => tpkt.readUInt16LE(offset + 8 + 2 * i));
    return false;
  });
  return ids;
}
