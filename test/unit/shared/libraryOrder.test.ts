// The library's order (shared/profiles/libraryOrder.ts) for each sort the list offers: folders and favourites as
// they always were, then by name, by the last session, or by host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIBRARY_SORT, isLibrarySort, libraryOrder, type LibrarySort, type Orderable } from '../../../shared/profiles/libraryOrder';

type Row = Orderable & { id: string };

const row = (id: string, fields: Partial<Orderable> = {}): Row => ({ id, folder: '', favourite: false, name: id, host: 'desk.example', port: 5900, lastConnectedAt: null, ...fields });
const ids = (list: readonly Row[], sort?: LibrarySort) => libraryOrder(list, sort).map((r) => r.id);

test('by name, as before: the unfiled first, folders by name, favourites first in each, names case- and accent-insensitive', () => {
  const list = [
    row('zeta', { name: 'Zeta' }),
    row('alpha-lower', { name: 'alpha' }),
    row('beta', { name: 'Beta' }),
    row('eclair', { name: 'Éclair' }),
    row('fav', { name: 'Yankee', favourite: true }),
    row('lab-b', { name: 'B', folder: 'Lab' }),
    row('lab-a', { name: 'a', folder: 'Lab' }),
    row('annex', { name: 'Z', folder: 'annex' }),
  ];
  // Not code-unit order ("Beta" < "Zeta" < "alpha" < "Éclair"): the collation the list has always used.
  assert.deepEqual(ids(list), ['fav', 'alpha-lower', 'beta', 'eclair', 'zeta', 'annex', 'lab-a', 'lab-b']);
  assert.deepEqual(ids(list, 'name'), ids(list), "'name' is the default");
  assert.equal(DEFAULT_LIBRARY_SORT, 'name');
});

test('recently used: the latest session first; never used (or an unreadable time) after, by name; favourites and folders stay', () => {
  const list = [
    row('never-b', { name: 'Bravo' }),
    row('old', { name: 'Old', lastConnectedAt: '2026-01-01T09:00:00.000Z' }),
    row('never-a', { name: 'alpha' }),
    row('new', { name: 'New', lastConnectedAt: '2026-12-01T09:00:00.000Z' }),
    row('corrupt', { name: 'Corrupt', lastConnectedAt: 'not a time' }),
    row('missing', { name: 'Missing', lastConnectedAt: undefined }),
    row('empty', { name: 'Empty', lastConnectedAt: '' }),
    // Not a string at all (a hand-edited file): read as never, not a failure.
    row('number', { name: 'Number', lastConnectedAt: 42 as unknown as string }),
    row('fav-never', { name: 'Zulu', favourite: true }),
    row('lab-old', { name: 'Lab old', folder: 'Lab', lastConnectedAt: '2025-06-01T00:00:00.000Z' }),
    row('lab-new', { name: 'Lab new', folder: 'Lab', lastConnectedAt: '2026-06-01T00:00:00.000Z' }),
  ];
  assert.deepEqual(ids(list, 'recent'), ['fav-never', 'new', 'old', 'never-a', 'never-b', 'corrupt', 'empty', 'missing', 'number', 'lab-new', 'lab-old']);
});

test('recently used: the same time goes to the name; times compare as times, not as text', () => {
  const at = '2026-03-03T10:00:00.000Z';
  const list = [
    row('b', { name: 'b', lastConnectedAt: at }),
    row('A', { name: 'A', lastConnectedAt: at }),
    // The same instant in another zone's notation; and a later one that sorts earlier as text.
    row('a', { name: 'a', lastConnectedAt: '2026-03-03T11:00:00+01:00' }),
    row('later', { name: 'Later', lastConnectedAt: '2026-03-03T10:30:00+00:00' }),
  ];
  assert.deepEqual(ids(list, 'recent'), ['later', 'a', 'A', 'b']);
});

test('host: hosts with their numbers as numbers, case-insensitive, then port, then name; favourites and folders stay', () => {
  const list = [
    row('ten', { host: '10.0.0.10' }),
    row('nine', { host: '10.0.0.9' }),
    row('desk10', { host: 'desk-10.example' }),
    row('desk2', { host: 'Desk-2.example' }),
    row('nine-5901-b', { name: 'b', host: '10.0.0.9', port: 5901 }),
    row('nine-5901-a', { name: 'A', host: '10.0.0.9', port: 5901 }),
    row('fav', { host: 'zz.example', favourite: true }),
    row('lab', { host: '1.1.1.1', folder: 'Lab' }),
  ];
  assert.deepEqual(ids(list, 'host'), ['fav', 'nine', 'nine-5901-a', 'nine-5901-b', 'ten', 'desk2', 'desk10', 'lab']);
});

test('host: IPv4 addresses by their bytes, then IPv6 by theirs (::a before ::10), then names; a name with digits is no address', () => {
  const hosts = ['desk-10', 'fe80::1%eth0', '2001:db8::10', '::1', '10.0.0.10', 'Desk-2', '[2001:db8::a]', '10.0.0.9', '::ffff:10.0.0.1', '1.2.3.4.example', '2001:db8::9', '300.1.1.1'];
  const list = hosts.map((host) => row(host, { host }));
  assert.deepEqual(ids(list, 'host'), [
    '10.0.0.9',
    '10.0.0.10',
    '::1',
    '::ffff:10.0.0.1',
    '2001:db8::9',
    '[2001:db8::a]',
    '2001:db8::10',
    'fe80::1%eth0',
    '1.2.3.4.example',
    '300.1.1.1',
    'Desk-2',
    'desk-10',
  ]);
});

test('the list given is not changed, and only the three sorts are known', () => {
  const list = [row('b'), row('a')];
  libraryOrder(list, 'host');
  assert.deepEqual(list.map((r) => r.id), ['b', 'a']);
  for (const sort of ['name', 'recent', 'host']) assert.equal(isLibrarySort(sort), true);
  for (const other of ['Name', 'date', '', null, 3]) assert.equal(isLibrarySort(other), false);
});
