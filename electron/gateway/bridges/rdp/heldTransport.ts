// The certificate preflight's connection, kept for the session it was made
// for. The preflight (http/controlApi.ts) does what the session's own
// connection would do first: TCP, the X.224 Connection Request, the TLS
// handshake. When the certificate is trusted, the session is created and the
// page starts IronRDP, whose RDCleanPath request names the same server and
// carries its own Connection Request. If that request is byte for byte the
// one the preflight sent (the same protocols asked for, the same routing
// cookie), the endpoint goes on over the preflight's connection instead of
// making all of it again: one connection to the server per Connect, and
// three or four round trips (TCP, X.224, TLS) fewer before CredSSP starts.
// The certificate is the one the user trusted by construction; the endpoint
// still checks it as for any connection.
//
// Held only briefly (HOLD_MS: a page starts IronRDP in well under a second;
// a user typing a password takes longer, and then a new connection is made
// as before; PROMPT_HOLD_MS while the user is asked about the certificate,
// so the answer's session request goes on over the same connection), and
// only while the server stays quiet: after TLS the client speaks first
// (CredSSP, or the MCS Connect Initial), so a server that sends anything,
// closes or fails spoils it, and the endpoint connects anew.
import type { RdpTransportResult } from './rdpTransport';

export type SecuredTransport = Extract<RdpTransportResult, { kind: 'secured' }>;

/** How long a preflight connection waits for its session's RDCleanPath request. */
export const HOLD_MS = 10_000;
/**
 * How long a preflight connection whose certificate the user is being asked
 * about waits for the answer ("Trust once", "Trust always"): the session then
 * goes on over it instead of a second preflight. Longer than HOLD_MS, as a
 * person reads the question; a server that closes it sooner spoils it.
 */
export const PROMPT_HOLD_MS = 30_000;

export type TakeResult = { transport: SecuredTransport } | { transport: null; why: 'other request' | 'expired' | 'taken' | `spoiled: ${string}` };

export class HeldRdpTransport {
  private transport: SecuredTransport | null;
  private spoiled: string | null = null;
  private expired = false;
  private readonly timer: NodeJS.Timeout;
  private readonly spoil = (why: string) => () => {
    this.spoiled ??= why;
    this.release();
  };
  private readonly onData = this.spoil('the server sent data first');
  private readonly onEnd = this.spoil('the server ended the connection');
  private readonly onClose = this.spoil('the connection closed');
  private readonly onError = this.spoil('the connection failed');

  constructor(
    transport: SecuredTransport,
    /** The X.224 Connection Request the preflight sent. */
    private readonly request: Uint8Array,
    holdMs = HOLD_MS,
  ) {
    this.transport = transport;
    const socket = transport.socket;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    // A connection taken from an earlier hold was paused with nothing read: anything it got meanwhile is seen now.
    socket.resume();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.release();
    }, holdMs);
    this.timer.unref();
  }

  /**
   * The held connection, for a client whose Connection Request is `request`
   * (the same bytes the preflight sent), paused with nothing read from it;
   * otherwise null and why, the held connection closed. Once: whatever the
   * answer, nothing is held afterwards.
   */
  take(request: Uint8Array): TakeResult {
    const transport = this.transport;
    if (!transport) return { transport: null, why: this.spoiled ? `spoiled: ${this.spoiled}` : this.expired ? 'expired' : 'taken' };
    this.transport = null;
    clearTimeout(this.timer);
    this.detach(transport);
    if (Buffer.compare(request, this.request) !== 0) {
      closeQuietly(transport);
      return { transport: null, why: 'other request' };
    }
    transport.socket.pause();
    return { transport };
  }

  /** Closes the held connection, if it is still held (the session ended, or was never used). */
  release(): void {
    const transport = this.transport;
    if (!transport) return;
    this.transport = null;
    clearTimeout(this.timer);
    this.detach(transport);
    closeQuietly(transport);
  }

  private detach(transport: SecuredTransport): void {
    const socket = transport.socket;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
  }
}

/** Destroys the connection; a late error of the socket being destroyed must not go unheard (an 'error' without a listener throws). */
function closeQuietly(transport: SecuredTransport): void {
  transport.socket.on('error', () => undefined);
  transport.socket.destroy();
}
