// Import and export of .rdp, .vv and .remmina files, for the API and the CLI.
// The original file of an imported .rdp or .remmina is kept (data folder,
// imported/) so that an export writes every line it did not change back as it
// was; an .rdp's password lines are not kept (an export never writes one). INVARIANT: a .vv is never stored: it carries a ticket password and
// broker tokens.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseConnectionFile } from '../../../shared/connectionFiles/connectionFile';
import { exportRefusal, gatewayToWrite, type ExportFormat } from '../../../shared/connectionFiles/exportCheck';
import { isStartProgramLabel, isStartProgramTooLongNote, START_TEXT_MAX, startProgramLabelShows, startProgramOnlyLabelled, type FileError } from '../../../shared/connectionFiles/fileResult';
import { parseKeyFileDocument } from '../../../shared/connectionFiles/keyFile';
import { exportRdpFile, parseRdpDocument, withoutRdpSecrets, writeRdpDocument, type RdpDocument } from '../../../shared/connectionFiles/rdpFile';
import { exportRemminaFile } from '../../../shared/connectionFiles/remminaFile';
import type { Profile, ProfileDraft } from '../../../shared/profiles/profileSchema';
import type { Logger } from '../logging/logger';
import { ONE_SHOT_ID_PREFIX, type ProfileLibrary } from './profileLibrary';
import { ProfileStoreError } from './profileStore';
import { StorageError } from './storageErrors';

export type ImportMode = 'save' | 'open';

/**
 * `alreadyImported`: these very bytes were imported before, or (`sameConnection`, a .vv) a file that makes the same
 * connection was, and `profile` is that connection (nothing added).
 */
export type ImportOutcome =
  | { ok: true; profile: Profile; notes: string[]; deleteThisFile: boolean; alreadyImported?: true; sameConnection?: true }
  | { ok: false; error: FileError };

const IMPORTED_DIR = 'imported';
/** The formats whose original is kept beside the connection it made (a .vv ticket is not kept). */
const KEPT_FORMATS = ['rdp', 'remmina'] as const;

/**
 * 'save' adds a profile (a .vv's password is never kept); 'open' makes a
 * one-shot connection held in memory only, as virt-viewer does with a broker's ticket.
 * `fromOutside`: the file was opened from outside the app (double-clicked, the command line), not in it.
 */
export async function importIntoLibrary(library: ProfileLibrary, dataDir: string, fileName: string, bytes: Uint8Array, mode: ImportMode, options: { fromOutside?: boolean } = {}): Promise<ImportOutcome> {
  const imported = parseConnectionFile(fileName, bytes);
  if (!imported.ok) return imported;
  const password = imported.format === 'vv' ? (imported.oneTimeSecret?.password ?? null) : null;
  const deleteThisFile = imported.format === 'vv' && imported.deleteThisFile;
  // What the file leaves unset takes IT's profileDefaults, as a new connection does.
  const draft = library.importedDraft(imported.draft, imported.fileFields);
  if (mode === 'open') {
    // A .vv ticket connected at once ("Connect now") does not take the screen: its question names no server and the
    // file may come from anyone, so a stranger's could draw a lock screen over it. Full screen is a click away on the
    // toolbar; saved as a connection, it keeps the file's setting (shown in its editor).
    if (imported.format === 'vv') draft.fullscreen = false;
    // Opened from outside the app (not "Connect now" in it): the user is asked first (ProfileLibrary.addOneShot).
    const profile = library.addOneShot(draft, password, options.fromOutside ? { fileName: path.basename(fileName), format: imported.format } : null);
    return { ok: true, profile, notes: imported.notes, deleteThisFile };
  }
  // What is kept of the file: every line but its passwords (an export never writes them back).
  const kept = imported.format === 'rdp' ? keptRdpBytes(imported.document, bytes) : bytes;
  // A login script that imports on every run, or a file imported twice by hand: the connection it made, not a copy.
  // A .vv is not kept (its ticket), and a broker hands a new one, with a new password, each time: its connection is compared.
  if (imported.format === 'vv') {
    const same = sameVvConnection(library, draft, imported.fileFields);
    if (same) return { ok: true, profile: same, notes: [], deleteThisFile, alreadyImported: true, sameConnection: true };
  } else {
    const before = await importedFrom(library, dataDir, imported.format, kept);
    if (before) return { ok: true, profile: before, notes: [], deleteThisFile, alreadyImported: true };
  }
  const profile = await library.create(draft);
  const notes = [...imported.notes];
  if (password) notes.push('The file\u2019s one-time password was not saved.');
  if (imported.format !== 'vv') {
    // The connection is saved by now: a copy that cannot be written (a full disk, a folder made read-only) costs only
    // what an export would have written back from it, and the note says so; the import is not reported as failed.
    const copy = path.join(dataDir, IMPORTED_DIR, `${profile.id}.${imported.format}`);
    try {
      await fs.mkdir(path.join(dataDir, IMPORTED_DIR), { recursive: true, mode: 0o700 });
      await fs.writeFile(copy, kept, { mode: 0o600 });
    } catch (error) {
      // A copy cut short (a full disk) would be read by an export as the file: none rather than half of one.
      await fs.rm(copy, { force: true }).catch(() => undefined);
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      notes.push(`A copy of the file could not be kept in the data folder (${reason}), so an export will write this connection anew, without the lines of the file DeskBridge does not use.`);
    }
  }
  return { ok: true, profile, notes, deleteThisFile };
}

/** The .rdp file as kept: its own bytes, or, where it holds a password line, those of every other line. */
function keptRdpBytes(document: RdpDocument, bytes: Uint8Array): Uint8Array {
  const withoutSecrets = withoutRdpSecrets(document);
  return withoutSecrets === document ? bytes : writeRdpDocument(withoutSecrets);
}

/** A deleted connection's kept original goes with it (a .remmina's may hold Remmina's encrypted password). */
export async function forgetImportedOriginal(dataDir: string, id: string): Promise<void> {
  if (!/^[\w-]+$/.test(id)) return; // a profile's id, never a path
  for (const format of KEPT_FORMATS) await fs.rm(path.join(dataDir, IMPORTED_DIR, `${id}.${format}`), { force: true });
}

/**
 * Kept originals whose connection is gone, removed (at start): a gateway that stopped inside a delete's undo window
 * left its file. Those of connections `keep` names (in the library, or held for an undo elsewhere) stay, as do files
 * younger than `minAgeMs` (an import under way in another window writes its file just after its connection).
 */
export async function sweepKeptOriginals(dataDir: string, keep: (id: string) => boolean, minAgeMs = 120_000): Promise<string[]> {
  const dir = path.join(dataDir, IMPORTED_DIR);
  const removed: string[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const match = /^([\w-]+)\.(rdp|remmina)$/.exec(name);
    if (!match || keep(match[1] as string)) continue;
    const stat = await fs.stat(path.join(dir, name)).catch(() => null);
    if (!stat || Date.now() - stat.mtimeMs < minAgeMs) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** The saved connection whose kept original is exactly `bytes` (as kept: without passwords), if any. */
async function importedFrom(library: ProfileLibrary, dataDir: string, format: string, bytes: Uint8Array): Promise<Profile | null> {
  const dir = path.join(dataDir, IMPORTED_DIR);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith(`.${format}`)) continue;
    const profile = library.get(name.slice(0, -format.length - 1));
    if (!profile) continue;
    const kept = await fs.readFile(path.join(dir, name)).catch(() => null);
    if (kept && Buffer.compare(kept, bytes) === 0) return profile;
  }
  return null;
}

/**
 * What makes a .vv's connection go where it goes, compared even where the file is silent: without a proxy line it is
 * not the connection through a proxy, nor plain where the saved one is TLS. (A silent username or CA is not compared:
 * the user may have added one to the connection since.)
 */
const VV_ROUTE_FIELDS: readonly (keyof ProfileDraft)[] = ['protocol', 'host', 'port', 'spiceSecurity', 'spiceProxy'];

/**
 * The user's own saved connection that a .vv's draft would make again: the same in every field the file sets (its
 * title as the name, the host, ports, TLS, CA, subject, user name, proxy) and in VV_ROUTE_FIELDS. The ticket's
 * password is never in the draft, so a broker's next ticket for the same machine matches. Where the user moved,
 * starred or retuned the connection since (folder, scaling, clipboard…), it is still the same one.
 */
function sameVvConnection(library: ProfileLibrary, draft: ProfileDraft, fileFields: readonly (keyof ProfileDraft)[]): Profile | null {
  const compared = new Set([...fileFields, ...VV_ROUTE_FIELDS]);
  const own = library.list().filter((profile) => !library.isManaged(profile.id));
  return own.find((profile) => [...compared].every((field) => isDeepStrictEqual(profile[field], draft[field]))) ?? null;
}

/**
 * A connection imported before DeskBridge took start programs holds its file's program only as a label
 * ("Start program (…)" in unsupportedFeatures, startProgram empty), and Connect refuses it. Where the original file
 * was kept, and its program is the one the label showed the user, the program and its folder are read from it into
 * the connection's own fields and the label goes, saved once (those fields only, on the connection as it is on disk:
 * ProfileLibrary.fillStartProgram): from then on it connects, edits and exports as one imported today. Where the
 * data folder takes no writes (a storage error, read-only, busy), it is returned all the same, so that Connect goes
 * on with it; a connection deleted meanwhile is not-found (thrown). `unread` says why not, in a sentence for the
 * user (no kept original, another program in it, or one too long to send: startTextTooLong labels it alike); the
 * connection is then left as it was. Null where there is nothing to read (no label, IT's connection).
 */
export async function startProgramFromKeptOriginal(library: ProfileLibrary, dataDir: string, profile: Profile, logger: Logger): Promise<{ profile: Profile } | { unread: string } | null> {
  if (profile.protocol !== 'rdp' || library.isManaged(profile.id) || !startProgramOnlyLabelled(profile.unsupportedFeatures)) return null;
  // A file opened without being saved has no kept original: its label can only be startTextTooLong's.
  if (profile.id.startsWith(ONE_SHOT_ID_PREFIX)) return { unread: `Its start program is longer than the ${START_TEXT_MAX} characters an RDP start program holds: import the file, then enter a shorter one in its settings.` };
  const kept = await keptOriginal(dataDir, profile.id);
  if (!kept) return { unread: 'DeskBridge no longer has a copy of its file.' };
  const parsed = parseConnectionFile(`${profile.id}.${kept.format}`, kept.bytes);
  if (!parsed.ok || parsed.draft.startProgram === '') {
    const tooLong = parsed.ok ? parsed.notes.find(isStartProgramTooLongNote) : undefined;
    const unread = tooLong ? tooLong.replace(/, so it was left out\..*$/, '.') : parsed.ok ? 'Its file names no start program now.' : `Its file could not be read again: ${parsed.error.message}`;
    logger.info('start program not read from the kept original file', { profile: profile.id, why: unread });
    return { unread };
  }
  // The kept file is the data folder's, which anything running as the user can write: a program other than the one
  // the label showed when the connection was imported is not run on the user's sign-in.
  if (!profile.unsupportedFeatures.some((label) => isStartProgramLabel(label) && startProgramLabelShows(label, parsed.draft.startProgram))) {
    const unread = 'The start program in its kept file is not the one it was imported with.';
    logger.warn('start program in the kept original file differs from its label, not read', { profile: profile.id });
    return { unread };
  }
  const read = { startProgram: parsed.draft.startProgram, startFolder: parsed.draft.startFolder };
  try {
    const updated = await library.fillStartProgram(profile.id, read);
    logger.info('start program read from the kept original file', { profile: profile.id, format: kept.format, folder: parsed.draft.startFolder !== '' });
    return { profile: updated };
  } catch (error) {
    // Not saved because the data folder takes no writes now: this Connect goes on with what was read, and the next
    // start reads it again. Anything else (the connection deleted in another window, a policy refusal) is the caller's.
    if (!(error instanceof StorageError || (error instanceof ProfileStoreError && error.code !== 'not-found'))) throw error;
    logger.warn('start program read from the kept original file, but not saved', { profile: profile.id, error: error.message });
    return { profile: { ...profile, ...read, unsupportedFeatures: profile.unsupportedFeatures.filter((label) => !isStartProgramLabel(label)) } };
  }
}

/** startProgramFromKeptOriginal for every such connection in the library (at start). Never throws: one that fails is logged and stays as it was. */
export async function startProgramsFromKeptOriginals(library: ProfileLibrary, dataDir: string, logger: Logger): Promise<void> {
  for (const profile of library.list()) {
    if (!startProgramOnlyLabelled(profile.unsupportedFeatures)) continue;
    await startProgramFromKeptOriginal(library, dataDir, profile, logger).catch((error: unknown) => {
      logger.warn('start program not read from the kept original file', { profile: profile.id, why: (error as Error).message });
    });
  }
}

/**
 * Connections imported before DeskBridge read "Start in full screen" (an .rdp's screen mode id, a .remmina's
 * viewmode) were saved without it, so they read as off; an export compares them with their kept original, which now
 * reads on (mstsc writes screen mode id:i:2 in every file), and would rewrite a line the user never changed. At
 * start, before anything else is saved, each takes the value its kept original gives, once, as if imported today (the
 * setting is then in its editor, and the original's line stays). Never throws: a folder that takes no writes is
 * logged, and tried again at the next start.
 */
export async function fullscreenFromKeptOriginals(library: ProfileLibrary, dataDir: string, logger: Logger): Promise<void> {
  const values = new Map<string, boolean>();
  for (const profile of library.list()) {
    if (!library.storedWithoutFullscreen(profile.id)) continue;
    const kept = await keptOriginal(dataDir, profile.id);
    if (!kept) continue;
    const parsed = parseConnectionFile(`${profile.id}.${kept.format}`, kept.bytes);
    // Off is what the connection already reads: nothing to save.
    if (parsed.ok && parsed.draft.fullscreen === true) values.set(profile.id, true);
  }
  if (values.size === 0) return;
  try {
    const filled = await library.fillFullscreen(values);
    logger.info('start in full screen read from kept original files', { count: filled.length });
  } catch (error) {
    logger.warn('start in full screen not read from kept original files', { why: (error as Error).message });
  }
}

export type ExportOutcome = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

/** The imported file kept for the profile, and its format, if there is one. */
async function keptOriginal(dataDir: string, id: string): Promise<{ format: ExportFormat; bytes: Uint8Array } | null> {
  for (const format of KEPT_FORMATS) {
    const bytes = await fs.readFile(path.join(dataDir, IMPORTED_DIR, `${id}.${format}`)).catch(() => null);
    if (bytes) return { format, bytes: new Uint8Array(bytes) };
  }
  return null;
}

/**
 * Writes a profile as .rdp or .remmina, over its imported original if that is
 * of the same format. Never a password. Refused (nothing written) where the
 * file would lose the way the connection goes (exportRefusal).
 */
export async function exportProfile(profile: Profile, dataDir: string, format: ExportFormat): Promise<ExportOutcome> {
  const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...draft } = profile;
  const kept = await keptOriginal(dataDir, profile.id);
  const refusal = exportRefusal(draft, format, kept?.format ?? null);
  if (refusal) return { ok: false, message: refusal };
  const original = kept?.format === format ? kept.bytes : null;
  // What the profile only labels, written by the writer where no original line of this format holds it.
  const gateway = original ? null : gatewayToWrite(draft);
  if (format === 'rdp') {
    const parsed = original ? parseRdpDocument(original) : null;
    return { ok: true, bytes: exportRdpFile(draft, { original: parsed?.ok ? parsed.document : null, gateway }) };
  }
  const parsed = original ? parseKeyFileDocument(original) : null;
  return { ok: true, bytes: exportRemminaFile(draft, { original: parsed?.ok ? parsed.document : null, gateway }) };
}
