// Writes that fail for a reason the user (or IT) can act on are said as such, not as an internal error:
// a data folder the app may no longer write to, or on a file system remounted read-only, while the app runs
// (507, each with its own reason), a keychain that stops answering (503). A connection deleted while the
// keychain is down is deleted, and its password removed at the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGatewayHarness } from './gatewayHarness';
import { StoppableKeychain } from '../support/stoppableKeychain';
import { DEFERRED_DELETIONS_FILE } from '../../electron/gateway/secrets/deferredDeletions';

const root = process.getuid?.() === 0;
const canSwitch = root && process.platform === 'linux' && spawnSync('setpriv', ['--version']).status === 0;
const canMount = root && process.platform === 'linux' && spawnSync('unshare', ['--version']).status === 0;

/** What test/support/readOnlyDataDirChild.ts reports, run under `wrapper` (setpriv, unshare): the API's answers to writes it made fail. */
interface ChildReport {
  dataDir: string;
  answers: Record<string, { status: number; json: { error: string; message: string } }>;
  unchanged: boolean;
  list: Array<{ name: string; hasSavedPassword: boolean }>;
}

async function runChild(wrapper: string, wrapperArgs: string[], childArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildReport> {
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      wrapper,
      [...wrapperArgs, process.execPath, '--import', 'tsx', path.join('test', 'support', 'readOnlyDataDirChild.ts'), ...childArgs],
      { encoding: 'utf8', timeout: 60_000, cwd: process.cwd(), env: { ...process.env, ...env } },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim().split('\n').at(-1)!)),
    ),
  );
  return JSON.parse(output) as ChildReport;
}

test('a data folder the app\'s user may no longer write to (its permissions changed while the app runs): create, edit, save-password and delete say it may not write there, not that it is read-only (507), and nothing changes', { skip: !canSwitch && 'needs root on Linux and setpriv, to run the gateway as a user a folder\'s permissions stop' }, async () => {
  // As root, permissions stop no write: the gateway runs as nobody, in a folder of its own.
  const { dataDir, answers, unchanged, list } = await runChild('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups'], [], { HOME: os.tmpdir(), TMPDIR: os.tmpdir() });
  for (const what of ['create', 'edit', 'delete']) {
    assert.equal(answers[what]!.status, 507, `${what}: ${JSON.stringify(answers[what])}`);
    // Its permissions, not a read-only file system: said as such, naming the folder.
    assert.equal(answers[what]!.json.error, 'storage-not-permitted');
    assert.equal(answers[what]!.json.message, `DeskBridge could not save your connections: it may not write to the folder ${dataDir} (permission denied, EACCES). Nothing was changed.`);
  }
  // The encrypted password file (no keychain here) is in the same folder.
  assert.equal(answers.savePassword!.status, 507, JSON.stringify(answers.savePassword));
  assert.equal(answers.savePassword!.json.error, 'storage-not-permitted');
  assert.equal(answers.savePassword!.json.message, `DeskBridge could not save the password: it may not write to the folder ${dataDir} (permission denied, EACCES). The password was not changed.`);
  assert.ok(unchanged, 'profiles.json is as it was');
  assert.deepEqual(list.map((p) => [p.name, p.hasSavedPassword]), [['Before', true]]);
});

test('a data folder on a file system mounted read-only while the app runs: create, edit, save-password and delete say it is a read-only file system (507), and nothing changes', { skip: !canMount && 'needs root on Linux and unshare, to mount a file system of its own' }, async () => {
  const { dataDir, answers, unchanged, list } = await runChild('unshare', ['--mount', '--propagation', 'private'], ['read-only-mount']);
  for (const what of ['create', 'edit', 'delete']) {
    assert.equal(answers[what]!.status, 507, `${what}: ${JSON.stringify(answers[what])}`);
    assert.equal(answers[what]!.json.error, 'storage-read-only');
    assert.equal(answers[what]!.json.message, `DeskBridge could not save your connections: the folder ${dataDir} is on a read-only file system (EROFS). Nothing was changed.`);
  }
  assert.equal(answers.savePassword!.status, 507, JSON.stringify(answers.savePassword));
  assert.equal(answers.savePassword!.json.error, 'storage-read-only');
  assert.equal(answers.savePassword!.json.message, `DeskBridge could not save the password: the folder ${dataDir} is on a read-only file system (EROFS). The password was not changed.`);
  assert.ok(unchanged, 'profiles.json is as it was');
  assert.deepEqual(list.map((p) => [p.name, p.hasSavedPassword]), [['Before', true]]);
});

test('a keychain that stops answering: saving a password says so (503) and the connection is saved without it; forgetting one says so too', async (t) => {
  const keychain = new StoppableKeychain();
  const h = await startGatewayHarness({ secrets: keychain });
  t.after(() => h.close());
  const profile = { name: 'Desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 };
  const first = await h.call('POST', '/api/profiles', { profile, password: 'pw-1' });
  assert.equal(first.status, 201);
  keychain.down = true;

  const created = await h.call('POST', '/api/profiles', { profile: { ...profile, name: 'New desk' }, password: 'pw-2' });
  assert.equal(created.status, 503, JSON.stringify(created.json));
  assert.equal(created.json.error, 'keychain-unavailable');
  assert.equal(created.json.message, 'The password could not be saved: the system keychain did not answer. The connection was saved without it.');
  assert.equal(created.json.profile.name, 'New desk', 'the answer carries the connection as saved');
  assert.equal(created.json.profile.hasSavedPassword, false);
  const names = ((await h.call('GET', '/api/profiles')).json as Array<{ name: string }>).map((p) => p.name);
  assert.deepEqual(names.sort(), ['Desk', 'New desk'], 'saved once, without its password');

  const saved = await h.call('POST', `/api/profiles/${first.json.id}/password`, { password: 'pw-3' });
  assert.equal(saved.status, 503);
  assert.equal(saved.json.error, 'keychain-unavailable');
  assert.equal(saved.json.message, 'The password could not be saved: the system keychain did not answer.');
  const forgotten = await h.call('DELETE', `/api/profiles/${first.json.id}/password`);
  assert.equal(forgotten.status, 503);
  assert.equal(forgotten.json.message, 'The password could not be removed: the system keychain did not answer.');
  keychain.down = false;
  assert.equal(keychain.saved.get(`profile:${first.json.id}`), 'pw-1', 'the first password is as it was');
});

test('a connection deleted while the keychain is down is deleted, and its saved password removed at the next start', async (t) => {
  const keychain = new StoppableKeychain();
  // No undo window (a delete final at once), so its end meets the keychain down too.
  const h = await startGatewayHarness({ secrets: keychain, undoDeleteMs: 0 });
  let closed = false;
  t.after(() => (closed ? undefined : h.close()));
  const created = await h.call('POST', '/api/profiles', { profile: { name: 'Old desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 }, password: 'pw-old' });
  const account = `profile:${created.json.id}`;
  assert.equal(keychain.saved.get(account), 'pw-old');
  keychain.down = true;
  const deleted = await h.call('DELETE', `/api/profiles/${created.json.id}`);
  assert.equal(deleted.status, 200);
  assert.equal(deleted.json.undoableForMs, 0, 'final at once: no Undo offered');
  assert.deepEqual((await h.call('GET', '/api/profiles')).json, []);
  assert.ok(keychain.saved.has(account), 'the keychain could not be told');
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(keychain.saved.has(account), 'the keychain could not be told at the delete\'s end either');
  const pending = JSON.parse(await readFile(path.join(h.dataDir, DEFERRED_DELETIONS_FILE), 'utf8')) as { accounts: string[]; held?: { account: string; until: number }[] };
  assert.deepEqual([...pending.accounts, ...(pending.held ?? []).map((held) => held.account)], [account], 'remembered (the account, never the password)');
  assert.ok(!JSON.stringify(pending).includes('pw-old'));

  // The next start, with the keychain running again.
  keychain.down = false;
  await h.gateway.close();
  const again = await startGatewayHarness({ secrets: keychain, dataDir: h.dataDir });
  const deadline = Date.now() + 5000;
  while (keychain.saved.has(account) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(keychain.saved.has(account), false, 'the password is gone');
  await assert.rejects(access(path.join(h.dataDir, DEFERRED_DELETIONS_FILE)), 'and nothing is left to remove');
  await again.close();
  await h.close();
  closed = true;
});
