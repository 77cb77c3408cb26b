// The checks OpenSSL's path validation (X509_verify_cert, purpose sslserver) makes on a chain once it is built and
// each signature verified, that Node's X509Certificate does not: critical extensions it does not understand, the
// purposes of the authorities and the leaf's key usage, basicConstraints' pathLenConstraint (RFC 5280 §4.2.1.9) and
// nameConstraints (§4.2.1.10), each as OpenSSL 3 applies them (crypto/x509/x509_vfy.c, v3_purp.c, v3_ncons.c), so
// a chain DeskBridge trusts is one remote-viewer and FreeRDP would trust too.
import type { X509Certificate } from 'node:crypto';
import { readExtensions, type CertificateExtensions, type DistinguishedName, type GeneralName, type NameSubtree } from './certificateExtensions';

/** The extensions OpenSSL understands (X509_supported_extension); a certificate with another one critical is refused. */
const UNDERSTOOD_EXTENSIONS = new Set([
  '2.16.840.1.113730.1.1', // Netscape cert type
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.32', // certificatePolicies
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.37', // extKeyUsage
  '1.3.6.1.5.5.7.1.7', // RFC 3779 IP address blocks
  '1.3.6.1.5.5.7.1.8', // RFC 3779 AS identifiers
  '1.3.6.1.5.5.7.48.1.5', // OCSP no check
  '2.5.29.36', // policyConstraints
  '1.3.6.1.5.5.7.1.14', // proxyCertInfo
  '2.5.29.30', // nameConstraints
  '2.5.29.33', // policyMappings
  '2.5.29.54', // inhibitAnyPolicy
]);

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
// Server Gated Crypto (Netscape's and Microsoft's): OpenSSL takes either as a server purpose in an authority.
const SERVER_GATED_CRYPTO = ['2.16.840.1.113730.4.1', '1.3.6.1.4.1.311.10.3.3'];
// keyUsage bits a TLS server's key needs one of (OpenSSL's check_purpose_ssl_server).
const DIGITAL_SIGNATURE = 1 << 0;
const KEY_ENCIPHERMENT = 1 << 2;
const KEY_AGREEMENT = 1 << 4;

const NAME_NOT_PERMITTED = 'the certificate was signed by an authority that may not sign for that name';

/**
 * Why OpenSSL would refuse this chain, or null. `path` runs from the leaf to the trusted root, each certificate issued
 * by the next (signatures, CA flags and dates are checked by the caller).
 */
export function pathRefusal(path: X509Certificate[]): string | null {
  let read: CertificateExtensions[];
  try {
    read = path.map((cert) => readExtensions(new Uint8Array(cert.raw)));
  } catch {
    return 'the certificate or one that signed it has an extension this computer cannot read';
  }
  if (read.some((r) => r.critical.some((oid) => !UNDERSTOOD_EXTENSIONS.has(oid)))) {
    return 'the certificate or one that signed it has a critical extension this computer does not understand';
  }
  // An authority whose extended key usage leaves servers out may not vouch for one (anyExtendedKeyUsage does not
  // count here, as in OpenSSL).
  for (const issuer of path.slice(1)) {
    const purposes = issuer.keyUsage;
    if (purposes && purposes.length > 0 && !purposes.includes(SERVER_AUTH) && !SERVER_GATED_CRYPTO.some((p) => purposes.includes(p))) {
      return 'the certificate was signed by an authority that may not sign for servers (its extended key usage)';
    }
  }
  const leafUsage = (read[0] as CertificateExtensions).keyUsage;
  if (leafUsage !== null && (leafUsage & (DIGITAL_SIGNATURE | KEY_ENCIPHERMENT | KEY_AGREEMENT)) === 0) {
    return 'the certificate is not one for servers (its key usage)';
  }
  const selfIssued = path.map((cert) => cert.subject === cert.issuer);
  // pathLenConstraint: how many authorities (not counting self-issued ones) may stand between this one and the
  // leaf. OpenSSL holds the trusted root to its own too.
  let below = 0;
  for (let i = 1; i < path.length; i++) {
    const limit = (read[i] as CertificateExtensions).pathLength;
    if (i > 1 && limit !== null && below > limit) {
      return 'the certificate was signed through more authorities than one above them allows';
    }
    if (!selfIssued[i]) below++;
  }
  // nameConstraints: each certificate below a constrained authority (self-issued authorities apart) must carry only
  // names it permits.
  for (let i = path.length - 1; i >= 0; i--) {
    if (i !== 0 && selfIssued[i]) continue;
    for (let j = path.length - 1; j > i; j--) {
      const constraints = (read[j] as CertificateExtensions).nameConstraints;
      if (constraints && !withinConstraints(read[i] as CertificateExtensions, constraints, i === 0)) return NAME_NOT_PERMITTED;
    }
  }
  return null;
}

type Constraints = NonNullable<CertificateExtensions['nameConstraints']>;

/** OpenSSL's NAME_CONSTRAINTS_check, and for the leaf NAME_CONSTRAINTS_check_CN when it has no DNS name. */
function withinConstraints(cert: CertificateExtensions, constraints: Constraints, leaf: boolean): boolean {
  if (cert.subject.length > 0) {
    if (!nameAllowed({ type: 'dirName', name: cert.subject }, constraints)) return false;
    for (const email of cert.emailAddresses) {
      if (email.tag !== 0x16) return false; // an e-mail address that is not an IA5String: a syntax OpenSSL refuses
      if (!nameAllowed({ type: 'email', value: email.value }, constraints)) return false;
    }
  }
  if (!cert.subjectAltNames.every((name) => nameAllowed(name, constraints))) return false;
  // A leaf that names its host only by its common name (no DNS name): the common name is held to the DNS constraints
  // when it looks like a host name, as OpenSSL and browsers do.
  if (leaf && !cert.subjectAltNames.some((name) => name.type === 'dns')) {
    for (const cn of cert.commonNames) {
      const dns = dnsNameIn(cn);
      if (dns === undefined) return false;
      if (dns !== null && !nameAllowed({ type: 'dns', value: dns }, constraints)) return false;
    }
  }
  return true;
}

/**
 * OpenSSL's cn2dnsid: the common name as a DNS name if it looks like one (two or more labels of letters, digits,
 * '-' and '_'), null if it does not, undefined for one OpenSSL refuses outright (a NUL inside).
 */
function dnsNameIn(cn: string): string | null | undefined {
  const value = cn.replace(/\0+$/, '');
  if (value.includes('\0')) return undefined;
  let dotted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (/[A-Za-z0-9_]/.test(c)) continue;
    if (i > 0 && i < value.length - 1) {
      if (c === '-') continue;
      if (c === '.' && value[i + 1] !== '.' && value[i - 1] !== '-' && value[i + 1] !== '-') {
        dotted = true;
        continue;
      }
    }
    return null;
  }
  return dotted ? value : null;
}

/** OpenSSL's nc_match: a name is allowed when some permitted subtree of its type (if any) matches and no excluded one does. */
function nameAllowed(name: GeneralName, constraints: Constraints): boolean {
  const sameType = (subtree: NameSubtree) =>
    subtree.base.type === name.type && (name.type !== 'other' || (subtree.base.type === 'other' && subtree.base.tag === name.tag && subtree.base.oid === name.oid));
  const permitted = constraints.permitted.filter(sameType);
  const excluded = constraints.excluded.filter(sameType);
  if ([...permitted, ...excluded].some((subtree) => subtree.minMaxSet)) return false;
  if (permitted.length > 0) {
    const results = permitted.map((subtree) => matches(name, subtree.base));
    if (results.includes('unsupported')) return false;
    if (!results.includes(true)) return false;
  }
  return excluded.every((subtree) => matches(name, subtree.base) === false);
}

const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** OpenSSL's nc_match_single: whether `name` lies under `base`; 'unsupported' where OpenSSL refuses the syntax. */
function matches(name: GeneralName, base: GeneralName): boolean | 'unsupported' {
  if (name.type === 'dns' && base.type === 'dns') {
    // "corp.example" and ".corp.example" both cover hosts below; only the first covers corp.example itself.
    if (base.value === '') return true;
    if (name.value.length < base.value.length) return false;
    const tail = name.value.slice(name.value.length - base.value.length);
    if (name.value.length > base.value.length && !base.value.startsWith('.') && !name.value.slice(0, -base.value.length).endsWith('.')) return false;
    return lower(tail) === lower(base.value);
  }
  if (name.type === 'email' && base.type === 'email') return emailMatches(name.value, base.value);
  if (name.type === 'uri' && base.type === 'uri') return uriMatches(name.value, base.value);
  if (name.type === 'ip' && base.type === 'ip') {
    const host = name.bytes;
    const range = base.bytes;
    if ((host.length !== 4 && host.length !== 16) || (range.length !== 8 && range.length !== 32)) return 'unsupported';
    if (host.length * 2 !== range.length) return false; // IPv4 is never under an IPv6 range, nor the reverse
    return host.every((byte, i) => (byte & (range[host.length + i] as number)) === ((range[i] as number) & (range[host.length + i] as number)));
  }
  if (name.type === 'dirName' && base.type === 'dirName') return dnUnder(name.name, base.name);
  return 'unsupported';
}

/** A distinguished name is under another when that one's RDNs begin it (OpenSSL compares the canonical encodings). */
function dnUnder(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.length > name.length) return false;
  return base.every((rdn, i) => {
    const other = name[i] as string[];
    return rdn.length === other.length && rdn.every((attribute, k) => attribute === other[k]);
  });
}

function emailMatches(email: string, base: string): boolean | 'unsupported' {
  const at = email.lastIndexOf('@');
  if (at < 0) return 'unsupported';
  const baseAt = base.lastIndexOf('@');
  // ".corp.example": any address at a host below it.
  if (baseAt < 0 && base.startsWith('.')) return email.length > base.length && lower(email.slice(email.length - base.length)) === lower(base);
  if (baseAt > 0 && base.slice(0, baseAt) !== email.slice(0, at)) return false; // the mailbox, case-sensitive
  return lower(base.slice(baseAt + 1)) === lower(email.slice(at + 1));
}

function uriMatches(uri: string, base: string): boolean | 'unsupported' {
  const colon = uri.indexOf(':');
  if (colon < 0 || uri.length - colon < 3 || uri[colon + 1] !== '/' || uri[colon + 2] !== '/') return 'unsupported';
  const rest = uri.slice(colon + 3);
  let end = rest.indexOf(':');
  if (end < 0) end = rest.indexOf('/');
  const host = end < 0 ? rest : rest.slice(0, end);
  if (host === '') return 'unsupported';
  if (base.startsWith('.')) return host.length > base.length && lower(host.slice(host.length - base.length)) === lower(base);
  return lower(host) === lower(base);
}
