// What the VNC adapters wait on: noVNC's render queue (core/display.js, 1.7),
// where pictures read from the server wait to be drawn (our JPEG rectangles
// while they decode, imageDecoding.ts). Fences are answered (fences.ts) and
// update requests sent (updateRequests.ts) only once it is empty.

/** The part of noVNC's Display that says when what was read is drawn. */
export interface DrawingQueue {
  /** Whether anything read is still waiting to be drawn (a JPEG being decoded, say). */
  pending(): boolean;
  /** Settles once everything read so far is drawn. */
  flush(): Promise<void>;
}

/** Whether `display` has what DrawingQueue needs (noVNC 1.7's Display does). */
export function isDrawingQueue(display: object): display is DrawingQueue {
  const queue = display as Partial<DrawingQueue>;
  return typeof queue.pending === 'function' && typeof queue.flush === 'function';
}
