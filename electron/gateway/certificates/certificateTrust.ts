// Server certificate checks for TLS protocols (ARCHITECTURE.md: the gateway
// checks the certificate in one trusted place, before credentials leave).
// A chain that verifies against the trusted roots (bundled, the OS store where
// readable, and CAs from policy) and names the host passes. Otherwise a pin
// decides: a policy pin always wins; a user pin that matches passes; a pin
// that no longer matches is a change the user must see.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { CertificateInfo } from '../../../shared/api/contract';
import { pathRefusal } from './pathConstraints';

export type TrustVerdict =
  | { kind: 'trusted'; by: 'ca' | 'user-pin' | 'policy-pin' | 'accepted-once' }
  | { kind: 'untrusted'; reason: string }
  | { kind: 'changed'; previous: string }
  | { kind: 'policy-mismatch' };

/** Walks Node's linked peer certificate into a DER chain, leaf first (RDP's preflight, VNC's VeNCrypt X509). */
export function peerChain(socket: tls.TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

export function sha256Fingerprint(der: Uint8Array): string {
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

export function describeCertificate(chain: Uint8Array[]): CertificateInfo {
  const leaf = chain[0];
  if (!leaf) throw new Error('empty certificate chain');
  const cert = new X509Certificate(leaf);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    fingerprintSha256: sha256Fingerprint(leaf),
    subjectAltName: cert.subjectAltName ?? null,
    selfSigned: cert.issuer === cert.subject,
  };
}

const OS_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];
let osRoots: string[] | null = null;

/** Roots Node bundles plus the OS bundle where one is readable. */
export function defaultRoots(): string[] {
  if (osRoots === null) {
    osRoots = [];
    for (const file of OS_BUNDLES) {
      try {
        osRoots.push(readFileSync(file, 'utf8'));
        break;
      } catch {
        // not on this OS
      }
    }
  }
  return [...tls.rootCertificates, ...osRoots];
}

/**
 * A certificate subject as a comparable list of attributes ("O=corp, CN=host" and Node's
 * "O=corp\nCN=host" alike): attribute names upper-cased, spaces around the separators dropped.
 */
export function normalisedSubject(subject: string, separators: RegExp = /[,\n\/]/): string[] {
  return subject
    .split(separators)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [name = '', ...value] = part.split('=');
      return `${name.trim().toUpperCase()}=${value.join('=').trim()}`;
    })
    .sort();
}

/**
 * Verifies the chain against roots and checks the host name; with `subject`, the leaf's subject must be that one
 * instead (virt-viewer's host-subject). Each step up is checked with Node's (OpenSSL's) `checkIssued` (names, key
 * identifiers, keyUsage keyCertSign) and `verify` (the signature), and the issuer must be a CA (basicConstraints
 * CA:TRUE) within its dates, as OpenSSL's path validation requires: else any certificate a CA issued to a server
 * could sign another for any name. The path found is then held to the rest of what OpenSSL's X509_verify_cert checks
 * for a TLS server (`pathRefusal`, pathConstraints.ts): critical extensions it does not understand, the authorities'
 * extended key usage and the leaf's key usage, basicConstraints' pathLenConstraint and nameConstraints (RFC 5280
 * §4.2.1.9, §4.2.1.10), the trusted root's included, as OpenSSL holds it to them. One exception, as OpenSSL makes it
 * too: a trusted certificate that is the leaf itself (a `.vv`'s `ca=` holding the server's own self-signed
 * certificate) is trusted as it is, its own extensions checked.
 */
export function verifyChain(chain: Uint8Array[], host: string, extraCas: string[] = [], subject?: string): { ok: true } | { ok: false; reason: string } {
  const leaf = chain[0];
  if (!leaf) return { ok: false, reason: 'the server sent no certificate' };
  const certs = chain.map((der) => new X509Certificate(der));
  const now = Date.now();
  const leafCert = certs[0] as X509Certificate;
  if (Date.parse(leafCert.validTo) < now) return { ok: false, reason: 'the certificate has expired' };
  if (Date.parse(leafCert.validFrom) > now) return { ok: false, reason: 'the certificate is not valid yet' };
  const roots = [...parsedDefaultRoots(), ...parseBundle(extraCas)];
  const withinDates = (c: X509Certificate) => Date.parse(c.validFrom) <= now && Date.parse(c.validTo) >= now;
  const issued = (child: X509Certificate, issuer: X509Certificate) => child.checkIssued(issuer) && child.verify(issuer.publicKey);
  const issues = (child: X509Certificate, issuer: X509Certificate) => issuer.ca && withinDates(issuer) && issued(child, issuer);
  // A path found up to a trusted root must also pass what OpenSSL checks beyond signatures, CA flags and dates.
  const trustedPath = (path: X509Certificate[]) => {
    const refusal = pathRefusal(path);
    return refusal === null ? namesTheServer(leafCert, host, subject) : { ok: false as const, reason: refusal };
  };
  if (roots.some((r) => r.raw.equals(leafCert.raw))) return trustedPath([leafCert]);
  // Walk up the chain the server sent, then to a root we trust.
  const path = [leafCert];
  let current = leafCert;
  let refusedIssuer = false;
  for (let depth = 0; depth < 10; depth++) {
    const root = roots.find((r) => issues(current, r));
    if (root) return trustedPath([...path, root]);
    refusedIssuer ||= roots.some((r) => issued(current, r));
    const next = certs.find((c) => c !== current && issues(current, c));
    if (!next) {
      refusedIssuer ||= certs.some((c) => c !== current && issued(current, c));
      break;
    }
    path.push(next);
    current = next;
  }
  if (refusedIssuer) return { ok: false, reason: 'the certificate was signed by one that may not sign others (not a certificate authority, or out of its dates)' };
  return { ok: false, reason: leafCert.issuer === leafCert.subject ? 'the certificate is self-signed' : 'the certificate is not issued by an authority this computer trusts' };
}

/** Whether a leaf whose chain is trusted names the server: its host name or address, or virt-viewer's host-subject. */
function namesTheServer(leafCert: X509Certificate, host: string, subject?: string): { ok: true } | { ok: false; reason: string } {
  // A certificate whose extended key usage does not include servers (only clients, or e-mail) is not a server's.
  const purposes = leafCert.keyUsage;
  if (purposes && purposes.length > 0 && !purposes.includes(SERVER_AUTH) && !purposes.includes(ANY_EXTENDED_KEY_USAGE)) {
    return { ok: false, reason: 'the certificate is not one for servers (its extended key usage)' };
  }
  if (subject) {
    // Node writes the certificate's subject one attribute a line: a value with a "/" or "," in it stays one value.
    const same = normalisedSubject(leafCert.subject, /\n/).join('\n') === normalisedSubject(subject).join('\n');
    return same ? { ok: true } : { ok: false, reason: `the certificate's subject is not ${subject}` };
  }
  // An address is matched only by the certificate's IP addresses, a name only by its names, whole labels only
  // ("b*.corp.example" names no bank), as browsers match them. (checkIP throws on a name.)
  const named = isIP(host) ? leafCert.checkIP(host) : leafCert.checkHost(host, { partialWildcards: false });
  return named ? { ok: true } : { ok: false, reason: `the certificate does not name ${host}` };
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

function parseBundle(bundles: string[]): X509Certificate[] {
  return bundles.flatMap(splitPem).flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
}

let defaultParsed: X509Certificate[] | null = null;
/** The system's roots, parsed once per process: a few hundred certificates, not worth parsing per connection. */
function parsedDefaultRoots(): X509Certificate[] {
  defaultParsed ??= parseBundle(defaultRoots());
  return defaultParsed;
}

/**
 * Parses the system's roots ahead of the first certificate check (≈100 ms for
 * Debian's 288 here), so the first RDP connect after start does not wait for it.
 */
export function warmUpTrustRoots(): void {
  parsedDefaultRoots();
}

/** Whether the system's roots are parsed already (for tests). */
export function trustRootsParsed(): boolean {
  return defaultParsed !== null;
}

function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export interface TrustInputs {
  chain: Uint8Array[];
  host: string;
  extraCas?: string[];
  /** The subject the leaf must carry instead of naming the host (virt-viewer's host-subject). */
  subject?: string;
  /** Fingerprints IT pinned for this host; if any, only these pass. */
  policyPins?: string[];
  /** The fingerprint this user chose to trust always for this profile. */
  userPin?: string | null;
  /** A fingerprint the user accepted for this one connection. */
  acceptedOnce?: string | null;
  /**
   * The connection names its server's identity itself (its own CA or subject, a console file's ca= or host-subject=):
   * only that, or IT's pin, decides; no pin or answer of the user's does (remote-viewer asks nothing either).
   */
  identityNamed?: boolean;
}

export function evaluateTrust(inputs: TrustInputs): TrustVerdict {
  const leaf = inputs.chain[0];
  if (!leaf) return { kind: 'untrusted', reason: 'the server sent no certificate' };
  const fingerprint = sha256Fingerprint(leaf);
  if (inputs.policyPins && inputs.policyPins.length > 0) {
    return inputs.policyPins.includes(fingerprint) ? { kind: 'trusted', by: 'policy-pin' } : { kind: 'policy-mismatch' };
  }
  const verified = verifyChain(inputs.chain, inputs.host, inputs.extraCas, inputs.subject);
  if (verified.ok) return { kind: 'trusted', by: 'ca' };
  if (inputs.identityNamed) return { kind: 'untrusted', reason: verified.reason };
  if (inputs.userPin) {
    if (inputs.userPin === fingerprint) return { kind: 'trusted', by: 'user-pin' };
    if (inputs.acceptedOnce === fingerprint) return { kind: 'trusted', by: 'accepted-once' };
    return { kind: 'changed', previous: inputs.userPin };
  }
  if (inputs.acceptedOnce === fingerprint) return { kind: 'trusted', by: 'accepted-once' };
  return { kind: 'untrusted', reason: verified.reason };
}
