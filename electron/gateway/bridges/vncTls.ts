// TLS for VeNCrypt's anonymous subtypes (TLSNone, TLSVnc), which the gateway's
// VNC sign-in chooses where the server offers them (vncSignIn.ts).
//
// Anonymous TLS has no certificate: it encrypts the session against anyone
// reading the network, not against a machine in the middle, which is what
// TigerVNC's own viewer gets from the same servers. Only anonymous suites are
// offered, so a server cannot present a certificate that nothing checks. They
// exist up to TLS 1.2 only (TLS 1.3 has none), and OpenSSL keeps them below
// its default security level. Electron's BoringSSL has none at all: there the
// gateway does not choose VeNCrypt, and signs in as it did before.
import tls from 'node:tls';
import type net from 'node:net';
import type { VncSignIn } from './vncSignIn';

const ANONYMOUS_SUITES = 'aNULL:!eNULL:@SECLEVEL=0';

let available: boolean | null = null;

/** Whether this process's TLS library does anonymous suites (Node's OpenSSL: yes; Electron's BoringSSL: no). */
export function anonymousTlsAvailable(): boolean {
  if (available === null) {
    try {
      tls.createSecureContext({ ciphers: ANONYMOUS_SUITES, maxVersion: 'TLSv1.2' });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * Starts TLS on a sign-in's connection once its machine `wantsTls`; the
 * decrypted bytes then come from the returned socket. Whatever the machine
 * sends first inside TLS goes as soon as it is up, whoever owns the socket by
 * then (the held connection, or the relay that took it).
 */
export function startTls(socket: net.Socket, machine: VncSignIn): tls.TLSSocket {
  const secure = tls.connect({
    socket,
    ciphers: ANONYMOUS_SUITES,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    // No certificate to check: anonymous suites carry none (and only those are offered).
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  secure.setNoDelay(true);
  secure.once('secureConnect', () => {
    for (const out of machine.secured()) secure.write(out);
  });
  return secure;
}
