// Keeps RDP frames from queueing in front of a client that draws them slower
// than the server sends them.
//
// A server that brackets its updates with frame markers (MS-RDPBCGR 2.2.9.2.3)
// learns from the client's Frame Acknowledge PDUs (MS-RDPRFX 2.2.3.1: "the
// client has finished frame N") how many frames are in flight, and paces
// itself by that count. freerdp-shadow's rule (shadow_encoder_create_frame_id):
// 32 ÷ (frames in flight + 1) frames/s once two or more are in flight, 2
// frames/s more per frame otherwise. When the client is the slower side
// (IronRDP decodes RemoteFX on the page's main thread: ≈150 ms a frame at
// 1024×768 on a 2-core machine without a GPU) that rule settles with about
// four frames in flight, so every picture shown is about four frames old
// (0.6 s); at 1920×1080 about thirteen (3.5 s).
//
// TLS ends in the gateway, so it sees both directions in clear: where each
// frame begins towards the client, and each acknowledgement. From them it
// estimates what a frame costs the client: the time between two
// acknowledgements when frames were waiting all along, or from a frame's
// begin to its acknowledgement when the client had nothing else to draw.
// When the client cannot keep up with 16 frames/s, the gateway reports an
// earlier frame as the last one finished, so that the server counts as many
// frames in flight as makes its own rule choose the client's rate (the rule's
// rates come in steps, so two neighbouring steps in turn, in the share that
// averages to it), and two more for each frame already waiting beyond the
// next (a backlog, after connecting or when the client slowed down, drains
// instead of holding). A client that keeps up is left to the server's own
// rule.
//
// A server may instead keep a window of unacknowledged frames and wait for
// acknowledgements before it sends more (what MS-RDPRFX suggests). So when an older id
// was reported and no frame begins within a frame interval and a half, the
// gateway owes the server the truth and sends it (a Frame Acknowledge of its
// own, between two whole client PDUs: see clientSettings.ts). If a frame then
// begins at once, three times running, the server was waiting: pacing stops
// for that session and every acknowledgement goes on as written.
// Frames are never held, dropped or reordered, and no PDU changes length:
// the frame id of an acknowledgement is rewritten to an older frame's.

/** The server's rate rule (freerdp-shadow, shadow_encoder_create_frame_id), integer arithmetic as there. */
export function serverFpsFor(inFlight: number, maxFps = 32): number {
  return Math.max(1, Math.floor((Math.floor(100 / (inFlight + 1)) * maxFps) / 100));
}

/** The smallest count of frames in flight for which the server's rule gives at most `fps`. */
export function inFlightForFps(fps: number, maxFps = 32): number {
  for (let n = 2; n < 64; n++) if (serverFpsFor(n, maxFps) <= fps) return n;
  return 64;
}

/** Weight of the newest sample in the running estimate of what a frame costs the client. */
const SMOOTHING = 0.3;
/** A client that keeps up with this rate is left to the server's own rule. */
const UNPACED_FPS = 16;
/** Begin times kept, for frames the client has not acknowledged yet. */
const KEEP_BEGUN = 64;
/** The truth is owed after this many of the server's frame intervals without a frame, within these bounds (ms). */
const OWED_AFTER_INTERVALS = 1.5;
const OWED_AFTER_MIN_MS = 60;
const OWED_AFTER_MAX_MS = 500;
/** A frame beginning this soon after the truth was sent means the server waited for it; this many times running ends pacing. */
const PROMPT_MS = 30;
const PROMPT_RUNS_TO_STOP = 3;

/** Frame ids are 32-bit and wrap: the distance from `from` to `to`, negative if `to` is behind. */
function ahead(to: number, from: number): number {
  return (to - from) | 0;
}

export interface PacingStats {
  acks: number;
  /** Acknowledgements reported as an earlier frame. */
  rewritten: number;
  /** Acknowledgements of the gateway's own, sent when the truth was owed. */
  owedSent: number;
  /** The client's cost per frame (ms) as last estimated, null before one was measured. */
  frameCostMs: number | null;
  /** Pacing stopped: the server waits for acknowledgements (a window of frames). */
  stopped: boolean;
}

export class FramePacer {
  /** The newest frame the server has begun sending to the client (its begin marker passed the gateway). */
  private lastBegun: number | null = null;
  private lastBegunAt: number | null = null;
  /** The server's interval between frames, smoothed (ms). */
  private frameIntervalMs: number | null = null;
  /** The newest frame the client acknowledged. */
  private lastAcked: number | null = null;
  private lastAckAt: number | null = null;
  private lastAckBusy = false;
  /** When frames began towards a client that had nothing else to draw: id → time. */
  private idleBegins = new Map<number, number>();
  private frameCostMs: number | null = null;
  /** A frame the client finished and the server was told an older one, with nothing after it on its way yet. */
  private owed: { id: number; since: number } | null = null;
  private owedSentAt: number | null = null;
  private promptRuns = 0;
  /** The share of the faster step owed so far (see acknowledged). */
  private dither = 0;
  readonly stats: PacingStats = { acks: 0, rewritten: 0, owedSent: 0, frameCostMs: null, stopped: false };

  /** A frame's begin marker went towards the client at `now` (ms). */
  frameBegun(frameId: number, now: number): void {
    const id = frameId >>> 0;
    const idle = this.lastBegun === null || this.lastAcked === null || ahead(this.lastBegun, this.lastAcked) <= 0;
    if (this.lastBegunAt !== null && now > this.lastBegunAt) {
      const interval = now - this.lastBegunAt;
      this.frameIntervalMs = this.frameIntervalMs === null ? interval : SMOOTHING * interval + (1 - SMOOTHING) * this.frameIntervalMs;
    }
    this.lastBegun = id;
    this.lastBegunAt = now;
    // Its acknowledgement will come: nothing is owed any more.
    this.owed = null;
    if (this.owedSentAt !== null) {
      this.promptRuns = now - this.owedSentAt <= PROMPT_MS ? this.promptRuns + 1 : 0;
      this.owedSentAt = null;
      if (this.promptRuns >= PROMPT_RUNS_TO_STOP) this.stats.stopped = true;
    }
    if (idle) {
      this.idleBegins.set(id, now);
      if (this.idleBegins.size > KEEP_BEGUN) this.idleBegins.delete(this.idleBegins.keys().next().value!);
    }
  }

  /** The client acknowledged `frameId` at `now` (ms); returns the frame id to tell the server. */
  acknowledged(frameId: number, now: number): number {
    this.stats.acks++;
    const id = frameId >>> 0;
    const backlog = this.lastBegun === null ? 0 : ahead(this.lastBegun, id);
    const busy = backlog > 0;
    // What this frame cost the client: the time since its previous acknowledgement if it
    // had frames waiting all along, or since the frame began if it had nothing else to draw.
    let sample: number | null = null;
    const begunAt = this.idleBegins.get(id);
    if (this.lastAckBusy && this.lastAckAt !== null) sample = now - this.lastAckAt;
    else if (begunAt !== undefined) sample = now - begunAt;
    for (const key of this.idleBegins.keys()) if (ahead(key, id) <= 0) this.idleBegins.delete(key);
    if (sample !== null && sample > 0) {
      this.frameCostMs = this.frameCostMs === null ? sample : SMOOTHING * sample + (1 - SMOOTHING) * this.frameCostMs;
      this.stats.frameCostMs = Math.round(this.frameCostMs);
    }
    this.lastAckAt = now;
    this.lastAckBusy = busy;
    this.lastAcked = id;
    this.owed = null;
    if (this.stats.stopped || this.frameCostMs === null || this.lastBegun === null) return id;
    // No headroom needed: the server's real rate is a little below its rule's (capturing and encoding add to each interval).
    const fps = 1000 / this.frameCostMs;
    if (fps >= UNPACED_FPS) return id;
    // The rule's rates come in steps (10, 8, 6, 5, 4, 3, 2 …): between the step at or below the
    // client's rate and the one above, take the one above often enough that they average to it.
    // (Below 1 frame/s there is no step above the floor: no averaging.)
    let steady = inFlightForFps(fps);
    const below = serverFpsFor(steady);
    const above = serverFpsFor(steady - 1);
    if (steady > 2 && above > below) {
      this.dither += (fps - below) / (above - below);
      if (this.dither >= 1) {
        this.dither -= 1;
        steady -= 1;
      }
    }
    // Frames waiting beyond the next one are a backlog to drain (after connecting, or when
    // the client slowed down): two more counted in flight for each slow the server further.
    const inFlight = steady + 2 * Math.max(0, backlog - 1);
    // The server counts from its newest frame, which is at least lastBegun.
    if (inFlight <= backlog) return id;
    this.stats.rewritten++;
    if (!busy) this.owed = { id, since: now };
    // Frame ids start at 1, and 0 means none finished yet; never wrap below it (that would read as billions in flight).
    return this.lastBegun > inFlight ? this.lastBegun - inFlight : 0;
  }

  /**
   * The frame id the server must now be told as the truth (an acknowledgement of
   * the gateway's own), or null. Call it often (every few tens of ms); `sent`
   * must follow when the acknowledgement went.
   */
  owedAt(now: number): number | null {
    if (!this.owed) return null;
    const wait = Math.min(OWED_AFTER_MAX_MS, Math.max(OWED_AFTER_MIN_MS, OWED_AFTER_INTERVALS * (this.frameIntervalMs ?? OWED_AFTER_MAX_MS)));
    return now - this.owed.since >= wait ? this.owed.id : null;
  }

  /** The owed acknowledgement went to the server at `now`. */
  sent(now: number): void {
    this.owed = null;
    this.owedSentAt = now;
    this.stats.owedSent++;
  }
}
