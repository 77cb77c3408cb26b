// The GLib key-file format that virt-viewer (.vv) and Remmina (.remmina) read
// and write (https://docs.gtk.org/glib/struct.KeyFile.html): "[group]" lines,
// "key=value" lines, "#" comments and blank lines. Every line is kept verbatim
// with its own line ending, so an unchanged document is written back byte for
// byte, unknown keys and other groups survive, and a changed value is written
// in place.
import { decodingFailure, fileError, type FileFailure } from './fileResult';
import {
  appendTextLines,
  decodeConnectionFileText,
  encodeConnectionFileText,
  joinTextLines,
  prevailingLineEnding,
  splitTextLines,
  type LineEnding,
  type TextEncodingName,
} from './textEncoding';

export type KeyFileLine =
  | { kind: 'group'; name: string; text: string; eol: LineEnding }
  /** `value` is as written in the file, still escaped; read it with keyFileValue(). */
  | { kind: 'entry'; key: string; value: string; text: string; eol: LineEnding }
  | { kind: 'comment'; text: string; eol: LineEnding }
  | { kind: 'blank'; text: string; eol: LineEnding };

export interface KeyFileDocument {
  encoding: TextEncodingName;
  lines: KeyFileLine[];
}

export type KeyFileParse = { ok: true; document: KeyFileDocument } | FileFailure;

/**
 * Parses with GLib's rules: a line that is not a group, entry, comment or blank
 * is an error, and so is an entry before the first group (GLib refuses both, so
 * remote-viewer and Remmina would too).
 */
export function parseKeyFileText(text: string, encoding: TextEncodingName): KeyFileParse {
  const lines: KeyFileLine[] = [];
  let seenGroup = false;
  const split = splitTextLines(text);
  for (let i = 0; i < split.length; i++) {
    const { text: raw, eol } = split[i] as { text: string; eol: LineEnding };
    const lineNumber = i + 1;
    const trimmed = trimBlanks(raw);
    if (trimmed === '') {
      lines.push({ kind: 'blank', text: raw, eol });
    } else if (trimmed.startsWith('#')) {
      lines.push({ kind: 'comment', text: raw, eol });
    } else if (trimmed.startsWith('[')) {
      if (!trimmed.endsWith(']') || trimmed.length < 3 || /[[\]]/.test(trimmed.slice(1, -1))) {
        return fileError('malformed-line', lineNumber, `'${shorten(trimmed)}' is not a valid [group] heading.`);
      }
      lines.push({ kind: 'group', name: trimmed.slice(1, -1), text: raw, eol });
      seenGroup = true;
    } else {
      const equals = raw.indexOf('=');
      if (equals === -1) return fileError('malformed-line', lineNumber, `'${shorten(trimmed)}' is not a setting; each line must be key=value, a [group] heading or a # comment.`);
      const key = trimBlanks(raw.slice(0, equals));
      if (!key) return fileError('malformed-line', lineNumber, 'the setting has no name before "=".');
      if (!seenGroup) return fileError('malformed-line', lineNumber, `'${shorten(key)}' comes before any [group] heading.`);
      lines.push({ kind: 'entry', key, value: trimBlanks(raw.slice(equals + 1)), text: raw, eol });
    }
  }
  return { ok: true, document: { encoding, lines } };
}

export function parseKeyFileDocument(bytes: Uint8Array): KeyFileParse {
  const decoded = decodeConnectionFileText(bytes);
  if (!decoded.ok) return decodingFailure(decoded);
  return parseKeyFileText(decoded.text, decoded.encoding);
}

export function writeKeyFileText(document: KeyFileDocument): string {
  return joinTextLines(document.lines);
}

export function writeKeyFileDocument(document: KeyFileDocument): Uint8Array {
  return encodeConnectionFileText(writeKeyFileText(document), document.encoding);
}

/** GLib strips blanks around keys and values; JavaScript's trim() would also strip no-break spaces and the like. */
function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** GLib escapes: \s space, \n, \t, \r, \\; other backslashes are kept as they are. */
export function unescapeKeyFileValue(raw: string): string {
  return raw.replace(/\\([sntr\\])/g, (_, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] as string);
}

export function escapeKeyFileValue(value: string): string {
  const escaped = value.replace(/[\\\n\t\r]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c] as string);
  // GLib drops leading blanks of a value, so a leading space is written \s; trailing ones as well, to be safe.
  return escaped.replace(/^ /, '\\s').replace(/ $/, '\\s');
}

export interface KeyFileEntry {
  /** Unescaped value. */
  value: string;
  /** 1-based line number. */
  line: number;
}

/** All entries of a group (GLib merges repeated groups; the last value of a key wins). */
export function keyFileGroup(document: KeyFileDocument, group: string): Map<string, KeyFileEntry> | null {
  const entries = new Map<string, KeyFileEntry>();
  let current: string | null = null;
  let found = false;
  document.lines.forEach((line, index) => {
    if (line.kind === 'group') {
      current = line.name;
      if (current === group) found = true;
    } else if (line.kind === 'entry' && current === group) {
      entries.set(line.key, { value: unescapeKeyFileValue(line.value), line: index + 1 });
    }
  });
  return found ? entries : null;
}

export function keyFileValue(document: KeyFileDocument, group: string, key: string): string | null {
  return keyFileGroup(document, group)?.get(key)?.value ?? null;
}

function entryLine(key: string, value: string, eol: LineEnding): KeyFileLine {
  const escaped = escapeKeyFileValue(value);
  return { kind: 'entry', key, value: escaped, text: `${key}=${escaped}`, eol };
}

/**
 * Sets a key: in place where it was (its last occurrence), else after the
 * group's last setting, else in a new group at the end. null removes the key.
 * Returns a new document; the given one is not changed.
 */
export function setKeyFileValue(document: KeyFileDocument, group: string, key: string, value: string | null): KeyFileDocument {
  const eol = prevailingLineEnding(document.lines, '\n');
  let current: string | null = null;
  let existing = -1;
  let lastOfGroup = -1;
  document.lines.forEach((line, index) => {
    if (line.kind === 'group') current = line.name;
    if (current !== group) return;
    if (line.kind === 'entry' && line.key === key) existing = index;
    if (line.kind === 'group' || line.kind === 'entry') lastOfGroup = index;
  });
  if (value === null) {
    let inGroup = false;
    const lines = document.lines.filter((line) => {
      if (line.kind === 'group') inGroup = line.name === group;
      return !(inGroup && line.kind === 'entry' && line.key === key);
    });
    return { ...document, lines };
  }
  const lines = [...document.lines];
  if (existing >= 0) {
    const old = lines[existing] as KeyFileLine;
    if (old.kind === 'entry' && unescapeKeyFileValue(old.value) === value) return document;
    lines[existing] = entryLine(key, value, old.eol);
    return { ...document, lines };
  }
  if (lastOfGroup >= 0) {
    const anchor = lines[lastOfGroup] as KeyFileLine;
    // A group's last line may be the file's last line without an ending: give it one.
    if (anchor.eol === '') lines[lastOfGroup] = { ...anchor, eol };
    lines.splice(lastOfGroup + 1, 0, entryLine(key, value, anchor.eol === '' ? '' : eol));
    return { ...document, lines };
  }
  const added: KeyFileLine[] = [];
  if (lines.length > 0) added.push({ kind: 'blank', text: '', eol });
  added.push({ kind: 'group', name: group, text: `[${group}]`, eol }, entryLine(key, value, eol));
  return { ...document, lines: appendTextLines(lines, added, eol) };
}

export function emptyKeyFile(group: string): KeyFileDocument {
  return { encoding: 'utf-8', lines: [{ kind: 'group', name: group, text: `[${group}]`, eol: '\n' }] };
}
