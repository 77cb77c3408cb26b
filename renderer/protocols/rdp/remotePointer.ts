// The remote pointer's shape on IronRDP's canvas. The gateway reads the
// server's pointer updates (electron/gateway/bridges/rdp/serverPointer.ts,
// which says why IronRDP does not) and sends each shape on the control
// channel; here it becomes the CSS cursor IronRDP's own callback would have
// set: `url(data:image/png…) x y, default`, `none` for a hidden pointer, and
// the default one. It is written through the component's cursor override, so
// that IronRDP, should a later build set the pointer itself, is not fought
// with but overridden in the same place, and the high-DPI adapter
// (deviceCursor.ts) reads it back from the canvas's style as it does noVNC's.
import { POINTER_IMAGE_MAX_SIDE, type PointerImage } from '../../../shared/api/contract';

/** Uint8Array with the engine's own base64 decoder (TC39 "Uint8Array to/from base64"), where the page's Chromium has it. */
const withBase64 = Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array<ArrayBuffer> };

/**
 * The shape's pixels from their base64. Not `Uint8ClampedArray.from(atob(…), callback)`, which calls a function per
 * byte: 39 ms for a 384×384 pointer in Chromium 156, against 3 ms for this loop and under 1 ms natively.
 */
export function bytesOfBase64(text: string): Uint8ClampedArray<ArrayBuffer> {
  if (withBase64.fromBase64) {
    const bytes = withBase64.fromBase64(text);
    return new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  const binary = atob(text);
  const bytes = new Uint8ClampedArray(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The CSS cursor for the server's pointer, or null for the default one (the component's own value). */
export function pointerCursor(shape: 'hidden' | 'default' | 'image', image: PointerImage | undefined, document: Document): string | null {
  if (shape === 'hidden') return 'none';
  if (shape !== 'image' || !image) return null;
  const { width, height } = image;
  const bytes = bytesOfBase64(image.rgba);
  if (width <= 0 || height <= 0 || bytes.length !== width * height * 4) return null;
  const full = document.createElement('canvas');
  full.width = width;
  full.height = height;
  full.getContext('2d')!.putImageData(new ImageData(bytes, width, height), 0, 0);
  // The gateway sends none larger than Chromium shows (its pointerScaling.ts); one that is larger all the same is
  // shown smaller rather than not at all.
  const scale = Math.min(1, POINTER_IMAGE_MAX_SIDE / Math.max(width, height));
  let shown = full;
  if (scale < 1) {
    shown = document.createElement('canvas');
    shown.width = Math.max(1, Math.round(width * scale));
    shown.height = Math.max(1, Math.round(height * scale));
    shown.getContext('2d')!.drawImage(full, 0, 0, shown.width, shown.height);
  }
  return `url(${shown.toDataURL('image/png')}) ${Math.floor(image.hotspotX * scale)} ${Math.floor(image.hotspotY * scale)}, default`;
}
