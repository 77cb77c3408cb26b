// The library's "password saved" flag: a list of the library does not read
// every secret from the keychain, and the flag follows every save and forget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProfileStore } from '../../../electron/gateway/profiles/profileStore';
import { PolicyRefusal, ProfileLibrary, notFoundOrAmbiguous } from '../../../electron/gateway/profiles/profileLibrary';
import { importIntoLibrary } from '../../../electron/gateway/profiles/connectionFileImport';
import { ManagedPolicyStore } from '../../../electron/gateway/policy/managedPolicy';
import { ManagedOverrides } from '../../../electron/gateway/policy/managedOverrides';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { SecretsUnavailable, type SecretStore } from '../../../electron/gateway/secrets/secretStore';
import type { Profile, ProfileDraft } from '../../../shared/profiles/profileSchema';

const logger = createLogger({ sink: () => undefined });

/** A keychain in memory that counts its reads; `slow` holds each read until released. */
class CountingSecrets implements SecretStore {
  readonly backend = 'keychain' as const;
  readonly description = 'test keychain';
  readonly weaker = false;
  readonly secrets = new Map<string, string>();
  reads = 0;
  held: (() => void)[] = [];
  slow = false;
  async get(account: string): Promise<string | null> {
    this.reads++;
    const value = this.secrets.get(account) ?? null;
    if (this.slow) await new Promise<void>((resolve) => this.held.push(resolve));
    return value;
  }
  async set(account: string, secret: string): Promise<void> {
    this.secrets.set(account, secret);
  }
  async delete(account: string): Promise<void> {
    this.secrets.delete(account);
  }
}

async function openLibrary(t: { after: (fn: () => Promise<void>) => void }, secrets: SecretStore): Promise<ProfileLibrary> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-library-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const policy = new ManagedPolicyStore({ machineFile: path.join(dir, 'no-policy.json'), commandLineFile: null, cacheDir: dir }, logger);
  await policy.load();
  return new ProfileLibrary(await ProfileStore.open(dir, logger), policy, await ManagedOverrides.open(dir), secrets, logger);
}

const flags = async (library: ProfileLibrary) => Promise.all(library.list().map(async (p) => (await library.view(p)).hasSavedPassword));

test('listing the library reads each secret once, not on every list', async (t) => {
  const secrets = new CountingSecrets();
  const library = await openLibrary(t, secrets);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await library.create({ name: `Desktop ${i}`, protocol: 'vnc', host: '127.0.0.1', port: 5900 + i })).id);
  // Saved by another process (the CLI's --import): found by the first read.
  await secrets.set(`profile:${ids[3]}`, 'pw');

  const first = await flags(library);
  assert.equal(secrets.reads, 20);
  assert.deepEqual(first.map((saved, i) => (saved ? i : -1)).filter((i) => i >= 0), [3]);
  const second = await flags(library);
  assert.deepEqual(second, first);
  assert.equal(secrets.reads, 20, 'a second list asks the keychain nothing');

  // Saving and forgetting set the flag without reading anything back.
  await library.savePassword(ids[5]!, 'secret');
  await library.forgetPassword(ids[3]!);
  const third = await flags(library);
  assert.deepEqual(third.map((saved, i) => (saved ? i : -1)).filter((i) => i >= 0), [5]);
  assert.equal(secrets.reads, 20);

  // A secret deleted behind our back is found at the next Connect (which reads it), and the flag follows.
  secrets.secrets.delete(`profile:${ids[5]}`);
  assert.equal(await library.savedPassword(ids[5]!), null);
  assert.equal((await flags(library))[5], false);
});

test('a keychain that cannot be read: --list is told "unknown" and why, not "no"; the page\u2019s flag and a connect are as before', async (t) => {
  const secrets = new CountingSecrets();
  const library = await openLibrary(t, secrets);
  const { id } = await library.create({ name: 'Office', protocol: 'vnc', host: '127.0.0.1', port: 5901 });
  await secrets.set(`profile:${id}`, 'pw');
  const get = secrets.get.bind(secrets);
  secrets.get = async () => {
    throw new SecretsUnavailable('Platform secure storage failure: the name org.freedesktop.secrets was not provided');
  };
  // The keychain itself (SecretsUnavailable, as keychainSecrets says a PlatformFailure): every other read would fail alike.
  assert.deepEqual(await library.passwordSavedOrUnreadable(id), { unreadable: 'Platform secure storage failure: the name org.freedesktop.secrets was not provided', wholeStore: true });
  assert.equal(await library.hasSavedPassword(id), false, 'the page\u2019s flag stays a boolean');
  assert.equal(await library.savedPassword(id), null, 'a connect asks for the password');
  // One entry the keychain cannot give (two items answer for it): that entry's failure, not the store's.
  secrets.get = async () => {
    throw new Error('Entry is matched by 2 credentials.');
  };
  assert.deepEqual(await library.passwordSavedOrUnreadable(id), { unreadable: 'Entry is matched by 2 credentials.', wholeStore: false });
  // Answering again: read, and known from then on.
  secrets.get = get;
  assert.equal(await library.passwordSavedOrUnreadable(id), true);
  const reads = secrets.reads;
  assert.equal(await library.passwordSavedOrUnreadable(id), true);
  assert.equal(secrets.reads, reads, 'known now: not asked again');
});

test('a read that overlapped a save does not put back what it saw before the save', async (t) => {
  const secrets = new CountingSecrets();
  const library = await openLibrary(t, secrets);
  const { id } = await library.create({ name: 'Office', protocol: 'vnc', host: '127.0.0.1', port: 5901 });
  secrets.slow = true;
  const listing = flags(library);
  while (secrets.held.length === 0) await new Promise((r) => setImmediate(r));
  await library.savePassword(id, 'pw');
  secrets.slow = false;
  for (const release of secrets.held.splice(0)) release();
  await listing;
  assert.deepEqual(await flags(library), [true], 'the save is what the flag shows');
});

test('--connect and --export by name: an id first, a name in any case where only one has it, several the same name named as such', async (t) => {
  const library = await openLibrary(t, new CountingSecrets());
  const a = await library.create({ name: 'Lab', protocol: 'vnc', host: '127.0.0.1', port: 5900 });
  const b = await library.create({ name: 'lab', protocol: 'vnc', host: '127.0.0.1', port: 5901 });
  const c = await library.create({ name: 'Office', protocol: 'vnc', host: '127.0.0.1', port: 5902 });
  assert.equal(library.find('office')?.id, c.id);
  assert.equal(library.find(b.id)?.id, b.id);
  assert.equal(library.find('LAB'), undefined, 'two are named so: neither is guessed');
  assert.deepEqual(library.matching('LAB').map((p) => p.id), [a.id, b.id]);
  assert.equal(notFoundOrAmbiguous('LAB', library.matching('LAB'), 'so nothing was opened at start'), `2 saved connections are named "LAB", so nothing was opened at start: name one by its id (${a.id}, ${b.id}).`);
  assert.equal(notFoundOrAmbiguous('Home', library.matching('Home'), 'so nothing was opened at start'), 'There is no saved connection named "Home", so nothing was opened at start.');
});

test('a policy\u2019s certificate pins apply to the host however either is written (case, a final dot)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-library-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const one = Array.from({ length: 32 }, () => 'AB').join(':');
  const two = Array.from({ length: 32 }, () => 'CD').join(':');
  await writeFile(path.join(dir, 'policy.json'), JSON.stringify({ schemaVersion: 1, certificatePins: { 'Desk.Corp.Example.': [one], 'desk.corp.example': [two] } }));
  const policy = new ManagedPolicyStore({ machineFile: path.join(dir, 'policy.json'), commandLineFile: null, cacheDir: dir }, logger);
  await policy.load();
  const library = new ProfileLibrary(await ProfileStore.open(dir, logger), policy, await ManagedOverrides.open(dir), new CountingSecrets(), logger);
  for (const host of ['desk.corp.example', 'DESK.corp.example', 'desk.corp.example.']) assert.deepEqual(library.certificatePins(host), [one, two], host);
  assert.deepEqual(library.certificatePins('other.corp.example'), []);
});


/** A library under a machine-wide policy file the test rewrites (then `reload`), and a way to open it again from disk. */
async function libraryUnderPolicy(t: { after: (fn: () => Promise<void>) => void }, profiles: object[], rules: object = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-library-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const policyFile = path.join(dir, 'policy.json');
  await writeFile(policyFile, JSON.stringify({ schemaVersion: 1, profiles, ...rules }));
  const policy = new ManagedPolicyStore({ machineFile: policyFile, commandLineFile: null, cacheDir: dir }, logger);
  await policy.load();
  const open = async () => new ProfileLibrary(await ProfileStore.open(dir, logger), policy, await ManagedOverrides.open(dir), new CountingSecrets(), logger);
  return {
    library: await open(),
    reopen: open,
    overridesOnDisk: async () => JSON.parse(await readFile(path.join(dir, 'managed-overrides.json'), 'utf8')).overrides as Record<string, object>,
    handEdit: (overrides: Record<string, object>) => writeFile(path.join(dir, 'managed-overrides.json'), JSON.stringify({ schemaVersion: 1, overrides })),
    dataDir: dir,
    reload: async (updated: object[], newRules: object = {}) => {
      await writeFile(policyFile, JSON.stringify({ schemaVersion: 1, profiles: updated, ...newRules }));
      await policy.load();
    },
  };
}

const draftOf = (profile: Profile): ProfileDraft => {
  const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...draft } = profile;
  return draft;
};

test('saving a managed profile (Favourite ticked) keeps IT\u2019s locked values: only what the user changed is stored, no defaults', async (t) => {
  const office = { id: 'office', name: 'Office desktop', protocol: 'rdp', host: 'desk.corp.example', username: 'CORP\\kiosk01', desktopSize: 'fixed', desktopWidth: 1920, desktopHeight: 1080, keyboardLayout: 'de-DE' };
  const { library, reopen, overridesOnDisk } = await libraryUnderPolicy(t, [office]);
  const before = library.get('managed-office')!;
  const saved = await library.update('managed-office', { ...draftOf(before), favourite: true });
  const expected = { username: 'CORP\\kiosk01', desktopSize: 'fixed', desktopWidth: 1920, desktopHeight: 1080, keyboardLayout: 'de-DE', favourite: true };
  const picked = (p: Profile) => ({ username: p.username, desktopSize: p.desktopSize, desktopWidth: p.desktopWidth, desktopHeight: p.desktopHeight, keyboardLayout: p.keyboardLayout, favourite: p.favourite });
  assert.deepEqual(picked(saved), expected);
  assert.deepEqual(await overridesOnDisk(), { 'managed-office': { favourite: true } });
  // Read back from disk (the file is parsed again): still IT's values.
  assert.deepEqual(picked((await reopen()).get('managed-office')!), expected);
});

test('a managed profile\u2019s open field the user left as IT set it follows IT\u2019s updates; one IT closes again is IT\u2019s value, not the user\u2019s earlier one', async (t) => {
  const office = { id: 'office', name: 'Office desktop', protocol: 'rdp', host: 'desk.corp.example', username: 'CORP\\kiosk01', openFields: ['username', 'keyboardLayout', 'desktopSize'] };
  const { library, reload, overridesOnDisk } = await libraryUnderPolicy(t, [office]);
  await library.update('managed-office', { ...draftOf(library.get('managed-office')!), username: 'CORP\\ann' });
  assert.deepEqual(await overridesOnDisk(), { 'managed-office': { username: 'CORP\\ann' } }, 'the unchanged open fields are not stored');
  await reload([{ ...office, keyboardLayout: 'fr-FR', desktopSize: 'fixed' }]);
  let now = library.get('managed-office')!;
  assert.deepEqual([now.username, now.keyboardLayout, now.desktopSize], ['CORP\\ann', 'fr-FR', 'fixed']);
  // IT closes the user name and sets its own: the user's earlier one no longer applies.
  await reload([{ ...office, username: 'CORP\\kiosk02', openFields: ['keyboardLayout'] }]);
  now = library.get('managed-office')!;
  assert.equal(now.username, 'CORP\\kiosk02');
  // …and saving it now (IT's value, which the form shows) is not refused.
  const saved = await library.update('managed-office', { ...draftOf(now), favourite: true });
  assert.equal(saved.username, 'CORP\\kiosk02');
});

test('a hand-edited managed-overrides.json sets only the fields open in the policy', async (t) => {
  const office = { id: 'office', name: 'Office desktop', protocol: 'rdp', host: 'desk.corp.example', username: 'CORP\\kiosk01', openFields: ['scaling'] };
  const { reopen, handEdit } = await libraryUnderPolicy(t, [office]);
  await handEdit({ 'managed-office': { username: 'CORP\\admin', desktopSize: 'fixed', scaling: 'actual', favourite: true } });
  const profile = (await reopen()).get('managed-office')!;
  assert.deepEqual([profile.username, profile.desktopSize, profile.scaling, profile.favourite], ['CORP\\kiosk01', 'fit-window', 'actual', true]);
});

test('where policy allows only IT\u2019s connections, a connection file is not opened once either (a one-shot), and one opened before is gone', async (t) => {
  const ticket = new TextEncoder().encode('[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=5901\npassword=ticket\n');
  const refused = (e: unknown) => e instanceof PolicyRefusal && e.status === 403 && e.code === 'policy-no-user-profiles';
  const closed = await libraryUnderPolicy(t, [], { allowUserProfiles: false });
  await assert.rejects(importIntoLibrary(closed.library, closed.dataDir, 'console.vv', ticket, 'open'), refused);
  assert.throws(() => closed.library.addOneShot({ name: 'x', protocol: 'vnc', host: '127.0.0.1', port: 5901 } as ProfileDraft, null), refused);

  // Opened while allowed; then IT allows only its own: it can no longer be connected, and the refusal says why.
  const open = await libraryUnderPolicy(t, []);
  const opened = await importIntoLibrary(open.library, open.dataDir, 'console.vv', ticket, 'open');
  assert.ok(opened.ok);
  assert.equal(open.library.get(opened.profile.id)?.host, '127.0.0.1');
  await open.reload([], { allowUserProfiles: false });
  assert.equal(open.library.get(opened.profile.id), undefined);
  assert.throws(() => open.library.refuseHidden(opened.profile.id), refused);
  open.library.refuseHidden('no-such-id');
});

test('an imported file takes IT\u2019s profileDefaults for what it does not set, and keeps what it sets (.rdp, .remmina, .vv; saved or opened once)', async (t) => {
  const profileDefaults = { shareClipboard: false, rdpSecurity: 'nla', untrustedCertificate: 'refuse', folder: 'Corp', username: 'corp-user' };
  const { library, dataDir } = await libraryUnderPolicy(t, [], { profileDefaults });
  const pick = (p: Profile) => [p.shareClipboard, p.rdpSecurity, p.untrustedCertificate, p.folder, p.username];
  const bare = await importIntoLibrary(library, dataDir, 'desk5.rdp', Buffer.from('full address:s:desk5.corp.example\r\n'), 'save');
  assert.ok(bare.ok);
  assert.deepEqual(pick(bare.profile), [false, 'nla', 'refuse', 'Corp', 'corp-user']);
  assert.equal(bare.profile.host, 'desk5.corp.example');
  // What the file says stays the file's.
  const rdp = 'full address:s:desk6.corp.example\r\nredirectclipboard:i:1\r\nenablecredsspsupport:i:0\r\nauthentication level:i:2\r\nusername:s:CORP\\ann\r\n';
  const own = await importIntoLibrary(library, dataDir, 'desk6.rdp', Buffer.from(rdp), 'save');
  assert.ok(own.ok);
  assert.deepEqual([...pick(own.profile), own.profile.domain], [true, 'tls', 'ask', 'Corp', 'ann', 'CORP']);
  // Remmina writes empty keys for what was never chosen: those take IT's defaults too; a group it names is its own.
  const remmina = '[remmina]\nprotocol=RDP\nserver=desk7.corp.example\nusername=\nsecurity=\ngroup=Lab\n';
  const fromRemmina = await importIntoLibrary(library, dataDir, 'desk7.remmina', Buffer.from(remmina), 'save');
  assert.ok(fromRemmina.ok);
  assert.deepEqual(pick(fromRemmina.profile), [false, 'nla', 'refuse', 'Lab', 'corp-user']);
  const opened = await importIntoLibrary(library, dataDir, 'console.vv', Buffer.from('[virt-viewer]\ntype=spice\nhost=vm.corp.example\nport=5900\n'), 'open');
  assert.ok(opened.ok);
  assert.deepEqual([opened.profile.shareClipboard, opened.profile.folder, opened.profile.untrustedCertificate], [false, 'Corp', 'refuse']);
});

test('a name that IT\u2019s managed profile and the user\u2019s own share means IT\u2019s; two managed ones, or only the user\u2019s, stay ambiguous', async (t) => {
  const one = { id: 'desk1', name: 'Desk One', protocol: 'rdp', host: 'desk1.corp.example' };
  const { library, reload } = await libraryUnderPolicy(t, [one]);
  const mine = await library.create({ name: 'desk one', protocol: 'rdp', host: 'mine.corp.example', port: 3389 });
  assert.deepEqual(library.matching('Desk One').map((p) => p.id), ['managed-desk1']);
  assert.equal(library.find('DESK ONE')?.id, 'managed-desk1');
  assert.equal(library.find(mine.id)?.id, mine.id, 'the user\u2019s own by its id');
  // Only the user's own: as before.
  const lab = await library.create({ name: 'Lab', protocol: 'vnc', host: '127.0.0.1', port: 5900 });
  const lab2 = await library.create({ name: 'lab', protocol: 'vnc', host: '127.0.0.1', port: 5901 });
  assert.deepEqual(library.matching('LAB').map((p) => p.id), [lab.id, lab2.id]);
  // Two of IT's: IT's own mistake, not guessed.
  await reload([one, { ...one, id: 'desk1b', host: 'desk1b.corp.example' }]);
  assert.deepEqual(library.matching('Desk One').map((p) => p.id), ['managed-desk1', 'managed-desk1b', mine.id]);
  assert.equal(library.find('Desk One'), undefined);
});

test('"Optimise for high-resolution displays" is off unless set; IT can set it, or leave it open for the user to choose', async (t) => {
  const office = { id: 'office', name: 'Office desktop', protocol: 'vnc', host: 'desk.corp.example' };
  const { library, reopen, overridesOnDisk } = await libraryUnderPolicy(t, [
    office,
    { ...office, id: 'sharp', name: 'Sharp desktop', highDpi: true },
    { ...office, id: 'open', name: 'Open desktop', openFields: ['highDpi'] },
  ]);
  assert.deepEqual(['managed-office', 'managed-sharp', 'managed-open'].map((id) => library.get(id)?.highDpi), [false, true, false]);
  await library.update('managed-open', { ...draftOf(library.get('managed-open')!), highDpi: true });
  await library.update('managed-office', { ...draftOf(library.get('managed-office')!), favourite: true });
  assert.deepEqual(await overridesOnDisk(), { 'managed-open': { highDpi: true }, 'managed-office': { favourite: true } });
  const reopened = await reopen();
  assert.deepEqual([reopened.get('managed-open')?.highDpi, reopened.get('managed-office')?.highDpi], [true, false]);
});

test('an imported .rdp whose copy cannot be kept (imported/ not writable) is still imported, with a note saying what that costs', async (t) => {
  const library = await openLibrary(t, new CountingSecrets());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-kept-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  await writeFile(path.join(dataDir, 'imported'), 'a file where the folder would be');
  const outcome = await importIntoLibrary(library, dataDir, 'desk8.rdp', Buffer.from('full address:s:desk8.corp.example\r\n'), 'save');
  assert.ok(outcome.ok, 'the connection was saved, so the import is not reported as failed');
  assert.equal(library.get(outcome.profile.id)?.host, 'desk8.corp.example');
  assert.ok(outcome.notes.some((n) => /A copy of the file could not be kept in the data folder \(E[A-Z]+\), so an export will write this connection anew/.test(n)), outcome.notes.join(' | '));
});
