// What path validation needs from a certificate that Node's X509Certificate does not give: basicConstraints'
// pathLenConstraint, nameConstraints, the subject alternative names as they are encoded, the subject's attributes,
// keyUsage and which extensions are critical. Read from the DER (X.690) by a reader that knows only what X.509
// (RFC 5280 §4.1, §4.2) needs; anything malformed throws.

/** A GeneralName (RFC 5280 §4.2.1.6), as name constraints compare it. */
export type GeneralName =
  | { type: 'email' | 'dns' | 'uri'; value: string }
  | { type: 'ip'; bytes: Uint8Array }
  | { type: 'dirName'; name: DistinguishedName }
  /** otherName (with its type's OID), x400Address, ediPartyName, registeredID: compared by no one here. */
  | { type: 'other'; tag: number; oid?: string };

/** One relative distinguished name: its attributes, each as OpenSSL's canonical form compares them (sorted). */
export type DistinguishedName = string[][];

export interface NameSubtree {
  base: GeneralName;
  /** minimum other than 0, or a maximum: RFC 5280 says neither is used, and OpenSSL refuses a subtree with them. */
  minMaxSet: boolean;
}

export interface CertificateExtensions {
  /** basicConstraints' pathLenConstraint of a CA, if it has one. */
  pathLength: number | null;
  nameConstraints: { permitted: NameSubtree[]; excluded: NameSubtree[] } | null;
  subjectAltNames: GeneralName[];
  subject: DistinguishedName;
  /** The subject's commonName and emailAddress values (tag kept: an e-mail address must be an IA5String). */
  commonNames: string[];
  emailAddresses: { tag: number; value: string }[];
  /** keyUsage's bits (bit 0 digitalSignature … bit 8 decipherOnly), or null without the extension. */
  keyUsage: number | null;
  /** OIDs of critical extensions. */
  critical: string[];
}

interface Element {
  tag: number;
  /** Content, without tag and length. */
  body: Uint8Array;
}

function readElement(bytes: Uint8Array, at: number): { element: Element; next: number } {
  if (at + 2 > bytes.length) throw new Error('truncated DER');
  const tag = bytes[at] as number;
  if ((tag & 0x1f) === 0x1f) throw new Error('high tag numbers are not used in X.509');
  let length = bytes[at + 1] as number;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? Number.NaN);
    start += count;
  }
  const end = start + length;
  if (!(end <= bytes.length)) throw new Error('truncated DER');
  return { element: { tag, body: bytes.subarray(start, end) }, next: end };
}

function children(parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = 0; at < parent.body.length; ) {
    const { element, next } = readElement(parent.body, at);
    out.push(element);
    at = next;
  }
  return out;
}

function only(bytes: Uint8Array): Element {
  const { element, next } = readElement(bytes, 0);
  if (next !== bytes.length) throw new Error('trailing bytes after DER');
  return element;
}

function oidOf(element: Element): string {
  if (element.tag !== 0x06 || element.body.length === 0) throw new Error('not an OID');
  const arcs: number[] = [];
  let value = 0;
  for (const byte of element.body) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** A directory string's text, for the string types (X.520); null for any other type. */
function stringValue(element: Element): string | null {
  switch (element.tag) {
    case 0x0c: // UTF8String
      return Buffer.from(element.body).toString('utf8');
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x14: // T61String (read as Latin-1, as OpenSSL does)
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return latin1(element.body);
    case 0x1e: // BMPString (UTF-16BE)
      return Buffer.from(element.body).swap16().toString('utf16le');
    case 0x1c: {
      // UniversalString (UTF-32BE)
      let text = '';
      for (let i = 0; i + 3 < element.body.length; i += 4) text += String.fromCodePoint(Buffer.from(element.body).readUInt32BE(i));
      return text;
    }
    default:
      return null;
  }
}

/**
 * OpenSSL's canonical form of an attribute (x509_name_canon): a string's text with spaces at either end dropped,
 * runs of white space made one space, ASCII letters lower-cased; any other value as it is encoded.
 */
function canonicalAttribute(oid: string, value: Element): string {
  const text = stringValue(value);
  if (text === null) return `${oid}#${value.tag}:${Buffer.from(value.body).toString('hex')}`;
  const canonical = text
    .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
    .replace(/[ \t\n\v\f\r]+/g, ' ')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
  return `${oid}=${canonical}`;
}

const COMMON_NAME = '2.5.4.3';
const EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

function readName(name: Element, into?: { commonNames: string[]; emailAddresses: { tag: number; value: string }[] }): DistinguishedName {
  if (name.tag !== 0x30) throw new Error('not a Name');
  return children(name).map((rdn) => {
    if (rdn.tag !== 0x31) throw new Error('not a RelativeDistinguishedName');
    return children(rdn)
      .map((attribute) => {
        const [type, value] = children(attribute);
        if (!type || !value) throw new Error('not an AttributeTypeAndValue');
        const oid = oidOf(type);
        if (into && oid === COMMON_NAME) into.commonNames.push(stringValue(value) ?? '');
        if (into && oid === EMAIL_ADDRESS) into.emailAddresses.push({ tag: value.tag, value: latin1(value.body) });
        return canonicalAttribute(oid, value);
      })
      .sort();
  });
}

function readGeneralName(element: Element): GeneralName {
  switch (element.tag) {
    case 0x81:
      return { type: 'email', value: latin1(element.body) };
    case 0x82:
      return { type: 'dns', value: latin1(element.body) };
    case 0x86:
      return { type: 'uri', value: latin1(element.body) };
    case 0x87:
      return { type: 'ip', bytes: element.body };
    case 0xa4:
      return { type: 'dirName', name: readName(only(element.body)) };
    case 0xa0: {
      const [type] = children(element);
      return { type: 'other', tag: element.tag, oid: type ? oidOf(type) : '' };
    }
    default:
      return { type: 'other', tag: element.tag };
  }
}

function readSubtrees(element: Element): NameSubtree[] {
  return children(element).map((subtree) => {
    const [base, ...limits] = children(subtree);
    if (!base) throw new Error('a GeneralSubtree without a base');
    // minimum [0] DEFAULT 0 (DER leaves a 0 out), maximum [1].
    const minMaxSet = limits.some((limit) => limit.tag === 0x81 || (limit.tag === 0x80 && limit.body.some((b) => b !== 0)));
    return { base: readGeneralName(base), minMaxSet };
  });
}

function readBoolean(element: Element): boolean {
  if (element.tag !== 0x01 || element.body.length !== 1) throw new Error('not a BOOLEAN');
  return element.body[0] !== 0;
}

const BASIC_CONSTRAINTS = '2.5.29.19';
const NAME_CONSTRAINTS = '2.5.29.30';
const SUBJECT_ALT_NAME = '2.5.29.17';
const KEY_USAGE = '2.5.29.15';

/** Reads what path validation needs from a certificate's DER. Throws on what it cannot read. */
export function readExtensions(der: Uint8Array): CertificateExtensions {
  const [tbs] = children(only(der));
  if (!tbs || tbs.tag !== 0x30) throw new Error('not a certificate');
  const fields = children(tbs);
  const first = fields[0]?.tag === 0xa0 ? 1 : 0; // version [0], absent in v1
  const subjectField = fields[first + 4];
  if (!subjectField) throw new Error('a certificate without a subject');
  const out: CertificateExtensions = {
    pathLength: null,
    nameConstraints: null,
    subjectAltNames: [],
    subject: [],
    commonNames: [],
    emailAddresses: [],
    keyUsage: null,
    critical: [],
  };
  out.subject = readName(subjectField, out);
  const extensions = fields.find((field) => field.tag === 0xa3);
  if (!extensions) return out;
  for (const extension of children(only(extensions.body))) {
    const parts = children(extension);
    const oid = oidOf(parts[0] as Element);
    const critical = parts.length === 3 && readBoolean(parts[1] as Element);
    const value = parts[parts.length - 1];
    if (!value || value.tag !== 0x04 || parts.length < 2) throw new Error('not an Extension');
    if (critical) out.critical.push(oid);
    if (oid === BASIC_CONSTRAINTS) {
      let ca = false;
      for (const part of children(only(value.body))) {
        if (part.tag === 0x01) ca = readBoolean(part);
        else if (part.tag === 0x02) {
          // A negative or huge pathLenConstraint is read as 0: allows no CA below, as OpenSSL treats an invalid one.
          const n = part.body.length <= 4 && !((part.body[0] ?? 0x80) & 0x80) ? part.body.reduce((v, b) => v * 256 + b, 0) : 0;
          if (ca) out.pathLength = n;
        }
      }
    } else if (oid === NAME_CONSTRAINTS) {
      const constraints = { permitted: [] as NameSubtree[], excluded: [] as NameSubtree[] };
      for (const part of children(only(value.body))) {
        if (part.tag === 0xa0) constraints.permitted.push(...readSubtrees(part));
        else if (part.tag === 0xa1) constraints.excluded.push(...readSubtrees(part));
      }
      out.nameConstraints = constraints;
    } else if (oid === SUBJECT_ALT_NAME) {
      out.subjectAltNames = children(only(value.body)).map(readGeneralName);
    } else if (oid === KEY_USAGE) {
      const bits = only(value.body);
      if (bits.tag !== 0x03 || bits.body.length === 0) throw new Error('not a BIT STRING');
      // Bit 0 is the first byte's highest bit.
      out.keyUsage = 0;
      bits.body.subarray(1).forEach((byte, i) => {
        for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) out.keyUsage = (out.keyUsage as number) | (1 << (i * 8 + bit));
      });
    }
  }
  return out;
}
