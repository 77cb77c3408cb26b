// Server fences answered only once what came before them is on the screen.
//
// A VNC server that streams (TigerVNC's continuous updates) paces itself by
// fences: after an update it sends a fence request flagged BlockBefore, which
// the RFB extension defines as "answer only when every earlier message has
// been processed", and it sends no more while too many such answers are
// outstanding. That is how the server learns that the client is overloaded
// (TigerVNC's congestion control says so in its own words) and sends a fresher
// picture later instead of a stale one now.
//
// noVNC answers a fence as soon as it has parsed it, which was right while it
// drew everything synchronously; but pictures are decoded asynchronously (its
// own JPEG path, and ours, see imageDecoding.ts), so the answer goes out while
// the update before it is still being decoded. The server then believes the
// client keeps up, sends the next update at once, and it waits in the socket
// for the page to finish: every picture shown is a frame older than it need
// be. Here, before noVNC reads a fence request flagged BlockBefore, message
// processing pauses until its display's render queue is empty, the way noVNC
// itself pauses before the next framebuffer update; then noVNC reads and
// answers it as usual. Measured in docs/performance-history.md ("Changes").

import { isDrawingQueue, type DrawingQueue } from './drawingQueue';

/** RFB fence flags (the community extension's ServerFence/ClientFence). */
const FENCE_REQUEST = 0x8000_0000;
const FENCE_BLOCK_BEFORE = 0x1;
/** ServerFence: type 248, three bytes of padding, then the 32-bit flags. */
const SERVER_FENCE = 248;
const FENCE_HEADER = 8;

/** The part of noVNC's Websock (core/websock.js, 1.7) this relies on. */
export interface NoVncReceiveQueue {
  rQlen(): number;
  rQpeekBytes(length: number, copy?: boolean): Uint8Array;
}

/** The part of noVNC's RFB (core/rfb.js, 1.7) this relies on. */
export interface NoVncRfbInternals {
  _sock?: NoVncReceiveQueue;
  _display?: Partial<DrawingQueue>;
  _FBU?: { rects: number };
  _flushing?: boolean;
  _normalMsg?: () => boolean;
  _handleMessage?: () => void;
}

/** Is the next message in the queue a fence request flagged BlockBefore? Undecided (false) until its header is all there. */
export function nextIsBlockingFence(queue: NoVncReceiveQueue): boolean {
  if (queue.rQlen() < FENCE_HEADER) return false;
  const header = queue.rQpeekBytes(FENCE_HEADER, false);
  if (header[0] !== SERVER_FENCE) return false;
  const flags = new DataView(header.buffer, header.byteOffset, FENCE_HEADER).getUint32(4);
  return (flags & FENCE_REQUEST) !== 0 && (flags & FENCE_BLOCK_BEFORE) !== 0;
}

/**
 * Makes noVNC answer BlockBefore fences only after its display has drawn
 * everything queued before them. Returns false, changing nothing, if this
 * noVNC lacks what it relies on (noVNC's own behaviour then stays).
 */
export function answerFencesAfterDrawing(rfb: NoVncRfbInternals): boolean {
  const { _sock: queue, _display: display } = rfb;
  const normalMsg = rfb._normalMsg;
  if (!queue || !display || !isDrawingQueue(display) || typeof normalMsg !== 'function' || typeof rfb._handleMessage !== 'function'
    || typeof queue.rQlen !== 'function' || typeof queue.rQpeekBytes !== 'function' || !rfb._FBU) return false;
  rfb._normalMsg = function (this: NoVncRfbInternals) {
    // Between messages (not inside an update's rectangles), with drawing still
    // queued and a blocking fence next: pause as noVNC does before an update,
    // and resume reading when the display has caught up.
    if (this._FBU?.rects === 0 && display.pending() && nextIsBlockingFence(queue)) {
      this._flushing = true;
      void display.flush().then(() => {
        this._flushing = false;
        if (queue.rQlen() > 0) this._handleMessage!();
      });
      return false;
    }
    return normalMsg.call(this);
  };
  return true;
}
