// A RemoteFX encoder for tests (MS-RDPRFX 3.1.8.1, the encoding side): colour
// conversion, the three-level forward LeGall 5/3 wavelet by lifting,
// quantisation, LL3 as differences, RLGR1/RLGR3, the message blocks. Written
// from the specification's description for these tests only: real messages,
// tile for tile as a server codes them.

import { ENTROPY_RLGR1, ENTROPY_RLGR3, type Rect } from '../../../../shared/remoteFx/remoteFxMessage';

export { ENTROPY_RLGR1, ENTROPY_RLGR3, type Rect };

const KP_MAX = 80;
const LS_GR = 3;
const UP_GR = 4;
const DN_GR = 6;
const UQ_GR = 3;
const DQ_GR = 3;

class BitWriter {
  private bytes: number[] = [];
  private current = 0;
  private used = 0;
  put(bits: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bit((bits >>> i) & 1);
  }
  repeat(bit: number, count: number): void {
    for (let i = 0; i < count; i++) this.bit(bit);
  }
  private bit(b: number): void {
    this.current = (this.current << 1) | b;
    if (++this.used === 8) {
      this.bytes.push(this.current);
      this.current = 0;
      this.used = 0;
    }
  }
  finish(): Buffer {
    if (this.used > 0) this.bytes.push(this.current << (8 - this.used));
    return Buffer.from(this.bytes);
  }
}

const twoMagSign = (v: number): number => (v < 0 ? -2 * v - 1 : 2 * v);

export function rlgrEncode(mode: number, input: Int16Array): Buffer {
  const out = new BitWriter();
  let k = 1;
  let kp = k << LS_GR;
  let krp = 1 << LS_GR;
  const golombRice = (value: number): void => {
    const kr = krp >> LS_GR;
    const vk = value >>> kr;
    out.repeat(1, vk);
    out.put(0, 1);
    if (kr > 0) out.put(value & ((1 << kr) - 1), kr);
    if (vk === 0) krp = Math.max(krp - 2, 0);
    else if (vk > 1) krp = Math.min(krp + vk, KP_MAX);
  };
  let i = 0;
  while (i < input.length) {
    if (k !== 0) {
      let zeros = 0;
      while (i < input.length && input[i] === 0) {
        zeros++;
        i++;
      }
      let runMax = 1 << k;
      while (zeros >= runMax) {
        out.put(0, 1);
        zeros -= runMax;
        kp = Math.min(kp + UP_GR, KP_MAX);
        k = kp >> LS_GR;
        runMax = 1 << k;
      }
      out.put(1, 1);
      out.put(zeros, k);
      if (i < input.length) {
        const value = input[i++]!;
        out.put(value < 0 ? 1 : 0, 1);
        golombRice(Math.abs(value) - 1);
      }
      kp = Math.max(kp - DN_GR, 0);
      k = kp >> LS_GR;
    } else if (mode === ENTROPY_RLGR1) {
      const code = twoMagSign(input[i++]!);
      golombRice(code);
      kp = code === 0 ? Math.min(kp + UQ_GR, KP_MAX) : Math.max(kp - DQ_GR, 0);
      k = kp >> LS_GR;
    } else {
      const a = twoMagSign(input[i++]!);
      const b = i < input.length ? twoMagSign(input[i++]!) : 0;
      const sum = a + b;
      golombRice(sum);
      const bits = 32 - Math.clz32(sum);
      if (bits > 0) out.put(a, bits);
      if (a !== 0 && b !== 0) kp = Math.max(kp - 2 * DQ_GR, 0);
      else if (a === 0 && b === 0) kp = Math.min(kp + 2 * UQ_GR, KP_MAX);
      k = kp >> LS_GR;
    }
  }
  return out.finish();
}

/** One forward level: the 2w x 2w block at `base` becomes HL, LH, HH, LL (w*w each) at `base`. */
function forwardLevel(buffer: Int16Array, base: number, w: number): void {
  const width = 2 * w;
  const temp = new Int16Array(4 * w * w);
  const hOffset = 2 * w * w;
  // Vertical: rows of L then rows of H.
  for (let x = 0; x < width; x++) {
    const at = (row: number) => buffer[base + row * width + x]!;
    for (let n = 0; n < w; n++) {
      const next = n < w - 1 ? at(2 * n + 2) : at(2 * n);
      temp[hOffset + n * width + x] = (at(2 * n + 1) - ((at(2 * n) + next) >> 1)) >> 1;
    }
    for (let n = 0; n < w; n++) {
      const h = temp[hOffset + n * width + x]!;
      const before = n === 0 ? h : temp[hOffset + (n - 1) * width + x]!;
      temp[n * width + x] = at(2 * n) + (n === 0 ? h : (before + h) >> 1);
    }
  }
  // Horizontal: L rows give HL (odd) and LL (even), H rows give HH (odd) and LH (even).
  const size = w * w;
  for (let row = 0; row < w; row++) {
    for (const [src, high, low] of [
      [row * width, base + row * w, base + 3 * size + row * w],
      [hOffset + row * width, base + 2 * size + row * w, base + size + row * w],
    ] as const) {
      for (let n = 0; n < w; n++) {
        const next = n < w - 1 ? temp[src + 2 * n + 2]! : temp[src + 2 * n]!;
        buffer[high + n] = (temp[src + 2 * n + 1]! - ((temp[src + 2 * n]! + next) >> 1)) >> 1;
      }
      for (let n = 0; n < w; n++) {
        const h = buffer[high + n]!;
        buffer[low + n] = temp[src + 2 * n]! + (n === 0 ? h : (buffer[high + n - 1]! + h) >> 1);
      }
    }
  }
}

/** Quantisation values in TS_RFX_CODEC_QUANT order: LL3 LH3 HL3 HH3 LH2 HL2 HH2 LH1 HL1 HH1. */
const BANDS: readonly (readonly [number, number, number])[] = [
  [0, 1024, 8],
  [1024, 1024, 7],
  [2048, 1024, 9],
  [3072, 256, 5],
  [3328, 256, 4],
  [3584, 256, 6],
  [3840, 64, 2],
  [3904, 64, 1],
  [3968, 64, 3],
  [4032, 64, 0],
];

export function encodeComponent(samples: Int16Array, quant: readonly number[], mode: number): Buffer {
  const c = Int16Array.from(samples);
  forwardLevel(c, 0, 32);
  forwardLevel(c, 3072, 16);
  forwardLevel(c, 3840, 8);
  for (const [start, length, index] of BANDS) {
    const shift = quant[index]! - 1;
    if (shift > 0) for (let i = start; i < start + length; i++) c[i] = c[i]! >> shift;
  }
  for (let i = 4095; i > 4032; i--) c[i] = c[i]! - c[i - 1]!;
  return rlgrEncode(mode, c);
}

/** A 64x64 tile of an RGB picture (rgb(x, y) -> [r, g, b]) as Y, Cb, Cr in 11.5 fixed point. */
export function tileYCbCr(rgb: (x: number, y: number) => readonly [number, number, number], left: number, top: number): [Int16Array, Int16Array, Int16Array] {
  const y = new Int16Array(4096);
  const cb = new Int16Array(4096);
  const cr = new Int16Array(4096);
  for (let j = 0; j < 64; j++) {
    for (let i = 0; i < 64; i++) {
      const [r, g, b] = rgb(left + i, top + j);
      const p = j * 64 + i;
      y[p] = Math.round((0.299 * r + 0.587 * g + 0.114 * b) * 32) - 4096;
      cb[p] = Math.round((-0.168935 * r - 0.331665 * g + 0.50059 * b) * 32);
      cr[p] = Math.round((0.499813 * r - 0.418531 * g - 0.081282 * b) * 32);
    }
  }
  return [y, cb, cr];
}

function block(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(type, 0);
  header.writeUInt32LE(6 + body.length, 2);
  return Buffer.concat([header, body]);
}

const u8 = (...v: number[]) => Buffer.from(v);
const u16 = (...v: number[]) => {
  const b = Buffer.alloc(2 * v.length);
  v.forEach((x, i) => b.writeUInt16LE(x, 2 * i));
  return b;
};
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
};

export interface EncodeOptions {
  /** The channel (desktop) size announced in the headers. */
  width: number;
  height: number;
  mode?: number;
  /** Ten values, 6 as Windows commonly uses; 1 everywhere is as near lossless as RemoteFX gets. */
  quant?: readonly number[];
  /** Send the headers (sync, codec versions, channels, context), as a server does with the first message. */
  headers?: boolean;
  frameIndex?: number;
}

/** A RemoteFX message painting `rects` of the picture, with tiles (xIdx, yIdx) for every tile they touch. */
export function encodeMessage(rgb: (x: number, y: number) => readonly [number, number, number], rects: readonly Rect[], options: EncodeOptions): Buffer {
  const mode = options.mode ?? ENTROPY_RLGR1;
  const quant = options.quant ?? [6, 6, 6, 6, 7, 7, 8, 8, 8, 9];
  const parts: Buffer[] = [];
  const properties = (mode << 9) | (1 << 5) | 0x2; // et, xft = 1 (LeGall 5/3), flags = image mode
  if (options.headers ?? true) {
    parts.push(block(0xccc0, Buffer.concat([u32(0xcaccacca), u16(0x0100)])));
    parts.push(block(0xccc1, Buffer.concat([u8(1, 1), u16(0x0100)])));
    parts.push(block(0xccc2, Buffer.concat([u8(1, 0), u16(options.width, options.height)])));
    parts.push(block(0xccc3, Buffer.concat([u8(1, 0xff, 0), u16(64, properties)])));
  }
  parts.push(block(0xccc4, Buffer.concat([u8(1, 0), u32(options.frameIndex ?? 0), u16(1)])));
  parts.push(block(0xccc6, Buffer.concat([u8(1, 0, 1), u16(rects.length), ...rects.map((r) => u16(r.x, r.y, r.width, r.height)), u16(0xcac1, 1)])));
  const tiles = new Set<string>();
  for (const r of rects) {
    for (let ty = Math.floor(r.y / 64); ty * 64 < r.y + r.height; ty++) for (let tx = Math.floor(r.x / 64); tx * 64 < r.x + r.width; tx++) tiles.add(`${tx},${ty}`);
  }
  const quantBytes = Buffer.alloc(5);
  for (let b = 0; b < 5; b++) quantBytes[b] = quant[2 * b]! | (quant[2 * b + 1]! << 4);
  const tileBlocks = [...tiles].map((key) => {
    const [tx, ty] = key.split(',').map(Number) as [number, number];
    const data = tileYCbCr(rgb, tx * 64, ty * 64).map((c) => encodeComponent(c, quant, mode));
    return block(0xcac3, Buffer.concat([u8(0, 0, 0), u16(tx, ty, data[0]!.length, data[1]!.length, data[2]!.length), ...data]));
  });
  const tilesData = Buffer.concat(tileBlocks);
  parts.push(block(0xccc7, Buffer.concat([u8(1, 0), u16(0xcac2, 0, properties), u8(1, 64), u16(tileBlocks.length), u32(tilesData.length), quantBytes, tilesData])));
  parts.push(block(0xccc5, u8(1, 0)));
  return Buffer.concat(parts);
}
