// Takes RemoteFX out of IronRDP's stream, for the page's own decoder.
//
// The IronRDP build we ship spends ≈180 ms of the page's main thread on a
// 1024x768 RemoteFX frame (5-6 frames/s where xfreerdp shows 16): the codec
// itself and, as much again, copying pixels one at a time through its
// framebuffer into the canvas (performance-history.md). The page has a
// decoder of its own, in WebAssembly with SIMD on a worker
// (renderer/protocols/rdp/remoteFxDecoder.ts). TLS ends in the gateway, so
// the gateway sees the server's fast-path output in clear: when the page asks
// for it (paintingSocket.ts), every WebSocket message to the page carries a
// tag byte: 0, bytes of the RDP stream for IronRDP; 1, RemoteFX messages
// that came one after the other (each: destination left and top as 16-bit
// little-endian, its length as 32-bit little-endian, then the message as the
// Surface Bits command carried it), which the page decodes and paints on
// IronRDP's canvas all at once. Each RemoteFX Surface Bits command (MS-RDPBCGR 2.2.9.2.1)
// is taken out of IronRDP's stream, its blocks read here first
// (shared/remoteFx/remoteFxMessage.ts) so that the page never gets one it
// cannot decode; everything else stays, in order: frame markers (so IronRDP
// acknowledges a frame after the page has painted it, and the frame pacing of
// framePacing.ts still sees the client's pace), pointers, other PDUs (the
// server's Deactivation-Reactivation Sequence made one IronRDP follows:
// reactivation.ts).
//
// IronRDP keeps a framebuffer of its own and, when it draws, copies whole rows
// of it to the canvas; rows it never saw would overwrite the picture with
// stale pixels. So when, after painting began, the server sends graphics that
// IronRDP draws (a bitmap update, orders, another codec), the transcoding
// stops for the session and the gateway asks the server for the whole screen
// again (refreshWanted; a Refresh Rect), which IronRDP then decodes itself.
//
// Tiles the page already shows are left out here, on the messages made
// whole (remoteFxTiles.ts's TileMemory: a tile whose position, quantisation
// values and coded bytes equal what the page last painted whole there); the
// stream is put together once, here, not also by the tile filter in front.
//
// Framing as serverFraming.ts (CredSSP, then TPKTs and fast-path PDUs), each
// PDU held until it is whole. Encrypted or bulk-compressed output, a surface
// command it does not know, or RemoteFX it cannot read end the transcoding in
// the same way: from there on every byte goes to IronRDP after what was
// already sent, so nothing is lost or reordered, through a tile filter of
// its own (IronRDP then paints, and is given only the tiles it lacks).

import { parseRemoteFxMessage, RemoteFxError } from '../../../../shared/remoteFx/remoteFxMessage';
import {
  FASTPATH_FRAGMENT_FIRST,
  FASTPATH_FRAGMENT_LAST,
  FASTPATH_FRAGMENT_NEXT,
  FASTPATH_FRAGMENT_SINGLE,
  FASTPATH_UPDATETYPE_SURFCMDS,
  IRONRDP_REMOTEFX_CODEC_ID,
  Unreadable,
  drawnByIronRdp,
  drawsBitmapsOrOrders,
  fastPathPdu,
  fastPathUpdates,
  heldFragmentPdus,
  surfaceCommands,
  surfaceCommandsPdus,
  type FastPathUpdate,
  type SurfaceCommand,
} from './fastPathOutput';
import { forEachWholePdu, serverFraming, type ServerFraming } from './serverFraming';
import { RemoteFxTileFilter, TileMemory, type TileStats } from './remoteFxTiles';
import { DeactivationReactivation } from './reactivation';

/** The tag byte of each WebSocket message to a page that decodes RemoteFX. */
export const TAG_RDP = 0;
export const TAG_REMOTEFX = 1;

export interface TranscodeStats {
  /** RemoteFX messages sent to the page's decoder. */
  messages: number;
  tiles: number;
  /** Why transcoding stopped, if it did. */
  stoppedBecause: string | null;
  /** The page had begun painting when it stopped: the server must send the whole screen again, for IronRDP. */
  refreshWanted: boolean;
  /** The desktop's size, once the RemoteFX headers said it. */
  screen: { width: number; height: number } | null;
}

export class RemoteFxTranscoder {
  private readonly framing: ServerFraming;
  private through = false;
  /** What the page shows, tile by tile. */
  private readonly shown = new TileMemory();
  /** The server's Deactivation-Reactivation Sequence made one IronRDP follows (reactivation.ts). */
  readonly reactivation = new DeactivationReactivation();
  /** Once the transcoding has stopped: what IronRDP is given goes through this. */
  private forIronRdp: RemoteFxTileFilter | null = null;
  private pending: Buffer = Buffer.alloc(0);
  /** A surface commands update arriving in fragments. */
  private fragments: Buffer[] | null = null;
  readonly stats: TranscodeStats = { messages: 0, tiles: 0, stoppedBecause: null, refreshWanted: false, screen: null };
  /** Bytes for IronRDP not yet put in a message. */
  private rdp: Buffer[] = [];
  /** RemoteFX messages for the page not yet put in a message: each an entry header and its bytes. */
  private rfx: Buffer[] = [];
  private out: Buffer[] = [];

  constructor(
    private readonly nla: boolean,
    private readonly earlyAuth: boolean,
  ) {
    this.framing = serverFraming(nla, earlyAuth);
  }

  /** Tiles seen and left out: those the page showed already, then those IronRDP had. */
  get tileStats(): TileStats {
    const after = this.forIronRdp?.stats;
    return { tiles: this.shown.stats.tiles + (after?.tiles ?? 0), dropped: this.shown.stats.dropped + (after?.dropped ?? 0), stoppedBecause: after?.stoppedBecause ?? null };
  }

  /** Takes a chunk from the server; returns the tagged messages that go to the page now (possibly none). */
  push(chunk: Buffer): Buffer[] {
    if (this.forIronRdp) {
      const out = this.forIronRdp.push(chunk);
      return out.length > 0 ? [tagged(TAG_RDP, [out])] : [];
    }
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const { offset, unframeable } = forEachWholePdu(data, this.framing, ({ kind, pdu }) => {
      if (kind === 'credssp') this.rdp.push(pdu);
      else if (kind === 'slow-path') {
        if (this.stats.messages > 0 && drawnByIronRdp(pdu)) this.stop('a slow-path bitmap or orders update, which IronRDP draws');
        this.rdp.push(...this.reactivation.fix(pdu));
      } else this.fastPath(pdu);
      return !this.through;
    });
    if (unframeable) this.stop('a PDU it could not frame');
    data = data.subarray(offset);
    if (this.through) {
      // Whatever is held goes on, through IronRDP's tile filter from the PDU where it stopped: a fragmented
      // update begun, and the rest of the stream.
      this.forIronRdp = new RemoteFxTileFilter(this.nla, this.earlyAuth, this.framing, this.reactivation);
      const rest = Buffer.concat([...(this.fragments ? heldFragmentPdus(this.fragments) : []), data]);
      this.fragments = null;
      this.pending = Buffer.alloc(0);
      const out = this.forIronRdp.push(rest);
      if (out.length > 0) this.rdp.push(out);
    } else {
      // The rest of a PDU, kept for the next chunk (a chunk's memory is never reused: kept, not copied).
      this.pending = data;
    }
    this.flushRdp();
    const out = this.out;
    this.out = [];
    return out;
  }

  private flushRdp(): void {
    this.flushRemoteFx();
    if (this.rdp.length === 0) return;
    this.out.push(tagged(TAG_RDP, this.rdp));
    this.rdp = [];
  }

  /** RemoteFX messages go to the page together while nothing for IronRDP comes between them. */
  private remoteFx(left: number, top: number, data: Buffer): void {
    if (this.rdp.length > 0) this.flushRdp();
    const entry = Buffer.allocUnsafe(8);
    entry.writeUInt16LE(left, 0);
    entry.writeUInt16LE(top, 2);
    entry.writeUInt32LE(data.length, 4);
    this.rfx.push(entry, data);
  }

  private flushRemoteFx(): void {
    if (this.rfx.length === 0) return;
    this.out.push(tagged(TAG_REMOTEFX, this.rfx));
    this.rfx = [];
  }

  private stop(reason: string): void {
    if (this.through) return;
    this.through = true;
    this.stats.stoppedBecause = reason;
    this.stats.refreshWanted = this.stats.messages > 0;
  }

  /** A whole fast-path PDU: to IronRDP as it is unless it carries surface commands. */
  private fastPath(pdu: Buffer): void {
    let updates: FastPathUpdate[];
    try {
      updates = fastPathUpdates(pdu);
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
      this.stop(error.message);
      this.rdp.push(pdu);
      return;
    }
    if (!this.fragments && !updates.some((u) => u.code === FASTPATH_UPDATETYPE_SURFCMDS)) {
      if (this.stats.messages > 0 && updates.some(drawsBitmapsOrOrders)) this.stop('a bitmap or orders update, which IronRDP draws');
      this.rdp.push(pdu);
      return;
    }
    for (const [index, update] of updates.entries()) {
      if (this.through) {
        // Stopped at an earlier update of this PDU: the rest as it came.
        this.rdp.push(fastPathPdu(updates.slice(index).map((u) => u.raw)));
        return;
      }
      if (update.code !== FASTPATH_UPDATETYPE_SURFCMDS) {
        if (this.stats.messages > 0 && drawsBitmapsOrOrders(update)) this.stop('a bitmap or orders update, which IronRDP draws');
        this.rdp.push(fastPathPdu([update.raw]));
        continue;
      }
      let whole: Buffer | null = null;
      switch (update.fragmentation) {
        case FASTPATH_FRAGMENT_SINGLE:
          whole = update.data;
          break;
        case FASTPATH_FRAGMENT_FIRST:
          this.fragments = [update.data];
          break;
        case FASTPATH_FRAGMENT_NEXT:
        case FASTPATH_FRAGMENT_LAST:
          if (!this.fragments) {
            this.stop('a fragment of a surface commands update without its first');
            this.rdp.push(fastPathPdu(updates.slice(index).map((u) => u.raw)));
            return;
          }
          this.fragments.push(update.data);
          if (update.fragmentation === FASTPATH_FRAGMENT_LAST) {
            whole = Buffer.concat(this.fragments);
            this.fragments = null;
          }
          break;
      }
      if (whole) this.surfaceCommands(whole);
    }
  }

  /**
   * The surface commands of a whole update: RemoteFX ones to the page (less
   * the tiles it shows already), the rest to IronRDP in order (each run of
   * them as one update). Anything not understood: this update to IronRDP as
   * it came, and the transcoding stops.
   */
  private surfaceCommands(data: Buffer): void {
    // First read the whole update, so that a problem found late changes nothing already sent (what the
    // page is remembered to show no longer matters then: it stops painting).
    let commands: SurfaceCommand[];
    const toPage = new Map<SurfaceCommand, Buffer[]>();
    try {
      commands = surfaceCommands(data);
      for (const command of commands) {
        if (command.kind !== 'bits') continue;
        if (command.codecId !== IRONRDP_REMOTEFX_CODEC_ID) {
          if (this.stats.messages > 0) throw new Unreadable(`surface bits of codec ${command.codecId}, which IronRDP draws`);
          // Before the page paints, IronRDP may draw another codec, after the page's first RemoteFX of this
          // update: what the page is remembered to show may be under it (as the tile filter's rule).
          this.shown.clear();
          continue;
        }
        const message = parseRemoteFxMessage(command.data);
        if (message.channel) this.stats.screen = message.channel;
        if (message.tiles.length > 0 && !this.stats.screen) throw new RemoteFxError('RemoteFX tiles before any channel was announced');
        toPage.set(command, this.shown.messagesFor(command.data, command.left, command.top, true) ?? [command.data]);
        this.stats.tiles += message.tiles.length;
      }
    } catch (error) {
      if (!(error instanceof Unreadable || error instanceof RemoteFxError)) throw error;
      this.stop(error instanceof RemoteFxError ? `RemoteFX it could not read: ${error.message}` : error.message);
      this.rdp.push(...surfaceCommandsPdus(data));
      return;
    }
    let kept: Buffer[] = [];
    const keep = () => {
      if (kept.length > 0) this.rdp.push(...surfaceCommandsPdus(Buffer.concat(kept)));
      kept = [];
    };
    for (const command of commands) {
      const messages = command.kind === 'bits' ? toPage.get(command) : undefined;
      if (command.kind === 'bits' && messages) {
        keep();
        for (const message of messages) {
          this.remoteFx(command.left, command.top, message);
          this.stats.messages++;
        }
      } else kept.push(command.bytes);
    }
    keep();
  }
}

/** One WebSocket message to the page: the tag, then the bytes. */
function tagged(tag: number, parts: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([tag]), ...parts]);
}
