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

  const connectTimer = setTimeout(() => finish('host-unreachable', `no answer within ${timeouts.connectMs} ms`), timeouts.connectMs);
  let greetingTimer: NodeJS.Timeout | null = null;

  const finish = (reason: ErrorCode | null, detail?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(connectTimer);
    if (greetingTimer) clearTimeout(greetingTimer);
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

  // Until the host answers, bytes from the browser wait here.
  const holdUntilConnected = (data: Buffer | ArrayBuffer | Buffer[]) => {
    const chunk = toBuffer(data);
    session.bytesToHost += chunk.length;
    pendingToHost.push(chunk);
  };
  socket.on('message', holdUntilConnected);

  const onConnected = () => {
    connected = true;
    clearTimeout(connectTimer);
    // Keepalive finds a dead peer even when the desktop is idle; it never ends a quiet session.
    host.setKeepAlive(true, 15_000);
    socket.off('message', holdUntilConnected);
    for (const chunk of pendingToHost.splice(0)) host.write(chunk);
    if (!greeted) greetingTimer = setTimeout(() => finish('no-greeting', `no data within ${timeouts.greetingMs} ms of connecting`), timeouts.greetingMs);
    const heard = () => {
      if (!greeted) {
        greeted = true;
        if (greetingTimer) clearTimeout(greetingTimer);
      }
    };
    // What the server sent while the connection was held (its greeting) goes first.
    for (const chunk of taken?.received.splice(0) ?? []) {
      heard();
      session.bytesFromHost += chunk.length;
      socket.send(chunk, { binary: true, compress: false });
    }
    pumpBytes(socket, host, session, { fromHost: heard });
    // A held connection was paused when taken (nothing is lost): it flows from here.
    host.resume();
    log.debug('connected to host', { session: session.id, held: taken !== null });
  };
  if (taken?.connected) onConnected();
  else host.on('connect', onConnected);

  host.on('error', (error: NodeJS.ErrnoException) => finish(classifySocketError(error, connected), error.code ?? error.message));
  host.on('end', () => finish(connected ? 'server-closed' : 'host-refused'));
  host.on('close', () => finish(connected ? 'server-closed' : 'host-unreachable'));

  socket.on('close', () => finish(null));
  socket.on('error', () => finish(null));
}
