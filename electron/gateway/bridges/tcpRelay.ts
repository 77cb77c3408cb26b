// The byte relay between a WebSocket and the remote host, for VNC and SPICE.
// It adds nothing to the protocol: bytes in, bytes out, with backpressure both
// ways, and it tells the control channel why a connection failed, which the
// protocol library in the renderer cannot know.
import net from 'node:net';
import tls from 'node:tls';
import type WebSocket from 'ws';
import { vncRefusalCode, type ErrorCode } from '../../../shared/errors/errorCodes';
import type { Logger } from '../logging/logger';
import type { SessionRegistry, GatewaySession } from '../sessions/sessionRegistry';
import { pumpBytes, toBuffer } from './socketPump';
import { PageHandshake, VncSignIn, type SignInOutcome } from './vncSignIn';
import { PageSignInWatch } from './vncPageSignIn';
import { gatewaySignIn, startTls } from './vncTls';
import { connectSpiceTls, connectSpiceTlsThroughProxy, sameCertificate } from './spiceTls';
import { openHttpTunnel } from './httpConnectTunnel';
import { VncClipboardFilter } from './vncClipboardFilter';
import { SpiceAgentFilter } from './spiceAgentFilter';
import type { HttpProxy } from '../../../shared/profiles/spiceProxy';
import type { CertificatePromptBody } from '../../../shared/api/contract';

export interface RelayTimeouts {
  /** TCP connect must finish within this (a host that drops packets never answers). */
  connectMs: number;
  /** For protocols where the server speaks first (VNC), its first byte must come within this. */
  greetingMs: number;
}

export const DEFAULT_RELAY_TIMEOUTS: RelayTimeouts = { connectMs: 5000, greetingMs: 4000 };

/** VNC servers send "RFB 003.008\n" first; SPICE and RDP clients speak first. */
function serverSpeaksFirst(session: GatewaySession): boolean {
  return session.protocol === 'vnc';
}

export function classifySocketError(error: NodeJS.ErrnoException, connected: boolean): ErrorCode {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'host-refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'host-not-found';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return connected ? 'connection-lost' : 'host-unreachable';
    default:
      return connected ? 'connection-lost' : 'host-unreachable';
  }
}

/**
 * Who ended a relay, for its one 'relay ended' log line: the page (it closed
 * its WebSocket: a reload, its own dead-link probe, its reconnect), the host
 * (it closed, refused or failed), the gateway (a timer, a policy or sign-in
 * check), or the session (ended through the API).
 */
type RelayEndedBy = 'page' | 'host' | 'gateway' | 'session';

/** An RFB version message (RFC 6143 §7.1.1). */
const VERSION_LENGTH = 12;

/**
 * A refused sign-in: its code (vncRefusalCode: a server that refuses sign-ins for a while after too many failures
 * says so in its reason) and in words, the security type and the server's reason (RFB 3.8: after the
 * SecurityResult, a length and the text), where it sent one.
 */
export function refusalDetail(securityName: string, serverBytes: Buffer): { code: ErrorCode; detail: string } {
  let reason = '';
  if (serverBytes.length >= 8) {
    const length = serverBytes.readUInt32BE(4);
    if (length > 0 && length <= 1024 && serverBytes.length >= 8 + length) reason = serverBytes.subarray(8, 8 + length).toString('utf8').replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  }
  const code = vncRefusalCode(reason, false);
  return { code, detail: `the server refused the ${code === 'auth-failed' ? 'password' : 'sign-in'} (${securityName})${reason ? `: ${reason}` : ''}` };
}

/**
 * The server's bytes for the page where it signs in itself, its version (RFC 6143 §7.1.1) as a message of its own.
 * noVNC (1.7, core/rfb.js _negotiateProtocolVersion) answers the version and then waits for the next message before
 * it reads on: what came with the version in one message is read only once more comes. A server that goes on
 * without waiting for the page's version sends nothing more: TigerVNC's Xvnc refusing an address it has
 * blacklisted (its 3.3 greeting, security type 0 and "Too many security failures" at once, then it closes), which
 * noVNC would otherwise never read, ending as a connection closed for no reason.
 */
export function greetingApart(serverBytes: Buffer): Buffer[] {
  return serverBytes.length > VERSION_LENGTH ? [serverBytes.subarray(0, VERSION_LENGTH), serverBytes.subarray(VERSION_LENGTH)] : [serverBytes];
}

/**
 * The fields of a relay's 'relay ended' line: no secret (the session id is a
 * capability on the control channel only with the window's key; no ticket, no
 * password). Bytes are the session's so far (for SPICE, over all its channels),
 * as its stats events count them.
 */

function relayEndFields(session: GatewaySession, by: RelayEndedBy, reason: ErrorCode | null, detail: string | undefined, startedAt: number, pageCode?: number): Record<string, unknown> {
  return {
    session: session.id,
    protocol: session.protocol,
    by,
    ...(reason ? { reason } : {}),
    ...(detail ? { detail } : {}),
    ...(pageCode !== undefined ? { pageCode } : {}),
    bytesFromHost: session.bytesFromHost,
    bytesToHost: session.bytesToHost,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}

export function relayToHost(
  socket: WebSocket,
  session: GatewaySession,
  sessions: SessionRegistry,
  logger: Logger,
  timeouts: RelayTimeouts = DEFAULT_RELAY_TIMEOUTS,
): void {
  if (session.proxy) relayThroughProxy(socket, session, sessions, logger, timeouts, session.proxy);
  else relay(socket, session, sessions, logger, timeouts, null);
}

/**
 * SPICE through an HTTP proxy (httpConnectTunnel.ts): the channel's tunnel
 * first, TLS inside it if the session has it, while the page's first bytes
 * wait; then the relay goes on over it as over a direct connection.
 */
function relayThroughProxy(socket: WebSocket, session: GatewaySession, sessions: SessionRegistry, logger: Logger, timeouts: RelayTimeouts, proxy: HttpProxy): void {
  const startedAt = Date.now();
  const early: Buffer[] = [];
  const hold = (data: Buffer | ArrayBuffer | Buffer[]) => early.push(toBuffer(data));
  socket.on('message', hold);
  const attempt = session.hostTls
    ? connectSpiceTlsThroughProxy(proxy, session.host, session.port, timeouts.connectMs)
    : openHttpTunnel(proxy, { host: session.host, port: session.port }, timeouts.connectMs);
  // The page going away, or the session ending, ends the attempt.
  const abort = () => attempt.abort();
  socket.once('close', abort);
  session.bridgeClosers.add(abort);
  void attempt.done.then((outcome) => {
    session.bridgeClosers.delete(abort);
    socket.off('message', hold);
    socket.off('close', abort);
    const pageOpen = socket.readyState === socket.OPEN;
    if (outcome.ok && pageOpen) return relay(socket, session, sessions, logger, timeouts, { socket: outcome.socket, early });
    const ended = (by: RelayEndedBy, reason: ErrorCode | null, detail?: string) =>
      logger.child('relay').info('relay ended', relayEndFields(session, by, reason, detail, startedAt));
    if (outcome.ok) {
      outcome.socket.destroy();
      ended('page', null);
    } else if (outcome.code !== 'user-ended') {
      sessions.fail(session, outcome.code, outcome.detail);
      ended('host', outcome.code, outcome.detail);
      if (pageOpen) socket.close(4000, outcome.code);
    } else {
      ended(pageOpen ? 'session' : 'page', pageOpen ? outcome.code : null);
      if (pageOpen) socket.close(1000, 'closed');
    }
    if (session.bridgeClosers.size === 0 && session.state !== 'disconnected') sessions.setState(session, 'disconnected');
  });
}

function relay(
  socket: WebSocket,
  session: GatewaySession,
  sessions: SessionRegistry,
  logger: Logger,
  timeouts: RelayTimeouts,
  /** A connection to the host made before the relay (a proxy's tunnel), and what the page sent meanwhile. */
  made: { socket: net.Socket; early: Buffer[] } | null,
): void {
  const log = logger.child('relay');
  const startedAt = Date.now();
  /** Who ended the relay, for the log: set where the end comes from the page, the host or the session; else the gateway's own check or timer. */
  let endedBy: RelayEndedBy = 'gateway';
  let pageCode: number | undefined;
  // A VNC session's connection, opened when the session was created (heldHostConnection.ts); else a new one.
  const held = made ? undefined : session.heldConnection?.take();
  session.heldConnection = null;
  if (held && !held.connection) log.debug('held connection not used', { session: session.id, why: held.why });
  const taken = made ? { socket: made.socket, connected: true, received: [] as Buffer[], signIn: null, ended: false } : held?.connection ?? null;
  // Becomes the TLS socket if the sign-in starts VeNCrypt's TLS (vncTls.ts).
  // SPICE over TLS: every channel inside TLS, showing the certificate judged when the session was created (spiceTls.ts).
  const hostTls = session.hostTls;
  const connectToHost = () => (hostTls ? connectSpiceTls(session.host, session.port) : net.connect({ host: session.host, port: session.port, noDelay: true }));
  let host = taken?.socket ?? connectToHost();
  // A sign-in that failed inside VeNCrypt on the held connection is done anew without it.
  const vencryptAllowed = !(held && !held.connection && held.withoutVencrypt);
  let connected = false;
  let greeted = !serverSpeaksFirst(session);
  let finished = false;
  /** VNC under a clipboard policy: the filter of the page's messages once the relay pumps (clipboardFilter), for the log. */
  let filter: VncClipboardFilter | null = null;
  /** SPICE under a clipboard or file policy: the filter of a main channel's agent messages (spiceFilter), for the log. */
  let agentFilter: SpiceAgentFilter | null = null;
  const pendingToHost: Buffer[] = made ? [...made.early] : [];
  // VNC: the gateway signs in for the page (vncSignIn.ts). Taken here: the password is used once.
  const signIn = session.protocol === 'vnc' ? session.vncSignIn : null;
  session.vncSignIn = null;
  let catchingUp = false;
  let endedWhileCatchingUp: ErrorCode | null = null;
  /**
   * The server refused the gateway's sign-in, or the page's (a wrong password, too many failures), or the page's
   * connection before any sign-in: its code and what it said. The relay's end, however it comes, is that refusal.
   */
  let refusedSignIn: { code: ErrorCode; detail: string } | null = null;
  /** Where the page signs in itself (passthrough, hand-over): its sign-in, read as it goes by (vncPageSignIn.ts) until it is over. */
  let pageSignIn: PageSignInWatch | null = null;
  const watchPageSignIn = (side: 'server' | 'page', chunk: Buffer) => {
    const watch = pageSignIn;
    if (!watch) return;
    if (side === 'server') watch.fromServer(chunk);
    else watch.fromPage(chunk);
    if (!watch.outcome) return;
    pageSignIn = null;
    if (watch.outcome.kind === 'refused') refusedSignIn = { code: watch.outcome.code, detail: watch.outcome.detail };
    log.debug('the page\'s sign-in', { session: session.id, outcome: watch.outcome.kind });
  };

  const connectTimer = setTimeout(() => finish('host-unreachable', `no answer within ${timeouts.connectMs} ms`), timeouts.connectMs);
  let greetingTimer: NodeJS.Timeout | null = null;
  let signInTimer: NodeJS.Timeout | null = null;
  /** The sign-in under way, if one is; and whether it had to be done again without VeNCrypt. */
  let signingIn: VncSignIn | null = null;
  let retried = false;

  const finish = (reason: ErrorCode | null, detail?: string, prompt?: CertificatePromptBody) => {
    if (finished) return;
    finished = true;
    // A server closes after refusing a password, and the page may close first once it has read the refusal: either way, the sign-in failed.
    if (refusedSignIn !== null && (reason === null || reason === 'server-closed' || reason === 'connection-lost')) {
      reason = refusedSignIn.code;
      detail = refusedSignIn.detail;
    }
    clearTimeout(connectTimer);
    if (greetingTimer) clearTimeout(greetingTimer);
    if (signInTimer) clearTimeout(signInTimer);
    session.bridgeClosers.delete(closer);
    if (reason && reason !== 'user-ended') sessions.fail(session, reason, detail, prompt);
    // One line however the relay ends (the page closing its end included), so a drop that starts a run of reconnects is in the log.
    log.info('relay ended', relayEndFields(session, endedBy, reason, detail, startedAt, pageCode));
    if (filter && filter.dropped > 0) log.info('clipboard messages left out by policy', { session: session.id, dropped: filter.dropped });
    if (agentFilter && agentFilter.dropped > 0) log.info('clipboard messages left out by policy', { session: session.id, dropped: agentFilter.dropped, tokensGiven: agentFilter.tokensGiven });
    host.destroy();
    // 4000 + a small code lets a client without the control channel tell failures apart.
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      socket.close(reason && reason !== 'user-ended' ? 4000 : 1000, reason ?? 'closed');
    }
    if (session.bridgeClosers.size === 0 && session.state !== 'disconnected') sessions.setState(session, 'disconnected');
  };
  /** The sign-in's stall timer: the server must answer within the greeting's time (none runs while a person types a password). */
  const stopSignInTimer = () => {
    if (signInTimer) clearTimeout(signInTimer);
    signInTimer = null;
  };
  const startSignInTimer = (ms = timeouts.greetingMs, why = `the server stopped answering during sign-in (${timeouts.greetingMs} ms)`) => {
    stopSignInTimer();
    signInTimer = setTimeout(() => finish('no-greeting', why), ms);
  };
  const closer = (reason: ErrorCode) => {
    endedBy = 'session';
    finish(reason);
  };
  session.bridgeClosers.add(closer);

  // Until the host answers (and, for a sign-in, until the page's handshake starts), bytes from the browser wait here.
  const holdUntilConnected = (data: Buffer | ArrayBuffer | Buffer[], isBinary = true) => {
    // Text is the page's answer to the relay's note (the password it asked the user for), not RFB.
    if (!isBinary) return fromPage(toBuffer(data));
    pendingToHost.push(toBuffer(data));
  };
  socket.on('message', holdUntilConnected);

  const onConnected = () => {
    connected = true;
    if (hostTls && host instanceof tls.TLSSocket) {
      // Before any byte of the page's goes to it.
      const changed = sameCertificate(host, hostTls.fingerprint);
      if (changed) return finish('certificate-changed', changed);
    }
    clearTimeout(connectTimer);
    // Keepalive finds a dead peer even when the desktop is idle; it never ends a quiet session.
    host.setKeepAlive(true, 15_000);
    if (!greeted) greetingTimer = setTimeout(() => finish('no-greeting', `no data within ${timeouts.greetingMs} ms of connecting`), timeouts.greetingMs);
    // What the server sent while the connection was held (its greeting) goes first.
    const greeting = taken?.received.splice(0) ?? [];
    // Begun (or done) while the connection was held; else begun here.
    if (taken?.signIn) return signInToHost(taken.signIn, greeting, taken.ended);
    if (signIn) return signInToHost(gatewaySignIn(signIn, vencryptAllowed), greeting, false);
    for (const chunk of greeting) session.bytesFromHost += chunk.length;
    pump(greeting);
    log.debug('connected to host', { session: session.id, held: taken !== null });
  };

  const heard = () => {
    if (!greeted) {
      greeted = true;
      if (greetingTimer) clearTimeout(greetingTimer);
    }
  };

  /**
   * From here on, bytes both ways as they come: `fromServer` first (to the
   * page), then what the page sent meanwhile (to the server). `framed`: the
   * page's bytes are RFB client messages from their first (the gateway signed
   * in for it), so the clipboard policy can be applied to them.
   */
  const pump = (fromServer: Buffer[], framed = false) => {
    socket.off('message', holdUntilConnected);
    const framing = clipboardFilter(framed);
    filter = framing;
    const agent = spiceFilter();
    agentFilter = agent;
    for (const chunk of fromServer) {
      heard();
      watchPageSignIn('server', chunk);
      for (const message of agent ? agent.fromServer(chunk) : [chunk]) socket.send(message, { binary: true, compress: false });
    }
    const toHost = (chunk: Buffer): Buffer[] => {
      if (agent) {
        const judged = agent.push(chunk);
        if (!judged.ok) {
          finish('policy-clipboard-unchecked', judged.why);
          return [];
        }
        // Agent tokens handed back for what was left out, between two of the server's messages.
        for (const message of judged.toPage) socket.send(message, { binary: true, compress: false });
        return judged.toServer;
      }
      if (!framing) return [chunk];
      const outcome = framing.push(chunk);
      if (outcome.ok) return outcome.toServer;
      finish('policy-clipboard-unchecked', outcome.why);
      return [];
    };
    for (const chunk of pendingToHost.splice(0).flatMap(toHost)) {
      watchPageSignIn('page', chunk);
      session.bytesToHost += chunk.length;
      host.write(chunk);
    }
    if (finished) return;
    const fromHost = (chunk: Buffer) => {
      heard();
      watchPageSignIn('server', chunk);
    };
    const pageWatched = pageSignIn ? { toHost: (chunk: Buffer) => watchPageSignIn('page', chunk) } : {};
    pumpBytes(socket, host, session, { fromHost, ...pageWatched, ...(framing || agent ? { transformToHost: toHost } : {}), ...(agent ? { transformFromHost: (chunk: Buffer) => agent.fromServer(chunk) } : {}) });
    // A held connection was paused when taken (nothing is lost): it flows from here.
    host.resume();
  };

  /**
   * VNC: the gateway's part of the handshake (vncSignIn.ts), then the page's
   * with the gateway, then the relay. A server that stops answering midway
   * ends the session as one that never greeted would.
   */
  const signInToHost = (machine: VncSignIn, received: Buffer[], ended: boolean) => {
    signingIn = machine;
    const over = (outcome: SignInOutcome, after: Buffer[]) => {
      stopSignInTimer();
      signingIn = null;
      if (outcome.kind === 'failed') return outcome.fallBack && !retried ? signInAgainWithoutVencrypt(outcome.detail) : finish(outcome.code, outcome.detail, outcome.prompt);
      const chosen = outcome.kind === 'signed-in' || outcome.kind === 'refused' ? { security: outcome.securityName } : {};
      log.debug('signed in for the page', { session: session.id, held: taken !== null, outcome: outcome.kind, ...chosen, ...(outcome.kind !== 'passthrough' ? { roundTripMs: outcome.roundTripMs } : {}) });
      if (outcome.kind === 'signed-in' && outcome.encryption) sessions.setSecurity(session, { encrypted: true, verified: outcome.encryption === 'tls-verified', method: outcome.securityName });
      // What the server sent after the sign-in's last byte (ServerInit, a refusal's reason) follows it.
      const serverBytes = after.length > 0 ? Buffer.concat([outcome.serverBytes, ...after]) : outcome.serverBytes;
      if (outcome.kind === 'refused') refusedSignIn = refusalDetail(outcome.securityName, serverBytes);
      if (outcome.kind === 'passthrough') {
        pageSignIn = new PageSignInWatch('version');
        noteToPage(outcome);
        return pump(greetingApart(serverBytes), false);
      }
      // A server that closed after refusing (while held) has said all it will.
      if (ended) endedWhileCatchingUp = 'server-closed';
      if (outcome.kind === 'hand-over') {
        // The page is given the server's types as they came and signs in itself.
        pageSignIn = new PageSignInWatch('types');
        watchPageSignIn('server', serverBytes);
      }
      handshakeWithPage({ ...outcome, serverBytes });
    };
    // Once the server has greeted, the rest of the sign-in must come within the greeting's time (a server may greet and go silent).
    const greetedNow = () => {
      heard();
      if (!signInTimer) startSignInTimer();
    };
    if (machine.begun) greetedNow();
    if (machine.outcome) {
      for (const chunk of received) session.bytesFromHost += chunk.length;
      return over(machine.outcome, received);
    }
    let settled = false;
    /** The sign-in's outcome, once there is one (after bytes from the server, or a certificate's verdict). */
    const settle = (after: Buffer[]) => {
      askForPassword(machine);
      const outcome = machine.outcome;
      if (!outcome || settled) return;
      settled = true;
      host.off('data', onData);
      host.pause();
      for (const rest of after) session.bytesFromHost += rest.length;
      over(outcome, after);
    };
    // A certificate's verdict (VeNCrypt X509) may end the sign-in with no byte arriving.
    machine.onVerdict = () => settle([]);
    const onData = (chunk: Buffer, after: Buffer[] = []) => {
      if (settled) return;
      greetedNow();
      session.bytesFromHost += chunk.length;
      for (const out of machine.feed(chunk)) {
        session.bytesToHost += out.length;
        host.write(out);
      }
      if (machine.wantsTls && !(host instanceof tls.TLSSocket)) {
        // VeNCrypt's TLS starts: the sign-in goes on with the decrypted bytes (the raw socket's errors reach the TLS socket).
        host.off('data', onData);
        host.on('error', () => undefined);
        host = startTls(host, machine, { host: session.host, judge: signIn?.judge ?? null });
        watch(host);
        host.on('data', onData);
      }
      settle(after);
    };
    host.on('data', onData);
    const unread = [...received];
    while (unread.length > 0 && !machine.outcome) onData(unread.shift()!, unread);
    // Waiting for a password since the connection was held.
    askForPassword(machine);
    if (!machine.outcome) host.resume();
  };

  /**
   * TLSVnc with no saved password: the sign-in waits at the server's
   * challenge while the page asks the user (the note `{"needPassword": true}`)
   * and answers in text (`{"password": …}`), as noVNC's own question would
   * have been answered in the page. No stall timer while a person types.
   */
  let askedForPassword = false;
  const askForPassword = (machine: VncSignIn) => {
    if (!machine.needsPassword || askedForPassword) return;
    askedForPassword = true;
    stopSignInTimer();
    socket.send(JSON.stringify({ needPassword: true }));
  };
  const fromPage = (text: Buffer) => {
    const machine = signingIn;
    if (!machine?.needsPassword) return;
    let password: unknown;
    try {
      password = (JSON.parse(text.toString('utf8')) as { password?: unknown }).password;
    } catch {
      return;
    }
    if (typeof password !== 'string') return;
    for (const out of machine.supplyPassword(password)) {
      session.bytesToHost += out.length;
      host.write(out);
    }
    startSignInTimer();
  };

  /**
   * A sign-in that could not finish inside VeNCrypt (no subtype the gateway
   * does, say) goes again on a new connection, without VeNCrypt: the page saw
   * none of the first, so it gets what it got before the gateway did TLS.
   */
  const signInAgainWithoutVencrypt = (detail: string) => {
    retried = true;
    log.info('VeNCrypt not finished; signing in again without it', { session: session.id, detail });
    for (const unwatch of watched.splice(0)) unwatch();
    host.on('error', () => undefined);
    host.destroy();
    connected = false;
    host = connectToHost();
    watch(host);
    const ms = timeouts.connectMs + timeouts.greetingMs;
    startSignInTimer(ms, `no sign-in within ${ms} ms of connecting again`);
    host.once('connect', () => {
      connected = true;
      host.setKeepAlive(true, 15_000);
      signInToHost(gatewaySignIn(signIn ?? { password: null, judge: null, requireTls: false }, false), [], false);
    });
  };

  /**
   * The relay's first message, in text, before any RFB: the shortest of the
   * gateway's round trips, for the page's choice between asking and
   * streaming (updateRequests.ts); and, where the page signs in itself
   * (a server the gateway cannot sign in to), the saved password, for noVNC
   * to answer with when it asks, as it had before the gateway signed in.
   */
  const noteToPage = (outcome: Exclude<SignInOutcome, { kind: 'failed' }>) => {
    const note: { roundTripMs?: number; savedPassword?: string } = {};
    if (outcome.kind !== 'passthrough' && outcome.roundTripMs !== null) note.roundTripMs = outcome.roundTripMs;
    if ((outcome.kind === 'passthrough' || outcome.kind === 'hand-over') && signIn?.password) note.savedPassword = signIn.password;
    if (Object.keys(note).length > 0) socket.send(JSON.stringify(note));
    // Used once: not kept for the rest of the session.
    if (signIn) signIn.password = null;
  };

  /** The page's handshake with the gateway (vncSignIn.ts PageHandshake); the server's end is held meanwhile. */
  const handshakeWithPage = (outcome: Exclude<SignInOutcome, { kind: 'passthrough' | 'failed' }>) => {
    noteToPage(outcome);
    const page = new PageHandshake(outcome);
    catchingUp = true;
    const toPage = (messages: Buffer[]) => {
      for (const message of messages) socket.send(message, { binary: true, compress: false });
    };
    const onPage = (data: Buffer | ArrayBuffer | Buffer[]) => {
      const { toPage: next, rest } = page.feed(toBuffer(data));
      toPage(next);
      if (!page.done) return;
      socket.off('message', onPage);
      catchingUp = false;
      if (rest.length > 0) pendingToHost.push(rest);
      // The server may have gone while the page caught up (it closes after refusing a password): the page has its answer now.
      if (endedWhileCatchingUp) {
        endedBy = 'host';
        return finish(endedWhileCatchingUp);
      }
      pump([], true);
    };
    socket.off('message', holdUntilConnected);
    socket.on('message', onPage);
    toPage(page.start());
    // Whatever the page sent before it was greeted (noVNC sends nothing), read as one message.
    const early = pendingToHost.splice(0);
    if (early.length > 0) onPage(Buffer.concat(early));
  };

  /**
   * VNC under a clipboard policy (policySchema.ts): the page's messages are
   * framed and what the policy forbids is left out (vncClipboardFilter.ts).
   * Not where the page signed in itself (an RFB version the gateway does not
   * sign in with): the page's own refusal is all there is then.
   */
  const clipboardFilter = (framed: boolean): VncClipboardFilter | null => {
    const { clipboardToRemote, clipboardToLocal } = session.redirection;
    if (session.protocol !== 'vnc' || (clipboardToRemote && clipboardToLocal)) return null;
    if (!framed) {
      log.info('clipboard policy left to the page: the page signs in itself', { session: session.id });
      return null;
    }
    return new VncClipboardFilter({ toRemote: clipboardToRemote, toLocal: clipboardToLocal });
  };

  /**
   * SPICE under a clipboard or file policy: each channel's relay reads the
   * link, and on the main channel leaves out the page's agent messages the
   * policy forbids (spiceAgentFilter.ts); other channels pass untouched.
   */
  const spiceFilter = (): SpiceAgentFilter | null => {
    const { clipboardToRemote, clipboardToLocal, fileTransfer } = session.redirection;
    if (session.protocol !== 'spice' || (clipboardToRemote && clipboardToLocal && fileTransfer)) return null;
    return new SpiceAgentFilter({ toRemote: clipboardToRemote, toLocal: clipboardToLocal, files: fileTransfer });
  };

  // While the page catches up with a sign-in, the server's end waits for it (so the page reads the server's answer first).
  const hostEnded = (reason: ErrorCode, detail?: string) => {
    if (catchingUp) endedWhileCatchingUp ??= reason;
    else {
      if (!finished) endedBy = 'host';
      finish(reason, detail);
    }
  };
  const watched: Array<() => void> = [];
  const watch = (socket: net.Socket) => {
    const onError = (error: NodeJS.ErrnoException) => {
      // A TLS handshake (VeNCrypt) that failed says so; the rest as any socket's.
      const tlsFailed = socket instanceof tls.TLSSocket && (error.code?.startsWith('ERR_SSL') === true || error.message.includes('SSL'));
      // During the sign-in, as a VeNCrypt the gateway could not finish: again without it.
      if (tlsFailed && signingIn?.tlsKind === 'anonymous' && !signingIn.requireTls && !retried) return signInAgainWithoutVencrypt(`TLS: ${error.code ?? error.message}`);
      hostEnded(tlsFailed ? 'tls-failed' : classifySocketError(error, connected), error.code ?? error.message);
    };
    const onEnd = () => hostEnded(connected ? 'server-closed' : 'host-refused');
    const onClose = () => hostEnded(connected ? 'server-closed' : 'host-unreachable');
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    watched.push(() => {
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onClose);
    });
  };
  watch(host);

  if (taken?.connected) onConnected();
  else host.once(hostTls ? 'secureConnect' : 'connect', onConnected);

  socket.on('close', (code: number) => {
    if (!finished) {
      endedBy = 'page';
      pageCode = code;
    }
    finish(null);
  });
  socket.on('error', () => {
    if (!finished) endedBy = 'page';
    finish(null);
  });
}
