// A small, strict DER reader and writer for the few ASN.1 types RDCleanPath
// uses (ITU-T X.690 §8 and §10): SEQUENCE, INTEGER, OCTET STRING, UTF8String
// and explicit context-specific tags. Written here rather than pulled in
// because it is a tenth of a general library, and strictness is the point:
// definite minimal lengths only, low tag numbers only, a hard size cap, and
// every malformed input is a DerError, never an exception of another kind.

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
} as const;

/** Tag byte of an explicit context-specific field [n] (constructed). */
export function contextTag(n: number): number {
  if (n < 0 || n > 30) throw new DerError(`context tag ${n} out of range`);
  return 0xa0 | n;
}

export interface Tlv {
  tag: number;
  /** The content octets. */
  value: Uint8Array;
  /** Offset just past this element in the buffer it was read from. */
  end: number;
}

export type HeaderProbe = { kind: 'complete'; totalLength: number } | { kind: 'incomplete' } | { kind: 'invalid'; reason: string };

/** Reads an element's header only: how long is the whole element, if the first bytes are there. */
export function probeLength(buf: Uint8Array, maxLength: number): HeaderProbe {
  if (buf.length < 2) return { kind: 'incomplete' };
  const tag = buf[0] as number;
  if ((tag & 0x1f) === 0x1f) return { kind: 'invalid', reason: 'high tag numbers are not used' };
  const first = buf[1] as number;
  if (first < 0x80) return { kind: 'complete', totalLength: 2 + first };
  const count = first & 0x7f;
  if (count === 0) return { kind: 'invalid', reason: 'indefinite length is not DER' };
  if (count > 3) return { kind: 'invalid', reason: 'element too large' };
  if (buf.length < 2 + count) return { kind: 'incomplete' };
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (buf[2 + i] as number);
  if ((buf[2] as number) === 0 || length < 0x80) return { kind: 'invalid', reason: 'length not in minimal form' };
  const total = 2 + count + length;
  if (total > maxLength) return { kind: 'invalid', reason: `element of ${total} bytes exceeds the ${maxLength}-byte limit` };
  return { kind: 'complete', totalLength: total };
}

export function readTlv(buf: Uint8Array, offset: number): Tlv {
  if (offset >= buf.length) throw new DerError('unexpected end of data');
  const probe = probeLength(buf.subarray(offset), Number.MAX_SAFE_INTEGER);
  if (probe.kind === 'incomplete') throw new DerError('truncated element header');
  if (probe.kind === 'invalid') throw new DerError(probe.reason);
  const end = offset + probe.totalLength;
  if (end > buf.length) throw new DerError('truncated element');
  const first = buf[offset + 1] as number;
  const headerLength = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return { tag: buf[offset] as number, value: buf.subarray(offset + headerLength, end), end };
}

/** Reads the children of a constructed element's content. */
export function readChildren(content: Uint8Array): Tlv[] {
  const children: Tlv[] = [];
  let offset = 0;
  while (offset < content.length) {
    const child = readTlv(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export function expectTag(tlv: Tlv, tag: number, what: string): Uint8Array {
  if (tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
  return tlv.value;
}

/** Non-negative INTEGER up to 2^53 - 1 (the only kind RDCleanPath carries). */
export function decodeUnsigned(content: Uint8Array, what: string): number {
  if (content.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if (((content[0] as number) & 0x80) !== 0) throw new DerError(`${what}: negative INTEGER`);
  if (content.length > 1 && content[0] === 0 && ((content[1] as number) & 0x80) === 0) throw new DerError(`${what}: INTEGER not minimal`);
  if (content.length > 8) throw new DerError(`${what}: INTEGER too large`);
  let value = 0;
  for (const byte of content) value = value * 256 + byte;
  if (!Number.isSafeInteger(value)) throw new DerError(`${what}: INTEGER too large`);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
export function decodeUtf8(content: Uint8Array, what: string): string {
  try {
    return utf8.decode(content);
  } catch {
    throw new DerError(`${what}: not valid UTF-8`);
  }
}

// --- writing ---

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  const header = [tag, ...encodeLength(content.length)];
  const out = new Uint8Array(header.length + content.length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function encodeUnsigned(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new DerError(`cannot encode ${value} as an unsigned INTEGER`);
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  if (bytes.length === 0 || ((bytes[0] as number) & 0x80) !== 0) bytes.unshift(0);
  return encodeTlv(TAG.INTEGER, Uint8Array.from(bytes));
}

export function encodeUtf8(value: string): Uint8Array {
  return encodeTlv(TAG.UTF8_STRING, new TextEncoder().encode(value));
}

export function encodeOctets(value: Uint8Array): Uint8Array {
  return encodeTlv(TAG.OCTET_STRING, value);
}

export function encodeSequence(children: Uint8Array[]): Uint8Array {
  return encodeTlv(TAG.SEQUENCE, concat(children));
}

export function explicit(n: number, inner: Uint8Array): Uint8Array {
  return encodeTlv(contextTag(n), inner);
}
