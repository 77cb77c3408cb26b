// The profile library on disk: one JSON file in the data folder, validated by
// the schema in shared/, versioned and migrated, written atomically.
// INVARIANT: a file we cannot read is never overwritten. A corrupt one is kept
// aside under a new name and the user is told; one we cannot even move, or one
// written by a newer version, makes the store read-only until it is dealt with.
// A file of the right shape with some connections the schema refuses keeps the
// others: only those are set aside (the whole file is kept aside as it was).
// Several processes (a second window is a second gateway) share the file: each
// change is applied, under a lock (fileLock.ts), to what is on disk then, and a
// change made elsewhere is read back when the file differs (refresh()).
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  PROFILE_FILE_SCHEMA_VERSION,
  profileDraftSchema,
  profileFileSchema,
  profileSchema,
  type Profile,
  type ProfileDraft,
  type ProfileFile,
} from '../../../shared/profiles/profileSchema';
import type { Logger } from '../logging/logger';
import { FileLockTimeout, withFileLock } from './fileLock';
import { storageFailure } from './storageErrors';

export const PROFILES_FILE = 'profiles.json';

/**
 * A new profile id: 12 base64url characters that never start with "-", so a
 * command line such as `deskbridge --export ID FILE` never reads it as an option.
 */
export function newProfileId(): string {
  const id = randomBytes(9).toString('base64url');
  return /^[A-Za-z0-9]/.test(id) ? id : `p${id.slice(1)}`;
}

export class ProfileStoreError extends Error {
  constructor(
    readonly code: 'not-found' | 'read-only' | 'busy',
    message: string,
  ) {
    super(message);
  }
}

/** Migrations from older file layouts to the current one, keyed by the version they read. */
const MIGRATIONS: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {
  // Version 0: a bare array of profiles, as early builds wrote it.
  0: (raw) => ({ schemaVersion: 1, profiles: raw.profiles }),
  // Version 1 stored keyboardLayout "en-US" as a default no one chose (there was no
  // field for it) and never sent it; version 2 sends the layout, so that default
  // becomes "auto" (the server's own), and a user's keyboard keeps working as before.
  1: (raw) => ({
    schemaVersion: 2,
    profiles: Array.isArray(raw.profiles)
      ? raw.profiles.map((p: unknown) => (p && typeof p === 'object' && (p as { keyboardLayout?: unknown }).keyboardLayout === 'en-US' ? { ...p, keyboardLayout: 'auto' } : p))
      : raw.profiles,
  }),
};

function detectVersion(raw: unknown): { version: number; body: Record<string, unknown> } | null {
  if (Array.isArray(raw)) return { version: 0, body: { profiles: raw } };
  if (raw && typeof raw === 'object') {
    const version = (raw as { schemaVersion?: unknown }).schemaVersion;
    if (typeof version === 'number' && Number.isInteger(version)) return { version, body: raw as Record<string, unknown> };
  }
  return null;
}

/** Writes a file so that a crash leaves either the old or the new content: temp file, fsync, rename, fsync folder. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    // A full disk: no half-written temp file is left behind.
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  try {
    const dirHandle = await fs.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the rename is still atomic there.
  }
}

/** What identifies one version of a file: a write elsewhere (a new file renamed over it) changes it. */
export interface FileStamp {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** The file's stamp, or null where there is none. */
export async function fileStamp(file: string): Promise<FileStamp | null> {
  try {
    const s = await fs.stat(file, { bigint: true });
    return { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** A message as part of a longer sentence: without its final full stop. */
function clause(message: string): string {
  return message.trim().replace(/[.\s]+$/, '');
}

/** A connection in the file the schema refuses: what to call it, and why. */
interface RefusedEntry {
  label: string;
  problem: string;
}

/** What is on disk, read and judged (not yet acted on). */
type DiskContent =
  | { kind: 'missing' }
  | { kind: 'unreadable'; code: string }
  | { kind: 'newer'; version: number; profiles: Profile[] }
  | { kind: 'corrupt'; problem: string }
  | { kind: 'ok'; profiles: Profile[]; refused: RefusedEntry[]; migratedFrom: number | null; withoutFullscreen: ReadonlySet<string> };

const fileShapeSchema = z.object({ schemaVersion: z.literal(PROFILE_FILE_SCHEMA_VERSION), profiles: z.array(z.unknown()) });

function labelOf(entry: unknown, index: number): string {
  const { name, id } = (entry && typeof entry === 'object' ? entry : {}) as { name?: unknown; id?: unknown };
  if (typeof name === 'string' && name.trim()) return `"${name.trim().slice(0, 80)}"`;
  if (typeof id === 'string' && id.trim()) return `the one with id ${id.trim().slice(0, 64)}`;
  return `number ${index + 1}`;
}

/** Why a connection was refused: its first few problems, each with its field. */
function reasons(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const named = issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || 'connection'}: ${clause(i.message)}`);
  return issues.length > 3 ? `${named.join(', ')} and ${issues.length - 3} more` : named.join(', ');
}

function judge(text: string): DiskContent {
  let detected: ReturnType<typeof detectVersion>;
  try {
    detected = detectVersion(JSON.parse(text));
  } catch (error) {
    return { kind: 'corrupt', problem: error instanceof SyntaxError ? `it is not valid JSON (${error.message})` : String(error) };
  }
  if (!detected) return { kind: 'corrupt', problem: 'it has no schema version' };
  if (detected.version > PROFILE_FILE_SCHEMA_VERSION) {
    const parsed = profileFileSchema.shape.profiles.safeParse(detected.body.profiles);
    return { kind: 'newer', version: detected.version, profiles: parsed.success ? parsed.data : [] };
  }
  let body = detected.body;
  for (let v = detected.version; v < PROFILE_FILE_SCHEMA_VERSION; v++) {
    const migrate = MIGRATIONS[v];
    if (!migrate) return { kind: 'corrupt', problem: `it is in format ${detected.version}, which this version cannot read` };
    body = migrate(body);
  }
  const shape = fileShapeSchema.safeParse(body);
  if (!shape.success) {
    const first = shape.error.issues[0];
    return { kind: 'corrupt', problem: first ? `${first.path.join('.') || 'file'}: ${clause(first.message)}` : 'it does not match the expected format' };
  }
  const profiles: Profile[] = [];
  const refused: RefusedEntry[] = [];
  const withoutFullscreen = new Set<string>();
  shape.data.profiles.forEach((entry, index) => {
    const parsed = profileSchema.safeParse(entry);
    if (parsed.success) {
      profiles.push(parsed.data);
      // Saved before "Start in full screen" was read from files: its false is the schema's default, not the file's.
      if (!Object.hasOwn(entry as object, 'fullscreen')) withoutFullscreen.add(parsed.data.id);
    } else refused.push({ label: labelOf(entry, index), problem: reasons(parsed.error.issues) });
  });
  return { kind: 'ok', profiles, refused, migratedFrom: detected.version < PROFILE_FILE_SCHEMA_VERSION ? detected.version : null, withoutFullscreen };
}

export class ProfileStore {
  private profiles: Profile[] = [];
  /** The file as last read or written here: refresh() reads it again when it differs. */
  private stamp: FileStamp | null = null;
  /** The file's text when it was last read whole (every connection usable) or written here: the same text again needs no parsing. */
  private knownText: string | null = null;
  /** The connections on disk saved with no `fullscreen` (before DeskBridge read it from files): none once written here. */
  private withoutFullscreen: ReadonlySet<string> = new Set();
  private readOnlyReason: string | null = null;
  private writeChain: Promise<unknown> = Promise.resolve();
  readonly notices: string[] = [];

  private constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  static async open(dataDir: string, logger: Logger, options: { readOnly?: boolean } = {}): Promise<ProfileStore> {
    if (options.readOnly) {
      // Opened to look, not to change (`deskbridge --diagnostics`): nothing is created, set aside or written.
      const store = new ProfileStore(path.join(dataDir, PROFILES_FILE), logger);
      store.readOnlyReason = 'Opened read-only (diagnostics): nothing is saved.';
      await store.look();
      return store;
    }
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new ProfileStore(path.join(dataDir, PROFILES_FILE), logger);
    await store.load();
    return store;
  }

  /**
   * Reads the file as load() would, changing nothing: what load() would set aside is named in a notice saying
   * what the app will do at its next start, and the usable connections are listed.
   */
  private async look(): Promise<void> {
    const { content, stamp } = await this.readDisk();
    this.stamp = stamp;
    switch (content.kind) {
      case 'missing':
        this.profiles = [];
        return;
      case 'unreadable':
      case 'newer':
        this.profiles = await this.absorb(content);
        return;
      case 'corrupt':
        this.profiles = [];
        this.notices.push(
          `Your connections file (${this.file}) cannot be read because ${clause(content.problem)}. It was left as it is; DeskBridge will keep it aside as profiles.corrupt-<time>.json and start with an empty list when it next starts.`,
        );
        this.logger.warn('profiles file corrupt (left as it is)', { file: this.file, problem: content.problem });
        return;
      case 'ok': {
        this.profiles = content.profiles;
        this.withoutFullscreen = content.withoutFullscreen;
        if (content.refused.length > 0) {
          const which = content.refused.map((r) => `${r.label} (${r.problem})`).join('; ');
          const count = content.refused.length === 1 ? '1 connection' : `${content.refused.length} connections`;
          this.notices.push(`${count} in your connections file (${this.file}) cannot be read: ${which}. The file was left as it is; DeskBridge will set ${content.refused.length === 1 ? 'it' : 'them'} aside when it next starts.`);
          this.logger.warn('profiles not readable (left as they are)', { file: this.file, count: content.refused.length });
        }
        return;
      }
    }
  }

  get readOnly(): boolean {
    return this.readOnlyReason !== null;
  }

  list(): Profile[] {
    return this.profiles.map((p) => ({ ...p, tags: [...p.tags] }));
  }

  get(id: string): Profile | undefined {
    const found = this.profiles.find((p) => p.id === id);
    return found ? { ...found, tags: [...found.tags] } : undefined;
  }

  /** Finds by id first, then by name (case-insensitive), for --connect. */
  find(nameOrId: string): Profile | undefined {
    return this.get(nameOrId) ?? this.profiles.find((p) => p.name.toLocaleLowerCase() === nameOrId.toLocaleLowerCase());
  }

  /**
   * Reads the file again where another process changed it since it was last read or written here (one stat
   * when it did not). What cannot be read is left for the next change to deal with; the list stays as it was.
   */
  refresh(): Promise<void> {
    const run = async () => {
      const stamp = await fileStamp(this.file).catch(() => this.stamp);
      if (sameStamp(stamp, this.stamp)) return;
      const { content, stamp: read } = await this.readDisk();
      this.stamp = read;
      if (content.kind === 'missing') this.profiles = [];
      else if (content.kind === 'ok') {
        this.profiles = content.profiles;
        this.withoutFullscreen = content.withoutFullscreen;
      }
    };
    const result = this.writeChain.then(run);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  async create(draft: ProfileDraft): Promise<Profile> {
    const now = new Date().toISOString();
    const profile: Profile = { ...profileDraftSchema.parse(draft), id: newProfileId(), createdAt: now, updatedAt: now, lastConnectedAt: null };
    await this.mutate((current) => ({ next: [...current, profile], result: undefined }));
    return { ...profile };
  }

  /** Replaces the connection's settings. One deleted meanwhile (here or by another process) is not brought back: not-found. */
  async update(id: string, draft: ProfileDraft): Promise<Profile> {
    const valid = profileDraftSchema.parse(draft);
    const updated = await this.mutate((current) => {
      const existing = this.requireProfile(id, current);
      const result: Profile = { ...existing, ...valid, id, createdAt: existing.createdAt, updatedAt: new Date().toISOString() };
      return { next: current.map((p) => (p.id === id ? result : p)), result };
    });
    return { ...updated };
  }

  /**
   * Changes only the fields `change` gives, on the connection as it is on disk now (under the lock), not on a copy
   * read earlier: a change that does not come from the user's edit (a start program read from a kept original file)
   * undoes nothing another window saved meanwhile. `change` returns null where it no longer applies there: nothing
   * is changed. Gives back the connection as it now is; one deleted meanwhile: not-found.
   */
  async patch(id: string, change: (existing: Profile) => Partial<ProfileDraft> | null): Promise<Profile> {
    const patched = await this.mutate((current) => {
      const existing = this.requireProfile(id, current);
      const fields = change(existing);
      if (fields === null) return { next: current, result: existing };
      const valid = profileDraftSchema.parse({ ...existing, ...fields });
      const result: Profile = { ...existing, ...valid, updatedAt: new Date().toISOString() };
      return { next: current.map((p) => (p.id === id ? result : p)), result };
    });
    return { ...patched };
  }

  /** Saved with no `fullscreen` (before DeskBridge read it from files), as the file was last read: its value is only the default. */
  storedWithoutFullscreen(id: string): boolean {
    return this.withoutFullscreen.has(id);
  }

  /**
   * "Start in full screen" for connections saved before DeskBridge read it, as their kept original files say, in one
   * write (any write stores every connection's value, so one at a time would lose which others were saved without
   * it): only those still without it on disk, under the file's lock (another window may have saved one since).
   * Nothing else of them changes. Gives back the ids filled in.
   */
  async fillFullscreen(values: ReadonlyMap<string, boolean>): Promise<string[]> {
    return this.mutate((current) => {
      const filled: string[] = [];
      const next = current.map((p) => {
        const value = values.get(p.id);
        if (value === undefined || !this.withoutFullscreen.has(p.id)) return p;
        filled.push(p.id);
        return { ...p, fullscreen: value, updatedAt: new Date().toISOString() };
      });
      return { next, result: filled };
    });
  }

  async duplicate(id: string): Promise<Profile> {
    const now = new Date().toISOString();
    const copy = await this.mutate((current) => {
      const source = this.requireProfile(id, current);
      const result: Profile = { ...source, tags: [...source.tags], name: this.copyName(source.name, current), id: newProfileId(), createdAt: now, updatedAt: now, lastConnectedAt: null };
      return { next: [...current, result], result };
    });
    return { ...copy };
  }

  /** Notes that a session was opened, for "recent connections". */
  async touch(id: string): Promise<void> {
    const at = new Date().toISOString();
    await this.mutate((current) => ({ next: current.map((p) => (p.id === id ? { ...p, lastConnectedAt: at } : p)), result: undefined }));
  }

  /** Removes the connection; gives back what it was (for an undo). */
  async remove(id: string): Promise<Profile> {
    const removed = await this.mutate((current) => {
      const existing = this.requireProfile(id, current);
      return { next: current.filter((p) => p.id !== id), result: existing };
    });
    return { ...removed };
  }

  /** Puts back a connection remove() gave, as it was (its id, times and place at the end of the list). */
  async restore(profile: Profile): Promise<Profile> {
    const valid: Profile = { ...profile, ...profileDraftSchema.parse(profile) };
    // Already back (an undo sent twice): nothing to add.
    await this.mutate((current) => ({ next: current.some((p) => p.id === valid.id) ? current : [...current, valid], result: undefined }));
    return { ...valid };
  }

  private copyName(name: string, profiles: Profile[]): string {
    const names = new Set(profiles.map((p) => p.name));
    let candidate = `${name} (copy)`;
    for (let n = 2; names.has(candidate); n++) candidate = `${name} (copy ${n})`;
    return candidate.slice(0, 200);
  }

  private requireProfile(id: string, profiles: Profile[]): Profile {
    const found = profiles.find((p) => p.id === id);
    if (!found) throw new ProfileStoreError('not-found', 'No connection with that id exists. It may have been deleted.');
    return found;
  }

  /**
   * Applies one change (by id) to the list on disk now and writes it. Changes run one after another here, and
   * under the file's lock across processes, each reading what the one before it (from any process) left, so
   * neither quick saves nor another window's lose each other.
   */
  private mutate<T>(change: (current: Profile[]) => { next: Profile[]; result: T }): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.readOnlyReason) throw new ProfileStoreError('read-only', this.readOnlyReason);
      try {
        return await withFileLock(this.file, async () => {
          const { content, stamp } = await this.readDisk();
          this.stamp = stamp;
          const current = await this.absorb(content);
          if (this.readOnlyReason) throw new ProfileStoreError('read-only', this.readOnlyReason);
          // Shown as it is on disk even where the change is refused (an edit of one deleted elsewhere).
          this.profiles = current;
          const { next, result } = change(current);
          await this.write(next);
          return result;
        });
      } catch (error) {
        if (error instanceof FileLockTimeout) {
          this.logger.warn('profiles file locked', { error: error.message });
          throw new ProfileStoreError('busy', 'Another DeskBridge window is still saving your connections. Try again in a moment.');
        }
        // The lock, the temp file and the rename all come before the file changes: nothing was changed (writeFileAtomic).
        const failure = storageFailure(error, path.dirname(this.file), 'your connections', 'Nothing was changed.');
        if (failure) {
          this.logger.error('profiles file not written', { file: this.file, code: failure.errno });
          throw failure;
        }
        throw error;
      }
    };
    const result = this.writeChain.then(run);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  private async write(profiles: Profile[]): Promise<void> {
    const body: ProfileFile = { schemaVersion: PROFILE_FILE_SCHEMA_VERSION, profiles };
    const text = JSON.stringify(body, null, 2) + '\n';
    this.knownText = null;
    await writeFileAtomic(this.file, text);
    this.knownText = text;
    this.profiles = profiles;
    this.withoutFullscreen = new Set();
    this.stamp = await fileStamp(this.file).catch(() => null);
  }

  /** The file's content, judged, and its stamp as it was before it was read (so a write after is seen). */
  private async readDisk(): Promise<{ content: DiskContent; stamp: FileStamp | null }> {
    let stamp: FileStamp | null = null;
    let text: string;
    try {
      stamp = await fileStamp(this.file);
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { content: { kind: 'missing' }, stamp: null };
      return { content: { kind: 'unreadable', code: code ?? 'error' }, stamp };
    }
    // Unchanged since this store read or wrote it (a save with no other window saving): the list in memory is it.
    if (text === this.knownText) return { content: { kind: 'ok', profiles: this.profiles, refused: [], migratedFrom: null, withoutFullscreen: this.withoutFullscreen }, stamp };
    const content = judge(text);
    this.knownText = content.kind === 'ok' && content.refused.length === 0 && content.migratedFrom === null ? text : null;
    return { content, stamp };
  }

  /**
   * Acts on what was read (under the file's lock where it may write): the usable connections, with what is
   * unusable kept aside and the user told, or the store made read-only.
   */
  private async absorb(content: DiskContent): Promise<Profile[]> {
    switch (content.kind) {
      case 'missing':
        return [];
      case 'unreadable':
        this.readOnlyReason = `Your connections file (${this.file}) could not be read (${content.code}). Nothing will be saved until it is readable again, so that it is not overwritten.`;
        this.notices.push(this.readOnlyReason);
        this.logger.error('profiles file unreadable', { file: this.file, code: content.code });
        return this.profiles;
      case 'newer':
        this.readOnlyReason = `Your connections file was written by a newer version of DeskBridge (format ${content.version}). It is shown read-only so that this version does not overwrite it.`;
        this.notices.push(this.readOnlyReason);
        return content.profiles;
      case 'corrupt':
        await this.setAside(content.problem);
        return [];
      case 'ok':
        if (content.migratedFrom !== null) this.logger.info('profiles file migrated in memory', { from: content.migratedFrom });
        if (content.refused.length > 0) await this.setAsideSome(content.profiles, content.refused);
        this.withoutFullscreen = content.withoutFullscreen;
        return content.profiles;
    }
  }

  private async load(): Promise<void> {
    const first = await this.readDisk();
    this.stamp = first.stamp;
    if (first.content.kind === 'missing' || (first.content.kind === 'ok' && first.content.refused.length === 0) || first.content.kind === 'unreadable' || first.content.kind === 'newer') {
      this.profiles = await this.absorb(first.content);
      return;
    }
    // Something is to be kept aside: once, by whichever process starting on this folder gets there first.
    let locked = false;
    const handle = async () => {
      locked = true;
      const again = await this.readDisk();
      this.stamp = again.stamp;
      this.profiles = await this.absorb(again.content);
    };
    try {
      await withFileLock(this.file, handle);
    } catch (error) {
      if (locked) throw error;
      // No lock to be had (a folder we may not write to, say): setting aside will say what went wrong.
      this.logger.warn('profiles file lock unavailable', { error: (error as Error).message });
      await handle();
    }
  }

  /** Where the file as it was is kept for IT. */
  private asideName(): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return path.join(path.dirname(this.file), `profiles.corrupt-${stamp}.json`);
  }

  /** The file is of the right shape but some connections in it are not: those are set aside, the others kept. */
  private async setAsideSome(kept: Profile[], refused: RefusedEntry[]): Promise<void> {
    const aside = this.asideName();
    const which = refused.map((r) => `${r.label} (${r.problem})`).join('; ');
    try {
      await fs.copyFile(this.file, aside, fsConstants.COPYFILE_EXCL);
      await fs.chmod(aside, 0o600).catch(() => undefined);
      // Written out at once (not left for the next change), so the next start does not set them aside again.
      await this.write(kept);
    } catch (error) {
      this.readOnlyReason = `${refused.length === 1 ? '1 connection' : `${refused.length} connections`} in your connections file could not be read and could not be set aside (${clause((error as Error).message)}): ${which}; nothing will be saved until the file is fixed or removed.`;
      this.notices.push(this.readOnlyReason);
      this.logger.error('profiles not readable and could not be set aside', { count: refused.length });
      return;
    }
    const count = refused.length === 1 ? '1 connection' : `${refused.length} connections`;
    const others = kept.length === 1 ? 'the other connection was kept' : `the other ${kept.length} were kept`;
    this.notices.push(`${count} in your connections file could not be read and ${refused.length === 1 ? 'was' : 'were'} set aside: ${which}; ${others}, and the whole file as it was is kept as ${aside}.`);
    this.logger.warn('profiles not readable, set aside', { aside, count: refused.length, kept: kept.length });
  }

  private async setAside(problem: string): Promise<void> {
    const aside = this.asideName();
    try {
      await fs.rename(this.file, aside);
      this.stamp = null;
      // It holds hosts and user names: as private as the file it was (whatever made it readable to others).
      await fs.chmod(aside, 0o600).catch(() => undefined);
      this.notices.push(
        `Your connections file could not be read because ${clause(problem)}. It was kept as ${aside} and DeskBridge started with an empty list. Nothing in it was deleted.`,
      );
      this.logger.warn('profiles file corrupt, kept aside', { aside, problem });
    } catch (error) {
      this.readOnlyReason = `Your connections file could not be read because ${clause(problem)}, and it could not be moved aside (${clause((error as Error).message)}). Nothing will be saved until it is fixed or removed.`;
      this.notices.push(this.readOnlyReason);
      this.logger.error('profiles file corrupt and could not be moved', { problem });
    }
  }
}
