// What a user filled into the fields IT left open on a managed profile
// (e.g. their user name), and their own choices on any (a favourite), kept apart from IT's data so a policy update
// replaces IT's values and keeps the user's. Shared by every process on the
// data folder as profiles.json is: a change is applied by id to the file as it is
// now, under its lock, and one made elsewhere is read back (refresh()).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OPENABLE_FIELDS, USER_CHOICE_FIELDS } from '../../../shared/policy/policySchema';
import { profileDraftSchema } from '../../../shared/profiles/profileSchema';
import { fileStamp, sameStamp, writeFileAtomic, type FileStamp } from '../profiles/profileStore';
import { withFileLock } from '../profiles/fileLock';

type OverridableField = (typeof OPENABLE_FIELDS)[number] | (typeof USER_CHOICE_FIELDS)[number];
const OVERRIDABLE_FIELDS: readonly OverridableField[] = [...OPENABLE_FIELDS, ...USER_CHOICE_FIELDS];
type FieldSchemas = (typeof profileDraftSchema)['shape'];
/** A field's schema without its default: zod 4 fills a default even in a `.partial()` object, which would store every field the user never touched. */
const withoutDefault = <S extends z.ZodType>(schema: S): z.ZodType => (schema instanceof z.ZodDefault ? (schema.removeDefault() as z.ZodType) : schema);
/** Only what the user set: a field that is absent is IT's (no default filled in). */
const overrideSchema = z.object(
  Object.fromEntries(OVERRIDABLE_FIELDS.map((f) => [f, withoutDefault(profileDraftSchema.shape[f]).optional()])) as unknown as {
    [K in OverridableField]: z.ZodOptional<z.ZodType<z.output<FieldSchemas[K]>>>;
  },
);
export type ManagedOverride = z.infer<typeof overrideSchema>;
const fileSchema = z.object({
  schemaVersion: z.literal(1),
  overrides: z.record(z.string(), overrideSchema),
  lastConnected: z.record(z.string(), z.string()).default({}),
});

type Contents = { overrides: Record<string, ManagedOverride>; connected: Record<string, string> };

export class ManagedOverrides {
  private overrides: Record<string, ManagedOverride> = {};
  private connected: Record<string, string> = {};
  /** The file as last read or written here. */
  private stamp: FileStamp | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async open(dataDir: string): Promise<ManagedOverrides> {
    const store = new ManagedOverrides(path.join(dataDir, 'managed-overrides.json'));
    await store.read();
    return store;
  }

  /** Reads the file into memory. Missing or damaged: the user fills the open fields again; IT's data is untouched. */
  private async read(): Promise<void> {
    let contents: Contents = { overrides: {}, connected: {} };
    let stamp: FileStamp | null = null;
    try {
      stamp = await fileStamp(this.file);
      const parsed = fileSchema.safeParse(JSON.parse(await fs.readFile(this.file, 'utf8')));
      if (parsed.success) contents = { overrides: parsed.data.overrides, connected: parsed.data.lastConnected };
    } catch {
      // as above
    }
    this.overrides = contents.overrides;
    this.connected = contents.connected;
    this.stamp = stamp;
  }

  /** Reads the file again where another process changed it (one stat when none did). */
  refresh(): Promise<void> {
    const run = async () => {
      const stamp = await fileStamp(this.file).catch(() => this.stamp);
      if (!sameStamp(stamp, this.stamp)) await this.read();
    };
    const result = this.chain.then(run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  get(id: string): ManagedOverride {
    return { ...(this.overrides[id] ?? {}) };
  }

  lastConnected(id: string): string | null {
    return this.connected[id] ?? null;
  }

  set(id: string, override: ManagedOverride): Promise<void> {
    const valid = overrideSchema.parse(override);
    return this.write((now) => ({ overrides: { ...now.overrides, [id]: valid }, connected: now.connected }));
  }

  touch(id: string): Promise<void> {
    const at = new Date().toISOString();
    return this.write((now) => ({ overrides: now.overrides, connected: { ...now.connected, [id]: at } }));
  }

  /** Changes run one after another, here and (under the file's lock) across processes, each on the file as the one before left it. */
  private write(change: (now: Contents) => Contents): Promise<void> {
    const run = () =>
      withFileLock(this.file, async () => {
        await this.read();
        const next = change({ overrides: this.overrides, connected: this.connected });
        await writeFileAtomic(this.file, JSON.stringify({ schemaVersion: 1, overrides: next.overrides, lastConnected: next.connected }, null, 2));
        this.overrides = next.overrides;
        this.connected = next.connected;
        this.stamp = await fileStamp(this.file).catch(() => null);
      });
    const result = this.chain.then(run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}
