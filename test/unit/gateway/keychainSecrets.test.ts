// The keychain store against a real Secret Service (gnome-keyring on a private D-Bus) that stops while the app
// runs: deleting then fails rather than passing for done (which left the password behind, unsaid), while deleting
// what was never saved is no failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startKeyring } from '../../servers/keyring';
import { openKeychainSecrets } from '../../../electron/gateway/secrets/keychainSecrets';
import { SecretsUnavailable } from '../../../electron/gateway/secrets/secretStore';
import { createLogger } from '../../../electron/gateway/logging/logger';

const haveKeyring = process.platform === 'linux' && spawnSync('gnome-keyring-daemon', ['--version']).status === 0 && spawnSync('secret-tool', ['--version']).status !== null;

test('a keychain that stops: delete fails (the password is still there); a delete of nothing saved is fine', { skip: !haveKeyring && 'needs gnome-keyring and secret-tool' }, async (t) => {
  const keyring = await startKeyring();
  t.after(() => keyring.stop());
  const before = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
  t.after(() => {
    if (before === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = before;
  });
  const store = await openKeychainSecrets('DeskBridge-test', createLogger({ sink: () => undefined }));
  assert.ok(store, 'the keychain is usable');
  await store.delete('profile:never-saved');
  await store.set('profile:a', 'pw-a');
  assert.equal(await store.get('profile:a'), 'pw-a');
  // The keychain stops (its daemon and the session bus), as when the desktop session's gnome-keyring dies.
  for (const pid of keyring.pids) process.kill(-pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(store.delete('profile:a'), 'a delete the keychain did not do is not done');
  await assert.rejects(store.set('profile:a', 'pw-b'));
  // A read fails as the keychain itself, not as this one entry: --list then asks it no more (every read would fail).
  await assert.rejects(store.get('profile:a'), (error: unknown) => error instanceof SecretsUnavailable && error.code === 'keychain-unavailable');
});
