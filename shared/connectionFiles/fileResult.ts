// What every connection-file parser returns: a typed result, never a throw.
import type { ProfileDraft } from '../profiles/profileSchema';

// The WHATWG Encoding API exists in Node and in browsers; shared/ has neither
// environment's types, so it reaches it through this small local type.
const textCodec = globalThis as unknown as {
  TextDecoder: new (label: string, options?: { fatal?: boolean }) => { decode(input: Uint8Array): string };
  TextEncoder: new () => { encode(input: string): Uint8Array };
};

export interface FileProblem {
  /** 1-based line number, when the problem is on one line. */
  line: number | null;
  /** Words a user understands, e.g. "Line 7: 'full address' has no value." */
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: FileProblem };

export function fail<T>(message: string, line: number | null = null): ParseResult<T> {
  return { ok: false, error: { line, message: line === null ? message : `Line ${line}: ${message}` } };
}

/** What an import yields: a profile draft, and what the user must be told. */
export interface ImportedConnection {
  format: 'rdp' | 'vv' | 'remmina';
  draft: ProfileDraft;
  /** Things not imported or not honoured, said plainly. */
  notes: string[];
  /** A .vv ticket's password: used for one connection, never stored. */
  oneTimePassword: string | null;
  /** A .vv asked to be deleted after reading (virt-viewer's delete-this-file). */
  deleteThisFile: boolean;
}

/** Splits "host", "host:port", "[v6]:port" and bare IPv6. */
export function splitHostPort(text: string): { host: string; port: number | null } | null {
  const value = text.trim();
  if (!value) return null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] ? Number(bracketed[2]) : null };
  const parts = value.split(':');
  if (parts.length === 2 && /^\d+$/.test(parts[1] as string)) return { host: parts[0] as string, port: Number(parts[1]) };
  if (parts.length > 2) return { host: value, port: null }; // bare IPv6
  return { host: value, port: null };
}

/** Decodes text from bytes: UTF-16LE with BOM, UTF-8 with or without BOM. */
export function decodeText(bytes: Uint8Array): ParseResult<{ text: string; encoding: 'utf16le' | 'utf8' | 'utf8-bom' }> {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    if ((bytes.length - 2) % 2 !== 0) return fail('The file is cut short: it is UTF-16 but has an odd number of bytes.');
    try {
      return { ok: true, value: { text: new textCodec.TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2)), encoding: 'utf16le' } };
    } catch {
      return fail('The file is not valid UTF-16 text.');
    }
  }
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    const text = new textCodec.TextDecoder('utf-8', { fatal: true }).decode(bom ? bytes.subarray(3) : bytes);
    if (text.includes('\u0000')) return fail('The file is binary, not a text connection file.');
    return { ok: true, value: { text, encoding: bom ? 'utf8-bom' : 'utf8' } };
  } catch {
    return fail('The file is not valid text (UTF-8 or UTF-16).');
  }
}

export function encodeText(text: string, encoding: 'utf16le' | 'utf8' | 'utf8-bom'): Uint8Array {
  if (encoding === 'utf16le') {
    const out = new Uint8Array(2 + text.length * 2);
    out[0] = 0xff;
    out[1] = 0xfe;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      out[2 + i * 2] = code & 0xff;
      out[3 + i * 2] = code >> 8;
    }
    return out;
  }
  const body = new textCodec.TextEncoder().encode(text);
  if (encoding === 'utf8') return body;
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
}

export function splitLines(text: string): { lines: string[]; newline: '\r\n' | '\n'; finalNewline: boolean } {
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = text.endsWith('\n');
  const lines = text.split(/\r?\n/);
  if (finalNewline) lines.pop();
  return { lines, newline, finalNewline };
}
