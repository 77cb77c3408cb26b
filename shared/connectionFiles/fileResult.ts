// What every connection-file parser returns, and the pieces all three formats
// share: the error shape, the settings the profile schema has no field for yet,
// host:port splitting and the final check against the profile schema.
// INVARIANT: a parser never throws and never half-imports; it returns either a
// draft that passed profileDraftSchema, or one error that names the line.
import { hostProblem, profileDraftSchema, type ProfileDraft } from '../profiles/profileSchema';
import type { DecodedText } from './textEncoding';

export type ConnectionFileFormat = 'rdp' | 'vv' | 'remmina';

/** Stable codes, so callers and tests can tell kinds of failure apart without reading messages. */
export type FileErrorCode =
  /** Not text, binary garbage, or a different kind of file. */
  | 'not-text'
  /** UTF-16 with an odd number of bytes: cut short in transfer. */
  | 'truncated'
  /** A line that is not a setting of this format. */
  | 'malformed-line'
  /** The file lacks what this format requires (the [remmina] group, the host, …). */
  | 'missing-value'
  /** A setting has a value that cannot be right (a port of 70000, a width of "wide"). */
  | 'invalid-value'
  /** A protocol DeskBridge does not open (Remmina SSH, a .vv of type rdp, …). */
  | 'unsupported-protocol'
  /** The file only works through something DeskBridge cannot do yet, and has nothing usable without it. */
  | 'unsupported-feature'
  /** Not a connection file DeskBridge knows. */
  | 'unknown-format';

export interface FileError {
  code: FileErrorCode;
  /** 1-based line number, when the problem is on one line. */
  line: number | null;
  /** Words a user understands, naming the line: "Line 7: 'full address' has no value." */
  message: string;
}

export type FileFailure = { ok: false; error: FileError };

export function fileError(code: FileErrorCode, line: number | null, problem: string): FileFailure {
  const sentence = problem.charAt(0).toUpperCase() + problem.slice(1);
  return { ok: false, error: { code, line, message: line === null ? sentence : `Line ${line}: ${problem}` } };
}

export function decodingFailure(decoded: Extract<DecodedText, { ok: false }>): FileFailure {
  return fileError(decoded.problem, decoded.line, decoded.message);
}

/**
 * Settings read from a file that the profile schema has no field for yet.
 * null means the file does not say. The lead maps these to profile fields as
 * the schema grows; the writers take the same object back.
 */
export interface ImportedSettings {
  /** Where remote sound plays (.rdp audiomode 0, 1, 2). */
  audioMode: 'local' | 'remote' | 'none' | null;
  /** Reconnect by itself when the link drops (.rdp autoreconnection enabled). */
  autoReconnect: boolean | null;
  /**
   * What to do when the server's identity cannot be verified (.rdp authentication level:
   * 0 connect without warning, 1 do not connect, 2 warn, 3 no requirement).
   */
  serverAuthentication: 'connect' | 'refuse' | 'warn' | 'unspecified' | null;
  /** Bits per pixel (.rdp session bpp, Remmina colordepth; Remmina's 99 = automatic → null). */
  colorDepth: number | null;
  /** Remmina's quality preset (0 poor, 1 medium, 2 good, 9 best); for VNC also the draft's vncQuality. */
  quality: 'poor' | 'medium' | 'good' | 'best' | null;
}

export function emptySettings(): ImportedSettings {
  return { audioMode: null, autoReconnect: null, serverAuthentication: null, colorDepth: null, quality: null };
}

export type HostPort = { host: string; port: number | null; portText: string | null };

/**
 * Splits "host", "host:port", "[v6]", "[v6]:port" and a bare IPv6 address
 * (more than one colon and no brackets: all host, as Remmina and mstsc read it).
 * The host comes back without brackets; writers add them again.
 */
export function splitHostPort(text: string): HostPort | null {
  const value = text.trim();
  if (!value) return null;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    const portText = bracketed[2] ?? null;
    return { host: bracketed[1] as string, port: portText === null ? null : parsePort(portText), portText };
  }
  const colon = value.indexOf(':');
  if (colon === -1 || value.indexOf(':', colon + 1) !== -1) return { host: value, port: null, portText: null };
  const portText = value.slice(colon + 1);
  return { host: value.slice(0, colon), port: parsePort(portText), portText };
}

/** A TCP port 1–65535 written in decimal digits, else null. */
export function parsePort(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return null;
  const port = Number(trimmed);
  return port >= 1 && port <= 65535 ? port : null;
}

/** IPv6 literals go in brackets when a port may follow. */
export function hostForAddress(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** "C:\Users\ann\Desk 42.rdp" → "Desk 42". */
export function baseName(fileName: string | undefined, extension: string): string {
  if (!fileName) return '';
  const last = fileName.split(/[\\/]/).pop() ?? '';
  return last.toLowerCase().endsWith(extension) ? last.slice(0, -extension.length).trim() : last.trim();
}

/** Where a draft field came from in the file, so a schema failure can name the line and the setting. */
export type FieldSources = Partial<Record<keyof ProfileDraft, { line: number; key: string }>>;

/**
 * Runs the draft (only the fields the file sets) through the profile schema; its first failure becomes a file
 * error naming the setting and line the value came from.
 */
export function validateImportedDraft(input: Record<string, unknown>, sources: FieldSources): { ok: true; draft: ProfileDraft; fileFields: (keyof ProfileDraft)[] } | FileFailure {
  const result = profileDraftSchema.safeParse(input);
  if (result.success) {
    const problem = hostProblem(result.data);
    // `input` holds only what the file set; the schema filled in the rest.
    const fileFields = Object.keys(input).filter((key) => input[key] !== undefined && key in result.data) as (keyof ProfileDraft)[];
    if (!problem) return { ok: true, draft: result.data, fileFields };
    const source = sources.host;
    return fileError('invalid-value', source?.line ?? null, source ? `'${source.key}' is not valid. ${problem}` : `the host in this file is not valid. ${problem}`);
  }
  const issue = result.error.issues[0];
  const field = issue?.path[0] as keyof ProfileDraft | undefined;
  const source = field === undefined ? undefined : sources[field];
  const message = issue?.message ?? 'The settings do not make a valid connection.';
  if (source) return fileError('invalid-value', source.line, `'${source.key}' is not valid. ${message}`);
  return fileError('invalid-value', null, `the ${String(field ?? 'connection')} in this file is not valid. ${message}`);
}

/** One sentence for the unsupported features of a draft, shown beside the import. */
export function unsupportedFeaturesNote(features: readonly string[]): string[] {
  if (features.length === 0) return [];
  return [`This connection uses ${features.join(', ')}, which DeskBridge does not support yet; it will refuse to connect rather than go straight to the computer.`];
}

/**
 * One note for the things a file asks for that DeskBridge does not do (share
 * printers, drives, smart cards …), each in words with the file's own key so
 * an administrator can find it. Nothing is refused for them: the session works,
 * without them.
 */
export function ignoredSettingsNote(asked: readonly string[]): string[] {
  if (asked.length === 0) return [];
  return [`DeskBridge will not apply these settings from the file: ${asked.join('; ')}.`];
}

/** Unsupported-feature strings are limited to 200 characters by the profile schema. */
/**
 * A connection imported before DeskBridge took start programs carries its file's program only as this label (its
 * startProgram empty): an export must then leave the file's own start lines as they are, not write them empty.
 */
export function startProgramOnlyLabelled(unsupportedFeatures: readonly string[] | undefined): boolean {
  return (unsupportedFeatures ?? []).some(isStartProgramLabel);
}

/** One of those labels: "Start program (…)", as featureLabel wrote it. */
export function isStartProgramLabel(label: string): boolean {
  return label === 'Start program' || label.startsWith('Start program (');
}

/** The program a start-program label shows ("Start program (ledger.exe /ro)" → "ledger.exe /ro"; cut ones end in …), if any. */
export function startProgramLabelText(label: string): string | undefined {
  return /^Start program \((.*)\)$/s.exec(label)?.[1];
}

/**
 * Whether `program` is the one a start-program label shows: its text in full, or, where featureLabel cut it with
 * '…', beginning with what it shows. A bare "Start program" shows none, so no program is that one.
 */
export function startProgramLabelShows(label: string, program: string): boolean {
  const shown = startProgramLabelText(label);
  if (shown === undefined || program === '') return false;
  if (program === shown) return true;
  return shown.endsWith('…') && program.length >= shown.length && program.startsWith(shown.slice(0, -1));
}

/** The longest start program or folder an RDP Client Info PDU holds (profileSchema's limit). */
export const START_TEXT_MAX = 255;

/**
 * A file's start program (or folder) longer than START_TEXT_MAX: the connection is imported without it rather than
 * refused whole (the host, the user, the gateway lost for one line), with a note naming the line. A program left out
 * is labelled as an old import's was (`label`: "Start program (…)"), so Connect refuses rather than open the whole
 * desktop where the file asked for one program, until a shorter one is entered in the settings, and an export over
 * the original keeps its line; a folder left out only means the program starts in the server's default folder.
 */
export function startTextTooLong(what: 'program' | 'folder', text: string, source: { line: number; key: string }): { note: string; label: string | null } {
  const said = `Line ${source.line}: the start ${what} ('${source.key}') is ${text.length} characters long, and an RDP start ${what} holds ${START_TEXT_MAX} at most, so it was left out`;
  if (what === 'folder') return { note: `${said}: the program starts in the remote computer's default folder.`, label: null };
  return { note: `${said}. ${START_PROGRAM_LEFT_OUT}`, label: featureLabel('Start program', text) };
}

const START_PROGRAM_LEFT_OUT = "Until a shorter one is entered in the connection's settings, DeskBridge will not connect rather than open the whole desktop.";

/** Whether an import note is startTextTooLong's for a program (the gateway names it when Connect refuses). */
export function isStartProgramTooLongNote(note: string): boolean {
  return note.endsWith(START_PROGRAM_LEFT_OUT);
}

export function featureLabel(label: string, detail: string): string {
  const room = 200 - label.length - 3;
  const shown = detail.length > room ? `${detail.slice(0, room - 1)}…` : detail;
  return detail ? `${label} (${shown})` : label;
}
