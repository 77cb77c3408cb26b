// Sessions as the gateway sees them: what the control channel reports
// (state, the real reason of a failure, byte counts), because a protocol
// library's own disconnect event rarely says why.
import type { HttpProxy } from '../../../shared/profiles/spiceProxy';
import type { SessionRedirection } from '../../../shared/policy/policySchema';
import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type { CertificatePromptBody, ControlEvent, SessionSecurity, SessionState } from '../../../shared/api/contract';
import type { VncSignInSettings } from '../bridges/vncTls';
import { WARNING_MESSAGES, messageFor, type ErrorCode, type WarningCode } from '../../../shared/errors/errorCodes';
import type { Protocol } from '../../../shared/profiles/profileSchema';
import type { HeldHostConnection } from '../bridges/heldHostConnection';
import type { HeldRdpTransport } from '../bridges/rdp/heldTransport';
import type { StartProgram } from '../bridges/rdp/clientInfo';

export const STATS_INTERVAL_MS = 1000;
/** A session with no bridge and no control channel is forgotten after this. */
const IDLE_SESSION_MS = 60_000;

export interface GatewaySession {
  id: string;
  profileId: string;
  protocol: Protocol;
  host: string;
  port: number;
  state: SessionState;
  lastError: Extract<ControlEvent, { type: 'error' }> | null;
  /** Warnings so far (one per code), replayed to a late control channel. */
  warnings: Extract<ControlEvent, { type: 'warning' }>[];
  /** The round trip the gateway timed while connecting (RDP), replayed to a late control channel; null until then. */
  link: Extract<ControlEvent, { type: 'link' }> | null;
  /** What the remote computer's clipboard turned out to be able to do (RDP), once it said. */
  remoteClipboard: Extract<ControlEvent, { type: 'remoteClipboard' }> | null;
  /** RDP: the gateway's word on the sign-in, once it has it (setSignIn). */
  signIn: Extract<ControlEvent, { type: 'signIn' }> | null;
  /** RDP: the remote pointer's shape as the server last set it, replayed to a late control channel. */
  pointer: Extract<ControlEvent, { type: 'pointer' }> | null;
  /** Set once the gateway knows how the connection to the server is protected, where the session's answer could not (VNC's VeNCrypt TLS). */
  security: SessionSecurity | null;
  bytesFromHost: number;
  bytesToHost: number;
  /** RDP: frames the client has acknowledged (drawn); the page's own count stays with the page for VNC. */
  framesDrawn: number;
  controls: Set<WebSocket>;
  /** Closes the session's open bridges; registered by each bridge. */
  bridgeClosers: Set<(reason: ErrorCode) => void>;
  lastActivity: number;
  /** RDP: the keyboard layout (input locale identifier) to announce; null leaves the client's. */
  keyboardLayout: number | null;
  /** RDP: the program the server is to start in place of the desktop, and its folder (both empty: the desktop). */
  startProgram: StartProgram;
  /** RDP: the certificate preflight's connection, until the session's RDCleanPath request takes it (bridges/rdp/heldTransport.ts). */
  heldTransport: HeldRdpTransport | null;
  /** VNC: the connection opened with the session, until its relay WebSocket takes it (bridges/heldHostConnection.ts). */
  heldConnection: HeldHostConnection | null;
  /** VNC: the gateway signs in for the page (bridges/vncSignIn.ts), with the saved password if there is one; taken by the relay. */
  vncSignIn: VncSignInSettings | null;
  /** SPICE over TLS: the certificate (SHA-256) every channel's connection must show, judged when the session was created. */
  hostTls: { fingerprint: string } | null;
  /** SPICE through an HTTP proxy (bridges/httpConnectTunnel.ts): every channel's connection is a CONNECT tunnel to host:port. */
  proxy: HttpProxy | null;
  /** What the policy lets the session carry besides the desktop; the bridges enforce what their protocol lets them (VNC's ClientCutText, RDP's clipboard channel). */
  redirection: SessionRedirection;
}

/** Closes the connections a session holds for its bridges (RDP's certificate check's, VNC's opened early), if still held, and forgets a password its relay never took. */
function releaseHeld(session: GatewaySession): void {
  session.heldTransport?.release();
  session.heldConnection?.release();
  session.vncSignIn = null;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly timer: NodeJS.Timeout;

  /** `onFailure` sees every failure reported on a control channel (for the diagnostics bundle). */
  constructor(private readonly onFailure: (session: GatewaySession, code: ErrorCode, detail: string | undefined) => void = () => undefined) {
    this.timer = setInterval(() => this.tick(), STATS_INTERVAL_MS);
    this.timer.unref();
  }

  create(profileId: string, protocol: Protocol, host: string, port: number, options: { keyboardLayout?: number | null; redirection?: SessionRedirection; startProgram?: StartProgram } = {}): GatewaySession {
    const session: GatewaySession = {
      id: randomBytes(12).toString('base64url'),
      profileId,
      protocol,
      host,
      port,
      state: 'connecting',
      lastError: null,
      warnings: [],
      link: null,
      remoteClipboard: null,
      signIn: null,
      pointer: null,
      security: null,
      bytesFromHost: 0,
      bytesToHost: 0,
      framesDrawn: 0,
      controls: new Set(),
      bridgeClosers: new Set(),
      lastActivity: Date.now(),
      keyboardLayout: options.keyboardLayout ?? null,
      startProgram: options.startProgram ?? { program: '', folder: '' },
      heldTransport: null,
      heldConnection: null,
      vncSignIn: null,
      hostTls: null,
      proxy: null,
      redirection: options.redirection ?? { clipboardToRemote: true, clipboardToLocal: true, fileTransfer: true },
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string): GatewaySession | undefined {
    return this.sessions.get(id);
  }

  all(): GatewaySession[] {
    return [...this.sessions.values()];
  }

  /** Attaches a control channel and replays where the session stands, so a late subscriber misses nothing. */
  attachControl(session: GatewaySession, socket: WebSocket): void {
    session.controls.add(socket);
    socket.on('close', () => session.controls.delete(socket));
    this.sendTo(socket, { type: 'state', state: session.state });
    for (const warning of session.warnings) this.sendTo(socket, warning);
    if (session.link) this.sendTo(socket, session.link);
    if (session.remoteClipboard) this.sendTo(socket, session.remoteClipboard);
    if (session.signIn) this.sendTo(socket, session.signIn);
    if (session.pointer) this.sendTo(socket, session.pointer);
    if (session.security) this.sendTo(socket, session.security);
    if (session.lastError) this.sendTo(socket, session.lastError);
  }

  setState(session: GatewaySession, state: SessionState): void {
    session.state = state;
    session.lastActivity = Date.now();
    this.broadcast(session, { type: 'state', state });
  }

  fail(session: GatewaySession, code: ErrorCode, detail?: string, prompt?: CertificatePromptBody): void {
    const event: Extract<ControlEvent, { type: 'error' }> = { type: 'error', code, message: messageFor(code), ...(detail ? { detail } : {}), ...(prompt ? { prompt } : {}) };
    session.lastError = event;
    this.broadcast(session, event);
    this.onFailure(session, code, detail);
  }

  /** Tells the session's control channels something the user should know; the session goes on. Once per code. */
  warn(session: GatewaySession, code: WarningCode, detail?: string): void {
    if (session.warnings.some((w) => w.code === code)) return;
    const event: Extract<ControlEvent, { type: 'warning' }> = { type: 'warning', code, message: WARNING_MESSAGES[code], ...(detail ? { detail } : {}) };
    session.warnings.push(event);
    this.broadcast(session, event);
  }

  /** Tells the session's control channels how the connection to the server is protected, once the gateway knows (VNC's VeNCrypt TLS). */
  setSecurity(session: GatewaySession, security: Omit<SessionSecurity, 'type'>): void {
    session.security = { type: 'security', ...security };
    this.broadcast(session, session.security);
  }

  /** Tells the session's control channels how far the server is (timed by the gateway while connecting). */
  setLink(session: GatewaySession, roundTripMs: number): void {
    session.link = { type: 'link', roundTripMs };
    this.broadcast(session, session.link);
  }

  /** Tells the session's control channels what the remote computer's clipboard can do (RDP: once its clipboard has opened). */
  setRemoteClipboard(session: GatewaySession, remote: { files: boolean }): void {
    session.remoteClipboard = { type: 'remoteClipboard', ...remote };
    this.broadcast(session, session.remoteClipboard);
  }

  /** Tells the session's control channels the remote pointer's new shape (RDP: bridges/rdp/serverPointer.ts). */
  setPointer(session: GatewaySession, pointer: Omit<Extract<ControlEvent, { type: 'pointer' }>, 'type'>): void {
    session.pointer = { type: 'pointer', ...pointer };
    this.broadcast(session, session.pointer);
  }

  /** Tells the session's control channels the gateway has nothing more to check of an RDP sign-in (ControlEvent 'signIn'). Once. */
  setSignIn(session: GatewaySession, outcome: Extract<ControlEvent, { type: 'signIn' }>['outcome']): void {
    if (session.signIn) return;
    session.signIn = { type: 'signIn', outcome };
    this.broadcast(session, session.signIn);
  }

  /** Ends a session: its bridges close with the given reason, its control channels are told. */
  end(session: GatewaySession, reason: ErrorCode): void {
    for (const close of session.bridgeClosers) close(reason);
    session.bridgeClosers.clear();
    releaseHeld(session);
    this.setState(session, 'disconnected');
    for (const socket of session.controls) socket.close(1000);
    this.sessions.delete(session.id);
  }

  close(): void {
    clearInterval(this.timer);
    for (const session of this.sessions.values()) this.end(session, 'user-ended');
  }

  private tick(): void {
    const now = Date.now();
    for (const session of this.sessions.values()) {
      if (session.bridgeClosers.size > 0) {
        this.broadcast(session, { type: 'stats', bytesFromHost: session.bytesFromHost, bytesToHost: session.bytesToHost, framesDrawn: session.framesDrawn, at: now });
        session.lastActivity = now;
      } else if (session.controls.size === 0 && now - session.lastActivity > IDLE_SESSION_MS) {
        releaseHeld(session);
        this.sessions.delete(session.id);
      }
    }
  }

  private broadcast(session: GatewaySession, event: ControlEvent): void {
    for (const socket of session.controls) this.sendTo(socket, event);
  }

  private sendTo(socket: WebSocket, event: ControlEvent): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
  }
}
