import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONS, USAGE, UsageError, defaultDataDir, parseCli } from '../../../electron/cli/options';
import { ELECTRON_MISSING, browserArgs, chromiumCandidates, findChromium, findElectronBinary, prepareBrowserProfile } from '../../../electron/cli/shellLaunch';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(repo, 'bin', 'deskbridge.mjs');
const normalise = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ').trim();

async function tempDir(t: { after(fn: () => Promise<void>): void }, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('--help describes every option the parser takes, and nothing it does not', () => {
  for (const [name, spec] of Object.entries(OPTIONS)) {
    assert.match(USAGE, new RegExp(`^\\s+(-\\w, )?--${name}\\b`, 'm'), `help lacks --${name}`);
    if ('short' in spec) assert.match(USAGE, new RegExp(`-${spec.short}, --${name}`));
  }
  const described = [...USAGE.matchAll(/^\s+(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]);
  assert.deepEqual(described.filter((name) => !(name! in OPTIONS)), [], 'help describes options the parser refuses');
});

test('defaults: any free port, open a browser, shell chosen later, the per-OS data folder', () => {
  const d = parseCli([]);
  assert.equal(d.port, 0);
  assert.equal(d.open, true);
  assert.equal(d.shell, null);
  assert.equal(d.connect, null);
  assert.equal(d.dataDir, defaultDataDir());
  assert.equal(d.help, false);
  assert.equal(d.version, false);
  const o = parseCli(['--shell', 'browser', '--no-open', '--port', '8123', '--data-dir', '/tmp/x', '--connect', 'Office']);
  assert.deepEqual([o.shell, o.open, o.port, o.dataDir, o.connect], ['browser', false, 8123, '/tmp/x', 'Office']);
  assert.equal(parseCli(['--port=0']).port, 0);
  assert.equal(parseCli(['-h']).help, true);
  assert.equal(parseCli(['--data-dir', 'rel']).dataDir, path.resolve('rel'), 'a relative data folder is made absolute');
});

test('bad options are usage errors with a reason', () => {
  assert.throws(() => parseCli(['--shell', 'tk']), (e: unknown) => e instanceof UsageError && /electron.*browser/.test(e.message));
  for (const port of ['70000', 'x', '-1', '1.5', '']) assert.throws(() => parseCli(['--port', port]), UsageError, port);
  assert.throws(() => parseCli(['--frobnicate']), (e: unknown) => e instanceof UsageError && /--frobnicate/.test(e.message));
  assert.throws(() => parseCli(['--port']), UsageError, 'missing value');
  assert.throws(() => parseCli(['a.rdp', 'b.rdp']), UsageError);
});

test('--list and --list --json print the library; --json alone, or --list with another action or a file, is a usage error', () => {
  assert.equal(parseCli([]).list, null);
  assert.deepEqual(parseCli(['--list']).list, { json: false, sort: 'name' });
  assert.deepEqual(parseCli(['--list', '--json', '--data-dir', '/tmp/x']).list, { json: true, sort: 'name' });
  assert.throws(() => parseCli(['--json']), (e: unknown) => e instanceof UsageError && /--json goes with --list/.test(e.message));
  for (const args of [['--list', '--import', 'a.rdp'], ['--list', '--export', 'Office', 'out.rdp'], ['--list', '--save-password', 'Office']]) {
    assert.throws(() => parseCli(args), (e: unknown) => e instanceof UsageError && /--list goes alone/.test(e.message), args.join(' '));
  }
  assert.throws(() => parseCli(['--list', 'a.rdp']), (e: unknown) => e instanceof UsageError && /--list takes no file/.test(e.message));
  // --help names the fields of --list --json's objects.
  for (const field of ['name', 'protocol', 'host', 'port', 'folder', 'managed', 'passwordSaved', 'id']) assert.match(USAGE, new RegExp(`\\b${field}\\b`), field);
});

test('--list --sort name|recent|host orders the listing; by name without it; an unknown order, or --sort without --list, is a usage error', () => {
  for (const sort of ['name', 'recent', 'host'] as const) {
    assert.deepEqual(parseCli(['--list', '--sort', sort]).list, { json: false, sort });
    assert.deepEqual(parseCli([`--sort=${sort}`, '--json', '--list']).list, { json: true, sort });
  }
  assert.throws(() => parseCli(['--list', '--sort', 'colour']), (e: unknown) => e instanceof UsageError && e.message === '--sort must be name, recent or host, not "colour".');
  assert.throws(() => parseCli(['--list', '--sort', 'Host']), UsageError, 'the choices are as written');
  assert.throws(() => parseCli(['--list', '--sort']), UsageError, 'no value');
  assert.throws(() => parseCli(['--sort', 'recent']), (e: unknown) => e instanceof UsageError && e.message === '--sort goes with --list: deskbridge --list --sort recent.');
  assert.throws(() => parseCli(['--sort', 'recent', '--import', 'a.rdp']), (e: unknown) => e instanceof UsageError && /--sort goes with --list/.test(e.message));
  // The help says the default, and that it is not the app's kept choice.
  assert.match(USAGE, /^ {2}--sort name\|recent\|host +With --list: .*by name\n.*\(the default\)/m);
  assert.match(normalise(USAGE), /Without it always by name, whatever the app's "Sort by" keeps/);
});

test('the shipped command: --sort with an unknown order, or without --list, exits 2 with the reason and lists nothing', async (t) => {
  const dataDir = await tempDir(t, 'deskbridge-sort-option-');
  for (const [args, reason] of [
    [['--list', '--sort', 'colour'], '--sort must be name, recent or host, not "colour".'],
    [['--sort', 'host'], '--sort goes with --list: deskbridge --list --sort host.'],
  ] as const) {
    const run = spawnSync(process.execPath, [cli, ...args, '--data-dir', dataDir, '--shell', 'browser', '--no-open'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stdout} ${run.stderr}`);
    assert.equal(run.stderr.split('\n')[0], `deskbridge: ${reason}`);
    assert.match(run.stderr, /Usage: deskbridge/);
    assert.equal(run.stdout, '');
  }
});

test('--export takes a connection\u2019s name or its id, and the file', () => {
  assert.deepEqual(parseCli(['--export', 'Front desk', 'out.rdp']).exportProfile, { nameOrId: 'Front desk', file: path.resolve('out.rdp') });
  assert.throws(() => parseCli(['--export', 'Front desk']), (e: unknown) => e instanceof UsageError && /--export NAME_OR_ID FILE/.test(e.message));
  assert.match(USAGE, /^ {2}--export NAME_OR_ID FILE /m);
});

test('--import takes several files (a shell glob: the files after it), in order', () => {
  assert.deepEqual(parseCli([]).importFiles, []);
  assert.deepEqual(parseCli(['--import', 'a.rdp']).importFiles, [path.resolve('a.rdp')]);
  const glob = parseCli(['--import', 'a.rdp', 'b.vv', 'c.remmina']);
  assert.deepEqual(glob.importFiles, ['a.rdp', 'b.vv', 'c.remmina'].map((f) => path.resolve(f)));
  assert.equal(glob.file, null, 'the files after --import are imported, not opened');
  assert.deepEqual(parseCli(['--import', 'a.rdp', '--import', 'b.rdp']).importFiles, [path.resolve('a.rdp'), path.resolve('b.rdp')]);
  // A file before --import is imported too, in its place.
  assert.deepEqual(parseCli(['a.rdp', '--import', 'b.rdp', 'c.rdp']).importFiles, ['a.rdp', 'b.rdp', 'c.rdp'].map((f) => path.resolve(f)));
  assert.deepEqual(parseCli(['a.rdp', '--import', 'b.rdp', '--export', 'Front desk', 'out.rdp', 'c.rdp']).importFiles, ['a.rdp', 'b.rdp', 'c.rdp'].map((f) => path.resolve(f)));
  // With --export, the one file is the export's, as before.
  const both = parseCli(['--import', 'a.rdp', '--export', 'Front desk', 'out.rdp']);
  assert.deepEqual(both.importFiles, [path.resolve('a.rdp')]);
  assert.deepEqual(both.exportProfile, { nameOrId: 'Front desk', file: path.resolve('out.rdp') });
  assert.throws(() => parseCli(['--import', 'a.rdp', '--import', '']), (e: unknown) => e instanceof UsageError && /--import was given an empty value/.test(e.message));
  assert.match(USAGE, /^ {2}--import FILE\.\.\. /m);
});

test('--export’s file is the argument right after its name, so --import’s glob may come before or after it', () => {
  const expected = { nameOrId: 'Front desk', file: path.resolve('out.rdp') };
  const globBefore = parseCli(['--import', 'a.rdp', 'b.vv', 'c.remmina', '--export', 'Front desk', 'out.rdp']);
  assert.deepEqual(globBefore.importFiles, ['a.rdp', 'b.vv', 'c.remmina'].map((f) => path.resolve(f)));
  assert.deepEqual(globBefore.exportProfile, expected);
  const globAfter = parseCli(['--export', 'Front desk', 'out.rdp', '--import', 'a.rdp', 'b.vv']);
  assert.deepEqual(globAfter.importFiles, ['a.rdp', 'b.vv'].map((f) => path.resolve(f)));
  assert.deepEqual(globAfter.exportProfile, expected);
  assert.deepEqual(parseCli(['--export=Front desk', 'out.rdp']).exportProfile, expected);
  // A file not right after the name is not taken for the export's; alone, a second file is named.
  assert.throws(() => parseCli(['--export', 'Front desk', '--data-dir', '/tmp/x', 'out.rdp']), (e: unknown) => e instanceof UsageError && /--export NAME_OR_ID FILE/.test(e.message));
  assert.throws(() => parseCli(['--export', 'Front desk', 'out.rdp', 'more.rdp']), (e: unknown) => e instanceof UsageError && /more\.rdp was given too/.test(e.message));
});

test('an option that does one thing and exits goes alone: not with another such option, nor with what only a started app uses', () => {
  const cases: [string[], RegExp][] = [
    [['--list', '--check-policy', 'p.json'], /--check-policy and --list each run on their own and exit/],
    [['--list', '--diagnostics', 'out'], /--diagnostics and --list each run on their own/],
    [['--check-policy', 'p.json', '--import', 'a.rdp'], /--check-policy and --import each run on their own/],
    [['--diagnostics', 'out', '--save-password', 'Office'], /--diagnostics and --save-password each run on their own/],
    [['--save-password', 'Office', '--export', 'Office', 'out.rdp'], /--save-password and --export each run on their own/],
    [['--list', '--connect', 'Office'], /--list exits without starting the app, so --connect would do nothing/],
    [['--list', '--kiosk'], /--list exits without starting the app, so --kiosk would do nothing/],
    [['--import', 'a.rdp', '--kiosk', '--connect', 'Office'], /--import exits without starting the app, so --connect would do nothing/],
    [['--check-policy', 'p.json', '--on-session-end', 'quit'], /--check-policy exits without starting the app, so --on-session-end would do nothing/],
    [['--diagnostics', 'out', 'a.rdp'], /--diagnostics takes no file to open \(a\.rdp was given\)/],
  ];
  for (const [args, message] of cases) assert.throws(() => parseCli(args), (e: unknown) => e instanceof UsageError && message.test(e.message), args.join(' '));
  // What they may go with: where the data and the policy are, and --help or --version, which win over all.
  assert.ok(parseCli(['--list', '--policy', 'p.json', '--data-dir', '/tmp/x']).list);
  assert.equal(parseCli(['--diagnostics', 'out', '--policy', 'p.json']).diagnostics, path.resolve('out'));
  assert.equal(parseCli(['--list', '--check-policy', 'p.json', '--help']).help, true);
  assert.equal(parseCli(['--kiosk', '--connect', 'Office']).kiosk, true);
});

test('an option given an empty value is a usage error naming it, not the option left out (a script\u2019s unset variable must not fail open)', () => {
  const valued = Object.entries(OPTIONS).filter(([, spec]) => spec.type === 'string').map(([name]) => name);
  assert.ok(valued.includes('policy') && valued.includes('check-policy') && valued.includes('import') && valued.includes('diagnostics'));
  for (const name of valued) {
    const args = name === 'export' ? [`--${name}`, '', 'out.rdp'] : [`--${name}`, ''];
    assert.throws(() => parseCli(args), (e: unknown) => e instanceof UsageError && e.message.includes(`--${name} was given an empty value`), name);
    assert.throws(() => parseCli([`--${name}=`]), UsageError, `--${name}=`);
  }
  assert.throws(() => parseCli(['']), (e: unknown) => e instanceof UsageError && /empty file name/.test(e.message));
  assert.equal(parseCli(['--policy', 'p.json']).policy, path.resolve('p.json'));
});

test('the shipped command: --check-policy "" and --policy "" exit 2 with the reason, starting nothing', async (t) => {
  const dataDir = await tempDir(t, 'deskbridge-empty-option-');
  for (const args of [['--check-policy', ''], ['--policy', ''], ['--import', ''], ['--diagnostics', '']]) {
    // Were the empty value read as no option, the app would start: in the browser shell, opening no browser.
    const run = spawnSync(process.execPath, [cli, ...args, '--data-dir', dataDir, '--shell', 'browser', '--no-open'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stdout} ${run.stderr}`);
    assert.match(run.stderr, new RegExp(`^deskbridge: ${args[0]} was given an empty value`, 'm'));
    assert.equal(run.stdout, '');
  }
});

test('the data folder follows each OS convention', () => {
  assert.equal(defaultDataDir('linux', {}, '/home/ann'), '/home/ann/.config/DeskBridge');
  assert.equal(defaultDataDir('linux', { XDG_CONFIG_HOME: '/x' }, '/home/ann'), '/x/DeskBridge');
  assert.equal(defaultDataDir('darwin', {}, '/Users/ann'), '/Users/ann/Library/Application Support/DeskBridge');
  assert.match(defaultDataDir('win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'C:\\Users\\ann'), /^C:\\Users\\ann\\AppData\\Roaming[\\/]DeskBridge$/);
});

test('the shipped command: exit 2 and usage on a bad option, help and version on stdout', async () => {
  const bad = spawnSync(process.execPath, [cli, '--bogus'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--bogus'/);
  assert.match(bad.stderr, /Usage: deskbridge/);
  assert.equal(bad.stdout, '');
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.equal(help.stdout, USAGE + '\n');
  const version = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0);
  const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
});

test('README shows the help text as it is', async () => {
  const readme = await readFile(path.join(repo, 'README.md'), 'utf8');
  const block = /```\n(Usage: deskbridge[\s\S]*?)\n```/.exec(readme)?.[1];
  assert.ok(block, 'README has a usage block');
  // README names the Linux default instead of this machine's home folder.
  assert.equal(block, USAGE.replace(`Default: ${defaultDataDir()}`, 'Default: ~/.config/DeskBridge on Linux'));
});

test('the Electron binary is found from path.txt and dist/, never by requiring the package', async (t) => {
  const root = await tempDir(t, 'deskbridge-electron-');
  const electronDir = path.join(root, 'node_modules', 'electron');
  assert.equal(findElectronBinary(root, {}), null, 'no electron package at all');
  await mkdir(electronDir, { recursive: true });
  await writeFile(path.join(electronDir, 'index.js'), "throw new Error('required the electron package');");
  assert.equal(findElectronBinary(root, {}), null, 'no path.txt: not installed');
  await writeFile(path.join(electronDir, 'path.txt'), 'electron');
  assert.equal(findElectronBinary(root, {}), null, 'path.txt but no binary (download failed)');
  await mkdir(path.join(electronDir, 'dist'));
  await writeFile(path.join(electronDir, 'dist', 'electron'), '');
  assert.equal(findElectronBinary(root, {}), path.join(electronDir, 'dist', 'electron'));
  await writeFile(path.join(electronDir, 'path.txt'), 'electron\n');
  assert.equal(findElectronBinary(root, {}), path.join(electronDir, 'dist', 'electron'), 'a trailing newline in path.txt');
});

test('ELECTRON_OVERRIDE_DIST_PATH replaces the dist folder, as in the electron package', async (t) => {
  const root = await tempDir(t, 'deskbridge-electron-');
  const override = await tempDir(t, 'deskbridge-electron-dist-');
  const env = { ELECTRON_OVERRIDE_DIST_PATH: override };
  assert.equal(findElectronBinary(root, env, 'linux'), null, 'override folder without a binary');
  await writeFile(path.join(override, 'electron'), '');
  assert.equal(findElectronBinary(root, env, 'linux'), path.join(override, 'electron'), 'no path.txt: the platform default name');
});

test('without a binary, the Electron shell explains how to get one and exits 1; README says the same', async () => {
  const readme = await readFile(path.join(repo, 'README.md'), 'utf8');
  assert.ok(normalise(readme).includes(normalise(ELECTRON_MISSING)), 'README repeats the missing-Electron explanation');
  assert.match(ELECTRON_MISSING, /npx install-electron/);
  assert.match(ELECTRON_MISSING, /ELECTRON_OVERRIDE_DIST_PATH/);
  assert.match(ELECTRON_MISSING, /--shell browser/);
  if (findElectronBinary(repo)) return; // this machine has one: nothing to refuse
  const result = spawnSync(process.execPath, [cli, '--shell', 'electron', '--data-dir', os.tmpdir()], { encoding: 'utf8', env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '' } });
  assert.equal(result.status, 1);
  assert.equal(result.stderr.trim(), ELECTRON_MISSING);
});

test('a system Chromium is looked up on PATH in order of preference', async (t) => {
  const dir = await tempDir(t, 'deskbridge-path-');
  assert.equal(findChromium({ PATH: dir }, 'linux'), null);
  await writeFile(path.join(dir, 'google-chrome'), '#!/bin/sh\n');
  await chmod(path.join(dir, 'google-chrome'), 0o755);
  assert.equal(findChromium({ PATH: dir }, 'linux'), path.join(dir, 'google-chrome'));
  await writeFile(path.join(dir, 'chromium'), '#!/bin/sh\n');
  assert.equal(findChromium({ PATH: `/nonexistent${path.delimiter}${dir}` }, 'linux'), path.join(dir, 'chromium'));
  assert.ok(chromiumCandidates('darwin', { HOME: '/Users/ann' }).includes('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'));
  assert.ok(chromiumCandidates('win32', { ProgramFiles: 'C:\\Program Files' }).includes('C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe'));
});

test('the browser opens as an app window with its own profile and no extensions', () => {
  const args = browserArgs('http://127.0.0.1:1/start?code=x', '/d/browser-profile', false);
  assert.deepEqual(args, ['--app=http://127.0.0.1:1/start?code=x', '--user-data-dir=/d/browser-profile', '--disable-extensions', '--no-first-run', '--no-default-browser-check']);
  const kiosk = browserArgs('http://127.0.0.1:1/', '/d/p', true);
  assert.ok(kiosk.includes('--kiosk') && kiosk.includes('--disable-extensions') && kiosk.includes('--user-data-dir=/d/p'));
});

test('the browser shell\u2019s Chromium profile lets the app of this start read the clipboard, and that origin only', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-profile-'));
  try {
    const file = path.join(dir, 'Default', 'Preferences');
    const read = async () => JSON.parse(await readFile(file, 'utf8')).profile.content_settings.exceptions.clipboard as Record<string, { setting: number }>;
    prepareBrowserProfile(dir, 'http://127.0.0.1:4321');
    assert.deepEqual(await read(), { 'http://127.0.0.1:4321,*': { setting: 1 } });
    // A user's own exception stays; the last start's grant (another port) goes.
    const prefs = JSON.parse(await readFile(file, 'utf8'));
    prefs.profile.content_settings.exceptions.clipboard['https://intranet.example:443,*'] = { setting: 2 };
    prefs.profile.content_settings.exceptions.notifications = { 'https://intranet.example:443,*': { setting: 2 } };
    await writeFile(file, JSON.stringify(prefs));
    prepareBrowserProfile(dir, 'http://127.0.0.1:5555');
    assert.deepEqual(await read(), { 'https://intranet.example:443,*': { setting: 2 }, 'http://127.0.0.1:5555,*': { setting: 1 } });
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).profile.content_settings.exceptions.notifications, { 'https://intranet.example:443,*': { setting: 2 } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the browser shell\u2019s Chromium profile saves no password and fills no form; its other preferences stay', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-profile-'));
  try {
    const file = path.join(dir, 'Default', 'Preferences');
    prepareBrowserProfile(dir);
    const first = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(first.credentials_enable_service, false, '"Offer to save passwords" off');
    assert.equal(first.profile.password_manager_enabled, false);
    assert.equal(first.autofill.profile_enabled, false);
    // Chromium's own preferences (a window's place, the zoom) are kept; a user who turned saving back on is overruled.
    await writeFile(file, JSON.stringify({ browser: { window_placement: { left: 10 } }, profile: { exit_type: 'Normal', password_manager_enabled: true }, credentials_enable_service: true }));
    prepareBrowserProfile(dir);
    const again = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(again.browser, { window_placement: { left: 10 } });
    assert.equal(again.profile.exit_type, 'Normal');
    assert.equal(again.profile.password_manager_enabled, false);
    assert.equal(again.credentials_enable_service, false);
    // A file Chromium left broken is replaced, not a reason not to start.
    await writeFile(file, '{ not json');
    prepareBrowserProfile(dir);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).credentials_enable_service, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
