// A connection through an HTTP proxy's CONNECT (RFC 9110 §9.3.6), as SPICE
// clients reach a virtual machine through Proxmox VE's spiceproxy (port
// 3128) or any HTTP proxy: the gateway connects to the proxy, asks it to
// CONNECT to the target, and once the proxy answers 2xx the connection is
// the target's, byte for byte (TLS, if any, is between the gateway and the
// target, through the proxy, and checked as any other: spiceTls.ts).
//
// The target is passed on as written, never resolved here: a Proxmox console
// file's host ("pvespiceproxy:5f6a…:101:node::…") is a ticket only its proxy
// understands. IPv6 literals go in brackets.
import net from 'node:net';
import type { ErrorCode } from '../../../shared/errors/errorCodes';
import { classifySocketError } from './tcpRelay';
import { parseHttpProxy, type HttpProxy } from '../../../shared/profiles/spiceProxy';
import type { Protocol } from '../../../shared/profiles/profileSchema';

/** The HTTP proxy a profile's SPICE channels go through, if any (profileSchema validated the address). */
export function spiceProxyOf(profile: { protocol: Protocol; spiceProxy: string }): HttpProxy | null {
  if (profile.protocol !== 'spice' || !profile.spiceProxy) return null;
  const parsed = parseHttpProxy(profile.spiceProxy);
  return parsed.ok ? parsed.proxy : null;
}

export type TunnelOutcome<S extends net.Socket> = { ok: true; socket: S } | { ok: false; code: ErrorCode; detail: string };

/** The largest proxy answer head read before the tunnel (real ones are a few hundred bytes). */
const MAX_HEAD_BYTES = 16 * 1024;

function authority(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * Opens the tunnel: resolves with the proxy connection (now the target's),
 * or why not. `abort()` ends an attempt under way (the page went away).
 */
export function openHttpTunnel(proxy: HttpProxy, target: { host: string; port: number }, timeoutMs: number): { done: Promise<TunnelOutcome<net.Socket>>; abort(): void } {
  const socket = net.connect({ host: proxy.host, port: proxy.port, noDelay: true });
  const where = `the proxy ${authority(proxy.host, proxy.port)}`;
  let settle: (outcome: TunnelOutcome<net.Socket>) => void = () => undefined;
  const done = new Promise<TunnelOutcome<net.Socket>>((resolve) => (settle = resolve));
  let connected = false;
  let finished = false;
  let head = Buffer.alloc(0);
  const finish = (outcome: TunnelOutcome<net.Socket>) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('close', onClose);
    if (!outcome.ok) {
      socket.on('error', () => undefined);
      socket.destroy();
    }
    settle(outcome);
  };
  const timer = setTimeout(
    () => finish({ ok: false, code: 'host-unreachable', detail: connected ? `${where} did not answer the CONNECT within ${timeoutMs} ms` : `${where} did not answer within ${timeoutMs} ms` }),
    timeoutMs,
  );
  const onError = (error: NodeJS.ErrnoException) => finish({ ok: false, code: classifySocketError(error, false), detail: `${where}: ${error.code ?? error.message}` });
  const onClose = () => finish({ ok: false, code: connected ? 'proxy-refused' : 'host-unreachable', detail: `${where} closed the connection before answering the CONNECT` });
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_HEAD_BYTES) finish({ ok: false, code: 'protocol-error', detail: `${where} answered the CONNECT with more than ${MAX_HEAD_BYTES} bytes of headers` });
      return;
    }
    const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
    const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!status) return finish({ ok: false, code: 'protocol-error', detail: `${where} did not answer as an HTTP proxy (${JSON.stringify(statusLine.slice(0, 60))})` });
    const code = Number(status[1]);
    const said = `${where} answered ${code}${status[2] ? ` ${status[2]}` : ''}`;
    if (code === 407) return finish({ ok: false, code: 'proxy-auth-required', detail: said });
    if (code < 200 || code > 299) return finish({ ok: false, code: 'proxy-refused', detail: said });
    // Held until the relay reads (nothing is lost in between); bytes after the head are the target's already.
    socket.pause();
    const rest = head.subarray(end + 4);
    if (rest.length > 0) socket.unshift(rest);
    finish({ ok: true, socket });
  };
  socket.on('error', onError);
  socket.on('close', onClose);
  socket.once('connect', () => {
    connected = true;
    const target_ = authority(target.host, target.port);
    socket.write(`CONNECT ${target_} HTTP/1.1\r\nHost: ${target_}\r\n\r\n`);
    socket.on('data', onData);
  });
  return {
    done,
    abort: () => finish({ ok: false, code: 'user-ended', detail: 'the page went away' }),
  };
}
