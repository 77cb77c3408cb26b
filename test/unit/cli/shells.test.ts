// The built command end to end, without Electron or a real browser: a fake
// Electron binary (through ELECTRON_OVERRIDE_DIST_PATH) and a fake Chromium on
// PATH record how they were started. Needs `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(repo, 'bin', 'deskbridge.mjs');
const posix = process.platform !== 'win32';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-shells-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('--shell electron runs the binary on dist/main.mjs with our arguments after --, and exits with its code', { skip: !posix && 'needs a shell script as the fake binary' }, async (t) => {
  const dist = await tempDir(t);
  await writeFile(path.join(dist, 'electron'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dist}/args"\nexit 3\n`);
  await chmod(path.join(dist, 'electron'), 0o755);
  const result = spawnSync(process.execPath, [cli, '--shell', 'electron', '--port', '5', '--connect', 'Front desk'], {
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dist },
  });
  assert.equal(result.status, 3, result.stderr);
  const args = (await readFile(path.join(dist, 'args'), 'utf8')).trimEnd().split('\n');
  assert.deepEqual(args, [path.join(repo, 'dist', 'main.mjs'), '--', '--shell', 'electron', '--port', '5', '--connect', 'Front desk']);
});

test('browser shell: the address first, the browser in app mode with its own profile, SIGTERM closes both', { skip: !posix && 'needs a shell script as the fake browser' }, async (t) => {
  const dir = await tempDir(t);
  const bin = path.join(dir, 'bin');
  const dataDir = path.join(dir, 'data');
  await mkdir(bin);
  // A fake Chromium that records its arguments and stays open like a window would.
  await writeFile(path.join(bin, 'chromium'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/browser-args"\nexec sleep 60\n`);
  await chmod(path.join(bin, 'chromium'), 0o755);
  const child = spawn(process.execPath, [cli, '--shell', 'browser', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await once(lines, 'line')) as [string];
  const url = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(first)?.[1];
  assert.ok(url, `first line carries the address: ${first}`);
  assert.match(url, /\/start\?code=[\w-]{16,}/);

  // The address serves the app: the code turns into a session cookie once.
  const start = await fetch(url, { redirect: 'manual' });
  assert.equal(start.status, 200);
  assert.match(start.headers.get('set-cookie') ?? '', /HttpOnly/i);
  assert.equal((await fetch(url, { redirect: 'manual' })).status, 403, 'the start code works once');

  let browserArgs = '';
  for (let i = 0; i < 50 && !browserArgs; i++) {
    browserArgs = await readFile(path.join(dir, 'browser-args'), 'utf8').catch(() => '');
    if (!browserArgs) await new Promise((r) => setTimeout(r, 100));
  }
  const args = browserArgs.trimEnd().split('\n');
  assert.ok(args.includes(`--app=${url}`), browserArgs);
  for (const flag of [`--user-data-dir=${path.join(dataDir, 'browser-profile')}`, '--disable-extensions', '--no-first-run', '--no-default-browser-check']) assert.ok(args.includes(flag), flag);
  // The profile it opens offers to save no password (a typed one goes to the keychain or nowhere).
  const prefs = JSON.parse(await readFile(path.join(dataDir, 'browser-profile', 'Default', 'Preferences'), 'utf8'));
  assert.equal(prefs.credentials_enable_service, false);

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  await assert.rejects(fetch(url), 'the gateway is closed');
});

for (const by of ['--kiosk', 'the policy'] as const) {
test(`browser shell kiosk (by ${by}): a kiosk browser window, and one that closes (Ctrl+W, Alt+F4, a crash) is opened again, on a new start code`, { skip: !posix && 'needs a shell script as the fake browser' }, async (t) => {
  const dir = await tempDir(t);
  const bin = path.join(dir, 'bin');
  const dataDir = path.join(dir, 'data');
  await mkdir(bin);
  // A fleet turns kiosk mode on in the policy file, with no --kiosk on the command line.
  const policyFile = path.join(dir, 'policy.json');
  await writeFile(policyFile, JSON.stringify({ schemaVersion: 1, kiosk: { enabled: true } }));
  const kioskArgs = by === '--kiosk' ? ['--kiosk'] : ['--policy', policyFile];
  // A fake Chromium that records each start's arguments and closes after a moment, as a window closed by the user.
  await writeFile(path.join(bin, 'chromium'), `#!/bin/sh\nprintf '%s\\n' "$@" >> "${dir}/browser-args"\necho --- >> "${dir}/browser-args"\nsleep 0.3\n`);
  await chmod(path.join(bin, 'chromium'), 0o755);
  const child = spawn(process.execPath, [cli, '--shell', 'browser', '--port', '0', '--data-dir', dataDir, ...kioskArgs], {
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys'), DBUS_SESSION_BUS_ADDRESS: 'disabled:' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const starts = async () => (await readFile(path.join(dir, 'browser-args'), 'utf8').catch(() => '')).split('---\n').filter((s) => s.trim() !== '');
  let seen: string[] = [];
  for (let i = 0; i < 80 && seen.length < 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await starts();
  }
  assert.ok(seen.length >= 3, `the browser was started ${seen.length} times`);
  const codes = seen.map((args) => /--app=\S*code=([\w-]+)/.exec(args)?.[1]);
  assert.ok(seen.every((args) => args.includes('--kiosk')));
  assert.equal(new Set(codes).size, codes.length, `each start has a start code of its own: ${codes.join(', ')}`);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  const after = (await starts()).length;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await starts()).length, after, 'nothing is opened again once the app stops');
});
}


test('--save-password: a managed (kiosk) connection\u2019s password from standard input into the secret store; policy and unknown names refused', async (t) => {
  const dir = await tempDir(t);
  const dataDir = path.join(dir, 'data');
  const policyFile = path.join(dir, 'policy.json');
  const writePolicy = (extra: object) => writeFile(policyFile, JSON.stringify({ schemaVersion: 1, profiles: [{ id: 'desk', name: 'Front desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 }], kiosk: { enabled: true, profile: 'desk' }, ...extra }));
  const env = { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys') };
  const run = (name: string, input: string) => spawnSync(process.execPath, [cli, '--save-password', name, '--policy', policyFile, '--data-dir', dataDir], { encoding: 'utf8', env, input });

  await writePolicy({});
  const saved = run('Front desk', 'Kiosk#Pass 1\n');
  assert.equal(saved.status, 0, saved.stderr);
  assert.match(saved.stdout, /^Saved the password of "Front desk" \(id managed-desk\) in the encrypted file store\.$/m);
  assert.equal(saved.stdout.includes('Kiosk#Pass'), false, 'never printed');
  // What the app then signs in with (the gateway's own library on the same folder).
  process.env.DESKBRIDGE_SECRETS = 'file';
  process.env.DESKBRIDGE_SECRETS_KEY_DIR = env.DESKBRIDGE_SECRETS_KEY_DIR;
  const { openOfflineLibrary } = await import('../../../electron/gateway/index');
  const library = await openOfflineLibrary({ dataDir, policyFile, machinePolicyFile: path.join(dir, 'no-machine-policy.json') });
  assert.equal(await library.savedPassword('managed-desk'), 'Kiosk#Pass 1');

  const unknown = run('Back office', 'x\n');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /Back office/);
  const empty = run('Front desk', '');
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /no password was given/);
  await writePolicy({ passwords: { save: 'never' } });
  const forbidden = run('Front desk', 'other\n');
  assert.equal(forbidden.status, 1);
  assert.match(forbidden.stderr, /No password was saved/);
});

test('--save-password with the encrypted file\u2019s key damaged: a wrong name and a policy that saves none are said as such, not blamed on the key file; else the key file is named, and nothing saved', async (t) => {
  const dir = await tempDir(t);
  const dataDir = path.join(dir, 'data');
  const policyFile = path.join(dir, 'policy.json');
  const keyFile = path.join(dir, 'keys', 'secrets.key');
  await mkdir(path.dirname(keyFile));
  await writeFile(keyFile, 'garbage\n');
  const writePolicy = (extra: object) => writeFile(policyFile, JSON.stringify({ schemaVersion: 1, profiles: [{ id: 'desk', name: 'Front desk', protocol: 'vnc', host: '127.0.0.1', port: 5901 }], ...extra }));
  const env = { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.dirname(keyFile) };
  const run = (name: string, input: string) => spawnSync(process.execPath, [cli, '--save-password', name, '--policy', policyFile, '--data-dir', dataDir], { encoding: 'utf8', env, input });

  await writePolicy({ passwords: { save: 'never' } });
  const forbidden = run('Front desk', 'other\n');
  assert.equal(forbidden.status, 1);
  assert.equal(forbidden.stderr, "deskbridge: Your organisation's policy does not allow saving passwords here. No password was saved.\n");
  const unknown = run('Back office', 'x\n');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /^deskbridge: .*Back office.*so no password was saved/);
  assert.doesNotMatch(unknown.stderr, /key file/);

  await writePolicy({});
  const damaged = run('Front desk', 'other\n');
  assert.equal(damaged.status, 1);
  assert.match(damaged.stderr, new RegExp(`^deskbridge: Saved passwords cannot be read, and none can be saved: the key file is damaged \\(${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\\..* No password was saved\\.\\n$`));
  assert.equal(await readFile(keyFile, 'utf8'), 'garbage\n', 'the key file is left as it is');
});
