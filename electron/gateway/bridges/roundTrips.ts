// Round trips timed on a lock-step stretch of a protocol, where each message
// one side sends is answered before it sends again: from the first message
// sent after the last one received, to the next one received. The shortest is
// kept: a busy moment (either end's) only makes one look longer, and the
// server's own work before answering is least in the quickest. Used by the
// VNC sign-in (vncSignIn.ts) and by RDP's connection sequence up to the
// Client Info PDU (rdCleanPathEndpoint.ts).
export class RoundTripTimer {
  private sentAt: number | null = null;
  /** The shortest round trip so far (ms); Infinity before the first. */
  shortest: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** A figure timed before (RDP: the X.224 and TLS exchange), to be bettered. */
    initial = Infinity,
  ) {
    this.shortest = initial;
  }

  /** A message went out; a round trip starts unless one is already waiting for its answer. */
  sent(): void {
    this.sentAt ??= this.now();
  }

  /** A message came in: ends the waiting round trip. True when that made the shortest shorter. */
  received(): boolean {
    if (this.sentAt === null) return false;
    const ms = this.now() - this.sentAt;
    this.sentAt = null;
    if (ms >= this.shortest) return false;
    this.shortest = ms;
    return true;
  }
}
