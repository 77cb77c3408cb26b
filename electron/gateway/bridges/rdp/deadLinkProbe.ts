// When to put a dead-link probe on an RDP link, and when its silence means the
// link is dead (the timing only; the probe itself is a Refresh Rect made by
// ClientStreamRewriter.refreshRectProbe, which asks for a different area each
// time: xorgxrdp leaves a repeated one unanswered).
//
// IronRDP has no probe, and a black-holed link looks like an idle desktop.
// After `afterSilenceMs` without a byte from the server, probe; if
// `againMs` pass without a byte, probe once more (the other area), so that
// one request a server passes over does not end a healthy session; no byte
// within `answerMs` of the first probe means the link is dead. Any byte from
// the server counts as the answer. As the VNC probe in the page.

export interface DeadLinkTiming {
  afterSilenceMs: number;
  answerMs: number;
  againMs: number;
}

export const DEAD_LINK_TIMING: DeadLinkTiming = { afterSilenceMs: 4000, answerMs: 4000, againMs: 2000 };

export class DeadLinkProbe {
  private lastHeard: number;
  private firstProbeAt: number | null = null;
  /** Probes on the link since the server's last byte (0, 1 or 2). */
  private unanswered = 0;
  /** For the session's summary: probes sent, second probes sent, and silences only the second ended. */
  readonly stats = { asked: 0, askedAgain: 0, answeredAtSecond: 0 };

  constructor(
    now: number,
    private readonly timing: DeadLinkTiming = DEAD_LINK_TIMING,
  ) {
    this.lastHeard = now;
  }

  /** A byte came from the server. */
  heard(now: number): void {
    this.lastHeard = now;
    if (this.unanswered > 1) this.stats.answeredAtSecond++;
    this.firstProbeAt = null;
    this.unanswered = 0;
  }

  /** Reading from the server is paused (the page is behind): silence says nothing then. */
  paused(now: number): void {
    this.lastHeard = now;
    this.firstProbeAt = null;
    this.unanswered = 0;
  }

  /**
   * What is due now: a probe (call sent() once it is on the link; it may have
   * to wait, as while half a client PDU is held), the verdict that the link
   * is dead (with the evidence), or nothing.
   */
  due(now: number): { probe: true } | { dead: string } | null {
    if (this.firstProbeAt === null) return now - this.lastHeard >= this.timing.afterSilenceMs ? { probe: true } : null;
    if (now - this.firstProbeAt > this.timing.answerMs) {
      const what = this.unanswered > 1 ? `${this.unanswered} Refresh Rect probes` : 'a Refresh Rect probe';
      return { dead: `no answer from the server to ${what} within ${this.timing.answerMs} ms` };
    }
    return this.unanswered === 1 && now - this.firstProbeAt >= this.timing.againMs ? { probe: true } : null;
  }

  /** The probe due went out. */
  sent(now: number): void {
    if (this.firstProbeAt === null) this.firstProbeAt = now;
    else this.stats.askedAgain++;
    this.unanswered++;
    this.stats.asked++;
  }
}
