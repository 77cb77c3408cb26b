// How the user likes the library shown (its sort), kept in the data folder. Not in the page's localStorage: the
// gateway takes a free port at each start, and a page's storage belongs to its origin, port included, so the page
// would forget it at every restart. Not in profiles.json either: it is no connection's, and an export never carries it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_LIBRARY_SORT, LIBRARY_SORTS, type LibrarySort } from '../../../shared/profiles/libraryOrder';
import { writeFileAtomic } from './profileStore';

export const LIBRARY_PREFERENCES_FILE = 'library-preferences.json';

const fileSchema = z.object({
  schemaVersion: z.literal(1),
  // An order this version does not know (a later version's) reads as the default, not as a damaged file.
  sort: z.enum(LIBRARY_SORTS).catch(DEFAULT_LIBRARY_SORT),
});

export class LibraryPreferences {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, LIBRARY_PREFERENCES_FILE);
  }

  /**
   * The sort chosen last, read from the file each time (another window on this data folder may have chosen since).
   * Missing or damaged: the default, by name; nothing else depends on it.
   */
  async sort(): Promise<LibrarySort> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await fs.readFile(this.file, 'utf8')));
      return parsed.success ? parsed.data.sort : DEFAULT_LIBRARY_SORT;
    } catch {
      return DEFAULT_LIBRARY_SORT;
    }
  }

  /** Kept for the next start. A folder that will not take the file throws (the API says why). */
  async setSort(sort: LibrarySort): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify({ schemaVersion: 1, sort }, null, 2));
  }
}
