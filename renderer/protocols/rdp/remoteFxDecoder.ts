// The RemoteFX decoder of the page (MS-RDPRFX 3.1.8.1): one message of a
// Surface Bits command in, the pixels it paints out, as RGBA rectangles
// (top-down rows), one per run of tiles in a tile row and clip rectangle.
// It runs in a worker (remoteFxWorker.ts), never on the page's main thread.
//
// The message's blocks are read by shared/remoteFx/remoteFxMessage.ts (the
// gateway read them too, before sending). Each tile is decoded by
// WebAssembly built from wasm/remoteFx.ts (AssemblyScript, with SIMD): RLGR1
// or RLGR3 entropy decoding, dequantisation, the three-level inverse LeGall
// 5/3 wavelet, YCbCr to RGBA. Why here and not in IronRDP:
// docs/performance.md ("RemoteFX decoded by the page's own decoder").

import { ENTROPY_RLGR1, TILE_SIZE as TILE, parseRemoteFxMessage, RemoteFxError, type Rect } from '../../../shared/remoteFx/remoteFxMessage';

export { RemoteFxError };

const PAGE = 65536;

/** The exports of wasm/remoteFx.ts. */
export interface TileDecoderExports {
  memory: WebAssembly.Memory;
  QUANT: WebAssembly.Global;
  FREE: WebAssembly.Global;
  PLANE0: WebAssembly.Global;
  decodeTile(mode: number, data: number, l0: number, l1: number, l2: number, out: number, stride: number): void;
  rlgrComponent(mode: number, data: number, length: number): void;
  reconstructComponent(): void;
}

/** A rectangle of the desktop a message paints, as RGBA rows top-down (width * 4 bytes each). */
export interface PaintedRect extends Rect {
  pixels: Uint8Array<ArrayBuffer>;
}

/** An instance of the tile decoder (one per decoder: its memory holds one message and its tiles at a time). */
export async function instantiateTileDecoder(module: WebAssembly.Module): Promise<TileDecoderExports> {
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort: () => {
        throw new RemoteFxError('the RemoteFX tile decoder aborted');
      },
    },
  });
  return instance.exports as unknown as TileDecoderExports;
}

/** Decodes one RLGR-coded component (for tests): the 4096 coefficients. */
export function rlgrDecode(wasm: TileDecoderExports, mode: number, data: Uint8Array): Int16Array {
  const input = wasm.FREE.value as number;
  reserve(wasm, input + data.length);
  new Uint8Array(wasm.memory.buffer).set(data, input);
  wasm.rlgrComponent(mode, input, data.length);
  return new Int16Array(wasm.memory.buffer, wasm.PLANE0.value as number, 4096).slice();
}

function reserve(wasm: TileDecoderExports, bytes: number): void {
  const have = wasm.memory.buffer.byteLength;
  if (bytes > have) wasm.memory.grow(Math.ceil((bytes - have) / PAGE));
}

/** The decoder of one connection: the context and channels of the first message hold for the later ones. */
export class RemoteFxDecoder {
  private entropy = ENTROPY_RLGR1;
  /** The desktop's size as the headers announced it. */
  channel: { width: number; height: number } | null = null;
  tiles = 0;

  constructor(private readonly wasm: TileDecoderExports) {}

  /**
   * Decodes the RemoteFX data of one Surface Bits command whose destination
   * starts at (left, top). Throws RemoteFxError on data it cannot read.
   * With a share, decodes and paints only that share of the message's tiles
   * (shareOfRuns): the decoders given every share of a message paint all of
   * it between them, and each follows the headers as if it decoded alone.
   */
  decode(data: Uint8Array, left: number, top: number, share: Share = WHOLE): PaintedRect[] {
    const message = parseRemoteFxMessage(data);
    if (message.channel) this.channel = message.channel;
    if (message.entropy !== null) this.entropy = message.entropy;
    if (message.tiles.length === 0) return [];
    const screen = this.channel;
    if (!screen) throw new RemoteFxError('RemoteFX tiles before any channel was announced');
    // The message's bytes go into the decoder's memory; after them, each run of
    // tiles side by side in a tile row is decoded into one band of RGBA rows
    // as wide as the run, which the painted rectangles are cut from.
    const wasm = this.wasm;
    const input = wasm.FREE.value as number;
    const runs = shareOfRuns(tileRuns(message.tiles, left, top), share);
    if (runs.length === 0) return [];
    let at = (input + data.length + 15) & ~15;
    for (const run of runs) {
      run.band = at;
      at += (run.right - run.x) * TILE * 4;
    }
    reserve(wasm, at);
    const memory = new Uint8Array(wasm.memory.buffer);
    memory.set(data, input);
    const quantAt = wasm.QUANT.value as number;
    for (const run of runs) {
      const stride = (run.right - run.x) * 4;
      for (const tile of run.tiles) {
        memory.set(tile.quant[0], quantAt);
        memory.set(tile.quant[1], quantAt + 10);
        memory.set(tile.quant[2], quantAt + 20);
        wasm.decodeTile(this.entropy, input + tile.dataStart, tile.lengths[0], tile.lengths[1], tile.lengths[2], run.band + (left + tile.xIdx * TILE - run.x) * 4, stride);
      }
      this.tiles += run.tiles.length;
    }
    // No rectangle in the region means the whole channel (as IronRDP and FreeRDP read it).
    const clips = (message.region && message.region.length > 0 ? message.region : [{ x: 0, y: 0, width: screen.width, height: screen.height }])
      .map((r) => clip({ x: left + r.x, y: top + r.y, width: r.width, height: r.height }, screen))
      .filter((r): r is Rect => r !== null);
    return paint(memory, runs, clips);
  }
}

type Tile = ReturnType<typeof parseRemoteFxMessage>['tiles'][number];

/** Which of `count` equal shares of a message's tiles to decode (index from 0). */
export interface Share {
  index: number;
  count: number;
}

const WHOLE: Share = { index: 0, count: 1 };

/** Messages with fewer tiles are not shared out: share 0 decodes them whole, the others nothing. */
export const MIN_SHARED_TILES = 8;
/**
 * What decoding a tile costs beyond its coded bytes, in bytes of RLGR
 * decoding: the wavelet and colour conversion are the same for every tile
 * (≈0.03 ms of ≈0.13 for a 3 KB tile of a 1024x768 desktop, docs/performance-history.md).
 */
const TILE_FIXED_COST = 1024;

/**
 * Share `share.index` of the runs' tiles, as runs: the tiles in run order cut
 * into `share.count` stretches of about the same cost (coded bytes plus a
 * fixed cost each), a run cut where a stretch ends. The same for every share
 * of one message, so that the shares together are every tile once.
 */
export function shareOfRuns(runs: TileRun[], share: Share): TileRun[] {
  if (share.count <= 1) return runs;
  const tileCount = runs.reduce((n, run) => n + run.tiles.length, 0);
  if (tileCount < MIN_SHARED_TILES) return share.index === 0 ? runs : [];
  const cost = (t: Tile) => t.lengths[0] + t.lengths[1] + t.lengths[2] + TILE_FIXED_COST;
  const total = runs.reduce((n, run) => run.tiles.reduce((m, t) => m + cost(t), n), 0);
  const out: TileRun[] = [];
  let before = 0;
  for (const run of runs) {
    let mine: TileRun | null = null;
    for (const [i, t] of run.tiles.entries()) {
      // A tile belongs to the share its cost's midpoint falls in.
      const own = cost(t);
      const owner = Math.min(share.count - 1, Math.floor(((before + own / 2) * share.count) / total));
      before += own;
      if (owner !== share.index) continue;
      const x = run.x + i * TILE;
      if (mine && mine.right === x) {
        mine.tiles.push(t);
        mine.right += TILE;
      } else {
        mine = { y: run.y, x, right: x + TILE, tiles: [t], band: 0 };
        out.push(mine);
      }
    }
  }
  return out;
}

/** Tiles side by side in one tile row, [x, right) on the desktop, decoded into a band at `band` in the decoder's memory. */
export interface TileRun {
  y: number;
  x: number;
  right: number;
  tiles: Tile[];
  band: number;
}

/** The message's tiles as runs, top to bottom, left to right; a tile at a place already taken is left out. */
function tileRuns(tiles: readonly Tile[], left: number, top: number): TileRun[] {
  const rows = new Map<number, Tile[]>();
  for (const t of tiles) {
    const row = rows.get(t.yIdx) ?? [];
    row.push(t);
    rows.set(t.yIdx, row);
  }
  const runs: TileRun[] = [];
  for (const [yIdx, row] of [...rows].sort((a, b) => a[0] - b[0])) {
    row.sort((a, b) => a.xIdx - b.xIdx);
    let last: TileRun | null = null;
    for (const t of row) {
      const x = left + t.xIdx * TILE;
      if (last && last.right === x) {
        last.tiles.push(t);
        last.right += TILE;
      } else if (!last || last.right < x) {
        last = { y: top + yIdx * TILE, x, right: x + TILE, tiles: [t], band: 0 };
        runs.push(last);
      }
    }
  }
  return runs;
}

function clip(r: Rect, screen: { width: number; height: number }): Rect | null {
  const right = Math.min(r.x + r.width, screen.width);
  const bottom = Math.min(r.y + r.height, screen.height);
  return right > r.x && bottom > r.y ? { x: r.x, y: r.y, width: right - r.x, height: bottom - r.y } : null;
}

/**
 * The painted rectangles: each clip rectangle cut into bands one tile row
 * high, each band cut where its tiles leave gaps; a rectangle as wide as its
 * run is one copy of the band's rows, a narrower one is copied row by row.
 */
function paint(memory: Uint8Array, runs: readonly TileRun[], clips: readonly Rect[]): PaintedRect[] {
  const out: PaintedRect[] = [];
  for (const run of runs) {
    const stride = (run.right - run.x) * 4;
    for (const c of clips) {
      const y = Math.max(c.y, run.y);
      const bottom = Math.min(c.y + c.height, run.y + TILE);
      const x = Math.max(c.x, run.x);
      const right = Math.min(c.x + c.width, run.right);
      if (bottom <= y || right <= x) continue;
      const width = right - x;
      const height = bottom - y;
      const first = run.band + (y - run.y) * stride + (x - run.x) * 4;
      let pixels: Uint8Array<ArrayBuffer>;
      if (width * 4 === stride) pixels = memory.slice(first, first + height * stride);
      else {
        pixels = new Uint8Array(new ArrayBuffer(width * height * 4));
        for (let row = 0; row < height; row++) pixels.set(memory.subarray(first + row * stride, first + row * stride + width * 4), row * width * 4);
      }
      out.push({ x, y, width, height, pixels });
    }
  }
  return out;
}
