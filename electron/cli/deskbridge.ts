// The `deskbridge` command. Plain Node: it never imports 'electron'. It starts
// the browser shell (gateway + a Chromium app window), or launches the
// Electron shell where an Electron binary is installed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { collectDiagnostics, createLogger, exportProfile, machinePolicyPath, openOfflineLibrary, packageVersion, startGateway, importIntoLibrary } from '../gateway/index';
import { USAGE, UsageError, parseCli, type CliOptions } from './options';

/** The package folder: dist/cli.mjs lives one level below it. */
export function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(here) === 'dist' ? path.dirname(here) : path.resolve(here, '..', '..');
}

/**
 * Finds an installed Electron binary without requiring the 'electron'
 * package: Electron 42+ downloads its binary on the first require (and wants
 * a newer Node), which must never happen as a side effect of starting.
 */
export function findElectronBinary(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const electronDir = path.join(root, 'node_modules', 'electron');
  let relative: string;
  try {
    relative = readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    relative = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
    if (!override) return null;
  }
  const binary = override ? path.join(override, relative) : path.join(electronDir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}

export const ELECTRON_MISSING = `No Electron binary is installed, so the Electron shell cannot start.
Where the internet is reachable, run \`npx electron --version\` once in the DeskBridge folder: it
downloads the binary matching the pinned version. Elsewhere, unpack a matching Electron build and
set ELECTRON_OVERRIDE_DIST_PATH to its folder. Until then, use the browser shell: --shell browser.`;

const BROWSER_CANDIDATES: Record<string, string[]> = {
  linux: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge'],
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
  win32: [
    path.join(process.env['ProgramFiles'] ?? 'C:\\Program Files', 'Google', 'Chrome', 'Application', 'chrome.exe'),
    path.join(process.env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)', 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
  ],
};

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const candidate of BROWSER_CANDIDATES[process.platform] ?? []) {
    if (path.isAbsolute(candidate)) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    for (const dir of (env.PATH ?? '').split(path.delimiter)) {
      if (dir && existsSync(path.join(dir, candidate))) return path.join(dir, candidate);
    }
  }
  return null;
}

/**
 * Chromium's arguments for the browser shell. Kiosk: full screen with no
 * browser UI, no pinch zoom, no swipe-back, no error or translate bubbles.
 */
export function browserArgs(url: string, profileDir: string, kiosk: boolean): string[] {
  const common = [`--user-data-dir=${profileDir}`, '--disable-extensions', '--no-first-run', '--no-default-browser-check'];
  if (!kiosk) return [`--app=${url}`, ...common];
  return ['--kiosk', `--app=${url}`, ...common, '--noerrdialogs', '--disable-pinch', '--overscroll-history-navigation=0', '--disable-features=Translate,TouchpadOverscrollHistoryNavigation', '--disable-session-crashed-bubble', '--disable-dev-tools'];
}

/** Reads a file to open once; honours virt-viewer's delete-this-file after reading it. */
async function readOpenFile(file: string | null): Promise<{ fileName: string; bytes: Uint8Array } | null> {
  if (!file) return null;
  const bytes = new Uint8Array(await readFile(file));
  const text = new TextDecoder().decode(bytes.subarray(0, 4096));
  if (/^\[virt-viewer\]/m.test(text) && /^delete-this-file\s*=\s*(1|true)\s*$/im.test(text)) await unlink(file).catch(() => undefined);
  return { fileName: path.basename(file), bytes };
}

async function runBrowserShell(options: CliOptions): Promise<void> {
  const root = packageRoot();
  const logger = createLogger();
  let browser: ReturnType<typeof spawn> | null = null;
  let gatewayRef: { close(): Promise<void> } | null = null;
  const stop = async () => {
    browser?.kill();
    await gatewayRef?.close();
    process.exit(0);
  };
  const gateway = await startGateway({
    port: options.port,
    dataDir: options.dataDir,
    shell: 'browser',
    connect: options.connect,
    policyFile: options.policy,
    rendererDir: path.join(root, 'dist', 'renderer'),
    kiosk: { enabled: options.kiosk, onSessionEnd: options.onSessionEnd },
    onQuitRequested: () => void stop(),
    openFile: await readOpenFile(options.file),
  });
  gatewayRef = gateway;
  const url = gateway.startUrl();
  // INVARIANT: the first line on stdout is the address, for people and for scripts.
  process.stdout.write(`DeskBridge is running at ${url}\n`);
  if (options.open) {
    const chromium = findChromium();
    if (chromium) {
      browser = spawn(chromium, browserArgs(url, path.join(options.dataDir, 'browser-profile'), options.kiosk), { stdio: 'ignore', detached: false });
      browser.on('error', (error) => logger.warn('could not open the browser', { error: error.message }));
      process.stdout.write('Opened it in an app window. Close that window and press Ctrl+C here to quit.\n');
    } else {
      process.stdout.write('No Chromium or Chrome was found. Open the address above in a Chromium-based browser.\n');
    }
  }
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function runElectronShell(options: CliOptions, argv: string[]): void {
  const root = packageRoot();
  const binary = findElectronBinary(root);
  if (!binary) {
    process.stderr.write(ELECTRON_MISSING + '\n');
    process.exit(1);
  }
  const child = spawn(binary, [path.join(root, 'dist', 'main.mjs'), '--', ...argv], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
  void options;
}

export async function main(argv: string[]): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`deskbridge: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (options.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (options.diagnostics) {
    const files = await collectDiagnostics({
      dataDir: options.dataDir,
      outDir: options.diagnostics,
      version: packageVersion(),
      policyFile: options.policy,
      machinePolicyFile: machinePolicyPath(),
    });
    process.stdout.write(`Wrote ${files.length} files to ${options.diagnostics}: ${files.join(', ')}\n`);
    return;
  }
  if (options.importFile || options.exportProfile) {
    const library = await openOfflineLibrary({ dataDir: options.dataDir, policyFile: options.policy, machinePolicyFile: machinePolicyPath() });
    if (options.importFile) {
      const bytes = new Uint8Array(await readFile(options.importFile));
      const outcome = await importIntoLibrary(library, options.dataDir, path.basename(options.importFile), bytes, 'save');
      if (!outcome.ok) {
        process.stderr.write(`deskbridge: ${path.basename(options.importFile)}: ${outcome.error.message} Nothing was imported.\n`);
        process.exit(1);
      }
      process.stdout.write(`Imported "${outcome.profile.name}" (id ${outcome.profile.id}).\n${outcome.notes.map((n) => `Note: ${n}\n`).join('')}`);
    }
    if (options.exportProfile) {
      const profile = library.find(options.exportProfile.id);
      if (!profile) {
        process.stderr.write(`deskbridge: there is no saved connection "${options.exportProfile.id}".\n`);
        process.exit(1);
      }
      const format = options.exportProfile.file.toLowerCase().endsWith('.remmina') ? 'remmina' : 'rdp';
      await writeFile(options.exportProfile.file, await exportProfile(profile, options.dataDir, format));
      process.stdout.write(`Wrote "${profile.name}" to ${options.exportProfile.file} (no password).\n`);
    }
    return;
  }
  const shell = options.shell ?? (findElectronBinary(packageRoot()) ? 'electron' : 'browser');
  if (shell === 'electron') runElectronShell(options, argv);
  else await runBrowserShell(options);
}

// Run when executed (bin/deskbridge.mjs imports the bundle), not when a test imports this module.
if (process.env.DESKBRIDGE_CLI_NO_MAIN !== '1') {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`deskbridge: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
