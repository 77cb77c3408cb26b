// The command line as a script or an administrator meets it: files it cannot
// read or write named in words, a damaged connections file not passed over in
// silence, and a name that fits several connections not guessed at.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/app';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function setUp() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'data');
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin', 'deskbridge.mjs'), '--data-dir', dataDir, ...args], {
      encoding: 'utf8',
      env: { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys') },
    });
  return { dir, dataDir, cli };
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
