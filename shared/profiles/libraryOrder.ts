// The library's one order, wherever connections are listed: the app's list and `deskbridge --list`.

/**
 * What the list is sorted by within each folder, after its favourites (as mstsc's and Remmina's lists offer): the
 * name (the default), the last time a session was opened (the few used among many), the host (IT staff).
 */
export const LIBRARY_SORTS = ['name', 'recent', 'host'] as const;
export type LibrarySort = (typeof LIBRARY_SORTS)[number];
export const DEFAULT_LIBRARY_SORT: LibrarySort = 'name';

/** The choice's words, as the "Sort by" control shows them. */
export const LIBRARY_SORT_LABELS: Record<LibrarySort, string> = { name: 'Name', recent: 'Recently used', host: 'Host' };

/** The choices as a sentence names them ("name, recent or host"), for the errors of the CLI and the API. */
export const LIBRARY_SORT_CHOICES = `${LIBRARY_SORTS.slice(0, -1).join(', ')} or ${LIBRARY_SORTS.at(-1)}`;

export function isLibrarySort(value: unknown): value is LibrarySort {
  return typeof value === 'string' && (LIBRARY_SORTS as readonly string[]).includes(value);
}

/** What the order reads of a connection. */
export interface Orderable {
  folder: string;
  favourite: boolean;
  name: string;
  host: string;
  port: number;
  /** When a session was last opened with it (ISO 8601); null, absent or unreadable: never. */
  lastConnectedAt?: string | null;
}

/** The time of the last session in ms, or null where there was none (or the stored value is not a time). */
export function lastUsed(connection: Pick<Orderable, 'lastConnectedAt'>): number | null {
  if (typeof connection.lastConnectedAt !== 'string') return null;
  const at = Date.parse(connection.lastConnectedAt);
  return Number.isFinite(at) ? at : null;
}

const byName = (a: Orderable, b: Orderable) => a.name.localeCompare(b.name);

/**
 * Within a folder's favourites, and within its others. Ties go to the name. Hosts compare with their numbers as
 * numbers, so that 10.0.0.9 comes before 10.0.0.10 (and desk-2 before desk-10), then by port.
 */
const WITHIN: Record<LibrarySort, (a: Orderable, b: Orderable) => number> = {
  name: byName,
  recent: (a, b) => {
    const at = lastUsed(a);
    const bt = lastUsed(b);
    // The never used after the used, among themselves by name.
    if (at === null || bt === null) return Number(at === null) - Number(bt === null) || byName(a, b);
    return bt - at || byName(a, b);
  },
  host: (a, b) => a.host.localeCompare(b.host, undefined, { numeric: true }) || a.port - b.port || byName(a, b),
};

/**
 * The library's order (folders, the unfiled first; favourites first in each; then by `sort`, the name by default),
 * as the list shows it.
 */
export function libraryOrder<T extends Orderable>(list: readonly T[], sort: LibrarySort = DEFAULT_LIBRARY_SORT): T[] {
  const within = WITHIN[sort] ?? byName;
  return [...list].sort(
    (a, b) =>
      Number(b.folder === '') - Number(a.folder === '') ||
      a.folder.localeCompare(b.folder) ||
      Number(b.favourite) - Number(a.favourite) ||
      within(a, b),
  );
}
