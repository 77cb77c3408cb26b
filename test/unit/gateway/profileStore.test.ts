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

test('a file whose shape is wrong (profiles not a list) is kept aside whole, naming the problem in one sentence', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, PROFILES_FILE), JSON.stringify({ schemaVersion: 2, profiles: { name: 'not a list' } }));
  const store = await ProfileStore.open(dir, logger);
  assert.equal(store.list().length, 0);
  assert.match(store.notices[0] ?? '', /could not be read because profiles: /);
  assert.doesNotMatch(store.notices[0] ?? '', /\.\./);
  assert.equal((await readdir(dir)).includes(PROFILES_FILE), false);
});

test('one connection with a bad field sets aside that one only: the others stay, the whole file is kept for IT, the notice names it in one sentence', async (t) => {
  const dir = await tempDir(t);
  const now = new Date().toISOString();
  const entry = (id: string, name: string, port: unknown) => ({ ...draft, name, port, id, createdAt: now, updatedAt: now, lastConnectedAt: null });
  const original = JSON.stringify({ schemaVersion: 2, profiles: [entry('aaaaaaaa', 'Office', 5901), entry('bbbbbbbb', 'Lab', '5902x'), entry('cccccccc', 'Home', 5903)] }, null, 2);
  await writeFile(path.join(dir, PROFILES_FILE), original, { mode: 0o644 });
  const store = await ProfileStore.open(dir, logger);
  assert.deepEqual(store.list().map((p) => p.name), ['Office', 'Home']);
  assert.equal(store.readOnly, false);
  assert.equal(store.notices.length, 1);
  const notice = store.notices[0] ?? '';
  assert.match(notice, /^1 connection in your connections file could not be read and was set aside: "Lab" \(port: Enter a port number from 1 to 65535\); the other 2 were kept, and the whole file as it was is kept as .*profiles\.corrupt-[^ ]+\.json\.$/);
  assert.doesNotMatch(notice, /\.\./);
  assert.equal(notice.split(/\. /).length, 1, 'one sentence');
  const aside = (await readdir(dir)).filter((f) => f.startsWith('profiles.corrupt-'));
  assert.equal(aside.length, 1);
  assert.equal(await readFile(path.join(dir, aside[0]!), 'utf8'), original);
  assert.equal((await stat(path.join(dir, aside[0]!))).mode & 0o777, 0o600);
  // The file now holds the good ones, so the next start neither loses them nor sets anything aside again.
  const reopened = await ProfileStore.open(dir, logger);
  assert.deepEqual(reopened.list().map((p) => p.id), ['aaaaaaaa', 'cccccccc']);
  assert.deepEqual(reopened.notices, []);
  assert.equal((await readdir(dir)).filter((f) => f.startsWith('profiles.corrupt-')).length, 1);
});

test('several bad connections are each named, with why', async (t) => {
  const dir = await tempDir(t);
  const now = new Date().toISOString();
  await writeFile(
    path.join(dir, PROFILES_FILE),
    JSON.stringify({ schemaVersion: 2, profiles: [{ ...draft, id: 'aaaaaaaa', createdAt: now, updatedAt: now, port: 0 }, { id: 'bbbbbbbb', host: 7 }, 'junk', { ...draft, id: 'dddddddd', createdAt: now, updatedAt: now }] }),
  );
  const store = await ProfileStore.open(dir, logger);
  assert.deepEqual(store.list().map((p) => p.id), ['dddddddd']);
  const notice = store.notices[0] ?? '';
  assert.match(notice, /^3 connections in your connections file could not be read and were set aside: "Office" \(port: Enter a port number from 1 to 65535\); the one with id bbbbbbbb \(.*host.*\); number 3 \(.*\); the other connection was kept/);
  assert.doesNotMatch(notice, /\.\./);
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

test('two copies starting at once on a file with a bad connection set it aside once, and both keep the good ones', async (t) => {
  const dir = await tempDir(t);
  const now = new Date().toISOString();
  const entry = (id: string, name: string, port: unknown) => ({ ...draft, name, port, id, createdAt: now, updatedAt: now, lastConnectedAt: null });
  await writeFile(path.join(dir, PROFILES_FILE), JSON.stringify({ schemaVersion: 2, profiles: [entry('aaaaaaaa', 'Office', 5901), entry('bbbbbbbb', 'Lab', '5902x')] }));
  const [a, b] = await Promise.all([ProfileStore.open(dir, logger), ProfileStore.open(dir, logger)]);
  assert.deepEqual(a.list().map((p) => p.id), ['aaaaaaaa']);
  assert.deepEqual(b.list().map((p) => p.id), ['aaaaaaaa']);
  assert.equal(a.notices.length + b.notices.length, 1);
  assert.equal((await readdir(dir)).filter((f) => f.startsWith('profiles.corrupt-')).length, 1);
});
