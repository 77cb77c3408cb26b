// Opens the secure transport to an RDP server as the client side of it:
// TCP, the X.224 Connection Request, the whole Connection Confirm, then the
// TLS handshake (TLS ends here, in the gateway). Used by the certificate
// preflight (which then closes) and by the RDCleanPath endpoint (which then
// relays). Credentials never travel here: CredSSP starts only after the
// caller has checked the certificate and answered the client.
import net from 'node:net';
import tls from 'node:tls';
import type { ErrorCode } from '../../../../shared/errors/errorCodes';
import { peerChain } from '../../certificates/certificateTrust';
import { classifySocketError, type RelayTimeouts, DEFAULT_RELAY_TIMEOUTS } from '../tcpRelay';
import { MAX_CONFIRM_LENGTH, NEG_FAILURE, PROTOCOL, X224Error, parseConnectionConfirm, tpktLength, type ConnectionConfirm } from './x224';

export type RdpTransportResult =
  | {
      kind: 'secured';
      socket: tls.TLSSocket;
      confirm: Uint8Array;
      selectedProtocol: number;
      chain: Uint8Array[];
      serverAddr: string;
      /**
       * The round trip to the server (ms), not TCP's handshake (which a relay or
       * load balancer in between answers itself): the least of the X.224 Request
       * sent → its whole Confirm read, and the TLS handshake's time over its
       * round trips (two for TLS 1.2, one for 1.3). Each is the round trip plus
       * the server's work; a server slow to answer its first X.224 (freerdp-shadow
       * starting a client's thread) is then not taken for a far one.
       */
      roundTripMs: number;
    }
  | { kind: 'negotiation-failed'; code: ErrorCode; confirm: Uint8Array; failureCode: number }
  | { kind: 'failed'; code: ErrorCode; detail: string; tlsAlert?: number };

export function negotiationFailureCode(failureCode: number): ErrorCode {
  switch (failureCode) {
    case NEG_FAILURE.HYBRID_REQUIRED_BY_SERVER:
    case NEG_FAILURE.SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER:
      return 'nla-required';
    case NEG_FAILURE.SSL_REQUIRED_BY_SERVER:
      return 'tls-required';
    case NEG_FAILURE.SSL_NOT_ALLOWED_BY_SERVER:
    case NEG_FAILURE.SSL_CERT_NOT_ON_SERVER:
      return 'legacy-security';
    default:
      return 'protocol-error';
  }
}

/** OpenSSL names TLS alerts in its error reasons; RDCleanPath carries the number (RFC 8446 §6). */
function tlsAlertOf(error: Error): number | undefined {
  const match = /alert number (\d+)/.exec(error.message) ?? /SSL alert number (\d+)/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

export async function openRdpTransport(options: {
  host: string;
  port: number;
  x224Request: Uint8Array;
  timeouts?: RelayTimeouts;
}): Promise<RdpTransportResult> {
  const timeouts = options.timeouts ?? DEFAULT_RELAY_TIMEOUTS;
  const tcp = net.connect({ host: options.host, port: options.port, noDelay: true });
  let connected = false;
  let requestSentAt = 0;

  const confirm = await new Promise<{ ok: true; pdu: Uint8Array; roundTripMs: number } | { ok: false; code: ErrorCode; detail: string }>((resolve) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(
      () => resolve(connected ? { ok: false, code: 'no-greeting', detail: 'no X.224 Connection Confirm in time' } : { ok: false, code: 'host-unreachable', detail: `no answer within ${timeouts.connectMs} ms` }),
      timeouts.connectMs,
    );
    const done = (result: Parameters<typeof resolve>[0]) => {
      clearTimeout(timer);
      tcp.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      try {
        const length = tpktLength(buffered);
        if (length === null) return;
        if (length > MAX_CONFIRM_LENGTH) return done({ ok: false, code: 'protocol-error', detail: `X.224 confirm of ${length} bytes` });
        if (buffered.length < length) return;
        if (buffered.length > length) return done({ ok: false, code: 'protocol-error', detail: 'unexpected bytes after the X.224 confirm' });
        tcp.pause();
        done({ ok: true, pdu: new Uint8Array(buffered), roundTripMs: performance.now() - requestSentAt });
      } catch (error) {
        done({ ok: false, code: 'protocol-error', detail: (error as Error).message });
      }
    };
    tcp.on('connect', () => {
      connected = true;
      requestSentAt = performance.now();
      tcp.setKeepAlive(true, 15_000);
      tcp.write(options.x224Request);
    });
    tcp.on('data', onData);
    tcp.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, code: classifySocketError(error, connected), detail: error.code ?? error.message }));
    tcp.on('close', () => done({ ok: false, code: connected ? 'server-closed' : 'host-unreachable', detail: 'closed before the X.224 confirm' }));
  });
  if (!confirm.ok) {
    tcp.destroy();
    return { kind: 'failed', code: confirm.code, detail: confirm.detail };
  }

  let parsed: ConnectionConfirm;
  try {
    parsed = parseConnectionConfirm(confirm.pdu);
  } catch (error) {
    tcp.destroy();
    return { kind: 'failed', code: 'protocol-error', detail: error instanceof X224Error ? error.message : String(error) };
  }
  if (parsed.kind === 'failure') {
    tcp.destroy();
    return { kind: 'negotiation-failed', code: negotiationFailureCode(parsed.failureCode), confirm: confirm.pdu, failureCode: parsed.failureCode };
  }
  if (parsed.kind === 'legacy' || parsed.protocol === PROTOCOL.RDP || parsed.protocol === PROTOCOL.RDSTLS) {
    tcp.destroy();
    return { kind: 'failed', code: 'legacy-security', detail: 'the server selected standard RDP security' };
  }

  let handshakeStartedAt = 0;
  const secured = await new Promise<{ ok: true; socket: tls.TLSSocket } | { ok: false; detail: string; alert?: number }>((resolve) => {
    const socket = tls.connect({
      socket: tcp,
      // The chain is checked by certificateTrust against roots, pins and the user's choice, not here.
      rejectUnauthorized: false,
      ...(net.isIP(options.host) ? {} : { servername: options.host }),
      minVersion: 'TLSv1.2',
    });
    // Timed from here: making the TLS context (the first time in a process, its root store) is not the link's.
    handshakeStartedAt = performance.now();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, detail: 'TLS handshake timed out' });
    }, timeouts.connectMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({ ok: true, socket });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      const alert = tlsAlertOf(error);
      resolve({ ok: false, detail: error.message, ...(alert !== undefined ? { alert } : {}) });
    });
    tcp.resume();
  });
  if (!secured.ok) {
    tcp.destroy();
    return { kind: 'failed', code: 'tls-failed', detail: secured.detail, ...(secured.alert !== undefined ? { tlsAlert: secured.alert } : {}) };
  }
  const handshakeRoundTrips = secured.socket.getProtocol() === 'TLSv1.3' ? 1 : 2;
  const tlsRoundTripMs = (performance.now() - handshakeStartedAt) / handshakeRoundTrips;
  return {
    kind: 'secured',
    socket: secured.socket,
    confirm: confirm.pdu,
    selectedProtocol: parsed.protocol,
    chain: peerChain(secured.socket),
    serverAddr: tcp.remoteAddress ?? options.host,
    roundTripMs: Math.min(confirm.roundTripMs, tlsRoundTripMs),
  };
}

/** The protocols to ask for, from the profile's security setting (MS-RDPBCGR 2.2.1.1.1). */
export function requestedProtocolsFor(security: 'negotiate' | 'nla' | 'tls'): number {
  switch (security) {
    case 'nla':
      return PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX;
    case 'tls':
      return PROTOCOL.SSL;
    default:
      return PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX;
  }
}
