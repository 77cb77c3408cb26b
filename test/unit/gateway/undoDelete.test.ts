// A deleted connection can be put back for a while, saved password included;
// after that (or the gateway closing, or dying) its password is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProfileStore } from '../../../electron/gateway/profiles/profileStore';
import { ProfileLibrary } from '../../../electron/gateway/profiles/profileLibrary';
import { ManagedPolicyStore } from '../../../electron/gateway/policy/managedPolicy';
import { ManagedOverrides } from '../../../electron/gateway/policy/managedOverrides';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { DEFERRED_DELETIONS_FILE, DeferredSecretDeletions } from '../../../electron/gateway/secrets/deferredDeletions';
import type { SecretStore } from '../../../electron/gateway/secrets/secretStore';
import { StoppableKeychain } from '../../support/stoppableKeychain';

const logger = createLogger({ sink: () => undefined });

async function dataDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-undo-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A library on `dir`; `now` is the clock its deferred deletions go by (a later start's, in some tests). */
async function openLibrary(dir: string, secrets: SecretStore, now: () => number = Date.now): Promise<ProfileLibrary> {
  const policy = new ManagedPolicyStore({ machineFile: path.join(dir, 'no-policy.json'), commandLineFile: null, cacheDir: dir }, logger);
  await policy.load();
  return new ProfileLibrary(await ProfileStore.open(dir, logger), policy, await ManagedOverrides.open(dir), secrets, logger, null, new DeferredSecretDeletions(dir, logger, now));
}

/** Every account the deferred deletions' file holds or notes. */
const noted = async (dir: string): Promise<string[]> => {
  const file = JSON.parse(await readFile(path.join(dir, DEFERRED_DELETIONS_FILE), 'utf8').catch(() => '{"accounts":[]}')) as { accounts: string[]; held?: { account: string }[] };
  return [...file.accounts, ...(file.held ?? []).map((h) => h.account)];
};
const later = (ms: number) => () => Date.now() + ms;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('put back within the window: the same connection (id, folder, times), its password still saved, nothing left noted for removal', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const created = await library.create({ name: 'Payroll', protocol: 'vnc', host: '10.0.0.7', port: 5901, folder: 'Finance' });
  await library.savePassword(created.id, 'hunter2');
  const before = library.get(created.id);
  let thenRan = 0;
  await library.remove(created.id, { windowMs: 5_000, then: async () => void thenRan++ });
  assert.equal(library.get(created.id), undefined, 'gone from the library at once');
  assert.equal(secrets.saved.get(`profile:${created.id}`), 'hunter2', 'the password waits for the window to end');
  assert.deepEqual(await noted(dir), [`profile:${created.id}`], 'noted first, for a gateway that dies meanwhile');

  const restored = await library.restore(created.id);
  assert.deepEqual(restored, before);
  assert.deepEqual(library.get(created.id), before);
  assert.equal(await library.savedPassword(created.id), 'hunter2');
  assert.equal((await library.view(restored!)).hasSavedPassword, true);
  assert.deepEqual(await noted(dir), []);
  await library.finishRemovals();
  assert.equal(thenRan, 0, 'the kept original stays with the connection put back');
  assert.equal(await library.restore(created.id), null, 'put back once');
});

test('the window ends: the password goes, the kept file with it, and it can no longer be put back', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const created = await library.create({ name: 'Lab', protocol: 'rdp', host: '10.0.0.8', port: 3389 });
  await library.savePassword(created.id, 'pw');
  let thenRan = 0;
  await library.remove(created.id, { windowMs: 50, then: async () => void thenRan++ });
  await sleep(200);
  assert.equal(secrets.saved.has(`profile:${created.id}`), false);
  assert.equal(thenRan, 1);
  assert.deepEqual(await noted(dir), []);
  assert.equal(await library.restore(created.id), null);
  assert.equal(library.get(created.id), undefined);
});

test('the gateway closing ends every window now', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const a = await library.create({ name: 'A', protocol: 'vnc', host: '10.0.0.1', port: 5900 });
  const b = await library.create({ name: 'B', protocol: 'vnc', host: '10.0.0.2', port: 5900 });
  await library.savePassword(a.id, 'a');
  await library.savePassword(b.id, 'b');
  let thenRan = 0;
  await library.remove(a.id, { windowMs: 60_000, then: async () => void thenRan++ });
  await library.remove(b.id, { windowMs: 60_000, then: async () => void thenRan++ });
  await library.finishRemovals();
  assert.equal(secrets.saved.size, 0);
  assert.equal(thenRan, 2);
  assert.deepEqual(await noted(dir), []);
});

test('a gateway that dies inside the window: a start within it leaves the password (a hold), a start after it removes it', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const created = await library.create({ name: 'Kiosk', protocol: 'vnc', host: '10.0.0.9', port: 5900 });
  await library.savePassword(created.id, 'pw');
  await library.remove(created.id, { windowMs: 60_000 });
  // No finishRemovals(): the process is gone. Another start at once (a second window) keeps its hands off it:
  await (await openLibrary(dir, secrets)).retryDeferredDeletions();
  assert.equal(secrets.saved.get(`profile:${created.id}`), 'pw');
  // A start once the window (and its margin) is over removes it.
  await (await openLibrary(dir, secrets, later(75_000))).retryDeferredDeletions();
  assert.equal(secrets.saved.has(`profile:${created.id}`), false);
  assert.deepEqual(await noted(dir), []);
  await library.finishRemovals(); // (the first one's timer, for the test's own exit)
});

test('a keychain down when the window ends: the password stays held, and goes at a start after its time', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const created = await library.create({ name: 'Down', protocol: 'vnc', host: '10.0.0.3', port: 5900 });
  await library.savePassword(created.id, 'pw');
  await library.remove(created.id, { windowMs: 30 });
  secrets.down = true;
  await sleep(150);
  assert.deepEqual(await noted(dir), [`profile:${created.id}`]);
  secrets.down = false;
  await (await openLibrary(dir, secrets, later(60_000))).retryDeferredDeletions();
  assert.equal(secrets.saved.has(`profile:${created.id}`), false);
  assert.deepEqual(await noted(dir), []);
});

test('another process on the same data folder removes no password that can still be put back', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const first = await openLibrary(dir, secrets);
  const second = await openLibrary(dir, secrets);
  const kept = await first.create({ name: 'Kept', protocol: 'vnc', host: '10.0.0.10', port: 5900 });
  await first.savePassword(kept.id, 'k');
  await first.remove(kept.id, { windowMs: 60_000 });
  // The second window deletes one of its own, and its window ends: its retry passes over the first one's hold.
  const other = await second.create({ name: 'Other', protocol: 'vnc', host: '10.0.0.11', port: 5900 });
  await second.savePassword(other.id, 'o');
  await second.remove(other.id, { windowMs: 20 });
  await sleep(150);
  assert.equal(secrets.saved.has(`profile:${other.id}`), false);
  assert.ok(await first.restore(kept.id));
  assert.equal(await first.savedPassword(kept.id), 'k');
  assert.deepEqual(await noted(dir), []);
});

test('a password saved by another window after this one listed the connection is removed all the same', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const created = await library.create({ name: 'Stale', protocol: 'vnc', host: '10.0.0.12', port: 5900 });
  assert.equal((await library.view(created)).hasSavedPassword, false, 'this window knows it has none');
  await secrets.set(`profile:${created.id}`, 'saved elsewhere'); // deskbridge --save-password, or another window
  await library.remove(created.id, { windowMs: 20 });
  await sleep(150);
  assert.equal(secrets.saved.has(`profile:${created.id}`), false);
});

test('a restore that cannot be written leaves the connection deleted and still undoable', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const created = await library.create({ name: 'Busy', protocol: 'vnc', host: '10.0.0.13', port: 5900 });
  await library.savePassword(created.id, 'pw');
  await library.remove(created.id, { windowMs: 60_000 });
  const store = (library as unknown as { store: ProfileStore }).store;
  const restoreOnce = store.restore.bind(store);
  store.restore = async () => {
    store.restore = restoreOnce;
    throw new Error('another window holds the file');
  };
  await assert.rejects(library.restore(created.id), /another window holds the file/);
  assert.ok(await library.restore(created.id), 'the second try puts it back');
  assert.equal(await library.savedPassword(created.id), 'pw');
});

test('another delete ending does not remove the password of one that can still be put back', async (t) => {
  const dir = await dataDir(t);
  const secrets = new StoppableKeychain();
  const library = await openLibrary(dir, secrets);
  const early = await library.create({ name: 'Early', protocol: 'vnc', host: '10.0.0.4', port: 5900 });
  const late = await library.create({ name: 'Late', protocol: 'vnc', host: '10.0.0.5', port: 5900 });
  await library.savePassword(early.id, 'e');
  await library.savePassword(late.id, 'l');
  await library.remove(early.id, { windowMs: 30 });
  await library.remove(late.id, { windowMs: 60_000 });
  await sleep(150);
  assert.equal(secrets.saved.has(`profile:${early.id}`), false);
  assert.ok(await library.restore(late.id));
  assert.equal(await library.savedPassword(late.id), 'l');
});
