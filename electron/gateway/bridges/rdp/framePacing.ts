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
// rule. The id told may be from before frame 1: it wraps, and the server,
// subtracting in 32 bits, still counts that many in flight.
//
// After connecting, before the client's first acknowledgement (its first
// frame, the whole desktop, is the slowest to draw), the server counts only
// the frames it sent and goes on sending; at 1920×1080 on a slow client ten
// frames in two seconds, which then take seconds to drain at the server's
// floor of 1 frame/s. So once a second frame has begun and the first has
// taken longer than a fast client would, the gateway tells the server an id
// from before the first frame, in an acknowledgement of its own, so that it
// counts as many in flight as acknowledged() would for a frame that costs the
// time spent so far (see earlyAt).
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
/** Enough frames in flight for the server's floor of 1 frame/s: more would change nothing. */
const EARLY_IN_FLIGHT_MAX = inFlightForFps(1);

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
  /** Acknowledgements of the gateway's own, sent while the client was on its first frame. */
  earlySent: number;
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
  /** Before the client's first acknowledgement: when its first frame began, and how many frames began. */
  private firstBegunAt: number | null = null;
  private begunBeforeFirstAck = 0;
  /** The id the gateway last told the server before the client's first acknowledgement. */
  private earlyTold: number | null = null;
  /** What dueAt last returned, for sent. */
  private due: { kind: 'owed' | 'early'; id: number } | null = null;
  readonly stats: PacingStats = { acks: 0, rewritten: 0, owedSent: 0, earlySent: 0, frameCostMs: null, stopped: false };

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
    if (this.lastAcked === null) {
      this.firstBegunAt ??= now;
      this.begunBeforeFirstAck++;
    }
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
    // Below frame 1 the id wraps: the server subtracts in 32 bits, so it still counts `inFlight`.
    return (this.lastBegun - inFlight) >>> 0;
  }

  /**
   * The frame id to tell the server now in an acknowledgement of the gateway's
   * own, or null: the truth, when it is owed, or, while the client is still on
   * its first frame, an id from before it (see earlyAt). Call it often (every
   * few tens of ms); `sent` must follow when the acknowledgement went.
   */
  dueAt(now: number): number | null {
    const owed = this.owedAt(now);
    const early = owed === null ? this.earlyAt(now) : null;
    this.due = owed !== null ? { kind: 'owed', id: owed } : early !== null ? { kind: 'early', id: early } : null;
    return this.due?.id ?? null;
  }

  /** Whether `dueAt` may return an id before the next frame begins or is acknowledged (else it need not be asked). */
  get mayBeDue(): boolean {
    if (this.stats.stopped) return false;
    if (this.owed) return true;
    const counted = this.earlyCounted();
    return counted !== null && counted < EARLY_IN_FLIGHT_MAX;
  }

  /** The acknowledgement `dueAt` returned went to the server at `now`. */
  sent(now: number): void {
    if (this.due?.kind === 'owed') {
      this.owed = null;
      this.owedSentAt = now;
      this.stats.owedSent++;
    } else if (this.due?.kind === 'early') {
      this.earlyTold = this.due.id;
      this.stats.earlySent++;
    }
    this.due = null;
  }

  private owedAt(now: number): number | null {
    if (!this.owed) return null;
    const wait = Math.min(OWED_AFTER_MAX_MS, Math.max(OWED_AFTER_MIN_MS, OWED_AFTER_INTERVALS * (this.frameIntervalMs ?? OWED_AFTER_MAX_MS)));
    return now - this.owed.since >= wait ? this.owed.id : null;
  }

  /**
   * The first frame after connecting is the whole desktop and the slowest to
   * draw, and the server, told nothing yet, goes on sending meanwhile (at 1920×1080
   * on a slow client, about ten frames in two seconds, which then take seconds
   * to drain). Until the client's first acknowledgement, that frame has cost it
   * at least the time since it began: the server is told as many frames in
   * flight as would pace it to that rate, as acknowledged() would, by an
   * acknowledgement of the gateway's own for an id from before the first frame.
   * Only when the server sends without waiting (a second frame began) and only
   * to slow it further: a fast client acknowledges before anything is sent.
   */
  private earlyAt(now: number): number | null {
    const counted = this.earlyCounted();
    if (counted === null || this.lastBegun === null) return null;
    const wanted = this.earlyWanted(now);
    if (wanted <= counted) return null;
    return (this.lastBegun - wanted) >>> 0;
  }

  /**
   * Before the client's first acknowledgement, once the server sends without waiting (a second
   * frame began): what it counts in flight now, every frame begun or from the id last told.
   * Null otherwise (nothing early can be due).
   */
  private earlyCounted(): number | null {
    if (this.stats.stopped || this.lastAcked !== null || this.lastBegun === null || this.begunBeforeFirstAck < 2) return null;
    return this.earlyTold === null ? this.begunBeforeFirstAck : ahead(this.lastBegun, this.earlyTold);
  }

  /** The count of frames in flight to tell the server before the client's first acknowledgement (0: none). */
  private earlyWanted(now: number): number {
    const spent = now - (this.firstBegunAt ?? now);
    if (spent <= 0 || 1000 / spent >= UNPACED_FPS) return 0;
    // As acknowledged() would count, with every frame behind the one being drawn as backlog.
    const waiting = this.begunBeforeFirstAck - 1;
    return Math.min(EARLY_IN_FLIGHT_MAX, inFlightForFps(1000 / spent) + 2 * waiting);
  }
}
