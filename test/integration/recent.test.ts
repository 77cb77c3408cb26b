// "Recent connections": opening a session records the time, without the
// session's answer waiting for that write, and a list asked for next shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startGatewayHarness } from './gatewayHarness';
import { closedPort } from '../servers/network';

test('a session opened shows under Recent in the very next list, for own and managed profiles alike, and is on disk by then', async (t) => {
  const port = await closedPort();
  const managed = { id: 'office', name: 'Office desktop', protocol: 'vnc', host: '127.0.0.1', port, openFields: [] };
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, profiles: [managed] } });
  t.after(() => h.close());
  const own = (await h.call('POST', '/api/profiles', { profile: { name: 'Mine', protocol: 'vnc', host: '127.0.0.1', port }, password: 'pw' })).json;
  const before = Date.now();
  for (const profileId of [own.id, 'managed-office']) {
    const session = await h.call('POST', '/api/sessions', { profileId });
    assert.equal(session.status, 201);
    // The password is read from the store once and still says it is saved.
    assert.equal(session.json.profile.hasSavedPassword, profileId === own.id);
    // VNC: the gateway signs in with it; the page is never given it.
    assert.equal(session.json.savedPassword, null);
    // Asked for at once: the write of the time, under way when the session was answered, is waited for.
    const listed = (await h.call('GET', '/api/profiles')).json.find((p: { id: string }) => p.id === profileId);
    assert.ok(listed.lastConnectedAt && Date.parse(listed.lastConnectedAt) >= before, `${profileId}: lastConnectedAt ${listed.lastConnectedAt}`);
  }
  const onDisk = JSON.parse(await readFile(path.join(h.dataDir, 'profiles.json'), 'utf8'));
  assert.ok(onDisk.profiles.find((p: { id: string }) => p.id === own.id).lastConnectedAt);
  const overrides = JSON.parse(await readFile(path.join(h.dataDir, 'managed-overrides.json'), 'utf8'));
  assert.ok(overrides.lastConnected['managed-office']);
});
