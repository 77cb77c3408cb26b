import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyFileUnusable, openFileSecrets, SECRETS_FILE } from '../../../electron/gateway/secrets/fileSecrets';
import { SecretsUnavailable } from '../../../electron/gateway/secrets/secretsUnavailable';

test('the file fallback round-trips and never stores the plain secret', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const keyDir = path.join(root, 'keys');
  const secret = 'Pässwörd-€-日本';
  const store = await openFileSecrets(dataDir, keyDir);
  assert.equal(store.weaker, true);
  assert.equal(await store.get('profile:a'), null);
  await store.set('profile:a', secret);
  await store.set('profile:b', 'other');
  const reopened = await openFileSecrets(dataDir, keyDir);
  assert.equal(await reopened.get('profile:a'), secret);
  const raw = await readFile(path.join(dataDir, SECRETS_FILE));
  for (const needle of [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le'), Buffer.from(Buffer.from(secret).toString('base64'))]) {
    assert.equal(raw.includes(needle), false);
  }
  assert.deepEqual(await readdir(dataDir), [SECRETS_FILE], 'the key lives apart from the data folder');
  await reopened.delete('profile:a');
  assert.equal(await reopened.get('profile:a'), null);
  assert.equal(await reopened.get('profile:b'), 'other');
});

test('a secret sealed for one account cannot be read as another (AAD binds the account)', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = await openFileSecrets(path.join(root, 'd'), path.join(root, 'k'));
  await store.set('profile:a', 'x');
  const file = path.join(root, 'd', SECRETS_FILE);
  const body = JSON.parse(await readFile(file, 'utf8'));
  body.entries['profile:b'] = body.entries['profile:a'];
  await import('node:fs/promises').then((fs) => fs.writeFile(file, JSON.stringify(body)));
  assert.equal(await store.get('profile:b'), null);
});

test('two processes on one data folder (two windows) saving passwords at once lose none of each other\u2019s', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const keyDir = path.join(root, 'keys');
  const a = await openFileSecrets(dataDir, keyDir);
  const b = await openFileSecrets(dataDir, keyDir);
  await Promise.all([...Array.from({ length: 20 }, (_, i) => a.set(`profile:a${i}`, `pa${i}`)), ...Array.from({ length: 20 }, (_, i) => b.set(`profile:b${i}`, `pb${i}`))]);
  for (let i = 0; i < 20; i++) {
    assert.equal(await b.get(`profile:a${i}`), `pa${i}`);
    assert.equal(await a.get(`profile:b${i}`), `pb${i}`);
  }
  await Promise.all([a.delete('profile:a0'), b.delete('profile:b0'), a.set('profile:c', 'pc')]);
  assert.equal(await b.get('profile:a1'), 'pa1');
  assert.equal(await b.get('profile:a0'), null);
  assert.equal(await a.get('profile:c'), 'pc');
  assert.deepEqual(await readdir(dataDir), [SECRETS_FILE]);
});

test('no key is made until a password is saved: a store only read from (a policy that saves none) leaves nothing; two stores that save at once share one key', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const keyDir = path.join(root, 'keys');
  const a = await openFileSecrets(dataDir, keyDir);
  const b = await openFileSecrets(dataDir, keyDir);
  assert.equal(await a.get('profile:x'), null);
  await a.delete('profile:x');
  await assert.rejects(access(keyDir), 'no key folder was made by opening, reading or deleting');
  // Both save before either has a key: one makes it, the other uses it, and each reads what the other saved.
  await Promise.all([a.set('profile:a', 'pa'), b.set('profile:b', 'pb')]);
  assert.deepEqual(await readdir(keyDir), ['secrets.key']);
  assert.equal(await b.get('profile:a'), 'pa');
  assert.equal(await a.get('profile:b'), 'pb');
  assert.equal(await (await openFileSecrets(dataDir, keyDir)).get('profile:a'), 'pa');
});

test('another process reading the key file while the first password is saved never finds it there but half-written (it would take it as damaged for good)', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const rounds = 30;
  const keyDirs = Array.from({ length: rounds }, (_, i) => path.join(root, `keys${i}`));
  // A second window starting: it reads the key file, with no lock, as soon as there is one.
  const watcher = fork(fileURLToPath(new URL('./keyFileWatcher.mjs', import.meta.url)), keyDirs.map((dir) => path.join(dir, 'secrets.key')), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  t.after(() => watcher.kill());
  // Messages as they come, each waited for in turn (one may come while a save is still going on).
  const messages: Array<{ watching?: number; partial?: string[] }> = [];
  let arrived = () => undefined as void;
  watcher.on('message', (message: { watching?: number; partial?: string[] }) => {
    messages.push(message);
    arrived();
  });
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
    return messages.shift()!;
  };
  for (let i = 0; i < rounds; i++) {
    await next(); // watching round i
    const store = await openFileSecrets(path.join(root, `data${i}`), keyDirs[i]!);
    await store.set('profile:a', 'pa');
  }
  assert.deepEqual((await next()).partial, [], 'the key file was seen empty or cut short');
});

test('an empty key file that nothing was sealed with (left by an earlier version) is replaced; beside saved passwords it is left as damaged', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const keyDir = path.join(root, 'keys');
  await mkdir(keyDir);
  await writeFile(path.join(keyDir, 'secrets.key'), '');
  const fresh = await openFileSecrets(path.join(root, 'data'), keyDir);
  assert.equal(await fresh.get('profile:a'), null);
  await fresh.set('profile:a', 'pa');
  assert.equal(await (await openFileSecrets(path.join(root, 'data'), keyDir)).get('profile:a'), 'pa');
  assert.deepEqual(await readdir(keyDir), ['secrets.key'], 'no temp file is left in the key folder');

  // Passwords were saved (by an earlier version, whose key file was then lost to a crash): the empty file is damaged,
  // never replaced, so that a restored key file still reads them.
  const sealedDir = path.join(root, 'sealed');
  const keyDir2 = path.join(root, 'keys2');
  await (await openFileSecrets(sealedDir, keyDir2)).set('profile:a', 'pa');
  await writeFile(path.join(keyDir2, 'secrets.key'), '');
  await assert.rejects(openFileSecrets(sealedDir, keyDir2), KeyFileUnusable);
  assert.equal((await readFile(path.join(keyDir2, 'secrets.key'), 'utf8')).length, 0);
});

test('two data folders sharing one key folder (the default) saving their first passwords at once: both are saved, with one key', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const keyDir = path.join(root, 'keys');
  for (let round = 0; round < 5; round++) {
    await rm(keyDir, { recursive: true, force: true });
    const a = await openFileSecrets(path.join(root, `a${round}`), keyDir);
    const b = await openFileSecrets(path.join(root, `b${round}`), keyDir);
    await Promise.all([a.set('profile:a', 'pa'), b.set('profile:b', 'pb')]);
    assert.equal(await (await openFileSecrets(path.join(root, `a${round}`), keyDir)).get('profile:a'), 'pa');
    assert.equal(await (await openFileSecrets(path.join(root, `b${round}`), keyDir)).get('profile:b'), 'pb');
  }
});

test('a window whose key file was deleted while it ran puts its key back at its next save; where another window has made a new key meanwhile it saves nothing and says why', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const keyDir = path.join(root, 'keys');
  const keyFile = path.join(keyDir, 'secrets.key');
  const a = await openFileSecrets(dataDir, keyDir);
  await a.set('profile:first', 'p0');
  const key = await readFile(keyFile, 'utf8');
  await rm(keyFile);
  await a.set('profile:second', 'p1');
  assert.equal(await readFile(keyFile, 'utf8'), key, 'the same key is put back');
  const restarted = await openFileSecrets(dataDir, keyDir);
  assert.equal(await restarted.get('profile:first'), 'p0');
  assert.equal(await restarted.get('profile:second'), 'p1');

  await rm(keyFile);
  const b = await openFileSecrets(dataDir, keyDir);
  await b.set('profile:b', 'pb'); // No key file: b makes a new one.
  const before = await readFile(path.join(dataDir, SECRETS_FILE), 'utf8');
  await assert.rejects(a.set('profile:a', 'pa'), (error: Error) => error instanceof SecretsUnavailable && error.code === 'secrets-unreadable' && /was replaced while DeskBridge was running.*Restart DeskBridge/.test(error.message));
  assert.equal(await readFile(path.join(dataDir, SECRETS_FILE), 'utf8'), before, 'nothing was sealed with a key that is not on disk');
  assert.equal(await b.get('profile:b'), 'pb');
  // The key file damaged while b runs: b saves nothing rather than seal with the key it holds, which is on disk no more.
  await writeFile(keyFile, 'c2hvcnQ=\n');
  await assert.rejects(b.set('profile:b2', 'pb2'), (error: Error) => error instanceof SecretsUnavailable && /is damaged/.test(error.message));
  assert.equal(await readFile(path.join(dataDir, SECRETS_FILE), 'utf8'), before);
  assert.equal(await readFile(keyFile, 'utf8'), 'c2hvcnQ=\n', 'the damaged key file is left as it is');
});

test('a damaged secrets file is not read as empty: reads and saves fail saying so, and the file is left as it was', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-secrets-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const keyDir = path.join(root, 'keys');
  const store = await openFileSecrets(dataDir, keyDir);
  await store.set('profile:a', 'pa');
  const file = path.join(dataDir, SECRETS_FILE);
  const good = await readFile(file, 'utf8');
  for (const damaged of [good.slice(0, good.length - 5), JSON.stringify({ version: 2, entries: {} })]) {
    await writeFile(file, damaged);
    const unreadable = (error: Error) => error instanceof SecretsUnavailable && error.code === 'secrets-unreadable' && /saved passwords file .* is damaged/.test(error.message);
    await assert.rejects(store.get('profile:a'), unreadable);
    await assert.rejects(store.set('profile:b', 'pb'), unreadable);
    await assert.rejects(store.delete('profile:a'), unreadable);
    assert.equal(await readFile(file, 'utf8'), damaged, 'the file was not written over');
  }
});
