// The server's pointer shape (MS-RDPBCGR 2.2.9.1.1.4 slow-path Pointer Update
// PDUs, 2.2.9.1.2.1.5–.11 fast-path pointer updates), read here so that the
// page can show it. The IronRDP build we ship reads these updates and drops
// them all: its web client builds its connector with
// `enable_server_pointer: false` (a rename of `no_server_pointer: false`
// that kept the value, IronRDP 218fed03, 2025-08), while it still announces a
// pointer cache of 32 in its Pointer Capability Set, so servers send their
// pointers and its cursor-style callback is never called. Nothing the page
// can set turns that on (no extension names it), so the gateway, which reads
// the stream in clear anyway (serverStreamWatch.ts), decodes each shape and
// tells the page (ControlEvent 'pointer'), which puts it on IronRDP's canvas
// as IronRDP's own callback would.
//
// Kept here: the server's pointer cache (cached pointer updates name an
// index the server filled earlier), 32 entries as the client announced.
// Its shapes are kept deflated, within CACHE_BYTES in all: a cursor is mostly
// transparent and a few colours, so a Windows large pointer (384×384, 590 KB
// of RGBA) takes a few KB and all 32 fit. Only a server that fills the cache
// with noise (a hostile one: 32 such shapes were 19 MB) reaches the bound;
// then the shape named least recently is forgotten. Deflating is done off the
// gateway's thread (zlib's thread pool; 590 KB of noise take it 15–25 ms),
// DEFLATING at a time, the others waiting their turn whole: every shape set
// is deflated, however many come at once (a server sets several at sign-in),
// and only deflated shapes count towards CACHE_BYTES. The shapes waiting are
// bounded by the cache itself (32 entries, 19 MB at most, for the moment zlib
// takes; a shape replaced or forgotten leaves the queue).
// A cached pointer update naming a deflated shape gives it still deflated,
// inflated only when its pixels are read: the page is told at most one shape
// a display frame (pointerEvents.ts), so a PDU of thousands of cached updates
// costs the gateway's thread one inflate (1 ms), not one each (a second).
// A cached pointer update naming a forgotten index shows the default pointer: the server believes the
// client still has that shape, and the default is the pointer that claims
// nothing, where keeping the current one would show a shape the server did not
// ask for (an I-beam over a link) as if it had. An index never filled changes
// nothing, as before (the server is wrong, not the cache).

import { deflateRaw, inflateRawSync } from 'node:zlib';

/**
 * What the page is to show: no pointer, the system's default one, or an image (RGBA, top row first). A cached shape's
 * `rgba` is inflated when first read: read it only to show it (PointerEvents' send, at most one a display frame).
 */
export type PointerShape =
  | { kind: 'hidden' }
  | { kind: 'default' }
  | { kind: 'image'; width: number; height: number; hotspotX: number; hotspotY: number; rgba: Buffer };

const FASTPATH_UPDATETYPE_PTR_NULL = 0x5;
const FASTPATH_UPDATETYPE_PTR_DEFAULT = 0x6;
const FASTPATH_UPDATETYPE_COLOR = 0x9;
const FASTPATH_UPDATETYPE_CACHED = 0xa;
const FASTPATH_UPDATETYPE_POINTER = 0xb;
const FASTPATH_UPDATETYPE_LARGE_POINTER = 0xc;
/** The fast-path update codes that carry a pointer (0x8, the pointer's position, changes no shape). */
export const FASTPATH_POINTER_CODES: ReadonlySet<number> = new Set([
  FASTPATH_UPDATETYPE_PTR_NULL,
  FASTPATH_UPDATETYPE_PTR_DEFAULT,
  FASTPATH_UPDATETYPE_COLOR,
  FASTPATH_UPDATETYPE_CACHED,
  FASTPATH_UPDATETYPE_POINTER,
  FASTPATH_UPDATETYPE_LARGE_POINTER,
]);

/** Slow-path TS_POINTER_PDU messageType values. */
const TS_PTRMSGTYPE_SYSTEM = 0x0001;
const TS_PTRMSGTYPE_COLOR = 0x0006;
const TS_PTRMSGTYPE_CACHED = 0x0007;
const TS_PTRMSGTYPE_POINTER = 0x0008;
const TS_PTRMSGTYPE_LARGE = 0x0009;
const SYSPTR_NULL = 0x00000000;
const SYSPTR_DEFAULT = 0x00007f00;

/** As many entries as IronRDP announces (its Pointer Capability Set: 32 colour, 32 new). */
const CACHE_ENTRIES = 32;
/** The largest pointer 2.2.9.1.2.1.11 allows (Large Pointer Capability Set: 384x384). */
const MAX_SIDE = 384;
/**
 * The largest pointer update a client that announces large pointers can be sent: a fast-path Large Pointer Update's
 * TS_LARGEPOINTERATTRIBUTE (20 bytes of header), a 384x384 XOR mask at 32 bpp, its AND mask (rows padded to 2 bytes)
 * and the 1-byte pad that may end it (FreeRDP's update_write_pointer_large always writes it): 608,277 bytes.
 */
export const LARGEST_POINTER_UPDATE_BYTES = 20 + MAX_SIDE * MAX_SIDE * 4 + (((MAX_SIDE + 15) >> 4) * 2) * MAX_SIDE + 1;
/** What the cache's deflated shapes may take in all: every large pointer a real server has, not a hostile one's noise. */
export const CACHE_BYTES = 2 * 1024 * 1024;

type ImageShape = Extract<PointerShape, { kind: 'image' }>;

/**
 * The server's shape each image shape handed out is, for those from the cache: its cache entry. A cached shape named
 * again is a new object each time (its inflated pixels are let go with it), so what is worked out from the shape and
 * kept (pointerScaling.ts's smaller copy) is kept by this instead: the same until the server sets that index again.
 */
const shapeEntries = new WeakMap<ImageShape, object>();

/** What stays the same for every time the server names this shape from its cache; the shape itself for others. */
export function sameShapeKey(shape: ImageShape): object {
  return shapeEntries.get(shape) ?? shape;
}

/** Shapes being deflated at once, at most (the rest wait their turn). */
const DEFLATING = 2;

/** A cached shape: its pixels as RGBA until zlib has deflated them (or kept whole for good: noise that did not shrink). */
interface CachedShape {
  index: number;
  width: number;
  height: number;
  hotspotX: number;
  hotspotY: number;
  pixels: Buffer;
  state: 'waiting' | 'deflated' | 'whole';
}

export class ServerPointer {
  /** By index, least recently named first. */
  private readonly cache = new Map<number, CachedShape>();
  /** The bytes of the shapes zlib is done with (deflated, or whole for good): within CACHE_BYTES. */
  private doneBytes = 0;
  /** The bytes of the shapes waiting to be deflated (or being deflated). */
  private waitingBytes = 0;
  /** Shapes waiting for zlib, first set first; zlib is given DEFLATING of them at a time. */
  private readonly toDeflate = new Set<CachedShape>();
  private deflating = 0;
  /** Indexes forgotten for room (CACHE_BYTES) and not filled again since. */
  private readonly forgotten = new Set<number>();
  /** The shape last set from the cache or into it, and its index: named again, the same object (the page is not told twice). */
  private current: { index: number; shape: ImageShape } | null = null;

  /** The bytes the cache holds of shapes zlib is done with (the bound CACHE_BYTES), for tests and measurements. */
  get cachedBytes(): number {
    return this.doneBytes;
  }

  /** The bytes of the shapes still to be deflated, whole (for tests and measurements). */
  get wholeBytes(): number {
    return this.waitingBytes;
  }

  /** Shapes being deflated now or waiting to be (for tests). */
  get deflatingShapes(): number {
    return this.deflating + this.toDeflate.size;
  }

  /** The shape a fast-path update sets (its updateCode and data), null for one that sets none or cannot be read. */
  fastPath(code: number, data: Buffer): PointerShape | null {
    switch (code) {
      case FASTPATH_UPDATETYPE_PTR_NULL:
        return { kind: 'hidden' };
      case FASTPATH_UPDATETYPE_PTR_DEFAULT:
        return { kind: 'default' };
      case FASTPATH_UPDATETYPE_COLOR:
        return this.colorPointer(data, 0, 24);
      case FASTPATH_UPDATETYPE_CACHED:
        return data.length >= 2 ? this.cached(data.readUInt16LE(0)) : null;
      case FASTPATH_UPDATETYPE_POINTER:
        return data.length >= 2 ? this.colorPointer(data, 2, data.readUInt16LE(0)) : null;
      case FASTPATH_UPDATETYPE_LARGE_POINTER:
        return this.largePointer(data);
      default:
        return null;
    }
  }

  /** The shape a slow-path Pointer Update PDU sets (`body`: after its Share Data Header), null as fastPath. */
  slowPath(body: Buffer): PointerShape | null {
    if (body.length < 4) return null;
    const data = body.subarray(4); // messageType (2), pad2Octets (2)
    switch (body.readUInt16LE(0)) {
      case TS_PTRMSGTYPE_SYSTEM: {
        if (data.length < 4) return null;
        const type = data.readUInt32LE(0);
        return type === SYSPTR_NULL ? { kind: 'hidden' } : type === SYSPTR_DEFAULT ? { kind: 'default' } : null;
      }
      case TS_PTRMSGTYPE_COLOR:
        return this.colorPointer(data, 0, 24);
      case TS_PTRMSGTYPE_CACHED:
        return data.length >= 2 ? this.cached(data.readUInt16LE(0)) : null;
      case TS_PTRMSGTYPE_POINTER:
        return data.length >= 2 ? this.colorPointer(data, 2, data.readUInt16LE(0)) : null;
      case TS_PTRMSGTYPE_LARGE:
        return this.largePointer(data);
      default:
        return null;
    }
  }

  private cached(index: number): PointerShape | null {
    const entry = this.cache.get(index);
    if (!entry) return this.forgotten.has(index) ? { kind: 'default' } : null;
    // Named again: the most recently used, the last to be forgotten.
    this.cache.delete(index);
    this.cache.set(index, entry);
    if (this.current?.index === index) return this.current.shape;
    const { width, height, hotspotX, hotspotY, pixels, state } = entry;
    let rgba = state === 'deflated' ? null : pixels;
    // Inflated when read (when the page is told of it), once: most of a burst of cached updates are never read.
    // `pixels` as they are now: the shape stays what was named, whatever the cache does with its entry later.
    const shape: ImageShape = { kind: 'image', width, height, hotspotX, hotspotY, get rgba() { return (rgba ??= inflateRawSync(pixels)); } };
    shapeEntries.set(shape, entry);
    this.current = { index, shape };
    return shape;
  }

  /** TS_COLORPOINTERATTRIBUTE at `at`: cacheIndex, hotSpot, width, height, lengthAndMask, lengthXorMask (2 bytes each), xorMaskData, andMaskData. */
  private colorPointer(data: Buffer, at: number, xorBpp: number): PointerShape | null {
    if (data.length < at + 14) return null;
    const [index, hotspotX, hotspotY, width, height, andLength, xorLength] = [0, 2, 4, 6, 8, 10, 12].map((o) => data.readUInt16LE(at + o)) as [number, number, number, number, number, number, number];
    return this.remember(index, hotspotX, hotspotY, width, height, xorBpp, data, at + 14, xorLength, andLength);
  }

  /** TS_LARGEPOINTERATTRIBUTE: xorBpp, cacheIndex, hotSpot, width, height (2 bytes each), lengthAndMask, lengthXorMask (4 each), masks. */
  private largePointer(data: Buffer): PointerShape | null {
    if (data.length < 20) return null;
    const [xorBpp, index, hotspotX, hotspotY, width, height] = [0, 2, 4, 6, 8, 10].map((o) => data.readUInt16LE(o)) as [number, number, number, number, number, number];
    return this.remember(index, hotspotX, hotspotY, width, height, xorBpp, data, 20, data.readUInt32LE(16), data.readUInt32LE(12));
  }

  private remember(index: number, hotspotX: number, hotspotY: number, width: number, height: number, xorBpp: number, data: Buffer, at: number, xorLength: number, andLength: number): PointerShape | null {
    if (index >= CACHE_ENTRIES || at + xorLength + andLength > data.length) return null;
    const rgba = pointerImage(width, height, xorBpp, data.subarray(at, at + xorLength), data.subarray(at + xorLength, at + xorLength + andLength));
    if (!rgba) return null;
    const shape: ImageShape = { kind: 'image', width, height, hotspotX: Math.min(hotspotX, width - 1), hotspotY: Math.min(hotspotY, height - 1), rgba };
    this.store(index, shape);
    return shape;
  }

  /** Puts a shape in the cache at `index`, whole, and has it deflated in its turn. */
  private store(index: number, shape: ImageShape): void {
    const { rgba, kind: _, ...size } = shape;
    const previous = this.cache.get(index);
    if (previous) this.drop(previous);
    this.forgotten.delete(index);
    const entry: CachedShape = { index, ...size, pixels: rgba, state: 'waiting' };
    shapeEntries.set(shape, entry);
    this.cache.set(index, entry);
    this.waitingBytes += rgba.length;
    this.toDeflate.add(entry);
    this.current = { index, shape };
    this.deflateNext();
  }

  /** Gives zlib the shapes waiting, first set first, DEFLATING at a time. */
  private deflateNext(): void {
    for (const entry of this.toDeflate) {
      if (this.deflating >= DEFLATING) return;
      this.toDeflate.delete(entry);
      this.deflating++;
      const rgba = entry.pixels;
      // Level 1: a pointer's pixels repeat, and the fastest level already takes them to a few KB.
      deflateRaw(rgba, { level: 1 }, (error, deflated) => {
        this.deflating--;
        // Replaced or forgotten meanwhile: its bytes were let go then.
        if (this.cache.get(entry.index) === entry) {
          this.waitingBytes -= rgba.length;
          // Noise that did not shrink stays whole.
          if (!error && deflated.length < rgba.length) {
            entry.pixels = deflated;
            entry.state = 'deflated';
          } else {
            entry.state = 'whole';
          }
          this.doneBytes += entry.pixels.length;
          this.forgetBeyondBound();
        }
        this.deflateNext();
      });
    }
  }

  /** Forgets the deflated shapes named least recently until they are within CACHE_BYTES (never the one shown now). */
  private forgetBeyondBound(): void {
    for (const [oldest, entry] of this.cache) {
      if (this.doneBytes <= CACHE_BYTES) break;
      if (entry.state === 'waiting' || oldest === this.current?.index) continue;
      this.drop(entry);
      this.forgotten.add(oldest);
    }
  }

  /** Takes an entry out of the cache (replaced or forgotten), and out of zlib's queue. */
  private drop(entry: CachedShape): void {
    this.cache.delete(entry.index);
    if (entry.state === 'waiting') {
      this.waitingBytes -= entry.pixels.length;
      this.toDeflate.delete(entry);
    } else {
      this.doneBytes -= entry.pixels.length;
    }
  }
}

/**
 * A pointer's pixels as RGBA, top row first, from its XOR mask (`bpp` bits a pixel, BGR order, rows bottom-up, each
 * padded to 2 bytes) and AND mask (1 bit a pixel, the same way). Where the AND bit is set the screen shows through
 * (XOR black) or is inverted (any other colour), which a CSS cursor cannot do: inverted pixels are shown black, as
 * on a light desktop. A 32-bpp mask carries alpha; one whose alpha is all zero is taken as 24 bits with its AND mask
 * (servers that send no alpha). Null for what cannot be read (bits per pixel other than 1, 16, 24, 32; short masks).
 */
export function pointerImage(width: number, height: number, bpp: number, xor: Buffer, and: Buffer): Buffer | null {
  if (width === 0 || height === 0 || width > MAX_SIDE || height > MAX_SIDE || ![1, 16, 24, 32].includes(bpp)) return null;
  const xorStride = ((width * bpp + 15) >> 4) * 2;
  const andStride = ((width + 15) >> 4) * 2;
  if (xor.length < xorStride * height) return null;
  const hasAnd = and.length >= andStride * height;
  let alpha = false;
  if (bpp === 32) for (let i = 3; i < xorStride * height && !alpha; i += 4) alpha = xor[i] !== 0;
  const out = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = height - 1 - y;
    for (let x = 0; x < width; x++) {
      const o = row * xorStride;
      let r: number;
      let g: number;
      let b: number;
      let a = 255;
      if (bpp === 1) {
        r = g = b = (xor[o + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 255 : 0;
      } else if (bpp === 16) {
        const p = xor.readUInt16LE(o + x * 2);
        r = ((p >> 11) & 0x1f) * 255 / 31;
        g = ((p >> 5) & 0x3f) * 255 / 63;
        b = (p & 0x1f) * 255 / 31;
      } else {
        const p = o + x * (bpp >> 3);
        [b, g, r] = [xor[p]!, xor[p + 1]!, xor[p + 2]!];
        if (alpha) a = xor[p + 3]!;
      }
      const andBit = hasAnd && !alpha ? (and[row * andStride + (x >> 3)]! >> (7 - (x & 7))) & 1 : 0;
      if (andBit) {
        if (r === 0 && g === 0 && b === 0) a = 0;
        else r = g = b = 0;
      }
      const at = (y * width + x) * 4;
      out[at] = Math.round(r);
      out[at + 1] = Math.round(g);
      out[at + 2] = Math.round(b);
      out[at + 3] = a;
    }
  }
  return out;
}
