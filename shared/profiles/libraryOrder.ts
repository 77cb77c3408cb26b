// The library's one order, wherever connections are listed: the app's list and `deskbridge --list`.

/** What the order reads of a connection. */
export interface Orderable {
  folder: string;
  favourite: boolean;
  name: string;
}

/** The library's order (folders, the unfiled first; favourites first in each; then by name), as the list shows it. */
export function libraryOrder<T extends Orderable>(list: readonly T[]): T[] {
  return [...list].sort(
    (a, b) =>
      Number(b.folder === '') - Number(a.folder === '') ||
      a.folder.localeCompare(b.folder) ||
      Number(b.favourite) - Number(a.favourite) ||
      a.name.localeCompare(b.name),
  );
}
