// Bytes to text and back for connection files, and text to lines that remember
// their own line ending, so an unchanged file is written back byte for byte.
//
// The codecs are written by hand rather than with TextDecoder: shared/ has no
// DOM or Node typings, and a hand decoder can say *where* the text stops being
// valid, which is what lets an error name the line.
//
// Encodings seen in the wild:
// - mstsc saves .rdp as UTF-16LE with a byte-order mark (FF FE) and CRLF;
//   RD Web Access and hand-written files are often UTF-8, with or without a BOM.
// - mstsc reads a file that is neither in the computer's ANSI code page; older
//   tools wrote .rdp files that way, so an .rdp that is not valid UTF-8 is read
//   as Windows-1252 (the Western European one) when the caller asks.
// - virt-viewer and Remmina read GLib key files, which GLib requires to be UTF-8
//   (https://docs.gtk.org/glib/struct.KeyFile.html).

export type TextEncodingName = 'utf-16le-bom' | 'utf-16le' | 'utf-8-bom' | 'utf-8' | 'windows-1252';
export type LineEnding = '\r\n' | '\n' | '';

export interface TextLine {
  /** The line without its ending. */
  text: string;
  /** The ending as it was in the file; '' only for a last line without one. */
  eol: LineEnding;
}

export type DecodedText =
  | { ok: true; text: string; encoding: TextEncodingName }
  | { ok: false; problem: 'truncated' | 'not-text'; line: number; message: string };

/** 1-based line number of the character at `index` in `text`. */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

function decodeUtf16le(bytes: Uint8Array, start: number): { text: string; badAt: number | null } {
  const units: number[] = [];
  for (let i = start; i + 1 < bytes.length; i += 2) units.push((bytes[i] as number) | ((bytes[i + 1] as number) << 8));
  let text = '';
  for (let i = 0; i < units.length; i++) {
    const unit = units[i] as number;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = units[i + 1];
      if (next === undefined || next < 0xdc00 || next > 0xdfff) return { text, badAt: text.length };
      text += String.fromCharCode(unit, next);
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return { text, badAt: text.length };
    } else {
      text += String.fromCharCode(unit);
    }
  }
  return { text, badAt: null };
}

/** Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. */
function decodeUtf8(bytes: Uint8Array, start: number): { text: string; badAt: number | null } {
  const parts: string[] = [];
  let chunk: number[] = [];
  let length = 0;
  const push = (codePoint: number) => {
    chunk.push(codePoint);
    length += codePoint > 0xffff ? 2 : 1;
    if (chunk.length >= 4096) {
      parts.push(String.fromCodePoint(...chunk));
      chunk = [];
    }
  };
  const done = (badAt: number | null) => {
    parts.push(String.fromCodePoint(...chunk));
    return { text: parts.join(''), badAt: badAt === null ? null : length };
  };
  let i = start;
  while (i < bytes.length) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      push(b0);
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let codePoint: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) [need, min, codePoint] = [1, 0x80, b0 & 0x1f];
    else if (b0 >= 0xe0 && b0 <= 0xef) [need, min, codePoint] = [2, 0x800, b0 & 0x0f];
    else if (b0 >= 0xf0 && b0 <= 0xf4) [need, min, codePoint] = [3, 0x10000, b0 & 0x07];
    else return done(i);
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) return done(i);
      codePoint = (codePoint << 6) | (b & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return done(i);
    push(codePoint);
    i += need + 1;
  }
  return done(null);
}

/** Windows-1252's 0x80–0x9F; the five bytes it leaves undefined map to the C1 controls, as Windows' own conversion does. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte >= 0x80 && byte < 0xa0 ? (CP1252_HIGH[byte - 0x80] as number) : byte);
  return text;
}

function encodeWindows1252(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const high = CP1252_HIGH.indexOf(c);
    out[i] = high !== -1 ? 0x80 + high : c < 0x100 && !(c >= 0x80 && c < 0xa0) ? c : 0x3f;
  }
  return out;
}

/**
 * A connection file is short text: control characters other than tab, CR and
 * LF mean it is binary (or a different format altogether).
 */
function firstControlCharacter(text: string): number | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return i;
  }
  return null;
}

/**
 * Detects the encoding (BOM first, then the NUL pattern of BOM-less UTF-16LE) and decodes.
 * With `ansiFallback`, text that is not valid UTF-8 is read as Windows-1252, unless that shows binary data.
 */
export function decodeConnectionFileText(bytes: Uint8Array, options: { ansiFallback?: boolean } = {}): DecodedText {
  let encoding: TextEncodingName;
  let decoded: { text: string; badAt: number | null };
  const isUtf16 = bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe;
  // Without a BOM, ASCII text in UTF-16LE has a NUL as every second byte.
  const looksUtf16 = !isUtf16 && bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0;
  if (isUtf16 || looksUtf16) {
    const start = isUtf16 ? 2 : 0;
    encoding = isUtf16 ? 'utf-16le-bom' : 'utf-16le';
    decoded = decodeUtf16le(bytes, start);
    if (decoded.badAt === null && (bytes.length - start) % 2 !== 0) {
      return {
        ok: false,
        problem: 'truncated',
        line: lineAt(decoded.text, decoded.text.length),
        message: 'the file ends in the middle of a character, so it looks cut short (UTF-16 text always has an even number of bytes). Download or save it again.',
      };
    }
  } else {
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    encoding = bom ? 'utf-8-bom' : 'utf-8';
    decoded = decodeUtf8(bytes, bom ? 3 : 0);
  }
  if (decoded.badAt !== null && options.ansiFallback && !encoding.startsWith('utf-16')) {
    const ansi = decodeWindows1252(bytes);
    if (firstControlCharacter(ansi) === null) return { ok: true, text: ansi, encoding: 'windows-1252' };
  }
  if (decoded.badAt !== null) {
    return {
      ok: false,
      problem: 'not-text',
      line: lineAt(decoded.text, decoded.badAt),
      message: `this line is not valid ${encoding.startsWith('utf-16') ? 'UTF-16' : 'UTF-8'} text, so the file is damaged or not a connection file.`,
    };
  }
  const control = firstControlCharacter(decoded.text);
  if (control !== null) {
    return { ok: false, problem: 'not-text', line: lineAt(decoded.text, control), message: 'this line contains binary data, so the file is damaged or not a connection file.' };
  }
  return { ok: true, text: decoded.text, encoding };
}

function encodeUtf8(text: string): number[] {
  const out: number[] = [];
  for (const char of text) {
    const c = char.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

export function encodeConnectionFileText(text: string, encoding: TextEncodingName): Uint8Array {
  if (encoding === 'windows-1252') return encodeWindows1252(text);
  if (encoding === 'utf-16le-bom' || encoding === 'utf-16le') {
    const start = encoding === 'utf-16le-bom' ? 2 : 0;
    const out = new Uint8Array(start + text.length * 2);
    if (start) out.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      out[start + i * 2] = unit & 0xff;
      out[start + i * 2 + 1] = unit >> 8;
    }
    return out;
  }
  const body = encodeUtf8(text);
  return Uint8Array.from(encoding === 'utf-8-bom' ? [0xef, 0xbb, 0xbf, ...body] : body);
}

/** Splits on LF, remembering CRLF or LF per line; a final ending gives no extra empty line. */
export function splitTextLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  while (start < text.length) {
    const lf = text.indexOf('\n', start);
    if (lf === -1) {
      lines.push({ text: text.slice(start), eol: '' });
      break;
    }
    const crlf = lf > start && text.charCodeAt(lf - 1) === 0x0d;
    lines.push({ text: text.slice(start, crlf ? lf - 1 : lf), eol: crlf ? '\r\n' : '\n' });
    start = lf + 1;
  }
  return lines;
}

export function joinTextLines(lines: readonly TextLine[]): string {
  return lines.map((line) => line.text + line.eol).join('');
}

/** The ending new lines get: the file's first one, else `fallback`. */
export function prevailingLineEnding(lines: readonly TextLine[], fallback: '\r\n' | '\n'): '\r\n' | '\n' {
  for (const line of lines) if (line.eol !== '') return line.eol;
  return fallback;
}

/** Appends lines, first giving a last line that had no ending one, so the new lines start on their own line. */
export function appendTextLines<T extends TextLine>(lines: readonly T[], added: readonly T[], eol: '\r\n' | '\n'): T[] {
  const out = [...lines];
  const last = out[out.length - 1];
  if (last && last.eol === '') out[out.length - 1] = { ...last, eol };
  return [...out, ...added];
}
