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

const TILE_BYTES = TILE * TILE * 4;
const PAGE = 65536;

/** The exports of wasm/remoteFx.ts. */
export interface TileDecoderExports {
  memory: WebAssembly.Memory;
  QUANT: WebAssembly.Global;
  FREE: WebAssembly.Global;
  PLANE0: WebAssembly.Global;
  decodeTile(mode: number, data: number, l0: number, l1: number, l2: number, out: number): void;
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
   */
  decode(data: Uint8Array, left: number, top: number): PaintedRect[] {
    const message = parseRemoteFxMessage(data);
    if (message.channel) this.channel = message.channel;
    if (message.entropy !== null) this.entropy = message.entropy;
    if (message.tiles.length === 0) return [];
    const screen = this.channel;
    if (!screen) throw new RemoteFxError('RemoteFX tiles before any channel was announced');
    // The message's bytes go into the decoder's memory, its tiles are decoded after them.
    const wasm = this.wasm;
    const input = wasm.FREE.value as number;
    const output = (input + data.length + 15) & ~15;
    reserve(wasm, output + message.tiles.length * TILE_BYTES);
    const memory = new Uint8Array(wasm.memory.buffer);
    memory.set(data, input);
    const quantAt = wasm.QUANT.value as number;
    const placed = message.tiles.map((tile, i) => {
      const at = output + i * TILE_BYTES;
      memory.set(tile.quant[0], quantAt);
      memory.set(tile.quant[1], quantAt + 10);
      memory.set(tile.quant[2], quantAt + 20);
      wasm.decodeTile(this.entropy, input + tile.dataStart, tile.lengths[0], tile.lengths[1], tile.lengths[2], at);
      return { x: left + tile.xIdx * TILE, y: top + tile.yIdx * TILE, pixels: memory.subarray(at, at + TILE_BYTES) };
    });
    this.tiles += placed.length;
    // No rectangle in the region means the whole channel (as IronRDP and FreeRDP read it).
    const clips = (message.region && message.region.length > 0 ? message.region : [{ x: 0, y: 0, width: screen.width, height: screen.height }])
      .map((r) => clip({ x: left + r.x, y: top + r.y, width: r.width, height: r.height }, screen))
      .filter((r): r is Rect => r !== null);
    return paint(placed, clips);
  }
}

function clip(r: Rect, screen: { width: number; height: number }): Rect | null {
  const right = Math.min(r.x + r.width, screen.width);
  const bottom = Math.min(r.y + r.height, screen.height);
  return right > r.x && bottom > r.y ? { x: r.x, y: r.y, width: right - r.x, height: bottom - r.y } : null;
}

/**
 * The painted rectangles: each clip rectangle cut into bands one tile row
 * high, each band cut where its tiles leave gaps, filled from the tiles.
 */
function paint(tiles: readonly { x: number; y: number; pixels: Uint8Array }[], clips: readonly Rect[]): PaintedRect[] {
  const rows = new Map<number, { x: number; pixels: Uint8Array }[]>();
  for (const t of tiles) {
    const row = rows.get(t.y) ?? [];
    row.push({ x: t.x, pixels: t.pixels });
    rows.set(t.y, row);
  }
  const out: PaintedRect[] = [];
  for (const [rowTop, rowTiles] of [...rows].sort((a, b) => a[0] - b[0])) {
    rowTiles.sort((a, b) => a.x - b.x);
    // Runs of tiles side by side.
    const runs: { x: number; right: number; tiles: { x: number; pixels: Uint8Array }[] }[] = [];
    for (const t of rowTiles) {
      const last = runs[runs.length - 1];
      if (last && last.right === t.x) {
        last.tiles.push(t);
        last.right += TILE;
      } else if (!last || last.right < t.x) runs.push({ x: t.x, right: t.x + TILE, tiles: [t] });
    }
    for (const c of clips) {
      const top = Math.max(c.y, rowTop);
      const bottom = Math.min(c.y + c.height, rowTop + TILE);
      if (bottom <= top) continue;
      for (const run of runs) {
        const x = Math.max(c.x, run.x);
        const right = Math.min(c.x + c.width, run.right);
        if (right <= x) continue;
        const width = right - x;
        const height = bottom - top;
        const pixels = new Uint8Array(new ArrayBuffer(width * height * 4));
        for (const t of run.tiles) {
          const from = Math.max(x, t.x);
          const to = Math.min(right, t.x + TILE);
          if (to <= from) continue;
          for (let yy = top; yy < bottom; yy++) {
            const src = ((yy - rowTop) * TILE + (from - t.x)) * 4;
            pixels.set(t.pixels.subarray(src, src + (to - from) * 4), ((yy - top) * width + (from - x)) * 4);
          }
        }
        out.push({ x, y: top, width, height, pixels });
      }
    }
  }
  return out;
}
