// A broker (oVirt, Proxmox) hands a new .vv, with a new one-time password, each time the console is asked for:
// saving the next one is the connection already saved, not a copy; a file for another machine, port or route is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProfileStore } from '../../../electron/gateway/profiles/profileStore';
import { ProfileLibrary } from '../../../electron/gateway/profiles/profileLibrary';
import { importIntoLibrary, type ImportOutcome } from '../../../electron/gateway/profiles/connectionFileImport';
import { ManagedPolicyStore } from '../../../electron/gateway/policy/managedPolicy';
import { ManagedOverrides } from '../../../electron/gateway/policy/managedOverrides';
import { createLogger } from '../../../electron/gateway/logging/logger';
import type { SecretStore } from '../../../electron/gateway/secrets/secretStore';

const logger = createLogger({ sink: () => undefined });

const noSecrets: SecretStore = {
  backend: 'keychain',
  description: 'test keychain',
  weaker: false,
  get: async () => null,
  set: async () => undefined,
  delete: async () => undefined,
};

async function openLibrary(t: { after: (fn: () => Promise<void>) => void }, managedProfiles: object[] = []) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-vv-again-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const policyFile = path.join(dir, 'policy.json');
  if (managedProfiles.length > 0) await writeFile(policyFile, JSON.stringify({ schemaVersion: 1, profiles: managedProfiles }));
  const policy = new ManagedPolicyStore({ machineFile: policyFile, commandLineFile: null, cacheDir: dir }, logger);
  await policy.load();
  const library = new ProfileLibrary(await ProfileStore.open(dir, logger), policy, await ManagedOverrides.open(dir), noSecrets, logger);
  const save = async (lines: Record<string, string>, fileName = 'console.vv'): Promise<Extract<ImportOutcome, { ok: true }>> => {
    const text = '[virt-viewer]\n' + Object.entries(lines).map(([key, value]) => `${key}=${value}\n`).join('');
    const outcome = await importIntoLibrary(library, dir, fileName, Buffer.from(text), 'save');
    assert.ok(outcome.ok, JSON.stringify(outcome));
    return outcome;
  };
  return { library, save };
}

/** An oVirt console ticket: TLS port, CA and subject, a password valid for two minutes. */
const ticket = {
  type: 'spice',
  host: '192.0.2.10',
  port: '-1',
  'tls-port': '5901',
  'host-subject': 'O=corp.example,CN=192.0.2.10',
  ca: '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n',
  title: 'Finance VM:%d - Press SHIFT+F12 to Release Cursor',
  password: 'first-ticket',
  'delete-this-file': '1',
};

test('the next ticket for the same console (only its password new) is the connection already saved: nothing added', async (t) => {
  const { library, save } = await openLibrary(t);
  const first = await save(ticket);
  assert.equal(first.alreadyImported, undefined);
  const again = await save({ ...ticket, password: 'second-ticket' }, 'console (1).vv');
  assert.equal(again.alreadyImported, true);
  assert.equal(again.sameConnection, true);
  assert.equal(again.profile.id, first.profile.id);
  assert.equal(again.deleteThisFile, true, 'its delete-this-file is still honoured');
  assert.deepEqual(library.list().map((p) => p.name), ['Finance VM']);
  // Moved into a folder, starred, a user name added, its clipboard turned off since: still the same connection.
  await library.update(first.profile.id, { ...first.profile, folder: 'Finance', favourite: true, username: 'ann', shareClipboard: false });
  assert.equal((await save({ ...ticket, password: 'third-ticket' })).profile.id, first.profile.id);
  assert.equal(library.list().length, 1);
});

test('a .vv for another host, port, route or name is another connection, saved beside the first', async (t) => {
  const { library, save } = await openLibrary(t);
  const first = await save(ticket);
  const others: Record<string, Record<string, string>> = {
    'another host': { ...ticket, host: '192.0.2.11' },
    'another TLS port': { ...ticket, 'tls-port': '5902' },
    'the same port, not in TLS': { ...Object.fromEntries(Object.entries(ticket).filter(([key]) => key !== 'tls-port')), port: '5901' },
    'another certificate subject': { ...ticket, 'host-subject': 'O=corp.example,CN=other' },
    'through a proxy': { ...ticket, proxy: 'http://pve.corp.example:3128' },
    'another title': { ...ticket, title: 'Payroll VM' },
    'a user name the first did not set': { ...ticket, username: 'bob' },
    'VNC on that host': { type: 'vnc', host: '192.0.2.10', port: '5901', title: 'Finance VM' },
  };
  for (const [what, lines] of Object.entries(others)) {
    const outcome = await save({ ...lines, password: 'another-ticket' });
    assert.equal(outcome.alreadyImported, undefined, what);
    assert.notEqual(outcome.profile.id, first.profile.id, what);
  }
  assert.equal(library.list().length, 1 + Object.keys(others).length);
  // And the one through a proxy is not the one without: a file without the proxy line matches only the first.
  assert.equal((await save({ ...ticket, proxy: 'http://pve.corp.example:3128', password: 'x' })).alreadyImported, true);
  assert.equal((await save({ ...ticket, password: 'y' })).profile.id, first.profile.id);
});

test('a .vv that makes the same connection as one of IT\u2019s is saved as the user\u2019s own (it is matched against the user\u2019s own only)', async (t) => {
  const managed = { id: 'finance', name: 'Finance VM', protocol: 'spice', host: '192.0.2.10', port: 5901, spiceSecurity: 'tls', caCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', certificateSubject: 'O=corp.example,CN=192.0.2.10' };
  const { library, save } = await openLibrary(t, [managed]);
  assert.deepEqual(library.list().map((p) => p.id), ['managed-finance']);
  const saved = await save(ticket);
  assert.equal(saved.alreadyImported, undefined);
  assert.equal(library.isManaged(saved.profile.id), false);
  assert.equal((await save({ ...ticket, password: 'next' })).profile.id, saved.profile.id, 'the next ticket is the user\u2019s own again');
});
