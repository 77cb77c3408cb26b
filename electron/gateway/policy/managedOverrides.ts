// What a user filled into the fields IT left open on a managed profile
// (e.g. their user name), and their own choices on any (a favourite), kept apart from IT's data so a policy update
// replaces IT's values and keeps the user's.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OPENABLE_FIELDS, USER_CHOICE_FIELDS } from '../../../shared/policy/policySchema';
import { profileDraftSchema } from '../../../shared/profiles/profileSchema';
import { writeFileAtomic } from '../profiles/profileStore';

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

export class ManagedOverrides {
  private overrides: Record<string, ManagedOverride> = {};
  private connected: Record<string, string> = {};
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async open(dataDir: string): Promise<ManagedOverrides> {
    const store = new ManagedOverrides(path.join(dataDir, 'managed-overrides.json'));
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await fs.readFile(store.file, 'utf8')));
      if (parsed.success) {
        store.overrides = parsed.data.overrides;
        store.connected = parsed.data.lastConnected;
      }
    } catch {
      // Missing or damaged: the user fills the open fields again; IT's data is untouched.
    }
    return store;
  }

  get(id: string): ManagedOverride {
    return { ...(this.overrides[id] ?? {}) };
  }

  lastConnected(id: string): string | null {
    return this.connected[id] ?? null;
  }

  set(id: string, override: ManagedOverride): Promise<void> {
    const valid = overrideSchema.parse(override);
    return this.write(() => [{ ...this.overrides, [id]: valid }, this.connected]);
  }

  touch(id: string): Promise<void> {
    const at = new Date().toISOString();
    return this.write(() => [this.overrides, { ...this.connected, [id]: at }]);
  }

  /** Changes run one after another, each on the state the previous one left. */
  private write(change: () => [Record<string, ManagedOverride>, Record<string, string>]): Promise<void> {
    const run = async () => {
      const [overrides, connected] = change();
      await writeFileAtomic(this.file, JSON.stringify({ schemaVersion: 1, overrides, lastConnected: connected }, null, 2));
      this.overrides = overrides;
      this.connected = connected;
    };
    const result = this.chain.then(run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}
