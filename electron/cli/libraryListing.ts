// `deskbridge --list`: the library as IT reads it on a terminal, or as a script reads it (--json). Never a password:
// only whether one is saved.
import { isIPv6 } from 'node:net';
import { DEFAULT_LIBRARY_SORT, libraryOrder, type LibrarySort } from '../../shared/profiles/libraryOrder';
import type { ProfileView } from '../../shared/api/contract';

/** One connection as --list --json prints it; the field names are in --help and README. */
export interface ListedConnection {
  name: string;
  protocol: string;
  host: string;
  port: number;
  /** "" where the connection is in no folder; nested folders as "Branches/North". */
  folder: string;
  /** Whether IT manages it (a policy's or provisioning's connection). */
  managed: boolean;
  /** Whether a password is saved for it (and may be used, as policy allows); null where the keychain could not be read. */
  passwordSaved: boolean | null;
  id: string;
}

/**
 * The library's connections, in its order (as the app's list shows them sorted by `sort`), with only the fields
 * --list prints. `passwordUnknown`: the ids whose saved password could not be looked up (lookUpPasswords), listed as
 * unknown rather than as the "no" their view says.
 */
export function listedConnections(views: readonly ProfileView[], passwordUnknown: ReadonlySet<string> = new Set(), sort: LibrarySort = DEFAULT_LIBRARY_SORT): ListedConnection[] {
  return libraryOrder(views, sort).map((view) => ({
    name: view.name,
    protocol: view.protocol,
    host: view.host,
    port: view.port,
    folder: view.folder,
    managed: view.managed !== null,
    passwordSaved: passwordUnknown.has(view.id) ? null : view.hasSavedPassword,
    id: view.id,
  }));
}

/** Whether a connection's password is saved, or why that could not be told (ProfileLibrary.passwordSavedOrUnreadable). */
export type PasswordLookup = boolean | { unreadable: string; wholeStore: boolean };

/**
 * Asks the password store about each connection, one at a time (N connections are N reads, which a keychain answers
 * one by one anyway). A failure of the store itself (`wholeStore`: not opened, the keychain not answering) is not
 * asked again for each connection after it (a keychain that times out would take that long each): they are all
 * unknown. One entry that could not be read is unknown alone; the others are still asked. `store` names it for the
 * warnings: one line per reason, with how many connections it left unknown.
 */
export async function lookUpPasswords(ids: readonly string[], lookUp: (id: string) => Promise<PasswordLookup>, store: string): Promise<{ unknown: Set<string>; warnings: string[] }> {
  const unknown = new Set<string>();
  let storeDown: string | null = null;
  let afterStoreDown = 0;
  const entryFailures = new Map<string, number>();
  for (const id of ids) {
    if (storeDown !== null) {
      unknown.add(id);
      afterStoreDown++;
      continue;
    }
    const saved = await lookUp(id);
    if (typeof saved === 'boolean') continue;
    unknown.add(id);
    if (saved.wholeStore) {
      storeDown = saved.unreadable;
      afterStoreDown++;
    } else entryFailures.set(saved.unreadable, (entryFailures.get(saved.unreadable) ?? 0) + 1);
  }
  const counted = (count: number) => (count === 1 ? '1 connection' : `${count} connections`);
  const plain = (why: string) => why.replace(/\.$/, '');
  const warnings = [...entryFailures].map(
    ([why, count]) => `the saved password of ${counted(count)} could not be read from ${store} (${plain(why)}), so whether one is saved is unknown for ${count === 1 ? 'it' : 'them'}.`,
  );
  if (storeDown !== null) warnings.push(`${store} could not be read (${plain(storeDown)}), so whether a password is saved is unknown for ${counted(afterStoreDown)}.`);
  return { unknown, warnings };
}

/** An IPv6 address in brackets, so its port stays apart: [fe80::1]:5901 (a Proxmox proxy ticket's colons are not one). */
function address(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * A value on one line of a column: a line break or other control character in a name (C0, DEL, C1 such as the
 * one-byte CSI) would break the table or drive the terminal, and a bidirectional override would reorder it.
 */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

/** "?" where it could not be told: the column must not say "no" for a keychain that was not read. */
function yesNoUnknown(value: boolean | null): string {
  return value === null ? '?' : value ? 'yes' : 'no';
}

const HEADINGS = ['NAME', 'PROTOCOL', 'ADDRESS', 'FOLDER', 'MANAGED', 'PASSWORD SAVED', 'ID'] as const;

/** The plain --list: a heading line, then one line per connection, in columns two spaces apart. */
export function formatList(connections: readonly ListedConnection[]): string {
  const rows = connections.map((c) => [oneLine(c.name), c.protocol.toUpperCase(), oneLine(address(c.host, c.port)), oneLine(c.folder) || '-', c.managed ? 'yes' : 'no', yesNoUnknown(c.passwordSaved), c.id]);
  const table = [[...HEADINGS], ...rows];
  const widths = HEADINGS.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n') + '\n';
}
