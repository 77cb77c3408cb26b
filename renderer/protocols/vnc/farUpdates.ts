// A far server's updates streamed while the page keeps up with them, and
// asked for one at a time while large pictures take the page much longer to
// draw than a round trip.
//
// A server more than NEAR_SERVER_MS away streams (updateRequests.ts): asking
// would cost a round trip per picture. But when each picture takes the page
// longer to decode and draw than the server takes to send the next, the
// server's congestion control (TigerVNC's, Congestion.cxx) lets pictures queue
// in front of the page until they are ≈25–50 ms late on top of the distance,
// and every picture shown is that much older: measured (docs/
// performance-history.md, "A far server asked for updates while its pictures
// take long to draw"), 1920×1080 full-screen changes at a 20 ms round trip
// p95 255–282 ms streamed against 106–140 with this, at 50 ms 398 against
// 119, frames/s within the spread at 20 ms and 11.0 → 9.6 at 50. Asking then
// costs little: the next picture comes a round trip after the last is drawn,
// so frames/s falls by at most roundTrip ÷ (roundTrip + time per picture), a
// third where pictures came SLOW_ROUND_TRIPS round trips apart, and less in
// practice: the server no longer encodes on cores the page is decoding on, so
// the page takes less time a picture. Where the page keeps up better
// (1024×768 there: 42 frames/s streamed at 20 ms, an update every 23 ms),
// streaming stays.
//
// So, for a far session, every update read is timed. While streaming, when
// the median of the last JUDGED large updates (more than LARGE_UPDATE_BYTES,
// where decoding is most of the page's work) came more than SLOW_ROUND_TRIPS
// round trips after the update before (the page's rate when pictures queue,
// or a slow picture source, for which asking costs nothing), continuous
// updates are turned off (RFB's EnableContinuousUpdates, off) and noVNC asks
// for each update as it does for a server without them (held until drawn, as
// for a near server). A median, so that a few late pictures among many the
// page keeps up with do not switch, and none judged in the first SETTLE_MS of
// streaming (measured: at 1024×768 the first pictures after connecting came
// 27–81 ms apart, later 23). Once the server has confirmed
// (EndOfContinuousUpdates), SMALL_RUN small updates in a row (typing, a
// cursor, a region, a paused video: nothing that would queue) turn continuous
// updates on again. Large updates do not, however quickly they come while
// asked for: the page is faster asked than streamed (the server no longer
// encodes while it decodes), so a time measured asking does not tell whether
// streaming would keep up (measured: at 1920×1080, 24–36 ms an update for the
// server and the page asked, 46–50 ms apart streamed, with flips each second
// when that time was the criterion). Small updates never switch a streaming
// session.
//
// So streaming is tried again instead: TRY_STREAMING_AFTER_MS after the
// switch to asking, the next large update turns continuous updates on, and
// the same judging (without the settling, which is for the first pictures
// after connecting) decides whether the page now keeps up. If it does not,
// asking resumes and the next try waits twice as long, up to
// TRY_STREAMING_MAX_MS; if it does (or small updates switched back), the wait
// starts again from TRY_STREAMING_AFTER_MS. Without this, a few slow pictures
// early in a session (measured at 1024×768, a 20 ms round trip: intervals
// 43–79 ms in the first second, ≈25 later) kept a session that streams 40
// frames/s asking at 20–25 for as long as the pictures stayed large; and a
// video made smaller stayed asked for too.

/** An update of more than this many bytes counts as large: its decoding is most of the page's work. */
export const LARGE_UPDATE_BYTES = 48 * 1024;
/** How many large updates' intervals are judged together (their median). */
export const JUDGED = 5;
/** Streaming starts (connected, or switched back): large updates read within this long (ms) are not judged. */
export const SETTLE_MS = 500;
/** Streaming: the median interval between large updates above this many round trips, and the session asks instead. */
export const SLOW_ROUND_TRIPS = 2;
/** Asking: this many small updates in a row, and the session streams again. */
export const SMALL_RUN = 5;
/** Asking: streaming is tried again this long (ms) after the switch; each try that ends in asking doubles it. */
export const TRY_STREAMING_AFTER_MS = 5_000;
/** The longest wait (ms) between tries of streaming. */
export const TRY_STREAMING_MAX_MS = 80_000;

export type FarUpdateMode = 'streaming' | 'asking';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The choice alone, fed every update read (when it was read completely, and
 * its size). Starts streaming, as a far session does.
 */
export class FarUpdateChooser {
  mode: FarUpdateMode = 'streaming';
  private lastReadAt: number | null = null;
  /** When the first update was read since streaming started. */
  private streamingSince: number | null = null;
  /** When the first update was read since asking started. */
  private askingSince: number | null = null;
  /** Streaming now is a try (from asking), judged without settling. */
  private trying = false;
  private tryAfter = TRY_STREAMING_AFTER_MS;
  /** The last JUDGED large updates' intervals, while streaming. */
  private judged: number[] = [];
  private smallRun = 0;

  constructor(private readonly roundTripMs: number) {}

  /** An update was read at `atMs` (`bytes` long). Returns the mode to switch to, or null to stay. */
  updateRead(atMs: number, bytes: number): FarUpdateMode | null {
    const interval = this.lastReadAt === null ? null : atMs - this.lastReadAt;
    this.lastReadAt = atMs;
    if (this.mode === 'streaming') this.streamingSince ??= atMs;
    else this.askingSince ??= atMs;
    if (bytes <= LARGE_UPDATE_BYTES) {
      this.judged = [];
      this.smallRun++;
      if (this.mode === 'asking' && this.smallRun >= SMALL_RUN) {
        this.tryAfter = TRY_STREAMING_AFTER_MS;
        return this.switchTo('streaming');
      }
      return null;
    }
    this.smallRun = 0;
    if (this.mode === 'asking') {
      // Asked for, a large update says nothing of streaming: try it, now and then.
      if (atMs - this.askingSince! < this.tryAfter) return null;
      this.trying = true;
      return this.switchTo('streaming');
    }
    // The first pictures after connecting, or after small ones switched back, are no measure (code compiled on
    // first use, a whole first picture); a try is judged at once.
    if (interval === null || (!this.trying && atMs - this.streamingSince! < SETTLE_MS)) return null;
    this.judged.push(interval);
    if (this.judged.length > JUDGED) this.judged.shift();
    if (this.judged.length < JUDGED) return null;
    const slow = median(this.judged) > SLOW_ROUND_TRIPS * this.roundTripMs;
    if (this.trying) {
      this.trying = false;
      this.tryAfter = slow ? Math.min(2 * this.tryAfter, TRY_STREAMING_MAX_MS) : TRY_STREAMING_AFTER_MS;
    }
    return slow ? this.switchTo('asking') : null;
  }

  private switchTo(mode: FarUpdateMode): FarUpdateMode {
    this.mode = mode;
    this.judged = [];
    this.smallRun = 0;
    this.lastReadAt = null;
    this.streamingSince = null;
    this.askingSince = null;
    return mode;
  }
}

/** RFB's EndOfContinuousUpdates: the server's answer to turning them off (and its first announcement). */
const END_OF_CONTINUOUS_UPDATES = 150;

/** The part of noVNC's RFB (core/rfb.js, 1.7) this relies on. */
export interface NoVncFarInternals {
  _sock?: { rQlen(): number; rQpeek8(): number };
  _FBU?: { rects: number };
  _fbWidth?: number;
  _fbHeight?: number;
  _enabledContinuousUpdates?: boolean;
  _framebufferUpdate?: () => boolean;
  _normalMsg?: () => boolean;
  _updateContinuousUpdates?: () => void;
}

/** The part of noVNC's RFB.messages this sends with. */
export interface NoVncFarMessages {
  enableContinuousUpdates?: (sock: object, enable: boolean, x: number, y: number, width: number, height: number) => void;
}

export interface FarUpdatesHooks {
  /** The handshake's round trip (ms) once the session was found far; null while undecided or near. */
  farRoundTrip(): number | null;
  /** Bytes the page has received on the session's socket so far (counted before noVNC reads them). */
  receivedBytes(): number;
  /** Tells update requests whether this far session now asks (they are then held until drawn). */
  setAsking(asking: boolean): void;
  /** The mode changed (after the server confirmed, for asking). */
  changed(mode: FarUpdateMode): void;
  now?: () => number;
}

/**
 * Makes a far noVNC session switch between streaming and asking as above.
 * Returns false, changing nothing, if this noVNC lacks what it relies on
 * (the session then streams, as noVNC does).
 */
export function adaptFarUpdates(rfb: NoVncFarInternals, messages: NoVncFarMessages, hooks: FarUpdatesHooks): boolean {
  const { _sock: sock, _FBU: fbu } = rfb;
  const framebufferUpdate = rfb._framebufferUpdate;
  const normalMsg = rfb._normalMsg;
  const updateContinuousUpdates = rfb._updateContinuousUpdates;
  const enable = messages.enableContinuousUpdates;
  if (!sock || !fbu || typeof sock.rQlen !== 'function' || typeof sock.rQpeek8 !== 'function' || typeof framebufferUpdate !== 'function'
    || typeof normalMsg !== 'function' || typeof updateContinuousUpdates !== 'function' || typeof enable !== 'function') return false;
  const now = hooks.now ?? (() => performance.now());
  let chooser: FarUpdateChooser | null = null;
  /** Continuous updates turned off, the server's EndOfContinuousUpdates not read yet. */
  let stopping = false;
  let updateStart = 0;
  const consumed = () => hooks.receivedBytes() - sock.rQlen();

  rfb._framebufferUpdate = function (this: NoVncFarInternals) {
    // noVNC has read the message type; the header (padding, count) comes next.
    if (fbu.rects === 0) updateStart = consumed() - 1;
    const done = framebufferUpdate.call(this);
    if (!done || stopping) return done;
    if (!chooser) {
      const roundTrip = hooks.farRoundTrip();
      if (roundTrip === null || !this._enabledContinuousUpdates) return done;
      chooser = new FarUpdateChooser(roundTrip);
    }
    const next = chooser.updateRead(now(), consumed() - updateStart);
    if (next === 'asking') {
      // noVNC asks for the next update itself after this one (core/rfb.js
      // _normalMsg) once it sees continuous updates off, and after each from then on.
      stopping = true;
      this._enabledContinuousUpdates = false;
      hooks.setAsking(true);
      enable.call(messages, sock, false, 0, 0, this._fbWidth ?? 0, this._fbHeight ?? 0);
    } else if (next === 'streaming') {
      hooks.setAsking(false);
      this._enabledContinuousUpdates = true;
      updateContinuousUpdates.call(this);
      hooks.changed('streaming');
    }
    return done;
  };

  rfb._normalMsg = function (this: NoVncFarInternals) {
    const endOfContinuous = stopping && fbu.rects === 0 && sock.rQlen() > 0 && sock.rQpeek8() === END_OF_CONTINUOUS_UPDATES;
    const done = normalMsg.call(this);
    if (endOfContinuous && done) {
      // noVNC reads it as "turned off" (it leaves _enabledContinuousUpdates false): the server agrees.
      stopping = false;
      hooks.changed('asking');
    }
    return done;
  };
  return true;
}
