// The shipped command's policy-facing output, as IT meets it in a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(repo, 'bin', 'deskbridge.mjs');

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-cli-policy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function run(dir: string, args: string[]) {
  const env = { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'key') };
  return spawnSync(process.execPath, [cli, '--data-dir', path.join(dir, 'data'), ...args], { encoding: 'utf8', env, timeout: 30_000 });
}

test('--import under an invalid policy says the policy is invalid, not that it allows only IT\u2019s connections', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, allowedHost: ['*.corp.example'] }));
  const rdp = path.join(dir, 'desk.rdp');
  await writeFile(rdp, 'full address:s:desk.corp.example\r\n');
  const result = run(dir, ['--policy', policy, '--import', rdp]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /The policy file .*policy\.json is invalid \(.*allowedHost.*\)/);
  assert.doesNotMatch(result.stderr, /allows only the connections it provides/);
});

test('--check-policy: a valid file prints "valid" and what it sets, exit 0', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  const profiles = [{ id: 'lab', name: 'Lab', protocol: 'rdp', host: 'lab.corp.example' }];
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, profiles, allowedHosts: ['*.corp.example'], kiosk: { enabled: true, profile: 'lab' }, passwords: { save: 'never' } }));
  const result = run(dir, ['--check-policy', policy]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout,
    'valid: 1 managed profile (lab); kiosk on \u201clab\u201d (then reconnect); allowed hosts: *.corp.example; user connections allowed; unencrypted allowed; saved passwords: never; clipboard: both; file transfer allowed\n',
  );
});

test('--check-policy: the summary names IT\u2019s connection defaults, certificate pins and CAs', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  const pin = Array.from({ length: 32 }, () => 'AB').join(':');
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const profileDefaults = { shareClipboard: false, rdpSecurity: 'nla', untrustedCertificate: 'refuse', folder: 'Corp' };
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, profileDefaults, certificatePins: { 'desk.corp.example': [pin], 'lab.corp.example': [pin, pin.replace('AB', 'CD')] }, trustedCaCertificates: [ca] }));
  const result = run(dir, ['--check-policy', policy]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout,
    'valid: no managed profiles; no kiosk; any host; user connections allowed; unencrypted allowed; saved passwords: allowed; clipboard: both; file transfer allowed; ' +
      'connection defaults: shareClipboard false, rdpSecurity "nla", untrustedCertificate "refuse", folder "Corp"; 3 certificate pins for 2 hosts (desk.corp.example, lab.corp.example); 1 trusted CA certificate\n',
  );
});

test('--import: what the file does not set takes the policy\u2019s profileDefaults; what it sets stays', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, profileDefaults: { shareClipboard: false, rdpSecurity: 'nla', untrustedCertificate: 'refuse', folder: 'Corp' } }));
  const bare = path.join(dir, 'desk5.rdp');
  await writeFile(bare, 'full address:s:desk5.corp.example\r\n');
  const own = path.join(dir, 'desk6.rdp');
  await writeFile(own, 'full address:s:desk6.corp.example\r\nredirectclipboard:i:1\r\nenablecredsspsupport:i:0\r\n');
  for (const file of [bare, own]) {
    const result = run(dir, ['--policy', policy, '--import', file]);
    assert.equal(result.status, 0, result.stderr);
  }
  const saved = JSON.parse(await readFile(path.join(dir, 'data', 'profiles.json'), 'utf8')).profiles as { host: string; shareClipboard: boolean; rdpSecurity: string; untrustedCertificate: string; folder: string }[];
  const pick = (host: string) => {
    const p = saved.find((profile) => profile.host === host);
    return p && [p.shareClipboard, p.rdpSecurity, p.untrustedCertificate, p.folder];
  };
  assert.deepEqual(pick('desk5.corp.example'), [false, 'nla', 'refuse', 'Corp']);
  assert.deepEqual(pick('desk6.corp.example'), [true, 'tls', 'refuse', 'Corp']);
});

test('--check-policy: an invalid file prints every problem, a profile named by its id, exit 1', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  const profiles = [{ id: 'lab', name: 'Lab', protocol: 'vnc', host: 'lab.corp.example', port: 0 }];
  await writeFile(policy, JSON.stringify({ schemaVersion: 2, profiles, allowedHost: ['*.corp.example'] }));
  const result = run(dir, ['--check-policy', policy]);
  assert.equal(result.status, 1);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^invalid: .*policy\.json has 3 problems/);
  assert.deepEqual(lines.slice(1).map((l) => l.trim()).sort(), [
    '"allowedHost" is not a policy setting (did you mean "allowedHosts"?)',
    'profile \u201clab\u201d (profiles.0): port: Enter a port number from 1 to 65535.',
    'schemaVersion: This version of DeskBridge reads policy files with "schemaVersion": 1.',
  ]);
  const missing = run(dir, ['--check-policy', path.join(dir, 'nothing.json')]);
  assert.equal(missing.status, 1);
  // No "would block connections": at the machine-wide path no file means no policy.
  assert.equal(missing.stdout, `invalid: there is no such file as ${path.join(dir, 'nothing.json')}. (Where no machine-wide policy file exists the app applies no policy; a --policy file that does not exist blocks connections.)\n`);
  const folder = run(dir, ['--check-policy', dir]);
  assert.equal(folder.status, 1);
  assert.match(folder.stdout, /^  it is a folder, not a file$/m);
});

test('--check-policy: a valid policy that contradicts itself is valid, with a warning per contradiction', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  const profiles = [
    { id: 'lab', name: 'Lab', protocol: 'rdp', host: 'lab.other.example' },
    { id: 'vnc', name: 'VNC', protocol: 'vnc', host: 'vnc.corp.example' },
    { id: 'vm', name: 'VM', protocol: 'spice', host: 'vm.corp.example' },
    { id: 'pve', name: 'PVE', protocol: 'spice', host: 'pvespiceproxy:1:101:pve::ab', spiceProxy: 'http://pve.corp.example:3128', spiceSecurity: 'tls' },
  ];
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, profiles, allowedHosts: ['*.corp.example'], allowUnencrypted: false }));
  const result = run(dir, ['--check-policy', policy]);
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^valid: 4 managed profiles \(lab, vnc, vm, pve\);/);
  assert.deepEqual(lines.slice(1), [
    'warning: profile \u201clab\u201d (profiles.0): lab.other.example is outside the policy\'s own allowedHosts, so connecting to it is refused.',
    'warning: profile \u201cvnc\u201d (profiles.1): it is VNC and allowUnencrypted is false, so it connects only to a server that offers TLS (VeNCrypt); a plain VNC server is refused.',
    'warning: profile \u201cvm\u201d (profiles.2): it is plain SPICE and allowUnencrypted is false, so connecting to it is refused; set "spiceSecurity": "tls" and the TLS port.',
  ]);
});

test('--check-policy: one run lists the schema\u2019s problems, a duplicate id and a kiosk naming no profile, each in words', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  const lab = { id: 'lab', name: 'Lab', protocol: 'rdp', host: 'lab.corp.example' };
  const profiles = [{ ...lab, port: 70000 }, { ...lab, name: 'Lab 2' }];
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, profiles, allowedHosts: ['bad host!'], allowUnencrypted: 'no', colour: 'blue', kiosk: { enabled: true, profile: 'nope' } }, null, 2));
  const result = run(dir, ['--check-policy', policy]);
  assert.equal(result.status, 1);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^invalid: .*policy\.json has 6 problems/);
  assert.deepEqual(lines.slice(1).map((l) => l.trim()), [
    'profile \u201clab\u201d (profiles.0): port: Enter a port number from 1 to 65535.',
    'allowedHosts.0: Use a host name, "*.domain", an IPv4 range like 10.0.0.0/8, or an IPv6 address.',
    '"allowUnencrypted" must be true or false, not the string "no"',
    '"colour" is not a policy setting',
    'profile \u201clab\u201d (profiles.1): id: profiles.0 has this id too; give each managed profile an id of its own.',
    'kiosk.profile: No managed profile in this policy has the id or name \u201cnope\u201d; name one of its profiles.',
  ]);
  await writeFile(policy, '{\n  "schemaVersion": 1,\n  "allowUnencrypted": false,\n}\n');
  const syntax = run(dir, ['--check-policy', policy]);
  assert.equal(syntax.status, 1);
  assert.equal(syntax.stdout.trimEnd().split('\n')[1], '  it is not valid JSON: line 4, column 1: JSON allows no "," after the last item, before "}"');
});

test('--import of a .vv that asks to be deleted once read: deleted whether imported or refused by policy, and the output says so', async (t) => {
  const dir = await tempDir(t);
  const ticket = '[virt-viewer]\ntype=spice\nhost=vm-7.corp.example\nport=5900\npassword=ticket-secret\ntitle=Ticket VM\ndelete-this-file=1\n';
  const exists = (file: string) => readFile(file).then(() => true, () => false);
  // Refused: policy allows only IT's connections.
  const policy = path.join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, allowUserProfiles: false }));
  const refused = path.join(dir, 'refused.vv');
  await writeFile(refused, ticket);
  const alone = run(dir, ['--policy', policy, '--import', refused]);
  assert.equal(alone.status, 1);
  assert.match(alone.stderr, /refused\.vv: Your organisation's policy allows only the connections it provides\. Nothing was imported\. The file asked to be deleted once read \(a broker’s one-time ticket\) and was\./);
  assert.equal(await exists(refused), false);
  // One of several, refused.
  const second = path.join(dir, 'second.vv');
  await writeFile(second, ticket);
  const rdp = path.join(dir, 'desk.rdp');
  await writeFile(rdp, 'full address:s:desk.corp.example\r\n');
  const several = run(dir, ['--policy', policy, '--import', second, rdp]);
  assert.equal(several.status, 1);
  assert.match(several.stderr, /second\.vv: refused: .* The file asked to be deleted once read \(a broker’s one-time ticket\) and was\./);
  assert.equal(await exists(second), false);
  assert.equal(await exists(rdp), true, 'a file that did not ask stays');
  // Imported (no policy): a note says it is gone.
  const imported = path.join(dir, 'imported.vv');
  await writeFile(imported, ticket);
  const ok = run(dir, ['--import', imported]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^Note: The file asked to be deleted once read \(a broker’s one-time ticket\) and was\.$/m);
  assert.doesNotMatch(ok.stdout + ok.stderr, /ticket-secret/);
  assert.equal(await exists(imported), false);
});

test('--import with --export: a refused file still lets the export run, and the exit status says the refusal', async (t) => {
  const dir = await tempDir(t);
  const good = path.join(dir, 'desk.rdp');
  await writeFile(good, 'full address:s:desk.corp.example\r\n');
  assert.equal(run(dir, ['--import', good]).status, 0);
  const bad = path.join(dir, 'empty.rdp');
  await writeFile(bad, '');
  const out = path.join(dir, 'out.rdp');
  const both = run(dir, ['--import', bad, '--export', 'desk', out]);
  assert.equal(both.status, 1, 'the refusal is in the exit status');
  assert.match(both.stderr, /empty\.rdp: .* Nothing was imported\./);
  assert.match(both.stdout, /Wrote "desk" to /);
  assert.match((await readFile(out)).toString('utf16le'), /full address:s:desk\.corp\.example/, 'written as mstsc writes .rdp files: UTF-16');
});
