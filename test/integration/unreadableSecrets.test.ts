// A damaged key file for the encrypted passwords (no keychain here) must not stop the app: the gateway starts, the
// state says saved passwords cannot be read and what to do, saving one is refused in words while the connection
// itself is saved, and the key file is left byte for byte as it was (IT may restore the passwords from a backup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { startGatewayHarness } from './gatewayHarness';
import { KeyFileUnusable } from '../../electron/gateway/secrets/fileSecrets';
import { unopenedSecretStore } from '../../electron/gateway/secrets/secretStore';
import type { AppState, ProfileView } from '../../shared/api/contract';

const DAMAGED_KEY = 'c2hvcnQ=\n'; // base64 of "short": 5 bytes where 32 are needed

test('a damaged key file: the gateway starts, its state says saved passwords cannot be read (the file named, what happens now), and the file is left as it was', async (t) => {
  const h = await startGatewayHarness({ keyFile: DAMAGED_KEY });
  t.after(() => h.close());
  const state = (await h.call('GET', '/api/state')).json as AppState;
  assert.equal(state.secrets.unusable, true);
  assert.equal(
    state.notices[0],
    `Saved passwords cannot be read, and none can be saved: the key file is damaged (${h.keyFile}). Connections will ask for their password when you connect. To get the saved passwords back, restore that file from a backup; DeskBridge leaves it as it is.`,
  );
  assert.ok(h.logs().some((line) => line.includes('saved passwords cannot be read; starting without them')), 'the log says why');

  // The library works: a connection is saved; its password is refused in words, the connection kept without it.
  const profile = { name: 'Desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 };
  const created = await h.call('POST', '/api/profiles', { profile, password: 'pw-1' });
  assert.equal(created.status, 503, JSON.stringify(created.json));
  assert.equal(created.json.error, 'secrets-unreadable');
  assert.equal(created.json.message, `The key file ${h.keyFile} is damaged; saved passwords cannot be read. The connection was saved without it.`);
  const listed = (await h.call('GET', '/api/profiles')).json as ProfileView[];
  assert.deepEqual(listed.map((p) => [p.name, p.hasSavedPassword]), [['Desk', false]]);
  const saved = await h.call('POST', `/api/profiles/${created.json.profile.id}/password`, { password: 'pw-2' });
  assert.equal(saved.status, 503);
  assert.equal(saved.json.error, 'secrets-unreadable');
  assert.equal(await readFile(h.keyFile, 'utf8'), DAMAGED_KEY, 'the key file is not replaced by a new key');
});

test('a damaged key file where policy keeps saved passwords out of the encrypted file (never, keychain-only without a keychain): no notice blames the file, which is not used; a policy that allows the file again brings the notice back', async (t) => {
  for (const rule of ['never', 'keychain-only'] as const) {
    const h = await startGatewayHarness({ keyFile: DAMAGED_KEY, machinePolicy: { schemaVersion: 1, passwords: { save: rule } } });
    t.after(() => h.close());
    const state = (await h.call('GET', '/api/state')).json as AppState;
    assert.equal(state.policy.passwordSaving, rule);
    assert.equal(state.secrets.unusable, undefined, rule);
    assert.deepEqual(state.notices, [], rule);
    assert.equal(state.secrets.description, 'Your organisation\'s policy does not allow saving passwords here.', rule);
    // A save is refused by the policy, in its words, not by the file.
    const created = await h.call('POST', '/api/profiles', { profile: { name: 'Desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 }, password: 'pw-1' });
    assert.deepEqual([created.status, created.json.error], [403, 'policy-no-saved-passwords'], JSON.stringify(created.json));
    assert.doesNotMatch(JSON.stringify(created.json), /key file/, rule);
    assert.equal(await readFile(h.keyFile, 'utf8'), DAMAGED_KEY, 'the key file is left as it was');

    if (rule !== 'never') continue;
    // IT lifts the rule while the app runs: the file would be used now, so its damage is said.
    await writeFile(h.machinePolicyFile, JSON.stringify({ schemaVersion: 1 }));
    let after = state;
    for (let i = 0; i < 160 && after.policy.passwordSaving !== 'allowed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = (await h.call('GET', '/api/state')).json as AppState;
    }
    assert.equal(after.secrets.unusable, true);
    assert.match(after.notices[0] ?? '', /^Saved passwords cannot be read, and none can be saved: the key file is damaged/);
  }
});

test('a policy that saves no passwords (never) with no keychain: the app makes no key file for the encrypted passwords it will not keep', async (t) => {
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, passwords: { save: 'never' } } });
  t.after(() => h.close());
  const created = await h.call('POST', '/api/profiles', { profile: { name: 'Desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 } });
  assert.equal(created.status, 201);
  assert.equal((await h.call('DELETE', `/api/profiles/${created.json.id}`)).status < 300, true);
  const state = (await h.call('GET', '/api/state')).json as AppState;
  assert.deepEqual([state.secrets.backend, state.notices], ['file', []]);
  await assert.rejects(access(h.keyFile), 'no key file was made');
});

test('a damaged key file restored while the app runs: the next look at the state finds it, the notice goes, and passwords are saved and read again without a restart', async (t) => {
  const h = await startGatewayHarness({ keyFile: DAMAGED_KEY });
  t.after(() => h.close());
  assert.equal(((await h.call('GET', '/api/state')).json as AppState).secrets.unusable, true);
  // Looked at again with nothing changed: still said, the file still left as it is.
  assert.equal(((await h.call('GET', '/api/state')).json as AppState).secrets.unusable, true);
  const restored = `${randomBytes(32).toString('base64')}\n`; // IT puts back the key file from a backup.
  await writeFile(h.keyFile, restored);
  const state = (await h.call('GET', '/api/state')).json as AppState;
  assert.equal(state.secrets.unusable, undefined);
  assert.deepEqual(state.notices, []);
  assert.ok(h.logs().some((line) => line.includes('saved passwords can be read again')), 'the log says so');
  const created = await h.call('POST', '/api/profiles', { profile: { name: 'Desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 }, password: 'pw-1' });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const listed = (await h.call('GET', '/api/profiles')).json as ProfileView[];
  assert.deepEqual(listed.map((p) => [p.name, p.hasSavedPassword]), [['Desk', true]]);
  assert.equal(await readFile(h.keyFile, 'utf8'), restored, 'the restored key is the one used');
});

test('a key file this user may not read is said as a matter of its permissions, not of a backup', () => {
  const store = unopenedSecretStore(new KeyFileUnusable('/home/u/.local/state/deskbridge/secrets.key', 'the key file cannot be read (EACCES)', true));
  assert.equal(
    store.unusable,
    'Saved passwords cannot be read, and none can be saved: the key file cannot be read (EACCES) (/home/u/.local/state/deskbridge/secrets.key). Connections will ask for their password when you connect. To get the saved passwords back, let your user account read that file again (its permissions); DeskBridge leaves it as it is.',
  );
  assert.match(unopenedSecretStore(new KeyFileUnusable('/k/secrets.key', 'the key file is damaged')).unusable ?? '', /restore that file from a backup/);
});
