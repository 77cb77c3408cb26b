// How often the page is told of the server's pointer shape (ControlEvent
// 'pointer'): at most once a window of POINTER_EVENT_MS, the latest shape
// winning. A server may set its pointer as often as it likes (a hostile one a
// 590 KB shape a PDU), and each shape told costs the control channel its
// pixels in base64 and the page a PNG; no one sees more than one cursor a
// display frame. The first shape of a quiet moment goes at once (a cursor
// that changes when the mouse enters a link is not delayed); those that
// follow within the window wait for its end, where only the last is sent.
// INVARIANT: the last shape the server set is always told, at the latest one
// window after it came.

/** One display frame at 60 Hz. */
export const POINTER_EVENT_MS = 16;

/** What the pacing needs of time: the real clock in the gateway, a fake one in tests. */
export interface PacingClock {
  now(): number;
  setTimeout(run: () => void, ms: number): { unref?(): unknown };
  clearTimeout(timer: { unref?(): unknown }): void;
}

const realClock: PacingClock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export class PointerEvents<T> {
  /** When a shape was last sent (-Infinity: never). */
  private sentAt = -Infinity;
  /** The shape waiting for the end of the window, and the timer that sends it. */
  private waiting: { shape: T; timer: { unref?(): unknown } } | null = null;
  private closed = false;

  constructor(
    private readonly send: (shape: T) => void,
    private readonly clock: PacingClock = realClock,
    private readonly windowMs = POINTER_EVENT_MS,
  ) {}

  /** The server set this shape. */
  offer(shape: T): void {
    if (this.closed) return;
    if (this.waiting) {
      this.waiting.shape = shape;
      return;
    }
    const wait = this.sentAt + this.windowMs - this.clock.now();
    if (wait <= 0) {
      this.sendNow(shape);
      return;
    }
    const timer = this.clock.setTimeout(() => {
      const waiting = this.waiting;
      this.waiting = null;
      if (waiting && !this.closed) this.sendNow(waiting.shape);
    }, wait);
    timer.unref?.();
    this.waiting = { shape, timer };
  }

  /** The session's bridge closed: nothing more is sent. */
  close(): void {
    this.closed = true;
    if (this.waiting) this.clock.clearTimeout(this.waiting.timer);
    this.waiting = null;
  }

  private sendNow(shape: T): void {
    this.sentAt = this.clock.now();
    this.send(shape);
  }
}
