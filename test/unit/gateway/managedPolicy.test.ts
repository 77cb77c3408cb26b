import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ManagedPolicyStore, machinePolicyPath, parsePolicy } from '../../../electron/gateway/policy/managedPolicy';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { LOCKDOWN_POLICY, NO_POLICY, hostAllowed, policySchema, sessionRedirection } from '../../../shared/policy/policySchema';

const logger = createLogger({ sink: () => undefined });
const valid = (extra: object = {}) => JSON.stringify({ schemaVersion: 1, allowedHosts: ['*.corp.example'], ...extra });

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-policy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const machineFile = path.join(dir, 'etc', 'policy.json');
  const cliFile = path.join(dir, 'mine.json');
  await mkdir(path.dirname(machineFile));
  const store = (commandLineFile: string | null = null) => new ManagedPolicyStore({ machineFile, commandLineFile, cacheDir: path.join(dir, 'data') }, logger);
  return { dir, machineFile, cliFile, store };
}

test('per-OS machine-wide paths are the documented ones', () => {
  assert.equal(machinePolicyPath('linux'), '/etc/deskbridge/policy.json');
  assert.equal(machinePolicyPath('darwin'), '/Library/Application Support/DeskBridge/policy.json');
  assert.match(machinePolicyPath('win32'), /DeskBridge[\\/]policy\.json$/);
});

test('no policy anywhere: no restrictions', async (t) => {
  const { store } = await setup(t);
  const s = store();
  await s.load();
  assert.equal(s.summary().source, 'none');
  assert.equal(s.summary().invalidFile, null);
  assert.equal(s.policy.allowedHosts, undefined);
});

test('the machine-wide file wins over --policy', async (t) => {
  const { machineFile, cliFile, store } = await setup(t);
  await writeFile(machineFile, valid());
  await writeFile(cliFile, JSON.stringify({ schemaVersion: 1 }));
  const s = store(cliFile);
  await s.load();
  assert.equal(s.summary().source, 'machine');
  assert.deepEqual(s.policy.allowedHosts, ['*.corp.example']);
});

test('--policy applies where no machine-wide file exists', async (t) => {
  const { cliFile, store } = await setup(t);
  await writeFile(cliFile, valid({ allowUserProfiles: false }));
  const s = store(cliFile);
  await s.load();
  assert.equal(s.summary().source, 'command-line');
  assert.equal(s.policy.allowUserProfiles, false);
});

test('an invalid machine-wide file keeps the last valid policy this process read, and says so', async (t) => {
  const { machineFile, store } = await setup(t);
  await writeFile(machineFile, valid());
  const s = store();
  await s.load();
  await writeFile(machineFile, '{"schemaVersion": 1, "allowedHosts": [42]}');
  await s.load();
  assert.deepEqual(s.policy.allowedHosts, ['*.corp.example']);
  assert.match(s.summary().problems[0] ?? '', /invalid \(allowedHosts\.0: .*\)\. The last valid policy stays in force/);
  assert.equal(s.summary().invalidFile, 'last-valid-kept');
});

test("an invalid machine-wide file at start locks down: a copy in the user's data folder is not IT's policy", async (t) => {
  const { dir, machineFile, store } = await setup(t);
  await writeFile(machineFile, valid());
  await store().load();
  // What the user could leave in their own data folder (the name versions before this one used).
  const userCopy = path.join(dir, 'data', 'policy-last-valid-machine.json');
  await mkdir(path.dirname(userCopy), { recursive: true });
  await writeFile(userCopy, JSON.stringify({ schemaVersion: 1 }));
  await writeFile(machineFile, '{"schemaVersion": 1, "allowedHosts": [42]}');
  const s = store();
  await s.load();
  assert.deepEqual(s.policy, LOCKDOWN_POLICY);
  assert.match(s.summary().problems[0] ?? '', /no earlier valid policy is known, so connections are blocked/);
  // Nothing of the machine-wide policy is written to the user's folder; an old copy goes once a valid file is read.
  await writeFile(machineFile, valid());
  await store().load();
  assert.deepEqual(await readdir(path.join(dir, 'data')), []);
});

test('an invalid --policy file keeps its last valid copy across restarts', async (t) => {
  const { cliFile, store } = await setup(t);
  await writeFile(cliFile, valid({ allowUserProfiles: false }));
  await store(cliFile).load();
  await writeFile(cliFile, '{ not json');
  const s = store(cliFile);
  await s.load();
  assert.equal(s.summary().source, 'command-line');
  assert.equal(s.policy.allowUserProfiles, false);
  assert.match(s.summary().problems[0] ?? '', /The last valid policy stays in force/);
});

test('an invalid file with no earlier valid one locks down, never "no policy"', async (t) => {
  const { machineFile, store } = await setup(t);
  await writeFile(machineFile, '{ not json');
  const s = store();
  await s.load();
  assert.deepEqual(s.policy, LOCKDOWN_POLICY);
  assert.equal(s.summary().passwordSaving, 'never');
  assert.equal(s.summary().invalidFile, 'blocked');
  assert.match(s.summary().problems[0] ?? '', /connections are blocked/);
});

test('a machine-wide file that exists but cannot be read is not mistaken for none', async (t) => {
  const { machineFile, cliFile, store } = await setup(t);
  await mkdir(machineFile); // reading a folder fails with EISDIR, as an unreadable file would
  await writeFile(cliFile, JSON.stringify({ schemaVersion: 1 }));
  const s = store(cliFile);
  await s.load();
  assert.equal(s.summary().source, 'machine');
  assert.deepEqual(s.policy, LOCKDOWN_POLICY);
});

test('unknown keys are refused (a typo must not silently drop a rule)', async (t) => {
  const { machineFile, store } = await setup(t);
  await writeFile(machineFile, JSON.stringify({ schemaVersion: 1, alowedHosts: ['x'] }));
  const s = store();
  await s.load();
  assert.deepEqual(s.policy, LOCKDOWN_POLICY);
});

test('host patterns: exact, wildcard subdomains, IPv4 ranges, nothing else', () => {
  const patterns = ['desk.corp.example', '*.vdi.example', '10.1.0.0/16', '127.0.0.1'];
  assert.equal(hostAllowed('DESK.corp.example.', patterns), true, 'a fully qualified name with its final dot');
  assert.equal(hostAllowed('DESK.corp.example', patterns), true);
  assert.equal(hostAllowed('a.vdi.example', patterns), true);
  assert.equal(hostAllowed('vdi.example', patterns), false);
  assert.equal(hostAllowed('evil-vdi.example', patterns), false);
  assert.equal(hostAllowed('10.1.200.3', patterns), true);
  assert.equal(hostAllowed('10.2.0.1', patterns), false);
  assert.equal(hostAllowed('127.0.0.1', patterns), true);
  assert.equal(hostAllowed('127.0.0.2', patterns), false);
  assert.equal(hostAllowed('anything', undefined), true);
  assert.equal(hostAllowed('anything', []), false);
});

test('clipboard and file transfer: shared both ways by default, each direction as IT writes it, nothing when locked down; a wrong value is refused', () => {
  assert.deepEqual(sessionRedirection(NO_POLICY), { clipboardToRemote: true, clipboardToLocal: true, fileTransfer: true });
  const parse = (extra: object) => sessionRedirection(policySchema.parse({ schemaVersion: 1, ...extra }));
  assert.deepEqual(parse({ clipboard: 'to-remote-only' }), { clipboardToRemote: true, clipboardToLocal: false, fileTransfer: true });
  assert.deepEqual(parse({ clipboard: 'to-local-only', allowFileTransfer: false }), { clipboardToRemote: false, clipboardToLocal: true, fileTransfer: false });
  assert.deepEqual(parse({ clipboard: 'none' }), { clipboardToRemote: false, clipboardToLocal: false, fileTransfer: true });
  assert.deepEqual(sessionRedirection(LOCKDOWN_POLICY), { clipboardToRemote: false, clipboardToLocal: false, fileTransfer: false });
  assert.equal(policySchema.safeParse({ schemaVersion: 1, clipboard: 'off' }).success, false);
});

test('a managed profile whose host is a proxy\u2019s ticket needs a SPICE proxy, as a user\u2019s own does', () => {
  const profile = { id: 'pve', name: 'PVE console', protocol: 'spice', host: 'pvespiceproxy:1:101:pve::ab', port: 61000 };
  const refused = policySchema.safeParse({ schemaVersion: 1, profiles: [profile] });
  assert.equal(refused.success, false);
  assert.deepEqual(refused.error?.issues.map((i) => i.path.join('.')), ['profiles.0.host']);
  assert.equal(policySchema.safeParse({ schemaVersion: 1, profiles: [{ ...profile, spiceProxy: 'http://pve.corp.example:3128' }] }).success, true);
});

test('a managed profile without a port gets its protocol\u2019s usual one; one with a bad port is named by its id', async (t) => {
  const { machineFile, store } = await setup(t);
  const profiles = [
    { id: 'vnc', name: 'VNC', protocol: 'vnc', host: 'a.corp.example' },
    { id: 'rdp', name: 'RDP', protocol: 'rdp', host: 'b.corp.example' },
    { id: 'spice', name: 'SPICE', protocol: 'spice', host: 'c.corp.example' },
    { id: 'kept', name: 'Kept', protocol: 'rdp', host: 'd.corp.example', port: 3390 },
  ];
  await writeFile(machineFile, valid({ profiles }));
  const s = store();
  await s.load();
  assert.deepEqual(s.summary().problems, []);
  assert.deepEqual(s.policy.profiles.map((p) => p.port), [5900, 3389, 5900, 3390]);
  await writeFile(machineFile, valid({ profiles: [{ ...profiles[0], id: 'lab', port: 70000 }, { name: 'No id', protocol: 'rdp', host: 'e.corp.example', port: 0 }] }));
  const parsed = parsePolicy(await readFile(machineFile, 'utf8'));
  assert.equal(parsed.ok, false);
  assert.deepEqual(!parsed.ok && parsed.problems, [
    'profile \u201clab\u201d (profiles.0): port: Enter a port number from 1 to 65535.',
    'profiles.1: port: Enter a port number from 1 to 65535.',
    'profiles.1: id: Give each managed profile an id: 1 to 64 letters, digits, "-" or "_".',
  ]);
  await s.load();
  assert.match(s.summary().problems[0] ?? '', /is invalid \(profile \u201clab\u201d \(profiles\.0\): port: Enter a port number from 1 to 65535\.; and 2 more problems, listed by deskbridge --check-policy FILE\)/);
});

test('two managed profiles with one id, or a kiosk naming no managed profile, make the policy invalid, each said in words', () => {
  const lab = { id: 'lab', name: 'Lab', protocol: 'rdp', host: 'lab.corp.example' };
  const problemsOf = (policy: object) => {
    const parsed = parsePolicy(JSON.stringify({ schemaVersion: 1, ...policy }));
    return parsed.ok ? [] : parsed.problems;
  };
  assert.deepEqual(problemsOf({ profiles: [lab, { ...lab, name: 'Lab 2' }, { ...lab, id: 'x' }, { ...lab, name: 'Lab 3' }] }), [
    'profile \u201clab\u201d (profiles.1): id: profiles.0 has this id too; give each managed profile an id of its own.',
    'profile \u201clab\u201d (profiles.3): id: profiles.0 has this id too; give each managed profile an id of its own.',
  ]);
  assert.deepEqual(problemsOf({ profiles: [lab], kiosk: { enabled: true, profile: 'lab2' } }), [
    'kiosk.profile: No managed profile in this policy has the id or name \u201clab2\u201d; name one of its profiles.',
  ]);
  // By id, the library's id or name (any case), as the kiosk finds it; with provisioning it may come from there.
  for (const profile of ['lab', 'managed-lab', 'LAB']) assert.deepEqual(problemsOf({ profiles: [lab], kiosk: { enabled: true, profile } }), [], profile);
  const provisioning = { url: 'https://corp.example/profiles', publicKey: 'A'.repeat(44) };
  assert.deepEqual(problemsOf({ kiosk: { enabled: true, profile: 'lab2' }, provisioning }), []);
});
