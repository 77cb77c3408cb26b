import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, UsageError, defaultDataDir, parseCli } from '../../../electron/cli/options';

process.env.DESKBRIDGE_CLI_NO_MAIN = '1';
const { findElectronBinary } = await import('../../../electron/cli/deskbridge');
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('--help lists every option the parser takes', () => {
  for (const option of ['--shell', '--no-open', '--port', '--data-dir', '--connect', '--policy', '--diagnostics', '--version', '--help']) {
    assert.ok(USAGE.includes(option), `help lacks ${option}`);
  }
});

test('defaults and values', () => {
  const d = parseCli([]);
  assert.equal(d.port, 0);
  assert.equal(d.open, true);
  assert.equal(d.shell, null);
  const o = parseCli(['--shell', 'browser', '--no-open', '--port', '8123', '--data-dir', '/tmp/x', '--connect', 'Office']);
  assert.deepEqual([o.shell, o.open, o.port, o.dataDir, o.connect], ['browser', false, 8123, '/tmp/x', 'Office']);
});

test('bad options are usage errors with a reason', () => {
  assert.throws(() => parseCli(['--shell', 'tk']), (e: unknown) => e instanceof UsageError && /electron.*browser/.test(e.message));
  assert.throws(() => parseCli(['--port', '70000']), UsageError);
  assert.throws(() => parseCli(['--port', 'x']), UsageError);
  assert.throws(() => parseCli(['--frobnicate']), UsageError);
});

test('the data folder follows each OS convention', () => {
  assert.equal(defaultDataDir('linux', {}, '/home/ann'), '/home/ann/.config/DeskBridge');
  assert.equal(defaultDataDir('linux', { XDG_CONFIG_HOME: '/x' }, '/home/ann'), '/x/DeskBridge');
  assert.equal(defaultDataDir('darwin', {}, '/Users/ann'), '/Users/ann/Library/Application Support/DeskBridge');
  assert.match(defaultDataDir('win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'C:\\Users\\ann'), /DeskBridge$/);
});

test('the shipped command exits 2 on a bad option and prints usage', () => {
  const env = { ...process.env };
  delete env.DESKBRIDGE_CLI_NO_MAIN;
  const result = spawnSync(process.execPath, [path.join(repo, 'bin', 'deskbridge.mjs'), '--bogus'], { encoding: 'utf8', env });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /Unknown option '--bogus'/);
  assert.match(result.stderr, /Usage: deskbridge/);
  const help = spawnSync(process.execPath, [path.join(repo, 'bin', 'deskbridge.mjs'), '--help'], { encoding: 'utf8', env });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--data-dir DIR/);
});

test('the Electron binary is found from path.txt and dist/, never by requiring the package', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-electron-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const electronDir = path.join(root, 'node_modules', 'electron');
  await mkdir(electronDir, { recursive: true });
  assert.equal(findElectronBinary(root, {}), null, 'no path.txt: not installed');
  await writeFile(path.join(electronDir, 'path.txt'), 'electron');
  assert.equal(findElectronBinary(root, {}), null, 'path.txt but no binary (download failed)');
  await mkdir(path.join(electronDir, 'dist'));
  await writeFile(path.join(electronDir, 'dist', 'electron'), '');
  assert.equal(findElectronBinary(root, {}), path.join(electronDir, 'dist', 'electron'));
});
