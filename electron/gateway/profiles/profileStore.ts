// The profile library on disk: one JSON file in the data folder, validated by
// the schema in shared/, versioned and migrated, written atomically.
// INVARIANT: a file we cannot read is never overwritten. A corrupt one is kept
// aside under a new name and the user is told; one we cannot even move, or one
// written by a newer version, makes the store read-only until it is dealt with.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  PROFILE_FILE_SCHEMA_VERSION,
  profileDraftSchema,
  profileFileSchema,
  type Profile,
  type ProfileDraft,
  type ProfileFile,
} from '../../../shared/profiles/profileSchema';
import type { Logger } from '../logging/logger';

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
    readonly code: 'not-found' | 'read-only',
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
  } finally {
    await handle.close();
  }
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

export class ProfileStore {
  private profiles: Profile[] = [];
  private readOnlyReason: string | null = null;
  private writeChain: Promise<void> = Promise.resolve();
  readonly notices: string[] = [];

  private constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  static async open(dataDir: string, logger: Logger): Promise<ProfileStore> {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new ProfileStore(path.join(dataDir, PROFILES_FILE), logger);
    await store.load();
    return store;
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

  async create(draft: ProfileDraft): Promise<Profile> {
    const now = new Date().toISOString();
    const profile: Profile = { ...profileDraftSchema.parse(draft), id: newProfileId(), createdAt: now, updatedAt: now, lastConnectedAt: null };
    await this.mutate((current) => [...current, profile]);
    return { ...profile };
  }

  async update(id: string, draft: ProfileDraft): Promise<Profile> {
    const valid = profileDraftSchema.parse(draft);
    let updated: Profile | undefined;
    await this.mutate((current) => {
      const existing = this.requireProfile(id, current);
      updated = { ...existing, ...valid, id, createdAt: existing.createdAt, updatedAt: new Date().toISOString() };
      return current.map((p) => (p.id === id ? (updated as Profile) : p));
    });
    return { ...(updated as Profile) };
  }

  async duplicate(id: string): Promise<Profile> {
    const source = this.requireProfile(id, this.profiles);
    const { id: _id, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...draft } = source;
    return this.create({ ...draft, name: this.copyName(source.name) });
  }

  /** Notes that a session was opened, for "recent connections". */
  async touch(id: string): Promise<void> {
    const at = new Date().toISOString();
    await this.mutate((current) => current.map((p) => (p.id === id ? { ...p, lastConnectedAt: at } : p)));
  }

  async remove(id: string): Promise<void> {
    await this.mutate((current) => {
      this.requireProfile(id, current);
      return current.filter((p) => p.id !== id);
    });
  }

  private copyName(name: string): string {
    const names = new Set(this.profiles.map((p) => p.name));
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
   * Applies a change to the list and writes it. Changes run one after another,
   * each on the list the previous one left, so quick saves never lose each other.
   */
  private mutate(change: (current: Profile[]) => Profile[]): Promise<void> {
    const run = async () => {
      if (this.readOnlyReason) throw new ProfileStoreError('read-only', this.readOnlyReason);
      const next = change(this.profiles);
      const body: ProfileFile = { schemaVersion: PROFILE_FILE_SCHEMA_VERSION, profiles: next };
      await writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n');
      this.profiles = next;
    };
    const result = this.writeChain.then(run);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      this.readOnlyReason = `Your connections file (${this.file}) could not be read (${code ?? 'error'}). Nothing will be saved until it is readable again, so that it is not overwritten.`;
      this.notices.push(this.readOnlyReason);
      this.logger.error('profiles file unreadable', { file: this.file, code });
      return;
    }
    let problem: string;
    try {
      const detected = detectVersion(JSON.parse(text));
      if (!detected) {
        problem = 'it has no schema version';
      } else if (detected.version > PROFILE_FILE_SCHEMA_VERSION) {
        this.readOnlyReason = `Your connections file was written by a newer version of DeskBridge (format ${detected.version}). It is shown read-only so that this version does not overwrite it.`;
        this.notices.push(this.readOnlyReason);
        const parsed = profileFileSchema.shape.profiles.safeParse(detected.body.profiles);
        this.profiles = parsed.success ? parsed.data : [];
        return;
      } else {
        let body = detected.body;
        for (let v = detected.version; v < PROFILE_FILE_SCHEMA_VERSION; v++) {
          const migrate = MIGRATIONS[v];
          if (!migrate) throw new Error(`no migration from format ${v}`);
          body = migrate(body);
        }
        const parsed = profileFileSchema.safeParse(body);
        if (parsed.success) {
          this.profiles = parsed.data.profiles;
          if (detected.version < PROFILE_FILE_SCHEMA_VERSION) this.logger.info('profiles file migrated in memory', { from: detected.version });
          return;
        }
        const first = parsed.error.issues[0];
        problem = first ? `${first.path.join('.') || 'file'}: ${first.message}` : 'it does not match the expected format';
      }
    } catch (error) {
      problem = error instanceof SyntaxError ? `it is not valid JSON (${error.message})` : String(error);
    }
    await this.setAside(problem);
  }

  private async setAside(problem: string): Promise<void> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = path.join(path.dirname(this.file), `profiles.corrupt-${stamp}.json`);
    try {
      await fs.rename(this.file, aside);
      // It holds hosts and user names: as private as the file it was (whatever made it readable to others).
      await fs.chmod(aside, 0o600).catch(() => undefined);
      this.notices.push(
        `Your connections file could not be read because ${problem}. It was kept as ${aside} and DeskBridge started with an empty list. Nothing in it was deleted.`,
      );
      this.logger.warn('profiles file corrupt, kept aside', { aside, problem });
    } catch (error) {
      this.readOnlyReason = `Your connections file could not be read because ${problem}, and it could not be moved aside (${(error as Error).message}). Nothing will be saved until it is fixed or removed.`;
      this.notices.push(this.readOnlyReason);
      this.logger.error('profiles file corrupt and could not be moved', { problem });
    }
  }
}
