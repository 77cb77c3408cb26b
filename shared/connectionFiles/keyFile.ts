// The GLib key-file format that virt-viewer (.vv) and Remmina (.remmina) use:
// [group] lines, key=value lines, # comments. Every line is kept in order so
// that writing an unchanged document gives the same lines back, and unknown
// keys survive a round trip.
import { fail, splitLines, type ParseResult } from './fileResult';

export type KeyFileLine = { kind: 'group'; name: string } | { kind: 'entry'; key: string; value: string } | { kind: 'other'; raw: string };

export interface KeyFileDocument {
  lines: KeyFileLine[];
  newline: '\r\n' | '\n';
  finalNewline: boolean;
}

export function parseKeyFile(text: string): ParseResult<KeyFileDocument> {
  const { lines, newline, finalNewline } = splitLines(text);
  const out: KeyFileLine[] = [];
  let inGroup = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      out.push({ kind: 'other', raw });
      continue;
    }
    const group = /^\[([^\]]+)\]$/.exec(trimmed);
    if (group) {
      out.push({ kind: 'group', name: group[1] as string });
      inGroup = true;
      continue;
    }
    const eq = raw.indexOf('=');
    if (eq <= 0) return fail(`"${trimmed.slice(0, 40)}" is neither [group], key=value nor a comment.`, i + 1);
    if (!inGroup) return fail(`"${raw.slice(0, eq).trim()}" comes before any [group] heading.`, i + 1);
    out.push({ kind: 'entry', key: raw.slice(0, eq).trim(), value: raw.slice(eq + 1).trim() });
  }
  return { ok: true, value: { lines: out, newline, finalNewline } };
}

export function writeKeyFile(doc: KeyFileDocument): string {
  const text = doc.lines.map((line) => (line.kind === 'group' ? `[${line.name}]` : line.kind === 'entry' ? `${line.key}=${line.value}` : line.raw)).join(doc.newline);
  return doc.finalNewline ? text + doc.newline : text;
}

/** Entries of one group, first value per key (key files may not repeat keys). */
export function groupEntries(doc: KeyFileDocument, group: string): Map<string, { value: string; line: number }> | null {
  const entries = new Map<string, { value: string; line: number }>();
  let current: string | null = null;
  let found = false;
  doc.lines.forEach((line, index) => {
    if (line.kind === 'group') {
      current = line.name;
      if (current === group) found = true;
    } else if (line.kind === 'entry' && current === group && !entries.has(line.key)) entries.set(line.key, { value: line.value, line: index + 1 });
  });
  return found ? entries : null;
}

/** Sets a key in a group, in place if present, else at the end of the group. */
export function setEntry(doc: KeyFileDocument, group: string, key: string, value: string): KeyFileDocument {
  const lines = [...doc.lines];
  let current: string | null = null;
  let lastOfGroup = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as KeyFileLine;
    if (line.kind === 'group') current = line.name;
    if (current === group) {
      if (line.kind === 'entry' && line.key === key) {
        lines[i] = { kind: 'entry', key, value };
        return { ...doc, lines };
      }
      if (line.kind !== 'other' || line.raw.trim() !== '') lastOfGroup = i;
    }
  }
  if (lastOfGroup === -1) {
    lines.push({ kind: 'group', name: group }, { kind: 'entry', key, value });
  } else {
    lines.splice(lastOfGroup + 1, 0, { kind: 'entry', key, value });
  }
  return { ...doc, lines };
}
