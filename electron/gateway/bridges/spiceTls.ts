// SPICE over TLS: the server's TLS port wraps every channel in TLS from the
// first byte. The gateway makes the TLS connections and the page speaks
// SPICE inside them, so the certificate is checked in the gateway, as RDP's
// (certificates/certificateTrust.ts): once when the session is created (the
// user may be asked), then each channel's connection must show that same
// certificate before any byte of the page's goes to it.
import net from 'node:net';
import tls from 'node:tls';
import { peerChain, sha256Fingerprint } from '../certificates/certificateTrust';
import type { ErrorCode } from '../../../shared/errors/errorCodes';
import { classifySocketError } from './tcpRelay';
import { openHttpTunnel, type TunnelOutcome } from './httpConnectTunnel';
import type { HttpProxy } from '../../../shared/profiles/spiceProxy';

/**
 * A channel's connection to the TLS port, or TLS over a connection already
 * made to it (a proxy's tunnel); the chain is judged by the caller, not by
 * OpenSSL's rules. A host name is sent as SNI; an address or a proxy's
 * ticket ("pvespiceproxy:…") is not one.
 */
export function connectSpiceTls(host: string, port: number, through?: net.Socket): tls.TLSSocket {
  const socket = tls.connect({
    ...(through ? { socket: through } : { host, port }),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    ...(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host) && !net.isIP(host) ? { servername: host } : {}),
    minVersion: 'TLSv1.2',
  });
  socket.setNoDelay(true);
  return socket;
}

/** The proxy's tunnel to the TLS port (httpConnectTunnel.ts), then TLS inside it; `abort()` ends an attempt under way. */
export function connectSpiceTlsThroughProxy(proxy: HttpProxy, host: string, port: number, timeoutMs: number): { done: Promise<TunnelOutcome<tls.TLSSocket>>; abort(): void } {
  const tunnel = openHttpTunnel(proxy, { host, port }, timeoutMs);
  let aborted = false;
  let secure: tls.TLSSocket | null = null;
  let settle: (outcome: TunnelOutcome<tls.TLSSocket>) => void = () => undefined;
  const done = new Promise<TunnelOutcome<tls.TLSSocket>>((resolve) => (settle = resolve));
  void tunnel.done.then((outcome) => {
    if (!outcome.ok) return settle(outcome);
    if (aborted) {
      outcome.socket.destroy();
      return settle({ ok: false, code: 'user-ended', detail: 'the page went away' });
    }
    const socket = connectSpiceTls(host, port, outcome.socket);
    secure = socket;
    const timer = setTimeout(() => fail('tls-failed', `TLS handshake through the proxy timed out (${timeoutMs} ms)`), timeoutMs);
    const fail = (code: ErrorCode, detail: string) => {
      clearTimeout(timer);
      socket.removeAllListeners('secureConnect');
      socket.on('error', () => undefined);
      socket.destroy();
      settle({ ok: false, code, detail });
    };
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      settle({ ok: true, socket });
    });
    const onError = (error: NodeJS.ErrnoException) => fail(error.code === 'ECONNRESET' ? 'connection-lost' : 'tls-failed', `TLS through the proxy: ${error.code ?? error.message}`);
    socket.once('error', onError);
  });
  return {
    done,
    abort: () => {
      aborted = true;
      tunnel.abort();
      secure?.destroy();
      settle({ ok: false, code: 'user-ended', detail: 'the page went away' });
    },
  };
}

/** The certificate the server shows (leaf first), from a connection made for that alone (through the proxy, if any); closed afterwards. */
export async function spiceCertificateChain(host: string, port: number, timeoutMs: number, proxy: HttpProxy | null = null): Promise<{ ok: true; chain: Uint8Array[] } | { ok: false; code: ErrorCode; detail: string }> {
  if (proxy) {
    const outcome = await connectSpiceTlsThroughProxy(proxy, host, port, timeoutMs).done;
    if (!outcome.ok) return outcome;
    const chain = peerChain(outcome.socket);
    outcome.socket.on('error', () => undefined);
    outcome.socket.destroy();
    return { ok: true, chain };
  }
  return await new Promise((resolve) => {
    const socket = connectSpiceTls(host, port);
    let connected = false;
    const done = (outcome: { ok: true; chain: Uint8Array[] } | { ok: false; code: ErrorCode; detail: string }) => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, code: connected ? 'tls-failed' : 'host-unreachable', detail: connected ? 'TLS handshake timed out' : `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => (connected = true));
    socket.once('secureConnect', () => done({ ok: true, chain: peerChain(socket) }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const tlsFailed = connected || error.code?.startsWith('ERR_SSL') === true || error.message.includes('SSL');
      done({ ok: false, code: tlsFailed && error.code !== 'ECONNRESET' ? 'tls-failed' : classifySocketError(error, connected), detail: error.code ?? error.message });
    });
  });
}

/** Whether a channel's connection shows the certificate the session was opened with (null: it does; else why not). */
export function sameCertificate(socket: tls.TLSSocket, fingerprint: string): string | null {
  const leaf = peerChain(socket)[0];
  if (!leaf) return 'the server showed no certificate';
  const shown = sha256Fingerprint(leaf);
  return shown === fingerprint ? null : `the server showed ${shown}, not the certificate checked when the session opened (${fingerprint})`;
}
