// dist/main.mjs under plain Node with a stand-in 'electron' module: proves the
// main process wiring (single instance, gateway in-process, hardened window,
// navigation, permissions, clean quit) where no Electron binary is installed.
// Needs `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const register = path.join(here, 'standInElectron', 'register.mjs');

function runMain(args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, ['--import', register, path.join(repo, 'dist', 'main.mjs'), '--', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  // Each event's values in order; get() gives the last one.
  const all = new Map<string, unknown[]>();
  for (const line of result.stdout.split('\n')) {
    if (line.startsWith('{')) {
      const { event, value } = JSON.parse(line) as { event: string; value: unknown };
      all.set(event, [...(all.get(event) ?? []), value]);
    }
  }
  const events = { get: (name: string) => all.get(name)?.at(-1), all: (name: string) => all.get(name) ?? [], has: (name: string) => all.has(name) };
  return { ...result, events };
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
