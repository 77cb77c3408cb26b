import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile, chmod, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProfileStore, PROFILES_FILE, newProfileId } from '../../../electron/gateway/profiles/profileStore';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { PROFILE_FILE_SCHEMA_VERSION, profileDraftSchema } from '../../../shared/profiles/profileSchema';

const logger = createLogger({ sink: () => undefined });
const draft = profileDraftSchema.parse({ name: 'Office', protocol: 'vnc', host: '127.0.0.1', port: 5901, username: 'ann' });

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('profiles survive a reopen, with a schema version on disk', async (t) => {
  const dir = await tempDir(t);
  const store = await ProfileStore.open(dir, logger);
  const created = await store.create(draft);
  await store.update(created.id, { ...draft, name: 'Office 2' });
  const copy = await store.duplicate(created.id);
  assert.equal(copy.name, 'Office 2 (copy)');
  const reopened = await ProfileStore.open(dir, logger);
  assert.deepEqual(reopened.list().map((p) => p.name), ['Office 2', 'Office 2 (copy)']);
  const onDisk = JSON.parse(await readFile(path.join(dir, PROFILES_FILE), 'utf8'));
  assert.equal(onDisk.schemaVersion, PROFILE_FILE_SCHEMA_VERSION);
  await reopened.remove(copy.id);
  assert.equal((await ProfileStore.open(dir, logger)).list().length, 1);
});

test('a corrupt file is kept aside, the user told, and the app starts empty', async (t) => {
  const dir = await tempDir(t);
  const garbage = '{"schemaVersion": 1, "profiles": [ {"name": "half a file"';
  // Readable by others (restored from a copy, say): what is kept aside holds hosts and user names all the same.
  await writeFile(path.join(dir, PROFILES_FILE), garbage, { mode: 0o644 });
  const store = await ProfileStore.open(dir, logger);
  assert.equal(store.list().length, 0);
  assert.equal(store.notices.length, 1);
  assert.match(store.notices[0] ?? '', /could not be read because it is not valid JSON/);
  const files = await readdir(dir);
  const aside = files.find((f) => f.startsWith('profiles.corrupt-'));
  assert.ok(aside, `expected a kept-aside file, got ${files.join(', ')}`);
  assert.equal(await readFile(path.join(dir, aside), 'utf8'), garbage);
  assert.equal((await stat(path.join(dir, aside))).mode & 0o777, 0o600);
  assert.equal(files.includes(PROFILES_FILE), false);
  await store.create(draft);
  assert.equal(await readFile(path.join(dir, aside), 'utf8'), garbage, 'the kept-aside file is never overwritten');
});

test('a file that does not match the schema is kept aside too, naming the problem', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, PROFILES_FILE), JSON.stringify({ schemaVersion: 1, profiles: [{ ...draft, id: 'abcdefgh', port: 'x' }] }));
  const store = await ProfileStore.open(dir, logger);
  assert.match(store.notices[0] ?? '', /profiles\.0\.port/);
});

test('a file from a newer version is shown read-only and never overwritten', async (t) => {
  const dir = await tempDir(t);
  const newer = JSON.stringify({ schemaVersion: 99, profiles: [] });
  await writeFile(path.join(dir, PROFILES_FILE), newer);
  const store = await ProfileStore.open(dir, logger);
  assert.equal(store.readOnly, true);
  await assert.rejects(store.create(draft), /newer version/);
  assert.equal(await readFile(path.join(dir, PROFILES_FILE), 'utf8'), newer);
});

test('an old bare-array file is migrated', async (t) => {
  const dir = await tempDir(t);
  const now = new Date().toISOString();
  await writeFile(path.join(dir, PROFILES_FILE), JSON.stringify([{ ...draft, id: 'abcdefgh', createdAt: now, updatedAt: now }]));
  const store = await ProfileStore.open(dir, logger);
  assert.deepEqual(store.list().map((p) => p.id), ['abcdefgh']);
  assert.equal(store.notices.length, 0);
});

test('version 1: the keyboard layout "en-US" nobody chose becomes "auto" (the server\u2019s own), a chosen one stays', async (t) => {
  const dir = await tempDir(t);
  const now = new Date().toISOString();
  const { keyboardLayout: _k, ...withoutLayout } = draft;
  const v1 = {
    schemaVersion: 1,
    profiles: [
      { ...withoutLayout, keyboardLayout: 'en-US', id: 'abcdefgh', createdAt: now, updatedAt: now },
      { ...withoutLayout, keyboardLayout: 'de-DE', id: 'bcdefghi', createdAt: now, updatedAt: now },
    ],
  };
  await writeFile(path.join(dir, PROFILES_FILE), JSON.stringify(v1));
  const store = await ProfileStore.open(dir, logger);
  assert.deepEqual(store.list().map((p) => p.keyboardLayout), ['auto', 'de-DE']);
  assert.equal(store.notices.length, 0);
});

test('an unreadable file is not overwritten', { skip: process.getuid?.() === 0 ? 'root can read any file, so permissions cannot make it unreadable' : false }, async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, PROFILES_FILE), '{}');
  await chmod(path.join(dir, PROFILES_FILE), 0o000);
  const store = await ProfileStore.open(dir, logger);
  assert.equal(store.readOnly, true);
});

test('writes are atomic: no temp files left, concurrent saves all land', async (t) => {
  const dir = await tempDir(t);
  const store = await ProfileStore.open(dir, logger);
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.create({ ...draft, name: `P${i}` })));
  const reopened = await ProfileStore.open(dir, logger);
  assert.equal(reopened.list().length, 20);
  const leftovers = (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
});

test('a crash before the rename leaves the old file intact', async (t) => {
  const dir = await tempDir(t);
  const store = await ProfileStore.open(dir, logger);
  await store.create(draft);
  const before = await readFile(path.join(dir, PROFILES_FILE), 'utf8');
  // What a crash mid-write leaves behind: a half-written temp file beside the real one.
  await writeFile(path.join(dir, `.${PROFILES_FILE}.123.abcd.tmp`), '{"schemaVersion":1,"prof');
  const reopened = await ProfileStore.open(dir, logger);
  assert.equal(reopened.list().length, 1);
  assert.equal(await readFile(path.join(dir, PROFILES_FILE), 'utf8'), before);
});

test('profile ids never start with "-" (a command line would read one as an option)', () => {
  for (let i = 0; i < 5000; i++) {
    const id = newProfileId();
    assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{11}$/);
  }
});
