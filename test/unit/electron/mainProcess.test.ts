// dist/main.mjs under plain Node with a stand-in 'electron' module: proves the
// main process wiring (single instance, gateway in-process, hardened window,
// navigation, permissions, clean quit) where no Electron binary is installed.
// Needs `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
  assert.equal(e.get('open-external'), 'https://example.com/help');
  assert.equal(e.get('permission-clipboard-read-gateway'), true);
  assert.equal(e.get('permission-clipboard-read-elsewhere'), false);
  assert.equal(e.get('permission-geolocation-gateway'), false);
  assert.equal(e.get('permission-check-keyboardLock'), true);
  assert.deepEqual(e.get('menu'), ['DeskBridge', 'Edit', 'Develop']);
  assert.deepEqual(e.all('will-quit-waited'), [true, false], 'quitting waits for the gateway to close, then goes through');
  assert.equal(e.has('error-box'), false);
});

test('a bad option in the Electron shell prints usage and exits 2', () => {
  const run = runMain(['--bogus'], {});
  assert.equal(run.status, 2);
  assert.match(run.stderr, /Unknown option '--bogus'/);
  assert.match(run.stderr, /Usage: deskbridge/);
});
