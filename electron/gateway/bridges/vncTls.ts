// TLS for VeNCrypt's subtypes, which the gateway's VNC sign-in chooses where
// the server offers them (vncSignIn.ts).
//
// Anonymous (TLSNone, TLSVnc): no certificate, so it encrypts the session
// against anyone reading the network but not against a machine in the
// middle, which is what TigerVNC's own viewer gets from the same servers. Only
// anonymous suites are offered, so a server cannot present a certificate that
// nothing checks. They exist up to TLS 1.2 only (TLS 1.3 has none), and
// OpenSSL keeps them below its default security level. Electron's BoringSSL
// has none at all: there the gateway does not choose them.
//
// X509 (X509None, X509Vnc): the server's certificate is judged as RDP's is
// (the session's judge: trusted roots, pins, the user's answer; controlApi.ts)
// once TLS is up and before the sign-in sends anything inside it, so a
// password's answer never reaches a server nobody trusted.
import tls from 'node:tls';
import net from 'node:net';
import { VncSignIn } from './vncSignIn';
import { peerChain } from '../certificates/certificateTrust';
import type { ErrorCode } from '../../../shared/errors/errorCodes';
import type { CertificatePromptBody } from '../../../shared/api/contract';

const ANONYMOUS_SUITES = 'aNULL:!eNULL:@SECLEVEL=0';

export type CertificateVerdict = { trusted: true } | { trusted: false; code: ErrorCode; detail: string; prompt?: CertificatePromptBody };
/** Judges a server's certificate chain (leaf first, DER) for this session. */
export type CertificateJudge = (chain: Uint8Array[]) => Promise<CertificateVerdict>;

/** What the gateway signs in to a VNC server with: the session's (controlApi.ts), taken by its relay. */
export interface VncSignInSettings {
  password: string | null;
  judge: CertificateJudge | null;
  requireTls: boolean;
  /** Only a server whose certificate is judged (VeNCrypt X509): the profile is pinned, or set not to connect unverified. */
  requireVerifiedTls?: boolean;
}

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
 * The sign-in the gateway makes for the page (vncSignIn.ts): VeNCrypt's TLS
 * where this process can do it (anonymous suites; X509 where the session has a
 * certificate judge), and a TLSVnc password the page may be asked for.
 * `vencrypt` false: a sign-in made again after VeNCrypt could not be finished,
 * which does not choose it.
 */
export function gatewaySignIn(settings: VncSignInSettings, vencrypt = true): VncSignIn {
  return new VncSignIn(settings.password, {
    anonymousTls: vencrypt && anonymousTlsAvailable(),
    askPassword: true,
    x509: vencrypt && settings.judge !== null,
    requireTls: settings.requireTls,
    requireVerifiedTls: settings.requireVerifiedTls ?? false,
  });
}

/**
 * Starts TLS on a sign-in's connection once its machine `wantsTls`; the
 * decrypted bytes then come from the returned socket. Whatever the machine
 * sends first inside TLS goes as soon as it is up (X509: once the judge has
 * trusted the certificate), whoever owns the socket by then (the held
 * connection, or the relay that took it); a certificate not trusted ends the
 * sign-in (`distrusted`) and the connection.
 */
export function startTls(socket: net.Socket, machine: VncSignIn, options: { host: string; judge: CertificateJudge | null }): tls.TLSSocket {
  const x509 = machine.tlsKind === 'x509';
  const secure = tls.connect({
    socket,
    ...(x509
      ? // Any suite; the certificate is judged here, not by OpenSSL's rules (a self-signed one may be the user's to trust).
        { minVersion: 'TLSv1.2' as const, ...(net.isIP(options.host) ? {} : { servername: options.host }) }
      : // No certificate to check: anonymous suites carry none (and only those are offered).
        { ciphers: ANONYMOUS_SUITES, minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const }),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  secure.setNoDelay(true);
  secure.once('secureConnect', () => {
    for (const out of machine.secured()) secure.write(out);
    if (!x509) return;
    const judge = options.judge;
    const verdict: Promise<CertificateVerdict> = judge
      ? judge(peerChain(secure)).catch((error: unknown) => ({ trusted: false, code: 'tls-failed', detail: `certificate check: ${error instanceof Error ? error.message : String(error)}` }))
      : Promise.resolve({ trusted: false, code: 'tls-failed', detail: 'no certificate check for this session' });
    void verdict.then((v) => {
      if (secure.destroyed) return;
      if (v.trusted) for (const out of machine.trusted()) secure.write(out);
      else machine.distrusted(v.code, v.detail, v.prompt);
      machine.judged();
      if (!v.trusted) secure.destroy();
    });
  });
  return secure;
}
