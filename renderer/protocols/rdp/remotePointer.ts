// The remote pointer's shape on IronRDP's canvas. The gateway reads the
// server's pointer updates (electron/gateway/bridges/rdp/serverPointer.ts,
// which says why IronRDP does not) and sends each shape on the control
// channel; here it becomes the CSS cursor IronRDP's own callback would have
// set: `url(data:image/png…) x y, default`, `none` for a hidden pointer, and
// the default one. It is written through the component's cursor override, so
// that IronRDP, should a later build set the pointer itself, is not fought
// with but overridden in the same place, and the high-DPI adapter
// (deviceCursor.ts) reads it back from the canvas's style as it does noVNC's.
import type { PointerImage } from '../../../shared/api/contract';

/** Chromium shows no custom cursor larger than this (a larger one falls back to the default). */
const MAX_CURSOR_SIDE = 128;

/** The CSS cursor for the server's pointer, or null for the default one (the component's own value). */
export function pointerCursor(shape: 'hidden' | 'default' | 'image', image: PointerImage | undefined, document: Document): string | null {
  if (shape === 'hidden') return 'none';
  if (shape !== 'image' || !image) return null;
  const { width, height } = image;
  const bytes = Uint8ClampedArray.from(atob(image.rgba), (c) => c.charCodeAt(0));
  if (width <= 0 || height <= 0 || bytes.length !== width * height * 4) return null;
  const full = document.createElement('canvas');
  full.width = width;
  full.height = height;
  full.getContext('2d')!.putImageData(new ImageData(bytes, width, height), 0, 0);
  // A large pointer (up to 384 pixels) shown smaller rather than not at all.
  const scale = Math.min(1, MAX_CURSOR_SIDE / Math.max(width, height));
  let shown = full;
  if (scale < 1) {
    shown = document.createElement('canvas');
    shown.width = Math.max(1, Math.round(width * scale));
    shown.height = Math.max(1, Math.round(height * scale));
    shown.getContext('2d')!.drawImage(full, 0, 0, shown.width, shown.height);
  }
  return `url(${shown.toDataURL('image/png')}) ${Math.floor(image.hotspotX * scale)} ${Math.floor(image.hotspotY * scale)}, default`;
}
