import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatList, listedConnections, lookUpPasswords } from '../../../electron/cli/libraryListing';
import type { ProfileView } from '../../../shared/api/contract';

function view(fields: Partial<ProfileView> & { name: string }): ProfileView {
  return { id: `id-${fields.name.replace(/\W/g, '')}`, protocol: 'rdp', host: 'desk.corp.example', port: 3389, folder: '', favourite: false, hasSavedPassword: false, managed: null, ...fields } as ProfileView;
}

test('--list: the library\u2019s order (unfiled, then folders; favourites, then names), IT\u2019s marked, a password only as yes/no', () => {
  const views = [
    view({ name: 'Zeta', folder: 'Branches' }),
    view({ name: 'beta' }),
    view({ name: 'Alpha', folder: 'Branches', hasSavedPassword: true, password: 'Winter2026!' } as Partial<ProfileView> & { name: string }),
    view({ name: 'Front desk', id: 'managed-desk', managed: { openFields: [] }, protocol: 'vnc', host: 'fe80::1', port: 5901 }),
    view({ name: 'Yak', folder: 'Branches', favourite: true }),
    view({ name: 'Two\nlines', protocol: 'spice', host: 'pvespiceproxy:1:101:pve1::7c', port: 61000 }),
  ];
  const listed = listedConnections(views);
  assert.deepEqual(
    listed.map((c) => c.name),
    ['beta', 'Front desk', 'Two\nlines', 'Yak', 'Alpha', 'Zeta'],
  );
  assert.deepEqual(Object.keys(listed[0]!), ['name', 'protocol', 'host', 'port', 'folder', 'managed', 'passwordSaved', 'id']);
  assert.deepEqual(listed[1], { name: 'Front desk', protocol: 'vnc', host: 'fe80::1', port: 5901, folder: '', managed: true, passwordSaved: false, id: 'managed-desk' });
  const text = formatList(listed);
  assert.doesNotMatch(text, /Winter2026/);
  assert.deepEqual(text.split('\n'), [
    'NAME        PROTOCOL  ADDRESS                             FOLDER    MANAGED  PASSWORD SAVED  ID',
    'beta        RDP       desk.corp.example:3389              -         no       no              id-beta',
    'Front desk  VNC       [fe80::1]:5901                      -         yes      no              managed-desk',
    'Two?lines   SPICE     pvespiceproxy:1:101:pve1::7c:61000  -         no       no              id-Twolines',
    'Yak         RDP       desk.corp.example:3389              Branches  no       no              id-Yak',
    'Alpha       RDP       desk.corp.example:3389              Branches  no       yes             id-Alpha',
    'Zeta        RDP       desk.corp.example:3389              Branches  no       no              id-Zeta',
    '',
  ]);
});

test('--list: a name carrying terminal controls (C1 CSI) or a bidirectional override prints as plain characters', () => {
  const text = formatList(listedConnections([view({ name: 'Pay\u009b2Jroll' }), view({ name: 'Evil\u202egpj.exe' })]));
  assert.match(text, /Pay\?2Jroll /);
  assert.match(text, /Evil\?gpj\.exe /);
  assert.doesNotMatch(text, /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
});

test('--list: where the keychain could not be read, "?" in the column (the layout kept) and null in JSON, never "no"', () => {
  const views = [view({ name: 'Alpha', hasSavedPassword: true }), view({ name: 'Beta' }), view({ name: 'Gamma' })];
  const listed = listedConnections(views, new Set(['id-Beta']));
  assert.deepEqual(
    listed.map((c) => c.passwordSaved),
    [true, null, false],
  );
  assert.equal(JSON.parse(JSON.stringify(listed))[1].passwordSaved, null);
  assert.deepEqual(formatList(listed).split('\n'), [
    'NAME   PROTOCOL  ADDRESS                 FOLDER  MANAGED  PASSWORD SAVED  ID',
    'Alpha  RDP       desk.corp.example:3389  -       no       yes             id-Alpha',
    'Beta   RDP       desk.corp.example:3389  -       no       ?               id-Beta',
    'Gamma  RDP       desk.corp.example:3389  -       no       no              id-Gamma',
    '',
  ]);
});

test('--list: one saved password that could not be read is that one connection\u2019s "?"; the others are still asked', async () => {
  const asked: string[] = [];
  const looked = await lookUpPasswords(
    ['a', 'b', 'c', 'd'],
    async (id) => {
      asked.push(id);
      // keyring's Ambiguous: two keychain items answer for this one account.
      if (id === 'b') return { unreadable: 'Entry is matched by 2 credentials.', wholeStore: false };
      return id === 'c';
    },
    'the keychain',
  );
  assert.deepEqual(asked, ['a', 'b', 'c', 'd']);
  assert.deepEqual([...looked.unknown], ['b']);
  assert.deepEqual(looked.warnings, ['the saved password of 1 connection could not be read from the keychain (Entry is matched by 2 credentials), so whether one is saved is unknown for it.']);
});

test('--list: a store that could not be used at all is asked once; every connection from there is "?"', async () => {
  const asked: string[] = [];
  const looked = await lookUpPasswords(
    ['a', 'b', 'c', 'd'],
    async (id) => {
      asked.push(id);
      if (id === 'a') return true;
      return { unreadable: 'Platform failure: no reply from org.freedesktop.secrets.', wholeStore: true };
    },
    'the keychain',
  );
  assert.deepEqual(asked, ['a', 'b'], 'not asked again after the store failed');
  assert.deepEqual([...looked.unknown], ['b', 'c', 'd']);
  assert.deepEqual(looked.warnings, ['the keychain could not be read (Platform failure: no reply from org.freedesktop.secrets), so whether a password is saved is unknown for 3 connections.']);
});
