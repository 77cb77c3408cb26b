// The command line as a script or an administrator meets it: files it cannot
// read or write named in words, a damaged connections file not passed over in
// silence, a name that fits several connections not guessed at, the library
// listed, and a folder of connection files imported in one run.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/app';
import { profilesFile, storedProfile } from '../support/storedProfiles';
import { startKeyring } from '../servers/keyring';

const haveKeyring = process.platform === 'linux' && spawnSync('gnome-keyring-daemon', ['--version']).status === 0 && spawnSync('secret-tool', ['--version']).status !== null;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function setUp() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'data');
  const run = (args: string[], input?: string) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin', 'deskbridge.mjs'), '--data-dir', dataDir, ...args], {
      encoding: 'utf8',
      cwd: dir,
      input,
      env: { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys') },
    });
  const cli = (...args: string[]) => run(args);
  return { dir, dataDir, cli, run };
}

test('a file the command cannot read or write is named in a sentence, not as ENOENT or EISDIR', async () => {
  const { dir, cli } = await setUp();
  const missing = cli('--import', path.join(dir, 'nowhere.rdp'));
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), `deskbridge: ${path.join(dir, 'nowhere.rdp')}: there is no such file.`);
  await mkdir(path.join(dir, 'folder.rdp'));
  const folder = cli('--import', path.join(dir, 'folder.rdp'));
  assert.equal(folder.status, 1);
  assert.equal(folder.stderr.trim(), `deskbridge: ${path.join(dir, 'folder.rdp')} is a folder: give the path of a file.`);

  const rdp = path.join(dir, 'Branch.rdp');
  await writeFile(rdp, 'full address:s:branch-7.corp.example:3391\r\n');
  const imported = cli('--import', rdp);
  assert.equal(imported.status, 0, imported.stderr);
  const id = /id ([\w-]+)\)/.exec(imported.stdout)?.[1] ?? '';
  const nowhere = path.join(dir, 'no-such-folder', 'out.rdp');
  const exported = cli('--export', id, nowhere);
  assert.equal(exported.status, 1);
  assert.equal(exported.stderr.trim(), `deskbridge: ${nowhere}: its folder does not exist.`);
});

test('a damaged connections file: --import says it was kept aside (privately) before it imports, as the app\'s banner does', async () => {
  const { dir, dataDir, cli } = await setUp();
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, 'profiles.json'), '{"schemaVersion": 1, "profiles": [ {"name": "half', { mode: 0o644 });
  const rdp = path.join(dir, 'Branch.rdp');
  await writeFile(rdp, 'full address:s:branch-7.corp.example:3391\r\n');
  const imported = cli('--import', rdp);
  assert.equal(imported.status, 0, imported.stderr);
  const aside = (await readdir(dataDir)).find((f) => f.startsWith('profiles.corrupt-'));
  assert.ok(aside);
  assert.match(imported.stderr, new RegExp(`^deskbridge: warning: Your connections file could not be read because it is not valid JSON.*It was kept as ${path.join(dataDir, aside).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  assert.equal((await stat(path.join(dataDir, aside))).mode & 0o777, 0o600);
});

test('an import an invalid policy refuses says the policy\u2019s problem once, as the refusal, not also as a warning; a valid policy\u2019s refusal is said as before', async () => {
  const { dir, cli } = await setUp();
  const rdp = path.join(dir, 'Branch.rdp');
  await writeFile(rdp, 'full address:s:branch-7.corp.example:3391\r\n');
  const invalid = path.join(dir, 'invalid.json');
  await writeFile(invalid, JSON.stringify({ schemaVersion: 1, allowedHost: ['*.corp.example'] }));
  const refused = cli('--policy', invalid, '--import', rdp);
  assert.equal(refused.status, 1);
  assert.equal(refused.stderr.match(/"allowedHost" is not a policy setting \(did you mean "allowedHosts"\?\)/g)?.length, 1, refused.stderr);
  assert.match(refused.stderr, /^deskbridge: Branch\.rdp: The policy file .*invalid\.json is invalid .*connections are blocked\. Tell your IT department\. Nothing was imported\.$/m);
  assert.doesNotMatch(refused.stderr, /warning/);
  const closed = path.join(dir, 'closed.json');
  await writeFile(closed, JSON.stringify({ schemaVersion: 1, allowUserProfiles: false }));
  const notAllowed = cli('--policy', closed, '--import', rdp);
  assert.equal(notAllowed.status, 1);
  assert.equal(notAllowed.stderr.trim(), "deskbridge: Branch.rdp: Your organisation's policy allows only the connections it provides. Nothing was imported.");
});

test('the same file imported again (a login script on every run) adds no copy; a name two connections share is not guessed at by --export, which lists their ids', async () => {
  const { dir, cli } = await setUp();
  const rdp = path.join(dir, 'Branch.rdp');
  await writeFile(rdp, 'full address:s:branch-7.corp.example:3391\r\n');
  const first = cli('--import', rdp);
  const again = cli('--import', rdp);
  const firstId = /id ([\w-]+)\)/.exec(first.stdout)?.[1] ?? '';
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout.trim(), `Already imported from this file: "Branch" (id ${firstId}). Nothing was added.`);
  // Another file of the same name (another branch's): a second connection named "Branch".
  await mkdir(path.join(dir, 'other'));
  const other = path.join(dir, 'other', 'Branch.rdp');
  await writeFile(other, 'full address:s:branch-8.corp.example:3391\r\n');
  const ids = [first, cli('--import', other)].map((r) => /id ([\w-]+)\)/.exec(r.stdout)?.[1] ?? '');
  const out = path.join(dir, 'out.rdp');
  const ambiguous = cli('--export', 'branch', out);
  assert.equal(ambiguous.status, 1);
  assert.equal(ambiguous.stderr.trim(), `deskbridge: 2 saved connections are named "branch", so nothing was written: name one by its id (${ids.join(', ')}).`);
  const byId = cli('--export', ids[1]!, out);
  assert.equal(byId.status, 0, byId.stderr);
});

test('a broker\u2019s next .vv for the same console (a new one-time password) is the connection already saved: --import says so and adds no copy', async () => {
  const { dir, cli } = await setUp();
  const ticket = (password: string, host = 'vm-7.corp.example') => `[virt-viewer]\ntype=spice\nhost=${host}\ntls-port=5901\npassword=${password}\ntitle=Finance VM\ndelete-this-file=1\n`;
  const vv = path.join(dir, 'console.vv');
  await writeFile(vv, ticket('first-ticket'));
  const first = cli('--import', vv);
  assert.equal(first.status, 0, first.stderr);
  const id = /id ([\w-]+)\)/.exec(first.stdout)?.[1] ?? '';
  await writeFile(vv, ticket('second-ticket'));
  const again = cli('--import', vv);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(
    again.stdout,
    `Already in the library: "Finance VM" (id ${id}) is the connection this file makes. Nothing was added.\nNote: The file asked to be deleted once read (a broker\u2019s one-time ticket) and was.\n`,
  );
  assert.equal(existsSync(vv), false);
  // Several files: the same connection is counted as already in the library; another host's ticket is imported.
  const other = path.join(dir, 'other.vv');
  await writeFile(vv, ticket('third-ticket'));
  await writeFile(other, ticket('other-ticket', 'vm-8.corp.example'));
  const both = cli('--import', vv, other);
  assert.equal(both.status, 0, both.stderr);
  assert.match(both.stdout, new RegExp(`^console\\.vv: already in the library as "Finance VM" \\(id ${id}\\); nothing was added\\.$`, 'm'));
  assert.match(both.stdout, /^console\.vv: note: The file asked to be deleted once read/m);
  assert.match(both.stdout, /^other\.vv: imported as "Finance VM" \(id [\w-]+\)\.$/m);
  assert.match(both.stdout, /^2 files: 1 imported, 1 already in the library, 0 refused\.$/m);
  const listed = JSON.parse(cli('--list', '--json').stdout) as Listed[];
  assert.deepEqual(listed.map((c) => c.host).sort(), ['vm-7.corp.example', 'vm-8.corp.example']);
});

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'connectionFiles');

/** Copies connection-file fixtures into `dir` (a .vv's delete-this-file would otherwise delete the fixture). */
async function fixtures(dir: string, ...names: string[]): Promise<string[]> {
  const copies = names.map((name) => path.join(dir, path.basename(name)));
  for (const [i, name] of names.entries()) await copyFile(path.join(FIXTURES, name), copies[i]!);
  return copies;
}

type Listed = { name: string; protocol: string; host: string; port: number; folder: string; managed: boolean; passwordSaved: boolean | null; id: string };

test('--list prints the library in the app\u2019s order, IT\u2019s connections marked; --list --json the same as objects; an empty library says so and exits 0', async () => {
  const { dir, cli } = await setUp();
  const empty = cli('--list');
  assert.equal(empty.status, 0, empty.stderr);
  assert.equal(empty.stdout, '');
  assert.match(empty.stderr, /^deskbridge: the library has no connections \(data folder .*\)\.$/m);
  const emptyJson = cli('--list', '--json');
  assert.equal(emptyJson.status, 0, emptyJson.stderr);
  assert.deepEqual(JSON.parse(emptyJson.stdout), []);

  const files = await fixtures(dir, 'lab-vnc.remmina', 'mstsc-desktop.rdp', 'ovirt-spice.vv');
  const imported = cli('--import', ...files);
  assert.equal(imported.status, 0, imported.stderr);
  const policy = path.join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, profiles: [{ id: 'desk', name: 'Front desk', protocol: 'rdp', host: 'front.corp.example', port: 3390 }] }));

  const json = cli('--policy', policy, '--list', '--json');
  assert.equal(json.status, 0, json.stderr);
  const listed = JSON.parse(json.stdout) as Listed[];
  // The unfiled first (by name), then the folder "Lab": as the app's list shows them.
  assert.deepEqual(
    listed.map(({ id: _id, ...fields }) => fields),
    [
      { name: 'Finance VM', protocol: 'spice', host: '192.0.2.10', port: 5901, folder: '', managed: false, passwordSaved: false },
      { name: 'Front desk', protocol: 'rdp', host: 'front.corp.example', port: 3390, folder: '', managed: true, passwordSaved: false },
      { name: 'mstsc-desktop', protocol: 'rdp', host: 'desk-042.corp.example', port: 3390, folder: '', managed: false, passwordSaved: false },
      { name: 'Lab bench 7', protocol: 'vnc', host: 'fd00::7', port: 5901, folder: 'Lab', managed: false, passwordSaved: false },
    ],
  );
  assert.equal(listed[1]!.id, 'managed-desk');

  const text = cli('--policy', policy, '--list');
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME +PROTOCOL +ADDRESS +FOLDER +MANAGED +PASSWORD SAVED +ID$/);
  assert.deepEqual(
    lines.slice(1).map((line) => line.split(/ {2,}/)),
    listed.map((c) => [c.name, c.protocol.toUpperCase(), c.host.includes(':') ? `[${c.host}]:${c.port}` : `${c.host}:${c.port}`, c.folder || '-', c.managed ? 'yes' : 'no', 'no', c.id]),
  );
});

test('--list --sort recent or host orders each folder as the app\u2019s Sort by does, after its favourites; without --sort by name, whatever the app keeps', async () => {
  const { dataDir, cli } = await setUp();
  await mkdir(dataDir, { recursive: true });
  // By name, by last opened and by host, each a different order; Desk is a favourite, first whatever the sort.
  const seeds = [
    { name: 'Archive', host: '10.0.0.10', port: 5900, lastConnectedAt: '2026-11-01T09:00:00.000Z' },
    { name: 'Build', host: '10.0.0.9', port: 5901 },
    { name: 'Console', host: '10.0.0.9', port: 5900, lastConnectedAt: '2026-12-01T09:00:00.000Z' },
    { name: 'Desk', host: 'zz.example', port: 5900, favourite: true },
    { name: 'Lab A', host: 'lab-10.example', port: 5900, folder: 'Lab' },
    { name: 'Lab B', host: 'lab-9.example', port: 5900, folder: 'Lab', lastConnectedAt: '2026-09-01T09:00:00.000Z' },
  ];
  await writeFile(path.join(dataDir, 'profiles.json'), profilesFile(seeds.map((seed, i) => storedProfile({ id: `sorted-${i}`, protocol: 'vnc', ...seed }))));
  // The app's "Sort by" was left at Recently used: a script's --list does not follow it.
  await writeFile(path.join(dataDir, 'library-preferences.json'), JSON.stringify({ schemaVersion: 1, sort: 'recent' }));
  const names = (...args: string[]) => {
    const run = cli('--list', '--json', ...args);
    assert.equal(run.status, 0, run.stderr);
    return (JSON.parse(run.stdout) as Listed[]).map((c) => c.name);
  };
  const byName = ['Desk', 'Archive', 'Build', 'Console', 'Lab A', 'Lab B'];
  assert.deepEqual(names(), byName, 'no --sort: by name');
  assert.deepEqual(names('--sort', 'name'), byName);
  assert.deepEqual(names('--sort', 'recent'), ['Desk', 'Console', 'Archive', 'Build', 'Lab B', 'Lab A'], 'the latest first, the never opened last');
  assert.deepEqual(names('--sort', 'host'), ['Desk', 'Console', 'Build', 'Archive', 'Lab B', 'Lab A'], '10.0.0.9 (port 5900, then 5901) before 10.0.0.10; lab-9 before lab-10');
  // The table in the same order.
  const text = cli('--list', '--sort', 'host');
  assert.equal(text.status, 0, text.stderr);
  assert.deepEqual(
    text.stdout.trimEnd().split('\n').slice(1).map((line) => line.split(/ {2,}/).slice(0, 3)),
    [
      ['Desk', 'VNC', 'zz.example:5900'],
      ['Console', 'VNC', '10.0.0.9:5900'],
      ['Build', 'VNC', '10.0.0.9:5901'],
      ['Archive', 'VNC', '10.0.0.10:5900'],
      ['Lab B', 'VNC', 'lab-9.example:5900'],
      ['Lab A', 'VNC', 'lab-10.example:5900'],
    ],
  );
  const unknown = cli('--list', '--sort', 'size');
  assert.equal(unknown.status, 2);
  assert.equal(unknown.stderr.split('\n')[0], 'deskbridge: --sort must be name, recent or host, not "size".');
  assert.equal(unknown.stdout, '');
});

test('a password saved through standard input shows in --list as "yes", never itself', async () => {
  const { dir, cli, run } = await setUp();
  const [rdp] = await fixtures(dir, 'mstsc-desktop.rdp');
  assert.equal(cli('--import', rdp!).status, 0);
  const saved = run(['--save-password', 'MSTSC-desktop'], 'Correct-Horse-77\n');
  assert.equal(saved.status, 0, saved.stderr);
  const text = cli('--list');
  const json = cli('--list', '--json');
  assert.equal(text.status, 0, text.stderr);
  assert.equal(json.status, 0, json.stderr);
  assert.match(text.stdout, /^mstsc-desktop +RDP +desk-042\.corp\.example:3390 +- +no +yes +\S+$/m);
  assert.equal((JSON.parse(json.stdout) as Listed[])[0]!.passwordSaved, true);
  for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) assert.doesNotMatch(output, /Correct-Horse/);
});

test('a password file that cannot be read: --list says "?" (null in JSON), not "no", and why once on standard error', async () => {
  const { dir, dataDir, cli, run } = await setUp();
  const files = await fixtures(dir, 'mstsc-desktop.rdp', 'lab-vnc.remmina');
  assert.equal(cli('--import', ...files).status, 0);
  assert.equal(run(['--save-password', 'mstsc-desktop'], 'Correct-Horse-77\n').status, 0);
  // The encrypted file replaced by a folder (a restore gone wrong): every read of it fails.
  await rm(path.join(dataDir, 'secrets.enc.json'));
  await mkdir(path.join(dataDir, 'secrets.enc.json'));
  const text = cli('--list');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^mstsc-desktop +RDP +desk-042\.corp\.example:3390 +- +no +\? +\S+$/m);
  assert.match(text.stdout, /^Lab bench 7 +VNC +\[fd00::7\]:5901 +Lab +no +\? +\S+$/m);
  assert.doesNotMatch(text.stdout, / no +[\w-]+$/m, 'no connection is said to have no password');
  assert.deepEqual(text.stderr.match(/^deskbridge: warning: .*$/gm), [
    'deskbridge: warning: the encrypted password file could not be read (EISDIR: illegal operation on a directory, read), so whether a password is saved is unknown for 2 connections.',
  ]);
  const json = cli('--list', '--json');
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual((JSON.parse(json.stdout) as Listed[]).map((c) => c.passwordSaved), [null, null]);
});

test('a damaged key file for the encrypted passwords: --list still lists, "?" for each, and says why; --save-password still refuses', async () => {
  const { dir, cli, run } = await setUp();
  const [rdp] = await fixtures(dir, 'mstsc-desktop.rdp');
  assert.equal(cli('--import', rdp!).status, 0);
  assert.equal(run(['--save-password', 'mstsc-desktop'], 'Correct-Horse-77\n').status, 0);
  const keyFile = path.join(dir, 'keys', 'secrets.key');
  await writeFile(keyFile, 'c2hvcnQ=\n');
  const text = cli('--list');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^mstsc-desktop +RDP +desk-042\.corp\.example:3390 +- +no +\? +\S+$/m);
  assert.equal(
    text.stderr,
    `deskbridge: warning: the encrypted password file could not be read (The key file ${keyFile} is damaged; saved passwords cannot be read), so whether a password is saved is unknown for 1 connection.\n`,
  );
  assert.equal((JSON.parse(cli('--list', '--json').stdout) as Listed[])[0]!.passwordSaved, null);
  const save = run(['--save-password', 'mstsc-desktop'], 'Other-Horse-78\n');
  assert.equal(save.status, 1);
  assert.match(save.stderr, /^deskbridge: Saved passwords cannot be read, and none can be saved: the key file is damaged \(.*secrets\.key\)\..* No password was saved\.$/m);
});

test('a damaged key file for the encrypted passwords: --import still imports (files carry no password it keeps), says passwords cannot be saved, and leaves the key file as it was', async () => {
  const { dir, cli } = await setUp();
  const [rdp, vv] = await fixtures(dir, 'mstsc-desktop.rdp', 'ovirt-vnc.vv');
  const keyFile = path.join(dir, 'keys', 'secrets.key');
  await mkdir(path.dirname(keyFile));
  await writeFile(keyFile, 'c2hvcnQ=\n');
  const imported = cli('--import', rdp!);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /^Imported "mstsc-desktop" \(id \S+\)\.$/m);
  assert.equal(
    imported.stderr,
    `deskbridge: warning: Saved passwords cannot be read, and none can be saved: the key file is damaged (${keyFile}). Connections will ask for their password when you connect. To get the saved passwords back, restore that file from a backup; DeskBridge leaves it as it is.\n`,
  );
  // A .vv brings a one-time password, never kept: imported alike.
  const second = cli('--import', vv!);
  assert.equal(second.status, 0, second.stderr);
  const listed = JSON.parse(cli('--list', '--json').stdout) as Listed[];
  assert.deepEqual(listed.map((c) => [c.name, c.passwordSaved]).sort(), [['mstsc-desktop', null], [listed.find((c) => c.protocol === 'vnc')!.name, null]].sort());
  assert.equal(await readFile(keyFile, 'utf8'), 'c2hvcnQ=\n', 'the key file is not replaced by a new key');
});

test('--list with a keychain where one connection\u2019s entry cannot be read (two items answer for it): only that one is "?", the others still read', { skip: !haveKeyring && 'needs gnome-keyring and secret-tool' }, async (t) => {
  const keyring = await startKeyring();
  t.after(() => keyring.stop());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...keyring.env, DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys') };
  delete env.DESKBRIDGE_SECRETS;
  const run = (args: string[], input?: string) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'deskbridge.mjs'), '--data-dir', path.join(dir, 'data'), ...args], { encoding: 'utf8', cwd: dir, input, env });
  const files = await fixtures(dir, 'mstsc-desktop.rdp', 'lab-vnc.remmina');
  assert.equal(run(['--import', ...files]).status, 0);
  assert.equal(run(['--save-password', 'mstsc-desktop'], 'Correct-Horse-77\n').status, 0);
  assert.equal(run(['--save-password', 'Lab bench 7'], 'Other-Horse-78\n').status, 0);
  // Another program saves a second item under the first connection's names: the keychain cannot say which is meant.
  const id = (JSON.parse(run(['--list', '--json']).stdout) as Listed[]).find((c) => c.name === 'mstsc-desktop')!.id;
  assert.equal(spawnSync('secret-tool', ['store', '--label', 'other', 'service', 'DeskBridge', 'username', `profile:${id}`, 'by', 'another program'], { env, input: 'x' }).status, 0);
  const text = run(['--list']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^mstsc-desktop +RDP +desk-042\.corp\.example:3390 +- +no +\? +\S+$/m);
  assert.match(text.stdout, /^Lab bench 7 +VNC +\[fd00::7\]:5901 +Lab +no +yes +\S+$/m, 'the connection after it is still read');
  assert.equal(
    text.stderr,
    'deskbridge: warning: the saved password of 1 connection could not be read from the keychain (the keychain holds 2 items for this one connection, so which is its password is unclear), so whether one is saved is unknown for it.\n',
  );
});

test('--export takes a connection\u2019s name (any case), as --connect does: exported by name and imported again, it is the same connection', async () => {
  const { dir, dataDir, cli } = await setUp();
  const [rdp] = await fixtures(dir, 'mstsc-desktop.rdp');
  assert.equal(cli('--import', rdp!).status, 0);
  const unknown = cli('--export', 'Nobody', path.join(dir, 'nobody.rdp'));
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stderr.trim(), 'deskbridge: There is no saved connection named "Nobody", so nothing was written.');
  assert.equal(existsSync(path.join(dir, 'nobody.rdp')), false);

  await mkdir(path.join(dir, 'out'));
  const out = path.join(dir, 'out', 'mstsc-desktop.rdp');
  const exported = cli('--export', 'MSTSC-Desktop', out);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^Wrote "mstsc-desktop" to .*out\/mstsc-desktop\.rdp \(no password\)\.$/m);
  // The same library knows it as the connection it came from; another library imports it as the same connection.
  const again = cli('--import', out);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^Already imported from this file: "mstsc-desktop" \(id [\w-]+\)\. Nothing was added\.$/m);
  const other = await setUp();
  const elsewhere = other.cli('--import', out);
  assert.equal(elsewhere.status, 0, elsewhere.stderr);
  assert.match(elsewhere.stdout, /^Imported "mstsc-desktop" \(id [\w-]+\)\.$/m);
  const profilesOf = async (folder: string) => (JSON.parse(await readFile(path.join(folder, 'profiles.json'), 'utf8')) as { profiles: Record<string, unknown>[] }).profiles;
  const [original, copies] = [await profilesOf(dataDir), await profilesOf(other.dataDir)];
  assert.equal(original.length, 1);
  assert.equal(copies.length, 1);
  const fields = ({ id: _id, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...rest }: Record<string, unknown>) => rest;
  assert.deepEqual(fields(copies[0]!), fields(original[0]!));
  assert.equal(copies[0]!.host, 'desk-042.corp.example');
});

test('--import of several files: each in turn, one line per file; a malformed one is refused with its reason and stops none of the others (exit 1)', async () => {
  const { dir, cli } = await setUp();
  const files = await fixtures(dir, 'mstsc-desktop.rdp', 'malformed/garbage.rdp', 'ovirt-spice.vv');
  const run = cli('--import', ...files);
  assert.equal(run.status, 1, run.stderr);
  assert.deepEqual(run.stdout.split('\n').filter((line) => !/: note: /.test(line)), [
    `mstsc-desktop.rdp: imported as "mstsc-desktop" (id ${/id ([\w-]+)\)/.exec(run.stdout)?.[1]}).`,
    `ovirt-spice.vv: imported as "Finance VM" (id ${/"Finance VM" \(id ([\w-]+)\)/.exec(run.stdout)?.[1]}).`,
    '3 files: 2 imported, 0 already in the library, 1 refused.',
    '',
  ]);
  assert.match(run.stdout, /^ovirt-spice\.vv: note: The file\u2019s one-time password was not saved\.$/m);
  assert.equal(run.stderr, 'deskbridge: garbage.rdp: refused: Line 1: this line is not valid UTF-8 text, so the file is damaged or not a connection file.\n');
  // Per file, as one file's import: the .vv's delete-this-file honoured, its one-time password not kept.
  assert.equal(existsSync(files[2]!), false, 'delete-this-file was honoured');
  const listed = JSON.parse(cli('--list', '--json').stdout) as Listed[];
  assert.deepEqual(listed.map((c) => [c.name, c.passwordSaved]), [['Finance VM', false], ['mstsc-desktop', false]]);
  // Run again (a login script): one imported is said to be there already; the exit status still says one was refused.
  const again = cli('--import', files[0]!, files[1]!);
  assert.equal(again.status, 1);
  assert.match(again.stdout, /^mstsc-desktop\.rdp: already in the library as "mstsc-desktop" \(id [\w-]+\); nothing was added\.$/m);
  assert.match(again.stdout, /^2 files: 0 imported, 1 already in the library, 1 refused\.$/m);
  const missing = cli('--import', files[0]!, path.join(dir, 'nowhere.rdp'));
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'deskbridge: nowhere.rdp: there is no such file.\n');
});
