// The byte relay between a WebSocket and the remote host, for VNC and SPICE.
// It adds nothing to the protocol: bytes in, bytes out, with backpressure both
// ways, and it tells the control channel why a connection failed, which the
// protocol library in the renderer cannot know.
import net from 'node:net';
import type WebSocket from 'ws';
import type { ErrorCode } from '../../../shared/errors/errorCodes';
import type { Logger } from '../logging/logger';
import type { SessionRegistry, GatewaySession } from '../sessions/sessionRegistry';
import { pumpBytes, toBuffer } from './socketPump';
import { PageHandshake, VncSignIn, type SignInOutcome } from './vncSignIn';

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

export function relayToHost(
  socket: WebSocket,
  session: GatewaySession,
  sessions: SessionRegistry,
  logger: Logger,
  timeouts: RelayTimeouts = DEFAULT_RELAY_TIMEOUTS,
): void {
  const log = logger.child('relay');
  // A VNC session's connection, opened when the session was created (heldHostConnection.ts); else a new one.
  const held = session.heldConnection?.take();
  session.heldConnection = null;
  if (held && !held.connection) log.debug('held connection not used', { session: session.id, why: held.why });
  const taken = held?.connection ?? null;
  const host = taken?.socket ?? net.connect({ host: session.host, port: session.port, noDelay: true });
  let connected = false;
  let greeted = !serverSpeaksFirst(session);
  let finished = false;
  const pendingToHost: Buffer[] = [];
  // VNC: the gateway signs in for the page (vncSignIn.ts). Taken here: the password is used once.
  const signIn = session.protocol === 'vnc' ? session.vncSignIn : null;
  session.vncSignIn = null;
  let catchingUp = false;
  let endedWhileCatchingUp: ErrorCode | null = null;

  const connectTimer = setTimeout(() => finish('host-unreachable', `no answer within ${timeouts.connectMs} ms`), timeouts.connectMs);
  let greetingTimer: NodeJS.Timeout | null = null;
  let signInTimer: NodeJS.Timeout | null = null;

  const finish = (reason: ErrorCode | null, detail?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(connectTimer);
    if (greetingTimer) clearTimeout(greetingTimer);
    if (signInTimer) clearTimeout(signInTimer);
    session.bridgeClosers.delete(closer);
    if (reason && reason !== 'user-ended') {
      sessions.fail(session, reason, detail);
      log.info('relay ended', { session: session.id, reason, detail });
    }
    host.destroy();
    // 4000 + a small code lets a client without the control channel tell failures apart.
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      socket.close(reason && reason !== 'user-ended' ? 4000 : 1000, reason ?? 'closed');
    }
    if (session.bridgeClosers.size === 0 && session.state !== 'disconnected') sessions.setState(session, 'disconnected');
  };
  const closer = (reason: ErrorCode) => finish(reason);
  session.bridgeClosers.add(closer);

  // Until the host answers (and, for a sign-in, until the page's handshake starts), bytes from the browser wait here.
  const holdUntilConnected = (data: Buffer | ArrayBuffer | Buffer[]) => {
    pendingToHost.push(toBuffer(data));
  };
  socket.on('message', holdUntilConnected);

  const onConnected = () => {
    connected = true;
    clearTimeout(connectTimer);
    // Keepalive finds a dead peer even when the desktop is idle; it never ends a quiet session.
    host.setKeepAlive(true, 15_000);
    if (!greeted) greetingTimer = setTimeout(() => finish('no-greeting', `no data within ${timeouts.greetingMs} ms of connecting`), timeouts.greetingMs);
    // What the server sent while the connection was held (its greeting) goes first.
    const greeting = taken?.received.splice(0) ?? [];
    // Begun (or done) while the connection was held; else begun here.
    if (taken?.signIn) return signInToHost(taken.signIn, greeting, taken.ended);
    if (signIn) return signInToHost(new VncSignIn(signIn.password), greeting, false);
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

  /** From here on, bytes both ways as they come: `fromServer` first (to the page), then what the page sent meanwhile (to the server). */
  const pump = (fromServer: Buffer[]) => {
    socket.off('message', holdUntilConnected);
    for (const chunk of fromServer) {
      heard();
      socket.send(chunk, { binary: true, compress: false });
    }
    for (const chunk of pendingToHost.splice(0)) {
      session.bytesToHost += chunk.length;
      host.write(chunk);
    }
    pumpBytes(socket, host, session, { fromHost: heard });
    // A held connection was paused when taken (nothing is lost): it flows from here.
    host.resume();
  };

  /**
   * VNC: the gateway's part of the handshake (vncSignIn.ts), then the page's
   * with the gateway, then the relay. A server that stops answering midway
   * ends the session as one that never greeted would.
   */
  const signInToHost = (machine: VncSignIn, received: Buffer[], ended: boolean) => {
    const over = (outcome: SignInOutcome, after: Buffer[]) => {
      clearTimeout(signInTimer ?? undefined);
      const chosen = outcome.kind === 'signed-in' || outcome.kind === 'refused' ? { securityType: outcome.securityType } : {};
      log.debug('signed in for the page', { session: session.id, held: taken !== null, outcome: outcome.kind, ...chosen, ...(outcome.kind !== 'passthrough' ? { roundTripMs: outcome.roundTripMs } : {}) });
      // What the server sent after the sign-in's last byte (ServerInit, a refusal's reason) follows it.
      const serverBytes = after.length > 0 ? Buffer.concat([outcome.serverBytes, ...after]) : outcome.serverBytes;
      if (outcome.kind === 'passthrough') {
        noteToPage(outcome);
        return pump([serverBytes]);
      }
      // A server that closed after refusing (while held) has said all it will.
      if (ended) endedWhileCatchingUp = 'server-closed';
      handshakeWithPage({ ...outcome, serverBytes });
    };
    // Once the server has greeted, the rest of the sign-in must come within the greeting's time (a server may greet and go silent).
    const greetedNow = () => {
      heard();
      signInTimer ??= setTimeout(() => finish('no-greeting', `the server stopped answering during sign-in (${timeouts.greetingMs} ms)`), timeouts.greetingMs);
    };
    if (machine.begun) greetedNow();
    if (machine.outcome) {
      for (const chunk of received) session.bytesFromHost += chunk.length;
      return over(machine.outcome, received);
    }
    const onData = (chunk: Buffer, after: Buffer[] = []) => {
      greetedNow();
      session.bytesFromHost += chunk.length;
      for (const out of machine.feed(chunk)) {
        session.bytesToHost += out.length;
        host.write(out);
      }
      const outcome = machine.outcome;
      if (!outcome) return;
      host.off('data', onData);
      host.pause();
      for (const rest of after) session.bytesFromHost += rest.length;
      over(outcome, after);
    };
    host.on('data', onData);
    const unread = [...received];
    while (unread.length > 0 && !machine.outcome) onData(unread.shift()!, unread);
    if (!machine.outcome) host.resume();
  };

  /**
   * The relay's first message, in text, before any RFB: the shortest of the
   * gateway's round trips, for the page's choice between asking and
   * streaming (updateRequests.ts); and, where the page signs in itself
   * (a server the gateway cannot sign in to), the saved password, for noVNC
   * to answer with when it asks, as it had before the gateway signed in.
   */
  const noteToPage = (outcome: SignInOutcome) => {
    const note: { roundTripMs?: number; savedPassword?: string } = {};
    if (outcome.kind !== 'passthrough' && outcome.roundTripMs !== null) note.roundTripMs = outcome.roundTripMs;
    if ((outcome.kind === 'passthrough' || outcome.kind === 'hand-over') && signIn?.password) note.savedPassword = signIn.password;
    if (Object.keys(note).length > 0) socket.send(JSON.stringify(note));
    // Used once: not kept for the rest of the session.
    if (signIn) signIn.password = null;
  };

  /** The page's handshake with the gateway (vncSignIn.ts PageHandshake); the server's end is held meanwhile. */
  const handshakeWithPage = (outcome: Exclude<SignInOutcome, { kind: 'passthrough' }>) => {
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
      if (endedWhileCatchingUp) return finish(endedWhileCatchingUp);
      pump([]);
    };
    socket.off('message', holdUntilConnected);
    socket.on('message', onPage);
    toPage(page.start());
    // Whatever the page sent before it was greeted (noVNC sends nothing), read as one message.
    const early = pendingToHost.splice(0);
    if (early.length > 0) onPage(Buffer.concat(early));
  };

  if (taken?.connected) onConnected();
  else host.on('connect', onConnected);

  // While the page catches up with a sign-in, the server's end waits for it (so the page reads the server's answer first).
  const hostEnded = (reason: ErrorCode, detail?: string) => {
    if (catchingUp) endedWhileCatchingUp ??= reason;
    else finish(reason, detail);
  };
  host.on('error', (error: NodeJS.ErrnoException) => hostEnded(classifySocketError(error, connected), error.code ?? error.message));
  host.on('end', () => hostEnded(connected ? 'server-closed' : 'host-refused'));
  host.on('close', () => hostEnded(connected ? 'server-closed' : 'host-unreachable'));

  socket.on('close', () => finish(null));
  socket.on('error', () => finish(null));
}
