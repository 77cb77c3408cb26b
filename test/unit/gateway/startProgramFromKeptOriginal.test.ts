// A connection imported before start programs were taken (its program only a label): what is read from its kept
// original, what is saved, and what Connect is told where nothing can be read. The library is a fake here; the
// gateway's own is in test/integration/importedOriginal.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProgramFromKeptOriginal } from '../../../electron/gateway/profiles/connectionFileImport';
import { StorageError } from '../../../electron/gateway/profiles/storageErrors';
import { ProfileLibrary } from '../../../electron/gateway/profiles/profileLibrary';
import { ProfileStore, ProfileStoreError } from '../../../electron/gateway/profiles/profileStore';
import { ManagedPolicyStore } from '../../../electron/gateway/policy/managedPolicy';
import { ManagedOverrides } from '../../../electron/gateway/policy/managedOverrides';
import type { SecretStore } from '../../../electron/gateway/secrets/secretStore';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { profileSchema, type Profile, type ProfileDraft } from '../../../shared/profiles/profileSchema';

const OLD: Profile = profileSchema.parse({
  id: 'profile-1',
  name: 'Ledger',
  protocol: 'rdp',
  host: 'apps.corp.example',
  port: 3389,
  unsupportedFeatures: ['Start program (ledger.exe /ro)', 'Connection broker load-balance info'],
  createdAt: 'then',
  updatedAt: 'then',
});

/** A library that saves into `saved`, or refuses every write with `refuse` (a data folder that takes none: a StorageError). */
function fakeLibrary(saved: ProfileDraft[], refuse: Error | null = null): ProfileLibrary {
  return {
    isManaged: (id: string) => id.startsWith('managed-'),
    fillStartProgram: async (id: string, read: Pick<ProfileDraft, 'startProgram' | 'startFolder'>) => {
      if (refuse) throw refuse;
      const draft = { ...OLD, ...read, unsupportedFeatures: OLD.unsupportedFeatures.filter((label) => !label.startsWith('Start program')) };
      saved.push(draft);
      return { ...draft, id, createdAt: 'then', updatedAt: 'now', lastConnectedAt: null };
    },
  } as unknown as ProfileLibrary;
}

async function dataDirWith(t: { after: (fn: () => Promise<void>) => void }, text: string | null): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-start-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  if (text !== null) {
    await mkdir(path.join(dir, 'imported'));
    await writeFile(path.join(dir, 'imported', 'profile-1.rdp'), text);
  }
  return dir;
}

const logger = createLogger({ sink: () => undefined });

test('read from the kept .rdp: the program and folder in the fields, only the start label gone, saved once', async (t) => {
  const dir = await dataDirWith(t, 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro\r\nshell working directory:s:D:\\Books\r\nloadbalanceinfo:s:tsv://x\r\n');
  const saved: ProfileDraft[] = [];
  const outcome = await startProgramFromKeptOriginal(fakeLibrary(saved), dir, OLD, logger);
  assert.ok(outcome && 'profile' in outcome);
  assert.deepEqual([outcome.profile.startProgram, outcome.profile.startFolder, outcome.profile.unsupportedFeatures], ['ledger.exe /ro', 'D:\\Books', ['Connection broker load-balance info']]);
  assert.equal(saved.length, 1);
  assert.equal(await startProgramFromKeptOriginal(fakeLibrary(saved), dir, outcome.profile, logger), null, 'nothing to read the second time');
  assert.equal(await startProgramFromKeptOriginal(fakeLibrary(saved), dir, { ...OLD, id: 'managed-x' }, logger), null, "IT's connections are IT's");
});

test('a data folder that takes no writes: this Connect goes on with what was read, unsaved', async (t) => {
  const dir = await dataDirWith(t, 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro\r\n');
  for (const refusal of [new StorageError('storage-read-only', 'EROFS', 'read-only file system'), new ProfileStoreError('busy', 'another window is saving'), new ProfileStoreError('read-only', 'opened read-only')]) {
    const outcome = await startProgramFromKeptOriginal(fakeLibrary([], refusal), dir, OLD, logger);
    assert.ok(outcome && 'profile' in outcome, refusal.message);
    assert.deepEqual([outcome.profile.startProgram, outcome.profile.updatedAt, outcome.profile.unsupportedFeatures], ['ledger.exe /ro', 'then', ['Connection broker load-balance info']]);
  }
});

test('a connection deleted in another window meanwhile is not connected: not-found goes to the caller (404), as does anything but a storage refusal', async (t) => {
  const dir = await dataDirWith(t, 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro\r\n');
  await assert.rejects(startProgramFromKeptOriginal(fakeLibrary([], new ProfileStoreError('not-found', 'deleted')), dir, OLD, logger), (error: unknown) => error instanceof ProfileStoreError && error.code === 'not-found');
  await assert.rejects(startProgramFromKeptOriginal(fakeLibrary([], new TypeError('a bug')), dir, OLD, logger), TypeError);
});

test('nothing to read: why, in words for the user (the file gone, its program too long, none now)', async (t) => {
  assert.deepEqual(await startProgramFromKeptOriginal(fakeLibrary([]), await dataDirWith(t, null), OLD, logger), { unread: 'DeskBridge no longer has a copy of its file.' });
  const long = await startProgramFromKeptOriginal(fakeLibrary([]), await dataDirWith(t, `full address:s:apps.corp.example\r\nalternate shell:s:${'x'.repeat(300)}\r\n`), OLD, logger);
  assert.deepEqual(long, { unread: "Line 2: the start program ('alternate shell') is 300 characters long, and an RDP start program holds 255 at most." });
  assert.deepEqual(await startProgramFromKeptOriginal(fakeLibrary([]), await dataDirWith(t, 'full address:s:apps.corp.example\r\n'), OLD, logger), { unread: 'Its file names no start program now.' });
});

test('a kept file whose program is not the one its label showed is not read (unread, nothing saved); one the label showed cut short with … is', async (t) => {
  const saved: ProfileDraft[] = [];
  const other = await dataDirWith(t, 'full address:s:apps.corp.example\r\nalternate shell:s:powershell -enc ZQB2AGkAbAA=\r\n');
  assert.deepEqual(await startProgramFromKeptOriginal(fakeLibrary(saved), other, OLD, logger), { unread: 'The start program in its kept file is not the one it was imported with.' });
  const longer = await dataDirWith(t, 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro && evil.exe\r\n');
  assert.ok(!(await startProgramFromKeptOriginal(fakeLibrary(saved), longer, OLD, logger) as { profile?: unknown })?.profile, 'more than the label showed, where it was not cut');
  assert.equal(saved.length, 0);
  // An older import labelled a program of over 184 characters cut with '…': one that begins with what it shows is that one.
  const program = `C:\\Apps\\ledger.exe ${'/opt '.repeat(40)}`.trim();
  const cut = { ...OLD, unsupportedFeatures: [`Start program (${program.slice(0, 183)}…)`] };
  const outcome = await startProgramFromKeptOriginal(fakeLibrary(saved), await dataDirWith(t, `full address:s:apps.corp.example\r\nalternate shell:s:${program}\r\n`), cut, logger);
  assert.ok(outcome && 'profile' in outcome);
  assert.equal(outcome.profile.startProgram, program);
  assert.equal(saved.length, 1);
});

/** A window's library over the data folder `dir` (two of them over one folder: two windows). */
async function windowLibrary(dir: string): Promise<ProfileLibrary> {
  const policy = new ManagedPolicyStore({ machineFile: path.join(dir, 'no-policy.json'), commandLineFile: null, cacheDir: dir }, logger);
  await policy.load();
  const secrets = { backend: 'keychain', description: 'none', weaker: false, get: async () => null, set: async () => undefined, delete: async () => undefined } as unknown as SecretStore;
  return new ProfileLibrary(await ProfileStore.open(dir, logger), policy, await ManagedOverrides.open(dir), secrets, logger);
}

test("what is read is saved into the connection as it is on disk: another window's edit saved since the copy was taken stays, and so does a program it entered", async (t) => {
  const dir = await dataDirWith(t, null);
  const here = await windowLibrary(dir);
  const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...draft } = OLD;
  const made = await here.create(draft);
  await mkdir(path.join(dir, 'imported'));
  await writeFile(path.join(dir, 'imported', `${made.id}.rdp`), 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro\r\nshell working directory:s:D:\\Books\r\n');
  const copy = here.get(made.id) as Profile; // taken at the refresh, before the other window's save
  const there = await windowLibrary(dir);
  await there.update(made.id, { ...draft, name: 'Ledger (books)', tags: ['finance'] });
  const outcome = await startProgramFromKeptOriginal(here, dir, copy, logger);
  assert.ok(outcome && 'profile' in outcome);
  const onDisk = (await windowLibrary(dir)).get(made.id) as Profile;
  for (const profile of [outcome.profile, onDisk]) {
    assert.deepEqual([profile.name, profile.tags, profile.startProgram, profile.startFolder, profile.unsupportedFeatures], ['Ledger (books)', ['finance'], 'ledger.exe /ro', 'D:\\Books', ['Connection broker load-balance info']]);
  }
  // A program entered in the other window (its label gone on disk) is the user's: the kept file's does not replace it.
  const second = await here.create(draft);
  await writeFile(path.join(dir, 'imported', `${second.id}.rdp`), 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro\r\n');
  const stale = here.get(second.id) as Profile;
  await (await windowLibrary(dir)).update(second.id, { ...draft, startProgram: 'books.exe' });
  const kept = await startProgramFromKeptOriginal(here, dir, stale, logger);
  assert.ok(kept && 'profile' in kept);
  assert.deepEqual([kept.profile.startProgram, kept.profile.unsupportedFeatures], ['books.exe', ['Connection broker load-balance info']]);
  assert.equal(((await windowLibrary(dir)).get(second.id) as Profile).startProgram, 'books.exe');
});
