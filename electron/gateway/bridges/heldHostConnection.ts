// A VNC session's connection to its host, opened when the session is created
// rather than when the page's relay WebSocket arrives. A VNC server speaks
// first (its RFB version, RFC 6143 §7.1.1), so by the time the page has the
// session's answer and has opened its WebSocket, the TCP handshake is done
// and the greeting is already here: the page's handshake starts without the
// TCP round trip and the greeting's way from the server. On loopback that is
// nothing; over a WAN it is one to two round trips off every Connect.
//
// Held briefly (HOLD_MS: a page opens the relay within a second of the
// session's answer), and only while it is as a new connection would be:
// connecting, or connected with nothing but the server's first bytes read.
// If it fails, closes or expires first, it is dropped and the relay connects
// anew, as it always did, so a held connection can change no outcome: a
// refused or unreachable host is found again, and reported, by the relay.
// Nothing is sent on it before the relay takes it except the gateway's own
// sign-in (vncSignIn.ts, started with signIn()): it goes on here, as the
// server's bytes come, so by the time the page's relay arrives the handshake
// with a far server is well on or done. A connection dropped before the
// sign-in ended is dropped as any other, and the relay signs in anew; a
// refusal the server closed after is kept, for the relay to tell the page.
// A sign-in that chose VeNCrypt starts TLS here (vncTls.ts), and the relay
// takes the TLS socket; one that could not finish inside VeNCrypt (no subtype
// the gateway does, or TLS failed) is dropped, and the relay signs in anew
// without it, as the gateway did before it did TLS.
import net from 'node:net';
import type { VncSignIn, SignInOutcome } from './vncSignIn';
import { gatewaySignIn, startTls, type CertificateJudge, type VncSignInSettings } from './vncTls';

/** How long a connection waits for its session's relay WebSocket. */
export const HOLD_MS = 10_000;

/** A connection the relay can go on with: connecting, or connected with `received` from the server. */
export interface TakenConnection {
  socket: net.Socket;
  connected: boolean;
  /** What the server has sent so far (its greeting) and the sign-in has not read, in order; paused since, so nothing more is read. */
  received: Buffer[];
  /** The gateway's sign-in, if started: under way, or over (its `outcome`). */
  signIn: VncSignIn | null;
  /** The server has closed the connection (after refusing the sign-in): what it said is all there is. */
  ended: boolean;
}

export type TakeResult =
  | { connection: TakenConnection }
  /** `withoutVencrypt`: the sign-in failed inside VeNCrypt, so the relay's new one should not choose it. */
  | { connection: null; why: 'expired' | 'taken' | `dropped: ${string}`; withoutVencrypt?: true };

export class HeldHostConnection {
  private socket: net.Socket | null;
  private connected = false;
  private readonly received: Buffer[] = [];
  private dropped: string | null = null;
  private expired = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onConnect = () => {
    this.connected = true;
  };
  private machine: VncSignIn | null = null;
  private secured = false;
  private vencryptFailed = false;
  private ended = false;
  private readonly onData = (chunk: Buffer) => {
    this.received.push(chunk);
    this.signInFurther();
  };
  private readonly drop = (why: string) => () => {
    // A refusal the server closed after (a refused password, or no security types and its reason) is kept for the
    // page: signing in again would only be refused again, and count as one more failure against this computer.
    const outcome = this.machine?.outcome;
    // So is a certificate nobody trusted yet (VeNCrypt X509): the page is to ask the user about it.
    const refusal = outcome && (outcome.kind === 'refused' || (outcome.kind === 'hand-over' && outcome.serverBytes[0] === 0) || (outcome.kind === 'failed' && !outcome.fallBack));
    if (refusal) {
      this.ended = true;
      return;
    }
    // Ended inside TLS before the sign-in did (the TLS handshake failed, say).
    // Anonymous TLS only: a server that offers a certificate means TLS, and is not signed in to without it.
    // Nor where policy requires TLS.
    if (this.secured && !outcome && this.machine?.tlsKind === 'anonymous' && !this.machine.requireTls) this.vencryptFailed = true;
    this.dropped ??= why;
    this.release();
  };
  private readonly onEnd = this.drop('the server ended the connection');
  private readonly onClose = this.drop('the connection closed');
  private readonly onError = (error: NodeJS.ErrnoException) => this.drop(`the connection failed (${error.code ?? error.message})`)();

  private judge: CertificateJudge | null = null;

  constructor(
    private readonly host: string,
    port: number,
    holdMs = HOLD_MS,
  ) {
    const socket = net.connect({ host, port, noDelay: true });
    this.socket = socket;
    socket.on('connect', this.onConnect);
    this.attach(socket);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.release();
    }, holdMs);
    this.timer.unref();
  }

  /**
   * Signs in to the server for the page as its bytes come (vncSignIn.ts),
   * with the saved password or none. Once, before the relay takes it.
   */
  signIn(settings: VncSignInSettings): void {
    if (!this.socket || this.machine) return;
    this.judge = settings.judge;
    // The page can be asked for a password the sign-in needs (TLSVnc without a saved one): the relay asks it.
    this.machine = gatewaySignIn(settings);
    this.signInFurther();
  }

  private signInFurther(): void {
    const machine = this.machine;
    if (!machine || machine.outcome || !this.socket) return;
    // Once it is over, what follows (ServerInit, say) stays in `received` for the page.
    while (this.received.length > 0 && !machine.outcome) {
      for (const out of machine.feed(this.received.shift()!)) this.socket.write(out);
      if (machine.wantsTls && !this.secured) this.startTls(machine);
    }
    // Read again: feeding it changed it.
    const outcome = machine.outcome as SignInOutcome | null;
    if (outcome?.kind === 'failed' && outcome.fallBack) {
      this.vencryptFailed = true;
      this.dropped ??= `${outcome.code}: ${outcome.detail}`;
      this.release();
    }
  }

  /** VeNCrypt's TLS, on this connection: its events are the TLS socket's from here on. */
  private startTls(machine: VncSignIn): void {
    const raw = this.socket!;
    this.secured = true;
    this.detach(raw);
    // The raw socket's errors reach the TLS socket; this only keeps one from going unheard.
    raw.on('error', () => undefined);
    const secure = startTls(raw, machine, { host: this.host, judge: this.judge });
    this.socket = secure;
    this.attach(secure);
  }

  /**
   * The connection, for the relay to go on with: its listeners removed, paused
   * with what the server has sent so far in `received`. Otherwise null and why
   * (the relay then connects anew). Once: nothing is held afterwards.
   */
  take(): TakeResult {
    const socket = this.socket;
    if (!socket) return { connection: null, why: this.dropped ? `dropped: ${this.dropped}` : this.expired ? 'expired' : 'taken', ...(this.vencryptFailed ? { withoutVencrypt: true as const } : {}) };
    this.socket = null;
    clearTimeout(this.timer);
    socket.pause();
    this.detach(socket);
    return { connection: { socket, connected: this.connected, received: this.received.splice(0), signIn: this.machine, ended: this.ended } };
  }

  /** Closes the connection if it is still held (the session ended, or its relay never came). */
  release(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    clearTimeout(this.timer);
    this.detach(socket);
    // A late error of a socket being destroyed must not go unheard (an 'error' without a listener throws).
    socket.on('error', () => undefined);
    socket.destroy();
  }

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  private detach(socket: net.Socket): void {
    socket.off('connect', this.onConnect);
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
  }
}
