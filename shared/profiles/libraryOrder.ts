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
 * Within a folder's favourites, and within its others. Ties go to the name. Hosts compare as compareHosts() says
 * (addresses by their bytes, names with their numbers as numbers), then by port.
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
  host: (a, b) => compareHosts(a.host, b.host) || a.port - b.port || byName(a, b),
};

/** An IPv4 literal's 4 bytes, or null for anything else. */
function ipv4Bytes(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
  return parts.map(Number);
}

/** An IPv6 literal's 16 bytes (brackets and a zone allowed, an IPv4 tail too), or null for anything else. */
function ipv6Bytes(text: string): number[] | null {
  const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!address.includes(':')) return null;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      const v4 = i === pieces.length - 1 && piece.includes('.') ? ipv4Bytes(piece) : null;
      if (v4) out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      else if (/^[0-9a-f]{1,4}$/i.test(piece)) out.push(parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...Array<number>(missing).fill(0), ...tail].flatMap((group) => [group >> 8, group & 0xff]);
}

/**
 * Hosts as IT reads them: IPv4 addresses first, by their bytes (10.0.0.9 before 10.0.0.10), then IPv6 addresses by
 * theirs (2001:db8::a before 2001:db8::10, which a text order gets wrong), then names, with their numbers as
 * numbers (desk-2 before desk-10), case-insensitive.
 */
export function compareHosts(a: string, b: string): number {
  const key = (host: string): [number, number[] | null] => {
    const v4 = ipv4Bytes(host);
    if (v4) return [0, v4];
    const v6 = ipv6Bytes(host);
    return v6 ? [1, v6] : [2, null];
  };
  const [aKind, aBytes] = key(a);
  const [bKind, bBytes] = key(b);
  if (aKind !== bKind) return aKind - bKind;
  if (aBytes && bBytes) {
    for (let i = 0; i < aBytes.length; i++) if (aBytes[i] !== bBytes[i]) return aBytes[i]! - bBytes[i]!;
    return a.localeCompare(b);
  }
  return a.localeCompare(b, undefined, { numeric: true });
}

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
