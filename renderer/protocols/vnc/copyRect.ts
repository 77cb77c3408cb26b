// CopyRect (what a scrolling window is sent as) drawn through a scratch canvas.
//
// noVNC draws a CopyRect as a drawImage() of its back buffer onto itself.
// Chromium records canvas draws and runs them later; a canvas drawn from keeps
// a snapshot until the recording runs, and a canvas drawn onto itself then
// copies the whole of itself (8 MB at 1920×1080) on its next write: in a
// sampled profile of scrolling at 1920×1080, two thirds of the main thread sat
// in the putImageData() that followed each copy, for noVNC's own page as for
// us. Copying the area out to a scratch canvas and back in costs two draws of
// that area and no such copy. Measured in docs/performance-history.md ("Changes").

/** The part of noVNC's Display (core/display.js, 1.7) this relies on. */
export interface NoVncCopyDisplay {
  copyImage?: (oldX: number, oldY: number, newX: number, newY: number, width: number, height: number, fromQueue?: boolean) => void;
  _renderQ?: unknown[];
  _backbuffer?: CanvasImageSource;
  _drawCtx?: CanvasRenderingContext2D;
  _damage?: (x: number, y: number, width: number, height: number) => void;
}

/** Where an area is copied out to; it only ever grows (to the largest area copied). */
export interface ScratchSurface {
  width: number;
  height: number;
  getContext(kind: '2d'): CanvasRenderingContext2D | null;
}

/**
 * Replaces the display's copyImage() with one that goes through a scratch
 * canvas. Returns false, changing nothing, if this noVNC lacks what it relies
 * on (noVNC's own copy then stays in use).
 */
export function copyThroughScratch(display: NoVncCopyDisplay, scratch: ScratchSurface = document.createElement('canvas')): boolean {
  const own = display.copyImage;
  const scratchContext = scratch.getContext('2d');
  if (typeof own !== 'function' || !Array.isArray(display._renderQ) || !display._backbuffer || !display._drawCtx || typeof display._damage !== 'function' || !scratchContext) return false;
  display.copyImage = function (this: NoVncCopyDisplay, oldX, oldY, newX, newY, width, height, fromQueue) {
    // While earlier drawing waits in the render queue, noVNC queues the copy (in
    // order) and calls this again from the queue: leave that part to it.
    if ((this._renderQ!.length !== 0 && !fromQueue) || width <= 0 || height <= 0) return own.call(this, oldX, oldY, newX, newY, width, height, fromQueue);
    if (scratch.width < width) scratch.width = width;
    if (scratch.height < height) scratch.height = height;
    // Pixels copied as they are: no smoothing (resizing resets it, so set it each time).
    scratchContext.imageSmoothingEnabled = false;
    this._drawCtx!.imageSmoothingEnabled = false;
    scratchContext.drawImage(this._backbuffer!, oldX, oldY, width, height, 0, 0, width, height);
    this._drawCtx!.drawImage(scratch as unknown as CanvasImageSource, 0, 0, width, height, newX, newY, width, height);
    this._damage!(newX, newY, width, height);
  };
  return true;
}
