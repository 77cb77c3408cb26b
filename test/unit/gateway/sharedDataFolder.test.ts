// Two copies of DeskBridge on one data folder (a second window is a second
// gateway process): neither loses what the other saved, and each sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProfileStore, PROFILES_FILE } from '../../../electron/gateway/profiles/profileStore';
import { ManagedOverrides } from '../../../electron/gateway/policy/managedOverrides';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { profileDraftSchema } from '../../../shared/profiles/profileSchema';

const logger = createLogger({ sink: () => undefined });
const draft = profileDraftSchema.parse({ name: 'Office', protocol: 'vnc', host: '127.0.0.1', port: 5901, username: 'ann' });

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-shared-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const onDisk = async (dir: string): Promise<string[]> => JSON.parse(await readFile(path.join(dir, PROFILES_FILE), 'utf8')).profiles.map((p: { name: string }) => p.name).sort();
const names = (store: ProfileStore): string[] => store.list().map((p) => p.name).sort();

test('two stores on one folder: interleaved saves from both all land, and each lists the other\u2019s after a refresh', async (t) => {
  const dir = await tempDir(t);
  const a = await ProfileStore.open(dir, logger);
  const b = await ProfileStore.open(dir, logger);
  await a.create({ ...draft, name: 'From-A-1' });
  await b.create({ ...draft, name: 'From-B-1' });
  await a.create({ ...draft, name: 'From-A-2' });
  assert.deepEqual(await onDisk(dir), ['From-A-1', 'From-A-2', 'From-B-1']);
  // A read the file for its own save; B sees A's second at its next refresh (each API call makes one).
  assert.deepEqual(names(a), ['From-A-1', 'From-A-2', 'From-B-1']);
  await b.refresh();
  assert.deepEqual(names(b), ['From-A-1', 'From-A-2', 'From-B-1']);
  // Nothing changed since: a refresh reads nothing, and the list stays.
  await a.refresh();
  assert.deepEqual(names(a), ['From-A-1', 'From-A-2', 'From-B-1']);
  const reopened = await ProfileStore.open(dir, logger);
  assert.deepEqual(names(reopened), ['From-A-1', 'From-A-2', 'From-B-1']);
});

test('a burst of 20 saves from each of two stores at once keeps all 40', async (t) => {
  const dir = await tempDir(t);
  const a = await ProfileStore.open(dir, logger);
  const b = await ProfileStore.open(dir, logger);
  await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => a.create({ ...draft, name: `A${i}` })),
    ...Array.from({ length: 20 }, (_, i) => b.create({ ...draft, name: `B${i}` })),
  ]);
  assert.equal((await onDisk(dir)).length, 40);
  await Promise.all([a.refresh(), b.refresh()]);
  assert.equal(a.list().length, 40);
  assert.equal(b.list().length, 40);
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), []);
});

test('a burst of 20 saves from each of two processes at once keeps all 40', async (t) => {
  const dir = await tempDir(t);
  const storeUrl = pathToFileURL(path.resolve('electron/gateway/profiles/profileStore.ts')).href;
  const loggerUrl = pathToFileURL(path.resolve('electron/gateway/logging/logger.ts')).href;
  const script = `
    const { ProfileStore } = await import(${JSON.stringify(storeUrl)});
    const { createLogger } = await import(${JSON.stringify(loggerUrl)});
    const store = await ProfileStore.open(process.argv[1], createLogger({ sink: () => undefined }));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.create({ ...${JSON.stringify(draft)}, name: 'Child' + i })));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const store = await ProfileStore.open(dir, logger);
  // Our saves go on while the child loads tsx and saves its own.
  for (let round = 0; round < 4; round++) {
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.create({ ...draft, name: `Parent${round * 5 + i}` })));
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  assert.equal(await exited, 0, stderr);
  const saved = await onDisk(dir);
  assert.equal(saved.length, 40, saved.join(', '));
  await store.refresh();
  assert.equal(store.list().length, 40);
});

test('an edit and a delete of one connection in two stores: a delete wins over an edit made before it, and an edit after the delete is refused (not-found), not brought back', async (t) => {
  const dir = await tempDir(t);
  const a = await ProfileStore.open(dir, logger);
  const b = await ProfileStore.open(dir, logger);
  const first = await a.create({ ...draft, name: 'First' });
  const second = await a.create({ ...draft, name: 'Second' });
  await b.refresh();
  // Edited in A, then deleted in B (whose list still shows the old name): gone.
  await a.update(first.id, { ...draft, name: 'First edited' });
  await b.remove(first.id);
  // Deleted in B, then edited in A (whose list still shows it): refused, stays deleted.
  await b.remove(second.id);
  await assert.rejects(a.update(second.id, { ...draft, name: 'Second edited' }), (error: Error & { code?: string }) => error.code === 'not-found');
  assert.deepEqual(await onDisk(dir), []);
  assert.deepEqual(names(a), []);
  // A connection opened in A after B deleted it records nothing and brings nothing back.
  await a.touch(second.id);
  assert.deepEqual(await onDisk(dir), []);
});

test('an edit in one store keeps what the other saved meanwhile, and a duplicate copies what is on disk', async (t) => {
  const dir = await tempDir(t);
  const a = await ProfileStore.open(dir, logger);
  const b = await ProfileStore.open(dir, logger);
  const shared = await a.create({ ...draft, name: 'Shared' });
  await b.update(shared.id, { ...draft, name: 'Renamed in B' });
  await a.create({ ...draft, name: 'New in A' });
  const copy = await a.duplicate(shared.id);
  assert.equal(copy.name, 'Renamed in B (copy)');
  assert.deepEqual(await onDisk(dir), ['New in A', 'Renamed in B', 'Renamed in B (copy)']);
});

test('a lock left by a process that died, or one long stale, does not block saving', async (t) => {
  const dir = await tempDir(t);
  const store = await ProfileStore.open(dir, logger);
  const lock = path.join(dir, `${PROFILES_FILE}.lock`);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  await writeFile(lock, JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), token: 'gone' }));
  const started = Date.now();
  await store.create({ ...draft, name: 'After a crash' });
  assert.ok(Date.now() - started < 2000);
  // Another host's (a roaming data folder), or unreadable: only its age says it is stale.
  await writeFile(lock, 'half');
  const old = new Date(Date.now() - 120_000);
  await utimes(lock, old, old);
  await store.create({ ...draft, name: 'After a hang' });
  assert.deepEqual(await onDisk(dir), ['After a crash', 'After a hang']);
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.lock')), []);
});

test('a lock a live process holds is waited for, not broken', async (t) => {
  const dir = await tempDir(t);
  const store = await ProfileStore.open(dir, logger);
  const lock = path.join(dir, `${PROFILES_FILE}.lock`);
  await writeFile(lock, JSON.stringify({ pid: process.ppid, host: os.hostname(), token: 'theirs' }));
  let saved = false;
  const saving = store.create({ ...draft, name: 'Waited' }).then(() => (saved = true));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(saved, false, 'saved while another process held the lock');
  await rm(lock);
  await saving;
  assert.deepEqual(await onDisk(dir), ['Waited']);
});

test('managed overrides: changes from two processes on one folder both land, and each reads the other\u2019s', async (t) => {
  const dir = await tempDir(t);
  const a = await ManagedOverrides.open(dir);
  const b = await ManagedOverrides.open(dir);
  await a.set('managed-one', { username: 'ann' });
  await b.set('managed-two', { username: 'bob' });
  await a.touch('managed-one');
  await Promise.all([...Array.from({ length: 10 }, (_, i) => a.touch(`managed-a${i}`)), ...Array.from({ length: 10 }, (_, i) => b.touch(`managed-b${i}`))]);
  const file = JSON.parse(await readFile(path.join(dir, 'managed-overrides.json'), 'utf8'));
  assert.deepEqual(Object.fromEntries(Object.entries(file.overrides).map(([id, o]) => [id, (o as { username: string }).username])), { 'managed-one': 'ann', 'managed-two': 'bob' });
  assert.equal(Object.keys(file.lastConnected).length, 21);
  await b.refresh();
  assert.equal(b.get('managed-one').username, 'ann');
  assert.ok(b.lastConnected('managed-one'));
  assert.ok(b.lastConnected('managed-a9'));
});
