// Leaves out the RemoteFX tiles IronRDP already has.
//
// A RemoteFX message (MS-RDPRFX 2.2.2) paints 64x64 tiles, each coded on its
// own (no tile depends on another or on an earlier frame), so the same bytes
// for the same tile position and quantisation values always decode to the same
// pixels. Servers that capture by a bounding box send every tile in it, changed
// or not: freerdp-shadow compares its screen by 16x16 blocks and encodes the
// one rectangle around all that changed, so a clock in one corner and typing in
// the middle make it send every tile between them, byte for byte as before.
// The IronRDP build we ship decodes RemoteFX on the page's main thread at about
// 0.6 ms a tile, so those tiles cost it most of its time (1024x768: 70 tiles a
// frame for a 200x50 box and the bench's code row, where about 20 change).
//
// TLS ends in the gateway, so it sees the server's fast-path output in clear.
// For each RemoteFX Surface Bits command it drops a tile whose position,
// quantisation values and coded bytes equal those of the last tile IronRDP was
// given there, if that one lay wholly inside its message's region (so IronRDP
// painted all of it then). IronRDP keeps its own
// framebuffer and redraws the region from it, so the dropped tile shows what
// it showed. Anything else IronRDP draws into its framebuffer (bitmap updates,
// orders, another codec), new RemoteFX headers (a new context, channel or
// size) or a message it cannot read forget every tile. Frame markers and every
// other PDU pass unchanged and in order, but for the server's
// Deactivation-Reactivation Sequence, made one IronRDP follows
// (reactivation.ts). A PDU that changes is re-framed: its
// lengths written anew, a surface commands update in fragments again if it is
// still too large for one fast-path PDU.
//
// What is remembered and left out is TileMemory's; the transcoder
// (remoteFxTranscoder.ts), when the page paints RemoteFX, keeps one of its own
// for what the page shows, on the messages it has already made whole, so a
// message is put together once, not once here and again there.
//
// Framing as the stream watch's (serverFraming.ts: CredSSP, then TPKTs and
// fast-path PDUs), except that every PDU is held until it is whole. Encrypted or
// bulk-compressed output, or a surface command or RemoteFX block it does not
// know, ends its work: from there on every byte goes through as it came, after
// what was already sent, so nothing is lost or reordered.

import {
  FASTPATH_FRAGMENT_FIRST,
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
} from './fastPathOutput';
import { forEachWholePdu, serverFraming, type ServerFraming } from './serverFraming';
import { DeactivationReactivation } from './reactivation';
import {
  CBT_TILE,
  TILE_SIZE as TILE,
  WBT_CHANNELS,
  WBT_CODEC_VERSIONS,
  WBT_CONTEXT,
  WBT_EXTENSION,
  WBT_FRAME_BEGIN,
  WBT_FRAME_END,
  WBT_REGION,
  WBT_SYNC,
} from '../../../../shared/remoteFx/remoteFxMessage';

/** TS_RFX_TILESET: header (6), codecId, channelId, subtype (2), idx (2), properties (2), numQuant, tileSize, numTiles (2), tilesDataSize (4). */
const TILESET_FIXED = 6 + 16;


export interface TileStats {
  /** Tiles in the RemoteFX messages seen, and those left out. */
  tiles: number;
  dropped: number;
  /** Why it stopped, if it did. */
  stoppedBecause: string | null;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class RemoteFxTileFilter {
  private readonly framing: ServerFraming;
  /** Filtering ended: every byte passes as it comes. */
  private through = false;
  private pending: Buffer = Buffer.alloc(0);
  /** A surface commands update arriving in fragments. */
  private fragments: Buffer[] | null = null;
  private readonly memory = new TileMemory();
  private stoppedBecause: string | null = null;

  /**
   * `framing`: where the stream it is given starts (by default, at its beginning). `reactivation`: what makes the
   * server's Deactivation-Reactivation Sequence one IronRDP follows (reactivation.ts), handed on by whoever framed
   * the stream before.
   */
  constructor(
    nla: boolean,
    earlyAuth: boolean,
    framing?: ServerFraming,
    private readonly reactivation = new DeactivationReactivation(),
  ) {
    this.framing = framing ? { ...framing } : serverFraming(nla, earlyAuth);
  }

  get stats(): TileStats {
    return { ...this.memory.stats, stoppedBecause: this.stoppedBecause };
  }

  /** Takes a chunk from the server; returns what goes to the client now (possibly nothing). */
  push(chunk: Buffer): Buffer {
    if (this.through) return chunk;
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    // While every PDU goes as it came, what goes is data[0, offset): no copy.
    let altered = false;
    const { offset, unframeable } = forEachWholePdu(data, this.framing, ({ kind, pdu }) => {
      if (kind === 'credssp') out.push(pdu);
      else if (kind === 'slow-path') {
        if (drawnByIronRdp(pdu)) this.memory.clear();
        const sent = this.reactivation.fix(pdu);
        altered ||= sent.length !== 1 || sent[0] !== pdu;
        out.push(...sent);
      } else {
        const sent = this.fastPath(pdu);
        altered ||= sent.length !== 1 || sent[0] !== pdu;
        out.push(...sent);
      }
      return !this.through;
    });
    if (unframeable) this.stop('a PDU it could not frame');
    if (this.through) {
      // Whatever is held goes on as it came: a fragmented update begun, and the rest of the stream.
      if (this.fragments) out.push(...this.heldFragments());
      out.push(data.subarray(offset));
      this.pending = Buffer.alloc(0);
      return Buffer.concat(out);
    }
    // Copied: the chunk's memory is not ours to keep.
    this.pending = Buffer.from(data.subarray(offset));
    return altered ? Buffer.concat(out) : data.subarray(0, offset);
  }

  private stop(reason: string): void {
    if (this.through) return;
    this.through = true;
    this.stoppedBecause = reason;
    this.memory.clear();
  }

  /** A whole fast-path PDU: returned as it came unless a RemoteFX tile in it is left out. */
  private fastPath(pdu: Buffer): Buffer[] {
    let updates: FastPathUpdate[];
    try {
      updates = fastPathUpdates(pdu);
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
      this.stop(error.message);
      return [pdu];
    }
    if (updates.some(drawsBitmapsOrOrders)) this.memory.clear();
    if (!this.fragments && !updates.some((u) => u.code === FASTPATH_UPDATETYPE_SURFCMDS)) return [pdu];
    // Surface commands: each update on its own, re-framed only where a tile was left out
    // (or fragments were joined); the PDU as it came when none was.
    const out: Buffer[] = [];
    let changed = false;
    for (const [index, update] of updates.entries()) {
      if (this.through) {
        out.push(fastPathPdu(updates.slice(index).map((u) => u.raw)));
        break;
      }
      if (update.code !== FASTPATH_UPDATETYPE_SURFCMDS) {
        out.push(fastPathPdu([update.raw]));
        continue;
      }
      if (update.fragmentation === FASTPATH_FRAGMENT_SINGLE) {
        const filtered = this.surfaceCommands(update.data);
        if (filtered.length === 1 && filtered[0] === update.data) out.push(fastPathPdu([update.raw]));
        else {
          changed = true;
          for (const data of filtered) out.push(...surfaceCommandsPdus(data));
        }
        continue;
      }
      changed = true;
      if (update.fragmentation === FASTPATH_FRAGMENT_FIRST) {
        this.fragments = [Buffer.from(update.data)];
        continue;
      }
      if (!this.fragments) {
        this.stop('a fragment of a surface commands update without its first');
        out.push(fastPathPdu(updates.slice(index).map((u) => u.raw)));
        break;
      }
      this.fragments.push(Buffer.from(update.data));
      if (update.fragmentation === FASTPATH_FRAGMENT_NEXT) continue;
      const whole = Buffer.concat(this.fragments);
      this.fragments = null;
      for (const data of this.surfaceCommands(whole)) out.push(...surfaceCommandsPdus(data));
    }
    return changed ? out : [pdu];
  }

  /**
   * A whole surface commands update as the updates to give IronRDP instead:
   * the same one when nothing changes; else the commands before each RemoteFX
   * one, then one update per group of its tiles, then the commands after.
   */
  private surfaceCommands(data: Buffer): Buffer[] {
    const updates: Buffer[] = [];
    let run: Buffer[] = [];
    let changed = false;
    const endRun = () => {
      if (run.length > 0) updates.push(Buffer.concat(run));
      run = [];
    };
    try {
      for (const command of surfaceCommands(data)) {
        if (command.kind === 'marker') {
          run.push(command.bytes);
          continue;
        }
        if (command.codecId !== IRONRDP_REMOTEFX_CODEC_ID) {
          // Another codec: IronRDP draws it into its framebuffer.
          this.memory.clear();
          run.push(command.bytes);
          continue;
        }
        const groups = this.memory.messagesFor(command.data, command.left, command.top, false);
        if (groups === null) run.push(command.bytes);
        else {
          changed = true;
          endRun();
          const headerLength = command.bytes.length - command.data.length;
          for (const group of groups) {
            const header = Buffer.from(command.bytes.subarray(0, headerLength));
            header.writeUInt32LE(group.length, 18);
            updates.push(Buffer.concat([header, group]));
          }
        }
      }
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
      this.stop(error.message);
      return [data];
    }
    if (!changed) return [data];
    endRun();
    return updates;
  }

  private heldFragments(): Buffer[] {
    const held = this.fragments ?? [];
    this.fragments = null;
    return heldFragmentPdus(held);
  }
}

/**
 * The RemoteFX tiles a client has, by position: the quantisation values and
 * coded bytes it was last given there, for tiles it painted whole.
 */
export class TileMemory {
  /** By position on the desktop (x × 65536 + y): the tile's three quantisation values (5 bytes each), then its coded bytes. */
  private known = new Map<number, Buffer>();
  readonly stats = { tiles: 0, dropped: 0 };

  /** Forgets every tile (the client drew something else over them, or starts over). */
  clear(): void {
    this.known.clear();
  }

  /**
   * A RemoteFX message as the messages to give the client instead, or null to
   * give it as it is (nothing left out, or tiles it cannot judge); what it is
   * given is remembered. Each message holds one group of the tiles kept, side
   * by side in one tile row, with the region cut to them: IronRDP draws each
   * update's region as one rectangle (whole rows when it is taller than a tile
   * row or wider than 512 pixels), so one message for a clock in a corner and
   * typing in the middle would have it draw everything between them. None at
   * all when every tile is left out. `pageDecodes`: the client is the page's
   * own decoder (remoteFxTranscoder.ts), which paints each tile's own part of
   * the region, so a message none of whose tiles is left out goes as it came
   * (for a full-screen change, one message instead of one per row of tiles).
   */
  messagesFor(message: Buffer, left: number, top: number, pageDecodes: boolean): Buffer[] | null {
    // First the blocks: the headers, the frame's begin and end, the region's rectangles (tiles wholly
    // inside one may be left out) and the tile set.
    const headers: Buffer[] = [];
    let frameBegin: Buffer | null = null;
    let frameEnd: Buffer | null = null;
    let regionBlock: Buffer | null = null;
    let region: Rect[] = [];
    let tileset: Buffer | null = null;
    let at = 0;
    while (at < message.length) {
      if (at + 6 > message.length) throw new Unreadable('a RemoteFX block header cut short');
      const type = message.readUInt16LE(at);
      const length = message.readUInt32LE(at + 2);
      if (length < 6 || at + length > message.length) throw new Unreadable(`a RemoteFX block of ${length} bytes past the message's end`);
      const block = message.subarray(at, at + length);
      switch (type) {
        case WBT_SYNC:
        case WBT_CODEC_VERSIONS:
        case WBT_CHANNELS:
        case WBT_CONTEXT:
          // A new context or size: IronRDP starts over too.
          this.clear();
          headers.push(block);
          break;
        case WBT_FRAME_BEGIN:
          frameBegin = block;
          break;
        case WBT_FRAME_END:
          frameEnd = block;
          break;
        case WBT_REGION: {
          // codecId, channelId, regionFlags, numRects (2), rects (x, y, width, height: 2 each), regionType (2), numTilesets (2).
          if (length < 6 + 5) throw new Unreadable('a RemoteFX region block too short');
          const count = block.readUInt16LE(6 + 3);
          if (6 + 5 + count * 8 > length) throw new Unreadable('a RemoteFX region block too short for its rectangles');
          regionBlock = block;
          region = [];
          for (let r = 0, p = 6 + 5; r < count; r++, p += 8) region.push({ x: block.readUInt16LE(p), y: block.readUInt16LE(p + 2), width: block.readUInt16LE(p + 4), height: block.readUInt16LE(p + 6) });
          break;
        }
        case WBT_EXTENSION:
          if (tileset) throw new Unreadable('two RemoteFX tile sets in one message');
          tileset = block;
          break;
        default:
          throw new Unreadable(`RemoteFX block type 0x${type.toString(16)}`);
      }
      at += length;
    }
    // No rectangle in the region means the whole channel, whose size this does not follow: give it as it is.
    if (!tileset || !regionBlock || !frameBegin || !frameEnd || region.length === 0) {
      this.clear();
      return null;
    }
    if (tileset.length < TILESET_FIXED) throw new Unreadable('a RemoteFX tile set too short');
    const quantCount = tileset[6 + 8]!;
    const tileCount = tileset.readUInt16LE(6 + 10);
    const quantEnd = TILESET_FIXED + quantCount * 5;
    if (quantEnd > tileset.length) throw new Unreadable('RemoteFX quantisation values past the tile set');
    const kept: { column: number; row: number; block: Buffer }[] = [];
    let p = quantEnd;
    for (let t = 0; t < tileCount; t++) {
      if (p + 19 > tileset.length) throw new Unreadable('a RemoteFX tile header past the tile set');
      const blockLength = tileset.readUInt32LE(p + 2);
      if (tileset.readUInt16LE(p) !== CBT_TILE || blockLength < 19 || p + blockLength > tileset.length) throw new Unreadable('a RemoteFX tile block malformed');
      const tile = tileset.subarray(p, p + blockLength);
      p += blockLength;
      const quants = [tile[6]!, tile[7]!, tile[8]!];
      if (quants.some((q) => q >= quantCount)) throw new Unreadable('a RemoteFX tile names a quantisation value that is not there');
      const column = tile.readUInt16LE(9);
      const row = tile.readUInt16LE(11);
      const x = column * TILE;
      const y = row * TILE;
      // What decides the tile's pixels: its three components' quantisation values and its coded data
      // (compared where they are; copied only to be remembered).
      const quantValues = quants.map((q) => tileset!.subarray(TILESET_FIXED + q * 5, TILESET_FIXED + q * 5 + 5));
      const coded = tile.subarray(13);
      const key = (left + x) * 0x10000 + (top + y);
      const inside = region.some((r) => x >= r.x && y >= r.y && x + TILE <= r.x + r.width && y + TILE <= r.y + r.height);
      const before = this.known.get(key);
      this.stats.tiles++;
      // (A tile painted whole before has all of what the region asks for now.)
      if (before && sameTile(before, quantValues, coded)) {
        this.stats.dropped++;
        continue;
      }
      // Known only when the client paints all of it; a tile cut by the region is sent again next time.
      if (inside) this.known.set(key, Buffer.concat([...quantValues, coded], IDENTITY_QUANT + coded.length));
      else this.known.delete(key);
      kept.push({ column, row, block: tile });
    }
    if (p !== tileset.length) throw new Unreadable('bytes after the last RemoteFX tile in its tile set');
    // Groups: runs of tiles side by side in a tile row.
    kept.sort((a, b) => a.row - b.row || a.column - b.column);
    const groups: (typeof kept)[] = [];
    for (const tile of kept) {
      const last = groups.at(-1)?.at(-1);
      if (last && last.row === tile.row && last.column + 1 === tile.column) groups.at(-1)!.push(tile);
      else groups.push([tile]);
    }
    // As it came when nothing is left out and it is one group anyway (or the page paints it), or when it carries
    // headers and no tile to put them before.
    if ((kept.length === tileCount && (groups.length === 1 || pageDecodes)) || (groups.length === 0 && headers.length > 0)) return null;
    const quantHead = tileset.subarray(0, quantEnd);
    const messages: Buffer[] = [];
    for (const group of groups) {
      const bounds = { x: group[0]!.column * TILE, y: group[0]!.row * TILE, width: group.length * TILE, height: TILE };
      const rects = region.map((r) => intersect(r, bounds)).filter((r): r is Rect => r !== null);
      // Tiles outside every rectangle paint nothing (and an empty region would mean the whole channel).
      if (rects.length === 0) continue;
      const regionOut = Buffer.alloc(6 + 5 + rects.length * 8 + 4);
      regionOut.writeUInt16LE(WBT_REGION, 0);
      regionOut.writeUInt32LE(regionOut.length, 2);
      regionBlock!.copy(regionOut, 6, 6, 6 + 3);
      regionOut.writeUInt16LE(rects.length, 6 + 3);
      rects.forEach((r, n) => [r.x, r.y, r.width, r.height].forEach((v, k) => regionOut.writeUInt16LE(v, 6 + 5 + n * 8 + k * 2)));
      // regionType and numTilesets as the original has them (its last four bytes).
      regionBlock!.copy(regionOut, regionOut.length - 4, regionBlock!.length - 4);
      const tilesData = group.reduce((n, t) => n + t.block.length, 0);
      const head = Buffer.from(quantHead);
      head.writeUInt32LE(head.length + tilesData, 2);
      head.writeUInt16LE(group.length, 6 + 10);
      head.writeUInt32LE(tilesData, 6 + 12);
      messages.push(Buffer.concat([...(messages.length === 0 ? headers : []), frameBegin!, regionOut, head, ...group.map((t) => t.block), frameEnd!]));
    }
    return messages.length === 0 && headers.length > 0 ? null : messages;
  }

}

/** The three quantisation values' bytes at the start of a remembered tile. */
const IDENTITY_QUANT = 3 * 5;

function sameTile(known: Buffer, quantValues: readonly Buffer[], coded: Buffer): boolean {
  if (known.length !== IDENTITY_QUANT + coded.length) return false;
  for (let c = 0; c < 3; c++) if (known.compare(quantValues[c]!, 0, 5, c * 5, c * 5 + 5) !== 0) return false;
  return known.compare(coded, 0, coded.length, IDENTITY_QUANT) === 0;
}

function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}
