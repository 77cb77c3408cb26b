import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openFileSecrets, SECRETS_FILE } from '../../../electron/gateway/secrets/fileSecrets';

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
