// Pixels that wait in noVNC's render queue, copied from where they are.
//
// noVNC 1.7's Display.blitImage(), when earlier drawing still waits in its
// render queue, copies the pixels to queue them from the start of the array's
// buffer, not from where the array begins in it plus the offset it was given
// (core/display.js: `new Uint8Array(arr.buffer, 0, …)`). Its Raw decoder and
// Hextile's raw tiles hand it views into the receive queue, which begin
// anywhere in that buffer. Our JPEG rectangles decode asynchronously and wait
// in that queue (imageDecoding.ts), so a Raw rectangle that follows one in the
// same update would be drawn with bytes from elsewhere in the receive queue:
// garbage on screen until that area is next updated. Handing noVNC an exact
// copy (a buffer of its own) in that one case makes its copy right.

/** The part of noVNC's Display (core/display.js, 1.7) this relies on. */
export interface NoVncBlitDisplay {
  blitImage?: (x: number, y: number, width: number, height: number, arr: Uint8Array, offset: number, fromQueue?: boolean) => void;
  _renderQ?: unknown[];
}

/**
 * Wraps the display's blitImage() so that pixels queued behind earlier drawing
 * are the ones asked for. Returns false, changing nothing, if this noVNC lacks
 * what it relies on.
 */
export function queueBlitsFromTheirOffset(display: NoVncBlitDisplay): boolean {
  const own = display.blitImage;
  if (typeof own !== 'function' || !Array.isArray(display._renderQ)) return false;
  display.blitImage = function (this: NoVncBlitDisplay, x, y, width, height, arr, offset, fromQueue) {
    const queued = this._renderQ!.length !== 0 && !fromQueue;
    if (queued && (arr.byteOffset !== 0 || offset !== 0)) {
      return own.call(this, x, y, width, height, arr.slice(offset, offset + width * height * 4), 0, fromQueue);
    }
    return own.call(this, x, y, width, height, arr, offset, fromQueue);
  };
  return true;
}
