// JPEG rectangles (Tight encoding) decoded off the page's main thread.
//
// noVNC 1.7 turns each JPEG rectangle into `new Image()` with a base64 data URL
// (a JavaScript base64 pass over the bytes, then Chromium parses the URL) and
// draws it with drawImage(), which decodes the JPEG synchronously on the main
// thread: a full-screen change is a dozen (1024×768) to thirty (1920×1080)
// such rectangles per update (TigerVNC cuts updates into pieces of at most
// 65536 pixels), decoded one after the other while nothing else on the page
// can run. WebCodecs' ImageDecoder decodes them on decoder threads, several at
// once; the main thread only starts each one and draws the result. Measured
// in docs/performance-history.md ("Changes"), with the designs that did worse.
//
// The decoded picture enters noVNC's own render queue as the kind of entry its
// H.264 decoder uses ('frame': waited on in order, drawn, closed), so the
// order of drawing with the copies and fills around it is noVNC's, unchanged.

/** The part of noVNC's Display (core/display.js, 1.7) this relies on. */
export interface NoVncDisplay {
  imageRect?: (x: number, y: number, width: number, height: number, mime: string, data: Uint8Array<ArrayBuffer>) => void;
  _renderQPush?: (action: object) => void;
}

/** A decoded picture noVNC's render queue can draw and then close. */
export type DecodedImage = CanvasImageSource & { close(): void };

/** What noVNC's render queue expects of a 'frame' entry (see its videoFrame()). */
interface PendingImage {
  ready: boolean;
  frame: DecodedImage | null;
  promise: Promise<void>;
}

export type DecodeImage = (data: Uint8Array<ArrayBuffer>, mime: string) => Promise<DecodedImage>;

/**
 * Replaces the display's imageRect() with one that decodes with `decode`, off
 * the main thread. Returns false, changing nothing, if this noVNC lacks what it
 * relies on (a later noVNC reworked its display) or the browser has no such
 * decoder: noVNC's own path then stays in use.
 */
export function decodeImagesOffThread(display: NoVncDisplay, decode: DecodeImage | null = browserDecoder(), blank: () => DecodedImage = blankImage): boolean {
  const push = display._renderQPush;
  if (!decode || typeof display.imageRect !== 'function' || typeof push !== 'function') return false;
  display.imageRect = (x, y, width, height, mime, data) => {
    if (width === 0 || height === 0) return; // as noVNC: nothing to draw
    const pending: PendingImage = { ready: false, frame: null, promise: Promise.resolve() };
    pending.promise = decode(data, mime)
      .catch((error: unknown) => {
        // A rectangle the browser cannot decode must not stall the queue (noVNC's
        // own path waits forever for a 'load' that never comes): draw nothing there.
        console.warn(`VNC: a ${width}×${height} ${mime} rectangle could not be decoded`, error);
        return blank();
      })
      .then((image) => {
        pending.frame = image;
        pending.ready = true;
      });
    push.call(display, { type: 'frame', frame: pending, x, y, width, height });
  };
  return true;
}

/** One transparent pixel: drawn in place of a rectangle that could not be decoded, it changes nothing. */
function blankImage(): DecodedImage {
  return Object.assign(new OffscreenCanvas(1, 1), { close() {} });
}

/**
 * WebCodecs' ImageDecoder where the browser has it: it takes the bytes as they
 * are (copied once, synchronously, which it must be: `data` is a view into
 * noVNC's receive queue, which the next message overwrites) and decodes on a
 * decoder thread. createImageBitmap(Blob) also decodes off the main thread,
 * but making the Blob costs more on the main thread than the decoding it
 * moves away (measured: a Blob per rectangle took a quarter of the main
 * thread on a full-screen change), so it is only the fallback. A dedicated
 * worker doing all of it did worse too (see docs/performance-history.md).
 */
export function browserDecoder(): DecodeImage | null {
  if (typeof ImageDecoder === 'function') {
    return async (data, mime) => {
      const decoder = new ImageDecoder({ data, type: mime });
      try {
        return (await decoder.decode()).image;
      } finally {
        decoder.close();
      }
    };
  }
  if (typeof createImageBitmap === 'function') return (data, mime) => createImageBitmap(new Blob([data], { type: mime }));
  return null;
}
