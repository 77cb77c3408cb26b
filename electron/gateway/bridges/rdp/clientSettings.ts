// What the RDP client announces, adjusted in the gateway. IronRDP's web client
// hard-codes its connection settings (color depth 16, keyboard layout 0, no
// auto-logon; its build_config, "TODO(#327): expose these options from the
// WASM module"), and TLS ends in the gateway, so the gateway sees the
// client's first PDUs in clear and can set these fields in place (no length
// changes) before they reach the server:
//
// - Client Core Data (MS-RDPBCGR 2.2.1.3.2, in the MCS Connect Initial):
//   ask for a 32 bpp session (highColorDepth 24, 32 bpp supported,
//   RNS_UD_CS_WANT_32BPP_SESSION), as mstsc does. At 16 bpp xrdp sends
//   Interleaved RLE bitmaps whose source width is padded past the destination
//   rectangle, and the IronRDP build we ship draws them with the destination
//   width as stride: a sheared picture (fixed upstream in IronRDP #1486, not
//   in a published npm release). At 32 bpp the server uses its 32 bpp codecs
//   (RemoteFX, which IronRDP advertises), which it draws right.
// - Client Core Data keyboardLayout: the profile's layout (an input locale
//   identifier such as 0x0407 German), so the server maps scancodes as the
//   user's physical keyboard does.
// - Client Core Data clientBuild: IronRDP's web client announces build 0
//   (its crate's version, 0.0.0, as major×100 + minor×10 + patch). xrdp
//   takes a build of 419 or less for an RDP 4 client that "can't resize"
//   (libxrdp_reset, server_reset in xrdp 0.9): asked for a new size through
//   display control, it resizes the session's X screen but never sends the
//   Deactivate All and Demand Active that tell the client the new size, so
//   IronRDP kept its canvas at the old size while the server drew at the new
//   one (a stretched, blurred picture, the pointer mapped wrong). The
//   gateway announces a later build (FreeRDP 2's, 2600) where the client's is
//   419 or less; servers read the field for nothing else.
// - Client Network Data (2.2.1.3.4, also in the Connect Initial): a channel
//   the policy forbids (the clipboard's, "cliprdr", where no clipboard is
//   shared) renamed to one no server knows, so the server never opens it.
//   Where the policy allows one way only, the channel stays, and the
//   client's PDUs on it are judged for the rest of the session
//   (clipboardChannel.ts).
// - Client Info PDU (2.2.1.11.1.1) flags: INFO_AUTOLOGON when the client
//   sent a password, so a server with a login screen (xrdp, Windows with TLS
//   only) signs in with the profile's credentials as mstsc does, instead of
//   showing its own login dialog.
// - Client Info PDU AlternateShell and WorkingDir: the profile's start
//   program and its folder (an .rdp's "alternate shell" and "shell working
//   directory"), so a session host runs that one program in place of the
//   desktop. The one change of length: the PDU is rebuilt (clientInfo.ts).
//
// The rewriter frames the client's stream (CredSSP TSRequests, then TPKTs);
// after the Client Info PDU it changes nothing more but keeps framing (TPKTs
// and fast-path input), forwarding each PDU whole as soon as it is, so the
// gateway knows where PDUs begin and what the client's Confirm Active said
// (share id, channels): what it needs to put a probe of its own on the link
// (see refreshRectProbe). Anything it does not recognise is forwarded
// untouched and ends its work: it never holds or drops a byte of a stream it
// does not understand.

/** MS-RDPBCGR 2.2.1.3.2 TS_UD_CS_CORE. */
import { probeLength } from '../rdcleanpath/der';
import { ClipboardChannelFilter, sendDataChannel, type ClipboardWays } from './clipboardChannel';
import { MCS_SEND_DATA_REQUEST, sendDataUserData, walkGccUserData } from './mcsPdu';
import { withStartProgram, type StartProgram } from './clientInfo';

const CS_CORE = 0xc001;
/** 2.2.1.3.4 TS_UD_CS_NET: channelCount (4), then a CHANNEL_DEF (name 8, options 4) per channel. */
const CS_NET = 0xc003;
const CORE = {
  keyboardLayout: 16,
  clientBuild: 20,
  highColorDepth: 140,
  supportedColorDepths: 142,
  earlyCapabilityFlags: 144,
  /** Up to and including earlyCapabilityFlags. */
  minimumLength: 146,
} as const;
const RNS_UD_24BPP_SUPPORT = 0x0001;
const RNS_UD_16BPP_SUPPORT = 0x0002;
const RNS_UD_15BPP_SUPPORT = 0x0004;
const RNS_UD_32BPP_SUPPORT = 0x0008;
const RNS_UD_CS_WANT_32BPP_SESSION = 0x0002;
/** xrdp sends no Deactivate All and Demand Active on a resize to a client whose clientBuild is this or less. */
const XRDP_CANNOT_RESIZE_BUILD = 419;
/** What the gateway announces instead: FreeRDP 2's clientBuild. */
export const RESIZABLE_CLIENT_BUILD = 2600;

/** MS-RDPBCGR 2.2.8.1.1.2.1 security header flags. */
const SEC_ENCRYPT = 0x0008;
const SEC_INFO_PKT = 0x0040;
/** MS-RDPBCGR 2.2.1.11.1.1 TS_INFO_PACKET flags. */
const INFO_AUTOLOGON = 0x00000008;

/** The H.221 non-standard key of the GCC user data a client sends ("Duca"). */
const H221_CLIENT_KEY = Buffer.from('Duca', 'latin1');
/** No PDU this rewriter waits for is near this size; more held means it is not the stream it knows. */
const MAX_HELD_BYTES = 256 * 1024;

export interface ClientSettings {
  /** Ask the server for a 32 bpp session. */
  want32Bpp: boolean;
  /** Input locale identifier for keyboardLayout; null leaves the client's own. */
  keyboardLayout: number | null;
  /** Set INFO_AUTOLOGON when the Client Info PDU carries a password. */
  autologon: boolean;
  /**
   * The clientBuild to announce where the client's own is one xrdp takes for
   * an RDP 4 client that cannot resize (419 or less: IronRDP's is 0); absent,
   * the client's own stays.
   */
  clientBuild?: number;
  /**
   * Static virtual channels the server is not to open (the clipboard's,
   * "cliprdr", where the policy shares no clipboard): renamed in the Client
   * Network Data to a name no server knows, so the server never speaks on it.
   */
  blockedChannels?: readonly string[];
  /**
   * Where the policy allows the clipboard one way only, or no files: the
   * client's messages on the clipboard channel that would move text or files
   * the way it forbids are emptied, changed or left out (clipboardChannel.ts).
   * `channelIds`: the server's ids for the client's channels, in its order
   * (serverStreamWatch.ts), once known.
   */
  clipboardLimits?: { ways: ClipboardWays; channelIds: () => number[] | null };
  /** A program the server is to start in place of the desktop's shell, and its folder; absent (or both empty), the client's own empty fields stay. */
  startProgram?: StartProgram;
}

/** The clipboard's static virtual channel (MS-RDPECLIP). */
export const CLIPBOARD_CHANNEL = 'cliprdr';

/** What a blocked channel is renamed to: 7 characters and a NUL, as every name in CHANNEL_DEF (MS-RDPBCGR 2.2.1.3.4.1). */
const BLOCKED_CHANNEL_NAME = 'blocked';

/** What the rewriter changed, for the log. */
export interface RewriteReport {
  coreData?: { colorDepth: string; keyboardLayout: string; clientBuild: string };
  /** Channels the client asked for that the server was not told of. */
  channelsBlocked?: string[];
  /** Why the clipboard channel's messages could not be told apart (one-way policy): the session must end. */
  clipboardUnchecked?: string;
  autologon?: boolean;
  /** The start program was put in the Client Info PDU (true), or why it was not. */
  startProgram?: true | string;
  /** Why the rewriter stepped aside early, if it did. */
  gaveUp?: string;
}

type Phase = 'credssp' | 'tpkt' | 'session' | 'done';

/** From the client's Confirm Active: what a PDU of the gateway's own must carry to fit in. */
interface ActivationContext {
  /** MCS Send Data Request initiator and channel id, as the client encodes them (4 bytes). */
  mcsIds: Buffer;
  /** Share Control Header pduSource (2 bytes). */
  pduSource: Buffer;
  /** Share id (4 bytes). */
  shareId: Buffer;
}

/** PDUTYPE_CONFIRMACTIVEPDU, PDUTYPE_DATAPDU (MS-RDPBCGR 2.2.8.1.1.1.1), PDUTYPE2_REFRESH_RECT (2.2.8.1.1.1.2). */
const PDUTYPE_CONFIRMACTIVEPDU = 0x3;
const PDUTYPE_DATAPDU = 0x7;
const TS_PROTOCOL_VERSION = 0x10;
const PDUTYPE2_REFRESH_RECT = 0x21;
/** MS-RDPRFX 2.2.3.1 TS_FRAME_ACKNOWLEDGE_PDU: a Data PDU of this type, then frameID (4). */
const PDUTYPE2_FRAME_ACKNOWLEDGE = 0x38;
/** Share Data Header compressedType: PACKET_COMPRESSED (MS-RDPBCGR 2.2.8.1.1.1.2). */
const PACKET_COMPRESSED = 0x20;
const STREAM_LOW = 0x01;
/**
 * The probe asks for a square at the top left to be drawn again, of these sides in turn, so that no
 * two probes in a row ask for the same area. xrdp's Xorg backend (xorgxrdp, RemoteFX) answers a
 * Refresh Rect only with the 64x64 tiles whose checksum differs from the one it last sent for that
 * tile, and for a tile asked in part the checksum covers the asked rectangles with the pixels: the
 * same area twice on a desktop where nothing changed is answered the first time only (xorgxrdp
 * module/rdpCapture.c, rdpCapture2). Both squares lie in part of the first tile, so each probe is a
 * change to it; other servers answer any area.
 */
const PROBE_AREAS = [16, 15] as const;

export class ClientStreamRewriter {
  private phase: Phase;
  private pending: Buffer = Buffer.alloc(0);
  private sawConnectInitial = false;
  private activation: ActivationContext | null = null;
  /** Probes made so far: which of PROBE_AREAS the next one asks for. */
  private probes = 0;
  /** The Connect-Initial's user data was read to its end: every channel the client asked for was seen (and the blocked ones renamed). */
  private channelsRead = false;
  /** The clipboard channel's place in the client's channel list, if it asked for one. */
  private clipboardIndex: number | null = null;
  private readonly clipboardFilter: ClipboardChannelFilter | null;
  readonly report: RewriteReport = {};

  constructor(
    private readonly settings: ClientSettings,
    nla: boolean,
    /** Sees each Frame Acknowledge's frame id and returns the one to send (see framePacing.ts); the PDU keeps its length. */
    private readonly onFrameAck: (frameId: number) => number = (frameId) => frameId,
  ) {
    this.phase = nla ? 'credssp' : 'tpkt';
    this.clipboardFilter = settings.clipboardLimits ? new ClipboardChannelFilter(settings.clipboardLimits.ways) : null;
  }

  /** The clipboard channel's place in the client's channel list (once its Connect-Initial has passed), null if it asked for none. */
  get clipboardChannelIndex(): number | null {
    return this.clipboardIndex;
  }

  /** Clipboard messages the one-way policy emptied or left out. */
  get clipboardChanged(): number {
    return this.clipboardFilter?.changed ?? 0;
  }

  /** The rewriting is over (the Client Info PDU has passed, or the stream was not understood). */
  get settled(): boolean {
    return this.phase === 'session' || this.phase === 'done';
  }

  /**
   * Why the start program asked for did not reach the server, once that is known (the rewriting settled): the Client
   * Info PDU could not be rebuilt (ANSI strings, lengths that disagree), or the rewriter stepped aside before it (an
   * encrypted one, a stream it did not follow). Null where it was sent, none was asked for, or it is not known yet.
   * The server then opens the whole desktop: the page must be told (rdCleanPathEndpoint.ts).
   */
  get startProgramNotSent(): string | null {
    const start = this.settings.startProgram;
    if (!start || start.program === '' || !this.settled || this.report.startProgram === true) return null;
    return typeof this.report.startProgram === 'string' ? this.report.startProgram : (this.report.gaveUp ?? 'the Client Info PDU was not seen');
  }

  /**
   * Channels were to be blocked, and the rewriter stepped aside before it read
   * the client's channel list: the server may open one of them.
   */
  get policyUnchecked(): boolean {
    if (this.report.clipboardUnchecked) return true;
    if (this.phase !== 'done') return false;
    // One way only: every clipboard message is judged, so framing must never stop.
    if (this.clipboardFilter && this.clipboardIndex !== null) return true;
    const policed = (this.settings.blockedChannels?.length ?? 0) > 0 || this.clipboardFilter !== null;
    return policed && !this.channelsRead;
  }

  /** It stepped aside: everything passes through unframed. */
  get finished(): boolean {
    return this.phase === 'done';
  }

  /** No part of a client PDU is held or half sent: a whole PDU of the gateway's own may go now. */
  get atBoundary(): boolean {
    return this.phase === 'session' && this.pending.length === 0;
  }

  /**
   * A Refresh Rect PDU (MS-RDPBCGR 2.2.11.2.1) for a 16×16 or 15×15 area at the
   * top left (in turn: never the same area as the probe before, see PROBE_AREAS),
   * in the client's own activation (share id, channels), or null before
   * the client's Confirm Active or once framing stopped. The server answers it
   * with a bitmap update of that area: a sign of life on an idle link, which
   * the client draws as the same pixels.
   */
  refreshRectProbe(): Buffer | null {
    const side = PROBE_AREAS[this.probes % PROBE_AREAS.length]!;
    const probe = this.refreshRect(side, side);
    if (probe) this.probes++;
    return probe;
  }

  /**
   * A Refresh Rect PDU for the area from (0,0), `width` x `height`, or null as for
   * the probe. numberOfAreas (1), pad (3), TS_RECTANGLE16: inclusive on the wire, but
   * some servers (FreeRDP's) read right/bottom as exclusive, and an empty area is not answered.
   */
  refreshRect(width: number, height: number): Buffer | null {
    const payload = Buffer.alloc(4 + 8);
    payload[0] = 1;
    payload.writeUInt16LE(width - 1, 8);
    payload.writeUInt16LE(height - 1, 10);
    return this.dataPdu(PDUTYPE2_REFRESH_RECT, payload);
  }

  /** A Frame Acknowledge PDU (MS-RDPRFX 2.2.3.1) for `frameId` in the client's own activation, or null as for the probe. */
  frameAcknowledge(frameId: number): Buffer | null {
    const payload = Buffer.alloc(4);
    payload.writeUInt32LE(frameId >>> 0, 0);
    return this.dataPdu(PDUTYPE2_FRAME_ACKNOWLEDGE, payload);
  }

  /** A Data PDU of the gateway's own (TPKT, X.224, MCS Send Data Request, share headers), only between two whole client PDUs. */
  private dataPdu(pduType2: number, payload: Buffer): Buffer | null {
    if (!this.atBoundary || !this.activation) return null;
    const shareData = Buffer.alloc(12);
    this.activation.shareId.copy(shareData, 0);
    shareData[5] = STREAM_LOW;
    shareData.writeUInt16LE(payload.length, 6);
    shareData[8] = pduType2;
    const shareControl = Buffer.alloc(6);
    shareControl.writeUInt16LE(6 + shareData.length + payload.length, 0);
    shareControl.writeUInt16LE(PDUTYPE_DATAPDU | TS_PROTOCOL_VERSION, 2);
    this.activation.pduSource.copy(shareControl, 4);
    const body = Buffer.concat([shareControl, shareData, payload]);
    const mcs = Buffer.concat([Buffer.from([MCS_SEND_DATA_REQUEST]), this.activation.mcsIds, Buffer.from([0x70, body.length])]);
    const x224 = Buffer.from([0x02, 0xf0, 0x80]);
    const length = 4 + x224.length + mcs.length + body.length;
    return Buffer.concat([Buffer.from([0x03, 0x00, length >> 8, length & 0xff]), x224, mcs, body]);
  }

  /** Takes a chunk from the client; returns what may go to the server now (possibly nothing, possibly several PDUs). */
  push(chunk: Buffer): Buffer[] {
    if (this.finished) return [chunk];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (!this.finished && this.pending.length > 0) {
      const length = this.nextLength();
      if (length === null) {
        if (this.pending.length > MAX_HELD_BYTES) this.giveUp(`over ${MAX_HELD_BYTES} bytes without a whole PDU`);
        break; // incomplete: wait for more
      }
      if (length === 'unknown') {
        this.giveUp(`unexpected byte 0x${this.pending[0]!.toString(16)} in the ${this.phase} phase`);
        break;
      }
      const pdu = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      if (this.phase === 'tpkt') out.push(this.rewriteTpkt(Buffer.from(pdu)));
      else if (this.phase === 'session') {
        this.noteSessionPdu(pdu);
        const kept = this.judgeClipboard(pdu);
        if (kept) out.push(kept);
      } else out.push(pdu);
    }
    if (this.finished && this.pending.length > 0) {
      out.push(this.pending);
      this.pending = Buffer.alloc(0);
    }
    return out;
  }

  /** Length of the next whole PDU, null when more bytes are needed, 'unknown' when it is not what this phase expects. */
  private nextLength(): number | null | 'unknown' {
    const b = this.pending;
    if (this.phase === 'credssp') {
      if (b[0] === 0x03) {
        this.phase = 'tpkt';
        return this.nextLength();
      }
      if (b[0] !== 0x30) return 'unknown';
      const probe = probeLength(b, MAX_HELD_BYTES);
      if (probe.kind === 'invalid') return 'unknown';
      return probe.kind === 'complete' && b.length >= probe.totalLength ? probe.totalLength : null;
    }
    if (this.phase === 'session' && b[0] !== 0x03) {
      // Fast-path input (2.2.8.1.2): action 0 in the low 2 bits, then a 1- or 2-byte length.
      if ((b[0]! & 0x3) !== 0) return 'unknown';
      if (b.length < 2) return null;
      let length = b[1]!;
      if (length & 0x80) {
        if (b.length < 3) return null;
        length = ((length & 0x7f) << 8) | b[2]!;
      }
      if (length < 2) return 'unknown';
      return b.length >= length ? length : null;
    }
    if (b[0] !== 0x03) return 'unknown';
    if (b.length < 4) return null;
    const length = b.readUInt16BE(2);
    if (length < 7) return 'unknown';
    return b.length >= length ? length : null;
  }

  private giveUp(why: string): void {
    this.report.gaveUp = why;
    this.phase = 'done';
  }

  private rewriteTpkt(tpkt: Buffer): Buffer {
    // X.224 Data TPDU: LI 2, code 0xF0, EOT 0x80; the MCS PDU follows.
    if (tpkt[4] !== 0x02 || tpkt[5] !== 0xf0) {
      this.giveUp('a TPKT that is not X.224 data');
      return tpkt;
    }
    const mcs = 7;
    if (!this.sawConnectInitial) {
      this.sawConnectInitial = true;
      // BER application tag 101, Connect-Initial.
      if (tpkt[mcs] !== 0x7f || tpkt[mcs + 1] !== 0x65) {
        this.giveUp('the first MCS PDU is not Connect-Initial');
        return tpkt;
      }
      this.rewriteCoreData(tpkt);
      return tpkt;
    }
    if (tpkt[mcs] !== MCS_SEND_DATA_REQUEST) return tpkt; // Erect Domain, Attach User, Channel Join
    const offset = sendDataUserData(tpkt);
    if (offset === null || offset + 4 > tpkt.length) return tpkt;
    const securityFlags = tpkt.readUInt16LE(offset);
    if ((securityFlags & SEC_INFO_PKT) === 0) return tpkt;
    // The Client Info PDU: the last PDU this rewriter changes.
    if (securityFlags & SEC_ENCRYPT) {
      this.giveUp('Client Info PDU is encrypted (standard RDP security)');
      return tpkt;
    }
    this.phase = 'session';
    const info = offset + 4;
    // TS_INFO_PACKET: CodePage (4), flags (4), cbDomain (2), cbUserName (2), cbPassword (2), ...
    if (info + 14 > tpkt.length) return tpkt;
    const cbPassword = tpkt.readUInt16LE(info + 12);
    if (this.settings.autologon && cbPassword > 0) {
      tpkt.writeUInt32LE((tpkt.readUInt32LE(info + 4) | INFO_AUTOLOGON) >>> 0, info + 4);
      this.report.autologon = true;
    }
    const start = this.settings.startProgram;
    if (!start || (start.program === '' && start.folder === '')) return tpkt;
    const rebuilt = withStartProgram(tpkt, offset, start);
    this.report.startProgram = 'pdu' in rebuilt ? true : rebuilt.leftAlone;
    return 'pdu' in rebuilt ? rebuilt.pdu : tpkt;
  }

  /** A session PDU on the clipboard channel, judged by the one-way policy; anything else as it is. */
  private judgeClipboard(pdu: Buffer): Buffer | null {
    const limits = this.settings.clipboardLimits;
    if (!limits || !this.clipboardFilter || this.clipboardIndex === null) return pdu;
    const channel = sendDataChannel(pdu);
    if (channel === null) return pdu;
    const clipboardId = limits.channelIds()?.[this.clipboardIndex];
    if (clipboardId === undefined) {
      this.report.clipboardUnchecked = "the server's channel ids were not read";
      return null;
    }
    return channel === clipboardId ? this.clipboardFilter.judge(pdu) : pdu;
  }

  /**
   * Notes the client's Confirm Active (again on every reactivation): the share
   * id and channels a PDU of the gateway's own must carry. Hands a Frame
   * Acknowledge's frame id to the pacing, writing back the id it returns.
   */
  private noteSessionPdu(pdu: Buffer): void {
    if (pdu[0] !== 0x03 || pdu.length < 7 + 8 + 6 + 4 || pdu[7] !== MCS_SEND_DATA_REQUEST) return;
    const offset = sendDataUserData(pdu);
    if (offset === null || offset + 10 > pdu.length) return;
    const pduType = pdu.readUInt16LE(offset + 2) & 0xf;
    // Share Data Header (12 bytes after the 6 of the Share Control Header): pduType2 at 8, compressedType at 9.
    if (pduType === PDUTYPE_DATAPDU && offset + 6 + 12 + 4 <= pdu.length && pdu[offset + 6 + 8] === PDUTYPE2_FRAME_ACKNOWLEDGE && (pdu[offset + 6 + 9]! & PACKET_COMPRESSED) === 0) {
      const at = offset + 6 + 12;
      pdu.writeUInt32LE(this.onFrameAck(pdu.readUInt32LE(at)) >>> 0, at);
      return;
    }
    if (pduType !== PDUTYPE_CONFIRMACTIVEPDU) return;
    this.activation = {
      mcsIds: Buffer.from(pdu.subarray(8, 12)),
      pduSource: Buffer.from(pdu.subarray(offset + 4, offset + 6)),
      shareId: Buffer.from(pdu.subarray(offset + 6, offset + 10)),
    };
  }

  private rewriteCoreData(tpkt: Buffer): void {
    let sawCore = false;
    const walk = walkGccUserData(tpkt, H221_CLIENT_KEY, ({ type, offset, length }) => {
      if (type === CS_NET) return this.readChannels(tpkt, offset, length);
      if (type !== CS_CORE) return true;
      if (length < CORE.minimumLength) {
        this.giveUp(`Client Core Data too short (${length} bytes)`);
        return false;
      }
      const before = `${tpkt.readUInt16LE(offset + CORE.highColorDepth)} bpp`;
      if (this.settings.want32Bpp) {
        tpkt.writeUInt16LE(24, offset + CORE.highColorDepth);
        tpkt.writeUInt16LE(RNS_UD_32BPP_SUPPORT | RNS_UD_24BPP_SUPPORT | RNS_UD_16BPP_SUPPORT | RNS_UD_15BPP_SUPPORT, offset + CORE.supportedColorDepths);
        tpkt.writeUInt16LE(tpkt.readUInt16LE(offset + CORE.earlyCapabilityFlags) | RNS_UD_CS_WANT_32BPP_SESSION, offset + CORE.earlyCapabilityFlags);
      }
      const layoutBefore = tpkt.readUInt32LE(offset + CORE.keyboardLayout);
      if (this.settings.keyboardLayout !== null) tpkt.writeUInt32LE(this.settings.keyboardLayout >>> 0, offset + CORE.keyboardLayout);
      const buildBefore = tpkt.readUInt32LE(offset + CORE.clientBuild);
      if (this.settings.clientBuild !== undefined && buildBefore <= XRDP_CANNOT_RESIZE_BUILD) tpkt.writeUInt32LE(this.settings.clientBuild >>> 0, offset + CORE.clientBuild);
      const buildAfter = tpkt.readUInt32LE(offset + CORE.clientBuild);
      this.report.coreData = {
        colorDepth: this.settings.want32Bpp ? `${before} → 32 bpp` : before,
        keyboardLayout: `0x${layoutBefore.toString(16).padStart(8, '0')} → 0x${tpkt.readUInt32LE(offset + CORE.keyboardLayout).toString(16).padStart(8, '0')}`,
        clientBuild: buildAfter === buildBefore ? String(buildBefore) : `${buildBefore} → ${buildAfter}`,
      };
      sawCore = true;
      return true;
    });
    if (walk === 'no-key') return this.giveUp('no GCC client user data in Connect-Initial');
    if (walk === 'truncated') return this.giveUp('truncated GCC user data');
    if (walk === 'malformed') return this.giveUp('malformed GCC user data block');
    // Stopped: a block it could not read, and it has given up.
    if (walk === 'stopped') return;
    if (!sawCore) return this.giveUp('no Client Core Data block');
    this.channelsRead = true;
  }

  /**
   * Reads a Client Network Data block: notes where the clipboard channel is,
   * and renames the blocked channels, in place; false (having given up) when
   * the block is malformed.
   */
  private readChannels(tpkt: Buffer, offset: number, length: number): boolean {
    const blocked = this.settings.blockedChannels ?? [];
    if (blocked.length === 0 && !this.clipboardFilter) {
      // Nothing to police: only where the clipboard channel is, for what the server's clipboard can do (serverStreamWatch.ts).
      this.clipboardIndex = channelIndex(tpkt, offset, length, CLIPBOARD_CHANNEL);
      return true;
    }
    if (length < 8) {
      this.giveUp('Client Network Data too short');
      return false;
    }
    const count = tpkt.readUInt32LE(offset + 4);
    if (8 + 12 * count > length) {
      this.giveUp(`Client Network Data lists ${count} channels in ${length} bytes`);
      return false;
    }
    for (let i = 0; i < count; i++) {
      const at = offset + 8 + 12 * i;
      const raw = tpkt.subarray(at, at + 8);
      const name = channelName(raw);
      if (name === CLIPBOARD_CHANNEL) this.clipboardIndex = i;
      if (!blocked.includes(name)) continue;
      raw.fill(0);
      raw.write(BLOCKED_CHANNEL_NAME, 'latin1');
      (this.report.channelsBlocked ??= []).push(name);
    }
    return true;
  }
}

/** A CHANNEL_DEF's name (8 bytes, NUL-padded), lower case. */
function channelName(raw: Buffer): string {
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? 8 : end).toString('latin1').toLowerCase();
}

/** Where a channel is in the Client Network Data's list (channelCount, then CHANNEL_DEFs of 12 bytes), null if absent or unreadable. */
function channelIndex(tpkt: Buffer, offset: number, length: number, wanted: string): number | null {
  if (length < 8) return null;
  const count = tpkt.readUInt32LE(offset + 4);
  if (8 + 12 * count > length) return null;
  for (let i = 0; i < count; i++) {
    const at = offset + 8 + 12 * i;
    if (channelName(tpkt.subarray(at, at + 8)) === wanted) return i;
  }
  return null;
}
