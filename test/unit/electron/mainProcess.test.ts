// dist/main.mjs under plain Node with a stand-in 'electron' module: proves the
// main process wiring (single instance, gateway in-process, hardened window,
// navigation, permissions, clean quit) where no Electron binary is installed.
// Needs `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const register = path.join(here, 'standInElectron', 'register.mjs');

function runMain(args: string[], env: NodeJS.ProcessEnv, more: { input?: string; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, ['--import', register, path.join(repo, 'dist', 'main.mjs'), '--', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000, ...more });
  // Each event's values in order; get() gives the last one.
  const all = new Map<string, unknown[]>();
  for (const line of result.stdout.split('\n')) {
    if (line.startsWith('{')) {
      const { event, value } = JSON.parse(line) as { event: string; value: unknown };
      all.set(event, [...(all.get(event) ?? []), value]);
    }
  }
  const events = { get: (name: string) => all.get(name)?.at(-1), all: (name: string) => all.get(name) ?? [], has: (name: string) => all.has(name) };
  // What the process itself printed, the stand-in's event lines left out.
  const printed = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('{"event":'))
    .join('\n');
  return { ...result, events, printed };
}

/** The `deskbridge` command (the built bin/deskbridge.mjs), to compare the Electron binary's actions with. */
function runCli(args: string[], env: NodeJS.ProcessEnv, more: { input?: string; cwd?: string } = {}) {
  return spawnSync(process.execPath, [path.join(repo, 'bin', 'deskbridge.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000, ...more });
}

test('the main process starts the gateway, opens one hardened window on it and guards it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const run = runMain(['--port', '0', '--data-dir', path.join(dir, 'data')], { DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' });
  assert.equal(run.status, 0, run.stderr);
  const e = run.events;
  assert.equal(e.get('single-instance-lock'), true);
  const options = e.get('window-options') as { webPreferences: Record<string, unknown> };
  assert.equal(options.webPreferences.sandbox, true);
  assert.equal(options.webPreferences.contextIsolation, true);
  assert.equal(options.webPreferences.preload, path.join(repo, 'dist', 'preload.cjs'));
  assert.match(String(e.get('load-url')), /^http:\/\/127\.0\.0\.1:\d+\/start\?code=/);
  assert.equal(e.get('start-status'), 200, 'the window trades the start code for the cookie (and the page with its window key)');
  assert.equal(e.get('navigate-elsewhere-prevented'), true);
  assert.equal(e.get('navigate-same-origin-prevented'), false);
  assert.equal(e.get('redirect-elsewhere-prevented'), true);
  assert.equal(e.get('webview-prevented'), true);
  assert.equal(e.get('window-open'), 'deny');
  assert.equal(e.has('open-external'), false, 'nothing a page asks for is handed to the system browser');
  assert.equal(e.get('frame-navigate-elsewhere-prevented'), true);
  assert.equal(e.get('permission-clipboard-read-gateway'), true);
  assert.equal(e.get('permission-clipboard-read-elsewhere'), false);
  assert.equal(e.get('permission-geolocation-gateway'), false);
  assert.equal(e.get('permission-check-keyboardLock'), true, 'a check (its origin given as a URL with its slash) from the gateway passes');
  assert.deepEqual(e.get('menu'), ['DeskBridge', 'Edit'], 'no Develop menu in a user\'s run (unpackaged, as npm installs it)');
  assert.equal((options.webPreferences as { devTools?: boolean }).devTools, false, 'no developer tools either');
  assert.deepEqual(e.all('will-quit-waited'), [true, false], 'quitting waits for the gateway to close, then goes through');
  assert.equal(e.has('error-box'), false);
});

test('a developer\'s run (DESKBRIDGE_DEV=1) has the Develop menu and the developer tools', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const run = runMain(['--port', '0', '--data-dir', path.join(dir, 'data')], { DESKBRIDGE_DEV: '1', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.events.get('menu'), ['DeskBridge', 'Edit', 'Develop']);
  assert.equal((run.events.get('window-options') as { webPreferences: { devTools: boolean } }).webPreferences.devTools, true);
});

test('a bad option in the Electron shell prints usage and exits 2', () => {
  const run = runMain(['--bogus'], {});
  assert.equal(run.status, 2);
  assert.match(run.stderr, /Unknown option '--bogus'/);
  assert.match(run.stderr, /Usage: deskbridge/);
});

test('an Electron kiosk refuses to close, loads its crashed page again, and closes when the app quits', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const run = runMain(['--port', '0', '--kiosk', '--data-dir', path.join(dir, 'data')], { DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' });
  assert.equal(run.status, 0, run.stderr);
  const e = run.events;
  assert.equal((e.get('window-options') as { kiosk: boolean }).kiosk, true);
  assert.equal(e.get('kiosk-close-prevented'), true, 'the window manager\'s close (Alt+F4) is refused');
  assert.equal(e.all('load-url').length, 2, 'the crashed page was loaded again');
  assert.deepEqual(e.all('start-status'), [200, 200], 'each time on a new start code');
  assert.notEqual(e.all('load-url')[0], e.all('load-url')[1]);
  assert.match(run.stderr, /kiosk: the page ended \(crashed\)/);
  assert.equal(e.get('close-while-quitting-prevented'), false, 'quitting closes it');
});

const ONE_SHOT_VV = '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\npassword=ticket-secret\ndelete-this-file=1\n';

test('the Electron shell opens FILE and deletes a one-shot .vv once read, as the browser shell does', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'console.vv');
  await writeFile(file, ONE_SHOT_VV);
  const run = runMain(['--port', '0', '--data-dir', path.join(dir, 'data'), file], { DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(existsSync(file), false, 'the ticket (it holds a password) is gone');
});

test('`deskbridge FILE` while the Electron app runs: the second instance reads (and deletes) the file and hands it over; the first opens it in a new window', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = { DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' };
  const file = path.join(dir, 'console.vv');
  await writeFile(file, ONE_SHOT_VV);
  const second = runMain(['--port', '0', '--data-dir', path.join(dir, 'data'), file], { ...env, STANDIN_SECOND_INSTANCE: '1' });
  assert.equal(second.status, 0, second.stderr);
  const handed = second.events.get('hand-over') as { file: { fileName: string; base64: string } };
  assert.equal(handed.file.fileName, 'console.vv');
  assert.equal(Buffer.from(handed.file.base64, 'base64').toString(), ONE_SHOT_VV);
  assert.equal(existsSync(file), false, 'deleted by the instance that read it');
  assert.equal(second.events.has('window-options'), false, 'the second instance opens no window');

  const kept = path.join(dir, 'lab.vv');
  await writeFile(kept, '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5931\n');
  const first = runMain(['--port', '0', '--data-dir', path.join(dir, 'data')], { ...env, STANDIN_SECOND_FILE: kept });
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.events.all('window-options').length, 2, 'a window of its own for the file');
  assert.deepEqual(first.events.all('start-status'), [200, 200]);
  assert.equal(first.events.has('error-box'), false);
});

test('macOS: a file opened in the Finder (\'open-file\') at launch opens with the app, and one opened later in a window of its own', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = { DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' };
  const atLaunch = path.join(dir, 'console.vv');
  await writeFile(atLaunch, ONE_SHOT_VV);
  const launched = runMain(['--port', '0', '--data-dir', path.join(dir, 'data')], { ...env, STANDIN_OPEN_FILE: atLaunch });
  assert.equal(launched.status, 0, launched.stderr);
  assert.equal(launched.events.get('open-file-prevented'), true, 'taken by the app, not left to the system');
  assert.equal(existsSync(atLaunch), false, 'read (its delete-this-file honoured) as FILE is');
  assert.equal(launched.events.all('window-options').length, 1, 'opened with the app: no second window');
  assert.equal(launched.events.has('error-box'), false);

  const later = path.join(dir, 'lab.vv');
  await writeFile(later, '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5931\n');
  const running = runMain(['--port', '0', '--data-dir', path.join(dir, 'data')], { ...env, STANDIN_LATER_OPEN_FILE: later });
  assert.equal(running.status, 0, running.stderr);
  assert.equal(running.events.get('later-open-file-prevented'), true);
  assert.equal(running.events.all('window-options').length, 2, 'a window of its own for the file');
  assert.deepEqual(running.events.all('start-status'), [200, 200]);
  assert.equal(running.events.has('error-box'), false);
});

// The Electron binary run by a deployment script (a packaged DeskBridge.exe or AppImage, no `deskbridge` command):
// its actions are the command's, and it exits without a gateway, a window or the single-instance lock.

/** A data folder, and the environment that keeps its passwords in the encrypted file (no keychain here). */
async function actionSetUp(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-main-action-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = { DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' };
  const dataDir = path.join(dir, 'data');
  const rdp = path.join(dir, 'Branch.rdp');
  await writeFile(rdp, 'full address:s:branch-7.corp.example:3391\r\n');
  return { dir, env, dataDir, rdp };
}

/** Nothing of the app started: no single-instance lock (whose hand-over would give the job to a running app), no window, no gateway; ended by app.exit. */
function assertStartedNothing(run: ReturnType<typeof runMain>, code: number): void {
  assert.equal(run.events.has('single-instance-lock'), false, 'the single-instance lock was not taken');
  assert.equal(run.events.has('window-options'), false, 'no window');
  assert.equal(run.events.has('load-url'), false, 'no page loaded from a gateway');
  assert.equal(run.events.has('menu'), false, 'no app set up');
  assert.deepEqual(run.events.all('exit'), [code], 'ended by app.exit with the action\u2019s code');
}

test('the Electron binary run with --list or --list --json prints the library as `deskbridge` does and exits 0, opening nothing, also while the app runs', async (t) => {
  const { env, dataDir, rdp } = await actionSetUp(t);
  const imported = runCli(['--data-dir', dataDir, '--import', rdp], env);
  assert.equal(imported.status, 0, imported.stderr);
  for (const args of [['--list'], ['--list', '--json']]) {
    const command = runCli(['--data-dir', dataDir, ...args], env);
    assert.equal(command.status, 0, command.stderr);
    const run = runMain(['--data-dir', dataDir, ...args], env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.printed, command.stdout, `${args.join(' ')}: the same list`);
    assert.equal(run.stderr, command.stderr);
    assertStartedNothing(run, 0);
  }
  const json = JSON.parse(runMain(['--data-dir', dataDir, '--list', '--json'], env).printed) as { name: string; host: string; port: number; passwordSaved: boolean }[];
  assert.deepEqual(json.map(({ name, host, port, passwordSaved }) => ({ name, host, port, passwordSaved })), [{ name: 'Branch', host: 'branch-7.corp.example', port: 3391, passwordSaved: false }]);
  const text = runMain(['--data-dir', dataDir, '--list'], env);
  assert.match(text.printed, /^NAME +PROTOCOL +ADDRESS/);
  assert.match(text.printed, /^Branch +RDP +branch-7\.corp\.example:3391 /m);

  // The app is open (another instance holds the lock): the list is printed all the same, nothing handed to the app.
  const beside = runMain(['--data-dir', dataDir, '--list'], { ...env, STANDIN_SECOND_INSTANCE: '1' });
  assert.equal(beside.status, 0, beside.stderr);
  assert.equal(beside.printed, text.printed);
  assert.equal(beside.events.has('hand-over'), false);
  assertStartedNothing(beside, 0);
});

test('the Electron binary run with --import FILE imports it and exits, as `deskbridge --import` does; a damaged file among several is refused in the command\u2019s words (exit 1)', async (t) => {
  const { dir, env, dataDir, rdp } = await actionSetUp(t);
  const run = runMain(['--data-dir', dataDir, '--import', rdp], env);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.printed, /^Imported "Branch" \(id [\w-]+\)\.\n$/);
  assertStartedNothing(run, 0);
  const listed = runCli(['--data-dir', dataDir, '--list', '--json'], env);
  assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((c) => c.name), ['Branch'], 'in the library the command reads');
  const again = runMain(['--data-dir', dataDir, '--import', rdp], env);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.printed, /^Already imported from this file: "Branch" \(id [\w-]+\)\. Nothing was added\.\n$/);

  const garbage = path.join(dir, 'garbage.rdp');
  await writeFile(garbage, await readFile(path.join(repo, 'test', 'fixtures', 'connectionFiles', 'malformed', 'garbage.rdp')));
  const args = ['--data-dir', dataDir, '--import', 'Branch.rdp', 'garbage.rdp'];
  const command = runCli(args, env, { cwd: dir });
  const several = runMain(args, env, { cwd: dir });
  assert.equal(command.status, 1);
  assert.equal(several.status, 1, several.stderr);
  assert.equal(several.printed, command.stdout);
  assert.equal(several.stderr, command.stderr);
  assert.equal(several.stderr, 'deskbridge: garbage.rdp: refused: Line 1: this line is not valid UTF-8 text, so the file is damaged or not a connection file.\n');
  assertStartedNothing(several, 1);
});

test('the Electron binary run with --version or --help prints what `deskbridge` prints and exits 0', async () => {
  const { version } = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  for (const args of [['--version'], ['--help']]) {
    const command = runCli(args, {});
    const run = runMain(args, {});
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.printed, command.stdout);
    assertStartedNothing(run, 0);
  }
  assert.equal(runMain(['--version'], {}).printed, `${version}\n`);
  assert.match(runMain(['--help'], {}).printed, /^Usage: deskbridge \[options\] \[FILE\]/);
});

test('the Electron binary run with --check-policy of a bad file prints every problem in the command\u2019s words and exits 1', async (t) => {
  const { dir } = await actionSetUp(t);
  const policy = path.join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, allowedHosts: ['bad host!'], allowUnencrypted: 'no' }));
  const command = runCli(['--check-policy', policy], {});
  const run = runMain(['--check-policy', policy], {});
  assert.equal(command.status, 1);
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.printed, command.stdout);
  assert.match(run.printed, /^invalid: .*policy\.json has 2 problems; the app would block connections/);
  assertStartedNothing(run, 1);
});

test('the Electron binary run with --save-password, --export or --diagnostics does it as `deskbridge` does; a file it cannot write is said in one line (exit 1)', async (t) => {
  const { dir, env, dataDir, rdp } = await actionSetUp(t);
  assert.equal(runCli(['--data-dir', dataDir, '--import', rdp], env).status, 0);
  const saved = runMain(['--data-dir', dataDir, '--save-password', 'branch'], env, { input: 'Correct-Horse-77\n' });
  assert.equal(saved.status, 0, saved.stderr);
  assert.match(saved.printed, /^Saved the password of "Branch" \(id [\w-]+\) in the encrypted file store\.\n$/);
  assertStartedNothing(saved, 0);
  const listed = JSON.parse(runCli(['--data-dir', dataDir, '--list', '--json'], env).stdout) as { passwordSaved: boolean }[];
  assert.equal(listed[0]?.passwordSaved, true);

  const out = path.join(dir, 'out.rdp');
  const exported = runMain(['--data-dir', dataDir, '--export', 'Branch', out], env);
  assert.equal(exported.status, 0, exported.stderr);
  assert.equal(exported.printed, `Wrote "Branch" to ${out} (no password).\n`);
  // mstsc's own encoding: UTF-16 LE.
  assert.match(await readFile(out, 'utf16le'), /full address:s:branch-7\.corp\.example:3391/);
  assertStartedNothing(exported, 0);

  const nowhere = path.join(dir, 'no-such-folder', 'out.rdp');
  const failed = runMain(['--data-dir', dataDir, '--export', 'Branch', nowhere], env);
  assert.equal(failed.status, 1);
  assert.equal(failed.stderr, runCli(['--data-dir', dataDir, '--export', 'Branch', nowhere], env).stderr);
  assert.equal(failed.stderr, `deskbridge: ${nowhere}: its folder does not exist.\n`);
  assertStartedNothing(failed, 1);

  const bundle = path.join(dir, 'bundle');
  const diagnostics = runMain(['--data-dir', dataDir, '--diagnostics', bundle], env);
  assert.equal(diagnostics.status, 0, diagnostics.stderr);
  assert.match(diagnostics.printed, new RegExp(`^Wrote \\d+ files to ${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  assert.ok(existsSync(bundle));
  assertStartedNothing(diagnostics, 0);
});
