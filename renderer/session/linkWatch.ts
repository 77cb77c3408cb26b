// Telling a dead link from a quiet desktop, for protocols whose library has no
// keepalive of its own (noVNC, spice-html5). A black-holed link (a cable
// pulled on the far side, a VPN dropped, a NAT that forgot the connection)
// keeps its TCP connection "up" for minutes: nothing arrives, nothing fails.
// "Nothing for N seconds" is no sign either, since an idle desktop sends
// nothing. So when nothing has come for a while, the session sends the
// server a message it must answer (each protocol has its own), and only
// that message going unanswered means the link is dead. The gateway's TCP
// keepalive would say so too, but only after minutes: Node cannot shorten its
// interval or count. (RDP has its probe in the gateway, rdp/deadLinkProbe.ts.)

/** With nothing received for this long, the session sends its probe. */
export const PROBE_AFTER_MS = 4000;
/** No answer to the probe within this: the link is dead, not just quiet. */
export const DEAD_AFTER_MS = 4000;
/** How often a session looks. */
export const LOOK_EVERY_MS = 500;

export class LinkWatch {
  private lastReceived: number;
  private probeSentAt: number | null = null;

  constructor(now: number) {
    this.lastReceived = now;
  }

  /** Anything at all came from the server: the link is alive, and an unanswered probe is answered. */
  received(now: number): void {
    this.lastReceived = now;
    this.probeSentAt = null;
  }

  /** What to do now: 'probe' (then probed(), once it is sent), 'dead', or nothing. */
  look(now: number): 'probe' | 'dead' | null {
    if (this.probeSentAt !== null) return now - this.probeSentAt > DEAD_AFTER_MS ? 'dead' : null;
    return now - this.lastReceived > PROBE_AFTER_MS ? 'probe' : null;
  }

  probed(now: number): void {
    this.probeSentAt = now;
  }
}

/**
 * Looks every LOOK_EVERY_MS: sends a probe with `probe`, which says whether it
 * could (a channel not open yet waits for the next look), or calls `dead`,
 * once. Returns the function that stops it; the session feeds
 * `watch.received` from its sockets' messages.
 */
export function watchLink(watch: LinkWatch, probe: () => boolean, dead: () => void, now: () => number = () => performance.now()): () => void {
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  const timer = setInterval(() => {
    if (stopped) return;
    const action = watch.look(now());
    if (action === 'dead') {
      stop();
      dead();
    } else if (action === 'probe' && probe()) {
      watch.probed(now());
    }
  }, LOOK_EVERY_MS);
  return stop;
}
