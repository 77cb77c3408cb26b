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

test('"--policy ignored" is logged once while the machine-wide file stays, and again when it comes back after --policy applied', async (t) => {
  const { dir, machineFile, cliFile } = await setup(t);
  const lines: string[] = [];
  const s = new ManagedPolicyStore({ machineFile, commandLineFile: cliFile, cacheDir: path.join(dir, 'data') }, createLogger({ sink: (line) => lines.push(line) }));
  const ignored = () => lines.filter((line) => line.includes('--policy ignored')).length;
  await writeFile(machineFile, valid());
  await writeFile(cliFile, JSON.stringify({ schemaVersion: 1 }));
  for (let reload = 0; reload < 3; reload++) await s.load();
  assert.equal(ignored(), 1);
  await rm(machineFile);
  await s.load();
  assert.equal(s.summary().source, 'command-line');
  await writeFile(machineFile, valid());
  await s.load();
  assert.equal(ignored(), 2);
});

test('a file saved by Windows tools applies: UTF-8 with a byte order mark (Notepad), UTF-16 with one (Windows PowerShell\u2019s Out-File)', async (t) => {
  const { machineFile, store } = await setup(t);
  const text = valid({ allowUserProfiles: false });
  const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const utf16be = Buffer.from(utf16le.subarray(2)).swap16();
  for (const bytes of [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), utf16le, Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be])]) {
    await writeFile(machineFile, bytes);
    const s = store();
    await s.load();
    assert.equal(s.summary().invalidFile, null, bytes.subarray(0, 3).toString('hex'));
    assert.equal(s.summary().source, 'machine');
    assert.equal(s.policy.allowUserProfiles, false);
    assert.deepEqual(s.policy.allowedHosts, ['*.corp.example']);
  }
});

test('a change to the policy file reloads it; other files written in its folder (a log beside it) do not', async (t) => {
  const { machineFile, store } = await setup(t);
  await writeFile(machineFile, valid());
  const s = store();
  await s.load();
  s.watch();
  t.after(() => s.close());
  let reloads = 0;
  s.onChange(() => reloads++);
  for (let i = 0; i < 5; i++) {
    await writeFile(path.join(path.dirname(machineFile), 'deskbridge.log'), `line ${i}\n`, { flag: 'a' });
    await new Promise((r) => setTimeout(r, 60));
  }
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(reloads, 0);
  await writeFile(machineFile, valid({ allowUserProfiles: false }));
  for (let i = 0; i < 40 && reloads === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(reloads, 1);
  assert.equal(s.policy.allowUserProfiles, false);
});

async function until(condition: () => boolean, ms = 8000): Promise<void> {
  for (const end = Date.now() + ms; !condition() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
}

test('a machine-wide policy deployed while the app runs, into a folder that did not exist at start, applies within seconds', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-policy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const machineFile = path.join(dir, 'etc', 'deskbridge', 'policy.json');
  const s = new ManagedPolicyStore({ machineFile, commandLineFile: null, cacheDir: path.join(dir, 'data') }, logger);
  await s.load();
  s.watch();
  t.after(() => s.close());
  assert.equal(s.summary().source, 'none');
  await mkdir(path.dirname(machineFile), { recursive: true });
  await writeFile(machineFile, valid({ allowUserProfiles: false, passwords: { save: 'never' } }));
  await until(() => s.summary().source === 'machine');
  assert.equal(s.summary().source, 'machine');
  assert.equal(s.policy.allowUserProfiles, false);
  assert.equal(s.policy.passwords.save, 'never');
  // Removed with its folder, and deployed again: each seen.
  await rm(path.dirname(machineFile), { recursive: true });
  await until(() => s.summary().source === 'none');
  assert.equal(s.summary().source, 'none');
  await mkdir(path.dirname(machineFile), { recursive: true });
  await writeFile(machineFile, valid({ clipboard: 'none' }));
  await until(() => s.summary().source === 'machine');
  assert.equal(s.policy.clipboard, 'none');
});

test('started with --policy, a machine-wide file written later wins (its folder there or not); removed, --policy applies again', async (t) => {
  for (const folderExists of [true, false]) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-policy-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const machineFile = path.join(dir, 'etc', 'policy.json');
    if (folderExists) await mkdir(path.dirname(machineFile));
    const cliFile = path.join(dir, 'mine', 'mine.json');
    await mkdir(path.dirname(cliFile));
    await writeFile(cliFile, valid({ clipboard: 'to-remote-only' }));
    const s = new ManagedPolicyStore({ machineFile, commandLineFile: cliFile, cacheDir: path.join(dir, 'data') }, logger);
    await s.load();
    s.watch();
    t.after(() => s.close());
    assert.equal(s.summary().source, 'command-line');
    await mkdir(path.dirname(machineFile), { recursive: true });
    await writeFile(machineFile, valid({ allowUserProfiles: false }));
    await until(() => s.summary().source === 'machine');
    assert.equal(s.summary().source, 'machine', `folder there at start: ${folderExists}`);
    assert.equal(s.policy.allowUserProfiles, false);
    await rm(machineFile);
    await until(() => s.summary().source === 'command-line');
    assert.equal(s.summary().source, 'command-line');
    assert.equal(s.policy.clipboard, 'to-remote-only');
  }
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
  assert.match(s.summary().problems[0] ?? '', /invalid \("allowedHosts\.0" must be a string in double quotes, not the number 42\)\. The last valid policy stays in force/);
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
  assert.match(s.summary().problems[0] ?? '', /is invalid \(it is a folder, not a file\) and no earlier valid policy is known/);
});

test('unknown keys are refused (a typo must not silently drop a rule)', async (t) => {
  const { machineFile, store } = await setup(t);
  await writeFile(machineFile, JSON.stringify({ schemaVersion: 1, alowedHosts: ['x'] }));
  const s = store();
  await s.load();
  assert.deepEqual(s.policy, LOCKDOWN_POLICY);
});

test('a misspelt setting anywhere in the file is refused and named, with the setting it most likely meant', () => {
  const problemsOf = (policy: object) => {
    const parsed = parsePolicy(JSON.stringify({ schemaVersion: 1, ...policy }));
    return parsed.ok ? [] : parsed.problems;
  };
  assert.deepEqual(problemsOf({ alowedHosts: ['x.example'] }), ['"alowedHosts" is not a policy setting (did you mean "allowedHosts"?)']);
  // Inside a managed profile a typo left the default in force: here the clipboard would have stayed shared.
  assert.deepEqual(problemsOf({ profiles: [{ id: 'lab', name: 'Lab', protocol: 'vnc', host: 'lab.example', shareClipbaord: false, colour: 'red' }] }), [
    'profile \u201clab\u201d (profiles.0): "shareClipbaord" is not a connection setting (did you mean "shareClipboard"?); "colour" is not a connection setting',
  ]);
  assert.deepEqual(problemsOf({ kiosk: { enabeld: true } }), ['kiosk: "enabeld" is not one of its settings (did you mean "enabled"?)']);
  assert.deepEqual(problemsOf({ passwords: { Save: 'never' } }), ['passwords: "Save" is not one of its settings (did you mean "save"?)']);
  assert.deepEqual(problemsOf({ reconnect: { maxDelay: 30 } }), ['reconnect: "maxDelay" is not one of its settings']);
  assert.deepEqual(problemsOf({ profileDefaults: { scalling: 'fit' } }), ['profileDefaults: "scalling" is not a connection setting (did you mean "scaling"?)']);
  assert.deepEqual(problemsOf({ provisioning: { url: 'https://p.example/policy', publicKey: 'k'.repeat(44), refreshMinute: 5 } }), [
    'provisioning: "refreshMinute" is not one of its settings (did you mean "refreshMinutes"?)',
  ]);
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
  // Written so that the resolver reads another address: "010.1.0.1" is octal, 8.1.0.1; "0x0a.1.0.1", "167837953" and "10.257" are 10.1.x.x or elsewhere.
  for (const host of ['010.1.0.1', '0x0a.1.0.1', '167837953', '10.1.1', '10.257', '010.1.0.1.', '127.000.000.001']) {
    assert.equal(hostAllowed(host, patterns), false, host);
    assert.equal(hostAllowed(host, ['0.0.0.0/0']), false, host);
  }
  assert.equal(hostAllowed('10.1.0.1', ['10.1.0.0/16']), true);
  assert.equal(hostAllowed('fe80::1', ['fe80::1']), true);
  assert.equal(hostAllowed('::ffff:10.1.0.1', ['::ffff:10.1.0.1']), true);
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

test('the schema\u2019s problems, a duplicate id and a kiosk naming no profile are all reported at once, whatever the file\u2019s shape', () => {
  const lab = { id: 'lab', name: 'Lab', protocol: 'rdp', host: 'lab.corp.example' };
  const problemsOf = (policy: unknown) => {
    const parsed = parsePolicy(JSON.stringify(policy));
    return parsed.ok ? [] : parsed.problems;
  };
  assert.deepEqual(problemsOf({ schemaVersion: 1, profiles: [{ ...lab, port: 70000 }, { ...lab, name: 'Lab 2' }], allowedHosts: ['bad host!'], allowUnencrypted: 'no', colour: 'blue', kiosk: { enabled: true, profile: 'nope' } }), [
    'profile \u201clab\u201d (profiles.0): port: Enter a port number from 1 to 65535.',
    'allowedHosts.0: Use a host name, "*.domain", an IPv4 range like 10.0.0.0/8, or an IPv6 address.',
    '"allowUnencrypted" must be true or false, not the string "no"',
    '"colour" is not a policy setting',
    'profile \u201clab\u201d (profiles.1): id: profiles.0 has this id too; give each managed profile an id of its own.',
    'kiosk.profile: No managed profile in this policy has the id or name \u201cnope\u201d; name one of its profiles.',
  ]);
  // A profile the schema refuses still counts for the kiosk and for ids, by what can be read of it.
  assert.deepEqual(problemsOf({ schemaVersion: 1, profiles: [{ ...lab, port: 0 }, null, 5, { id: 7 }, { name: 'Other' }], kiosk: { enabled: true, profile: 'other' } }), [
    'profile \u201clab\u201d (profiles.0): port: Enter a port number from 1 to 65535.',
    'profiles.1: it must be an object in braces { }, not null',
    'profiles.2: it must be an object in braces { }, not the number 5',
    'profiles.3: "name" is missing: it must be a string in double quotes',
    'profiles.3: protocol: Choose VNC, RDP or SPICE.',
    'profiles.3: "host" is missing: it must be a string in double quotes',
    'profiles.3: id: Give each managed profile an id: 1 to 64 letters, digits, "-" or "_".',
    'profiles.4: protocol: Choose VNC, RDP or SPICE.',
    'profiles.4: "host" is missing: it must be a string in double quotes',
    'profiles.4: id: Give each managed profile an id: 1 to 64 letters, digits, "-" or "_".',
  ]);
  // Odd shapes are the schema's to report; the cross-field checks find nothing to read there and do not throw.
  for (const policy of [null, [], 'x', { schemaVersion: 1, profiles: {} }, { schemaVersion: 1, profiles: 'lab', kiosk: 'lab' }, { schemaVersion: 1, kiosk: { profile: 3 } }, { schemaVersion: 1, kiosk: [] }]) {
    const problems = problemsOf(policy);
    assert.ok(problems.length > 0, JSON.stringify(policy));
    assert.ok(!problems.some((p) => /has this id too|No managed profile/.test(p)), JSON.stringify(problems));
  }
  // With provisioning, even an invalid one, the kiosk's profile may come from there.
  assert.deepEqual(problemsOf({ schemaVersion: 1, profiles: [{ ...lab, port: 0 }], kiosk: { profile: 'elsewhere' }, provisioning: { url: 'http://corp.example' } }).filter((p) => p.startsWith('kiosk')), []);
  // A file the schema accepts but for these: each said once, not once by the schema and once by the raw check.
  assert.deepEqual(problemsOf({ schemaVersion: 1, profiles: [lab, lab], kiosk: { profile: 'x' } }), [
    'profile \u201clab\u201d (profiles.1): id: profiles.0 has this id too; give each managed profile an id of its own.',
    'kiosk.profile: No managed profile in this policy has the id or name \u201cx\u201d; name one of its profiles.',
  ]);
});

test('a wrong type says in words what belongs there and what the file has; a schema\u2019s own message stays', () => {
  const problemsOf = (policy: object) => {
    const parsed = parsePolicy(JSON.stringify({ schemaVersion: 1, ...policy }));
    return parsed.ok ? [] : parsed.problems;
  };
  const wrong = { allowFileTransfer: 1, reconnect: { maxDelaySeconds: '5' }, trustedCaCertificates: 'PEM', passwords: [], profileDefaults: { host: false } };
  assert.deepEqual(problemsOf(wrong).sort(), [
    '"allowFileTransfer" must be true or false, not the number 1',
    '"passwords" must be an object in braces { }, not a list',
    '"profileDefaults.host" must be a string in double quotes, not false',
    '"reconnect.maxDelaySeconds" must be a number, not the string "5"',
    '"trustedCaCertificates" must be a list in square brackets [ ], not the string "PEM"',
  ]);
  assert.deepEqual(problemsOf({ provisioning: { url: 'https://corp.example/p', publicKey: 'A'.repeat(44), refreshMinutes: 1.5 } }), ['"provisioning.refreshMinutes" must be a whole number, not 1.5']);
  assert.deepEqual(problemsOf({ profiles: [{ id: 'lab', name: 'Lab', protocol: 'rdp' }] }), ['profile \u201clab\u201d (profiles.0): "host" is missing: it must be a string in double quotes']);
  // The managed profile id's message is the schema's own, kept as written.
  assert.deepEqual(problemsOf({ profiles: [{ id: 5, name: 'Lab', protocol: 'rdp', host: 'lab.corp.example' }] }), ['profiles.0: id: Give each managed profile an id: 1 to 64 letters, digits, "-" or "_".']);
  for (const problem of [...problemsOf({ allowFileTransfer: 1 }), ...problemsOf({ kiosk: 'x' })]) assert.doesNotMatch(problem, /Invalid input|expected \w+, received/);
});

test('a JSON syntax error is placed by line and column, not by an offset into the file', () => {
  const problemsOf = (text: string) => {
    const parsed = parsePolicy(text);
    return parsed.ok ? [] : parsed.problems;
  };
  assert.deepEqual(problemsOf('{\n  "schemaVersion": 1,\n  allowUnencrypted: false\n}\n'), ['it is not valid JSON: line 3, column 3: expected a property name in double quotes']);
  assert.deepEqual(problemsOf('{\r\n  "schemaVersion": 1,\r\n  "allowedHosts": ["a.example",]\r\n}'), ['it is not valid JSON: line 3, column 32: JSON allows no "," after the last item, before "]"']);
  assert.deepEqual(problemsOf('{\n  "schemaVersion": 1,\n  "allowUnencrypted": flase\n}'), ['it is not valid JSON: line 3, column 23: expected a value: a string in double quotes, a number, true, false, null, an object { } or a list [ ]']);
  assert.deepEqual(problemsOf('{ "schemaVersion": 1'), ['it is not valid JSON: it ends too early, at line 1, column 21: expected "," or "}"']);
  assert.deepEqual(problemsOf('{ "schemaVersion": 1 } }'), ['it is not valid JSON: line 1, column 24: more text after the end of the JSON']);
  assert.deepEqual(problemsOf(''), ['it is empty: it must hold a JSON object ({ "schemaVersion": 1, \u2026 })']);
  assert.deepEqual(problemsOf('\ufeff{ "schemaVersion": 1 }'), ['it starts with a byte order mark (BOM); save it as UTF-8 without one']);
  for (const problem of [...problemsOf('{ not json'), ...problemsOf('[1, 2'), ...problemsOf('"\\q"')]) assert.doesNotMatch(problem, /position/);
  assert.deepEqual(problemsOf('['.repeat(100_000)), ['it is not valid JSON']);
});

test('IT gives a managed RDP profile a start program and its folder, checked as a user\u2019s own (one line, 255 characters)', () => {
  const profile = { id: 'ledger', name: 'Ledger', protocol: 'rdp', host: 'apps.corp.example', startProgram: 'C:\\Program Files\\Ledger\\ledger.exe /ro', startFolder: 'D:\\Books' };
  const parsed = policySchema.parse({ schemaVersion: 1, profiles: [profile], profileDefaults: { startFolder: '%USERPROFILE%' } });
  assert.equal(parsed.profiles[0]!.startProgram, 'C:\\Program Files\\Ledger\\ledger.exe /ro');
  assert.equal(parsed.profiles[0]!.startFolder, 'D:\\Books');
  assert.equal(parsed.profileDefaults.startFolder, '%USERPROFILE%');
  const refused = policySchema.safeParse({ schemaVersion: 1, profiles: [{ ...profile, startProgram: 'ledger.exe\0' }] });
  assert.deepEqual(refused.error?.issues.map((i) => [i.path.join('.'), i.message]), [['profiles.0.startProgram', 'Write the start program on one line.']]);
});
