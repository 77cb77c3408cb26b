// The server's pointer shape made no larger than the page can show before it
// is told of it (ControlEvent 'pointer'). Chromium shows no CSS cursor larger
// than POINTER_IMAGE_MAX_SIDE pixels, so the page (protocols/rdp/remotePointer.ts)
// scaled a larger one down itself, after it had come whole: a Windows large
// pointer (384×384) was 786 KB of base64 an event, of which the page used a
// ninth. The high-DPI adapter (renderer/session/deviceCursor.ts) does not
// need more: it takes the image's pixels as they are, as device pixels, and
// only pads them. A shape within the limit is sent as the server set it, byte
// for byte (xrdp's 32×32).
//
// The filter is an area average (a box filter as wide as one shown pixel,
// fractional at its edges): each shown pixel is the mean of the server's
// pixels it covers, weighted by how much of each it covers. It is done on
// premultiplied alpha, so that a transparent pixel's colour (often black,
// meaningless) does not darken the edge of an opaque one next to it: the
// edge keeps its colour and becomes partly transparent.

import { POINTER_IMAGE_MAX_SIDE } from '../../../../shared/api/contract';
import { sameShapeKey, type PointerShape } from './serverPointer';

type ImageShape = Extract<PointerShape, { kind: 'image' }>;

/**
 * Shapes already made smaller, by the server's shape (its cache entry, sameShapeKey: a shape named again from the
 * cache is a new object each time): switching between two large pointers (an arrow and an I-beam) is not an inflate
 * and a scaling (4 ms) each time. Kept as long as the entry, 64 KB each at most (128×128): 2 MB for a full cache.
 */
const fitted = new WeakMap<object, ImageShape>();

/**
 * The shape at most `maxSide` pixels wide and high, its aspect kept and its hotspot on the shown pixel that covers
 * the server's hotspot pixel; the shape itself where it is no larger.
 */
export function pointerToShow(shape: ImageShape, maxSide = POINTER_IMAGE_MAX_SIDE): ImageShape {
  const { width, height } = shape;
  if (width <= maxSide && height <= maxSide) return shape;
  const key = sameShapeKey(shape);
  const known = fitted.get(key);
  if (known && known.width <= maxSide && known.height <= maxSide) return known;
  const scale = maxSide / Math.max(width, height);
  const toWidth = Math.max(1, Math.min(maxSide, Math.round(width * scale)));
  const toHeight = Math.max(1, Math.min(maxSide, Math.round(height * scale)));
  const smaller: ImageShape = {
    kind: 'image',
    width: toWidth,
    height: toHeight,
    // The shown pixel that the centre of the hotspot's pixel falls in.
    hotspotX: Math.min(toWidth - 1, Math.floor(((shape.hotspotX + 0.5) * toWidth) / width)),
    hotspotY: Math.min(toHeight - 1, Math.floor(((shape.hotspotY + 0.5) * toHeight) / height)),
    rgba: areaAverage(shape.rgba, width, height, toWidth, toHeight),
  };
  fitted.set(key, smaller);
  return smaller;
}

/** For each shown pixel along one side, the server's pixels it covers and how much of each (the weights sum to 1). */
function coverage(from: number, to: number): { first: Int32Array; count: Int32Array; weights: Float64Array[] } {
  const step = from / to;
  const first = new Int32Array(to);
  const count = new Int32Array(to);
  const weights: Float64Array[] = [];
  for (let i = 0; i < to; i++) {
    const start = i * step;
    const end = Math.min(from, (i + 1) * step);
    const lo = Math.floor(start);
    const hi = Math.min(from, Math.ceil(end));
    const w = new Float64Array(hi - lo);
    for (let s = lo; s < hi; s++) w[s - lo] = (Math.min(end, s + 1) - Math.max(start, s)) / step;
    first[i] = lo;
    count[i] = hi - lo;
    weights.push(w);
  }
  return { first, count, weights };
}

/** RGBA (top row first) scaled down by area averaging of premultiplied alpha; rows first, then columns. */
export function areaAverage(rgba: Buffer, width: number, height: number, toWidth: number, toHeight: number): Buffer {
  const across = coverage(width, toWidth);
  const down = coverage(height, toHeight);
  // Premultiplied, in floats: r·a, g·a, b·a, a.
  const rows = new Float64Array(toWidth * height * 4);
  for (let y = 0; y < height; y++) {
    const row = y * width * 4;
    for (let x = 0; x < toWidth; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      const w = across.weights[x]!;
      for (let k = 0, s = row + across.first[x]! * 4; k < across.count[x]!; k++, s += 4) {
        const alpha = rgba[s + 3]! * w[k]!;
        r += rgba[s]! * alpha;
        g += rgba[s + 1]! * alpha;
        b += rgba[s + 2]! * alpha;
        a += alpha;
      }
      const at = (y * toWidth + x) * 4;
      rows[at] = r;
      rows[at + 1] = g;
      rows[at + 2] = b;
      rows[at + 3] = a;
    }
  }
  const out = Buffer.alloc(toWidth * toHeight * 4);
  for (let y = 0; y < toHeight; y++) {
    const w = down.weights[y]!;
    for (let x = 0; x < toWidth; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = 0, s = (down.first[y]! * toWidth + x) * 4; k < down.count[y]!; k++, s += toWidth * 4) {
        r += rows[s]! * w[k]!;
        g += rows[s + 1]! * w[k]!;
        b += rows[s + 2]! * w[k]!;
        a += rows[s + 3]! * w[k]!;
      }
      const at = (y * toWidth + x) * 4;
      // Back from premultiplied: a pixel with no alpha left has no colour either.
      if (a > 0) {
        out[at] = Math.min(255, Math.round(r / a));
        out[at + 1] = Math.min(255, Math.round(g / a));
        out[at + 2] = Math.min(255, Math.round(b / a));
      }
      out[at + 3] = Math.min(255, Math.round(a));
    }
  }
  return out;
}
