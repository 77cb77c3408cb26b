// The `deskbridge` command. Plain Node: it never imports 'electron'. It starts
// the browser shell (gateway + a Chromium app window), or launches the
// Electron shell where an Electron binary is installed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile, writeFile } from 'node:fs/promises';
import { checkPolicyFile, collectDiagnostics, createLogger, exportProfile, machinePolicyPath, notFoundOrAmbiguous, openOfflineLibrary, packageVersion, startGateway, importIntoLibrary, PolicyRefusal } from '../gateway/index';
import { USAGE, UsageError, parseCli, type CliOptions } from './options';
import { describeFileError, honourDeleteThisFile, readNamedFile, readOpenFile } from '../gateway/profiles/namedFiles';
import { listedConnections, formatList } from './libraryListing';
import { ELECTRON_MISSING, browserArgs, findChromium, findElectronBinary, prepareBrowserProfile } from './shellLaunch';

/** The package folder: dist/cli.mjs lives one level below it. */
export function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(here) === 'dist' ? path.dirname(here) : path.resolve(here, '..', '..');
}

export { ELECTRON_MISSING, browserArgs, findChromium, findElectronBinary } from './shellLaunch';
export { describeFileError } from '../gateway/profiles/namedFiles';

/**
 * One line of standard input, without its line end: a script's pipe, or a person at a terminal (asked on standard
 * error, what is typed not shown).
 */
async function readPasswordLine(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  let typed = '';
  try {
    for await (const chunk of input) {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return typed;
        if (char === '\u0003') process.exit(130); // Ctrl+C
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    }
    return typed;
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}

/** How long a stopping browser shell waits for the gateway to close before it exits anyway. */
const STOP_GRACE_MS = 3000;

async function runBrowserShell(options: CliOptions): Promise<void> {
  const root = packageRoot();
  const logger = createLogger();
  let browser: ReturnType<typeof spawn> | null = null;
  let gatewayRef: { close(): Promise<void> } | null = null;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    browser?.kill();
    // A close that hangs (a connection that will not end) must not keep a stopped app running: a service manager's
    // SIGTERM ends it within STOP_GRACE_MS whatever is still open.
    const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([gatewayRef?.close().catch(() => undefined), grace]);
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
      // A kiosk's window closed (Ctrl+W, Alt+F4, a crash) opens again, on a new start code: the user never
      // reaches a desktop with the gateway left running and nothing on screen. A browser that keeps failing at
      // once is started again more slowly (0.5 s, doubling to 30 s).
      let quickExits = 0;
      const open = (address: string) => {
        const startedAt = Date.now();
        // A kiosk by --kiosk or by the policy (as a fleet turns it on), as the policy is at each opening.
        const kiosk = gateway.kioskEnabled();
        const profileDir = path.join(options.dataDir, 'browser-profile');
        try {
          prepareBrowserProfile(profileDir, gateway.origin);
        } catch (error) {
          logger.warn('could not prepare the browser profile (password saving off, the clipboard allowed)', { error: (error as Error).message });
        }
        const opened = spawn(chromium, browserArgs(address, profileDir, kiosk), { stdio: 'ignore', detached: false });
        browser = opened;
        opened.on('spawn', () => {
          if (address !== url) return;
          if (kiosk) process.stdout.write(`Opened it in a kiosk window of ${path.basename(chromium)}, opened again whenever it closes. Press Ctrl+C here to quit.\n`);
          else process.stdout.write(`Opened it in an app window of ${path.basename(chromium)}. Close that window and press Ctrl+C here to quit.\n`);
        });
        opened.on('error', (error) => {
          logger.warn('could not open the browser', { browser: chromium, error: error.message });
          process.stdout.write('The browser could not be started. Open the address above in any Chromium-based browser (Chromium, Chrome, Edge).\n');
        });
        opened.on('exit', (code, signal) => {
          if (!gateway.kioskEnabled() || stopping || opened !== browser) return;
          quickExits = Date.now() - startedAt < 10_000 ? quickExits + 1 : 0;
          const delayMs = Math.min(30_000, 500 * 2 ** Math.max(0, quickExits - 1));
          logger.warn('kiosk: the browser window closed; opening it again', { code, signal, delayMs });
          setTimeout(() => {
            if (!stopping) open(gateway.startUrl());
          }, delayMs).unref();
        });
      };
      open(url);
    } else {
      process.stdout.write('No Chromium, Chrome or Edge was found. Open the address above in any Chromium-based browser.\n');
    }
  }
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/**
 * Runs the Electron shell as a child process with the same arguments (after
 * `--`, where electron/main reads them) and mirrors its exit code. Signals
 * sent to this process reach the child, so a service manager stopping the
 * command stops the app.
 */
function runElectronShell(argv: string[]): void {
  const root = packageRoot();
  const binary = findElectronBinary(root);
  if (!binary) {
    process.stderr.write(ELECTRON_MISSING + '\n');
    process.exit(1);
  }
  const child = spawn(binary, [path.join(root, 'dist', 'main.mjs'), '--', ...argv], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('error', (error) => {
    process.stderr.write(`deskbridge: could not start Electron (${binary}): ${error.message}\nTry the browser shell: deskbridge --shell browser\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
}

/** `--check-policy FILE`: "valid", an outline and any warnings, or every problem; the exit code for scripts (0 valid, 1 not). */
async function runCheckPolicy(file: string): Promise<number> {
  const check = await checkPolicyFile(file);
  if (check.valid) {
    process.stdout.write(`valid: ${check.outline}\n${check.warnings.map((w) => `warning: ${w}\n`).join('')}`);
    return 0;
  }
  if (check.missing) {
    // What no file means depends on where it would be: none at the machine-wide path is no policy; a --policy file that is not there blocks.
    process.stdout.write(`invalid: there is no such file as ${file}. (Where no machine-wide policy file exists the app applies no policy; a --policy file that does not exist blocks connections.)\n`);
    return 1;
  }
  const count = check.problems.length;
  process.stdout.write(`invalid: ${file} has ${count} problem${count === 1 ? '' : 's'}; the app would block connections (or keep its last valid policy) until they are fixed:\n${check.problems.map((p) => `  ${p}\n`).join('')}`);
  return 1;
}

/** What --import did with one file: its outcome, or why it was not imported (refused by the parser or policy, or unreadable). */
interface ImportResult {
  file: string;
  outcome: Awaited<ReturnType<typeof importIntoLibrary>> | null;
  refusal: string | null;
  /** The file could not be read (no such file, a folder, no permission): the sentence that says so, naming it. */
  unreadable: string | null;
  /** A .vv that asked to be deleted once read (virt-viewer's delete-this-file), and was: imported or not. */
  deleted: boolean;
}

/** Said of a .vv deleted once read, as it asked: imported or refused, it is gone (as virt-viewer leaves it). */
const DELETED_AS_ASKED = 'The file asked to be deleted once read (a broker\u2019s one-time ticket) and was.';

/**
 * Imports one file of --import: a .vv's delete-this-file honoured once it is read, its one-time password not kept
 * (importIntoLibrary's 'save'). `alone`: the only file, whose unexpected errors end the command as they always did;
 * one of several is refused with the reason instead, and the others go on.
 */
async function importOne(library: Awaited<ReturnType<typeof openOfflineLibrary>>, dataDir: string, file: string, alone: boolean): Promise<ImportResult> {
  let bytes: Uint8Array;
  try {
    bytes = alone ? await readNamedFile(file) : new Uint8Array(await readFile(file));
  } catch (error) {
    if (alone) throw error;
    return { file, outcome: null, refusal: null, unreadable: describeFileError(error, shownPath(file), 'read').message, deleted: false };
  }
  const deleted = await honourDeleteThisFile(file, bytes);
  try {
    const outcome = await importIntoLibrary(library, dataDir, path.basename(file), bytes, 'save');
    return { file, outcome, refusal: outcome.ok ? null : outcome.error.message, unreadable: null, deleted };
  } catch (error) {
    if (alone && !(error instanceof PolicyRefusal)) throw error;
    return { file, outcome: null, refusal: (error as Error).message, unreadable: null, deleted };
  }
}

/** A file as the user named it: relative to the current folder where it is inside it (a shell glob's), else in full. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * `--list`: the library (IT's connections and the user's own, as policy shows them) in the app's order, or as a JSON
 * array (`json`). An empty library says so on standard error and exits 0 ("[]" in JSON). Never prints a password.
 */
async function runList(options: CliOptions, json: boolean): Promise<number> {
  const library = await openOfflineLibrary({ dataDir: options.dataDir, policyFile: options.policy, machinePolicyFile: machinePolicyPath(), unreadableSecrets: 'tolerate' });
  for (const notice of library.notices) process.stderr.write(`deskbridge: warning: ${notice}\n`);
  // One keychain read at a time: N connections are N reads, which a keychain answers one by one anyway.
  const views = [];
  const unknown = new Set<string>();
  let why = '';
  for (const profile of library.list()) {
    // A store that failed once is not asked again for each connection (a keychain that times out would take that long each).
    const saved = why ? { unreadable: why } : await library.passwordSavedOrUnreadable(profile.id);
    if (typeof saved !== 'boolean') {
      unknown.add(profile.id);
      why ||= saved.unreadable;
    }
    // Where the keychain could not be read just now it is not asked again for the view (null): listed as unknown.
    views.push(await library.view(profile, typeof saved === 'boolean' ? undefined : null));
  }
  if (unknown.size > 0) {
    const store = library.secretsBackend === 'keychain' ? 'the keychain' : 'the encrypted password file';
    const count = unknown.size === 1 ? '1 connection' : `${unknown.size} connections`;
    process.stderr.write(`deskbridge: warning: ${store} could not be read (${why.replace(/\.$/, '')}), so whether a password is saved is unknown for ${count}.\n`);
  }
  const connections = listedConnections(views, unknown);
  if (connections.length === 0) process.stderr.write(`deskbridge: the library has no connections (data folder ${options.dataDir}).\n`);
  if (json) process.stdout.write(JSON.stringify(connections, null, 2) + '\n');
  else if (connections.length > 0) process.stdout.write(formatList(connections));
  return 0;
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
  if (options.checkPolicy) {
    process.exitCode = await runCheckPolicy(options.checkPolicy);
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
  if (options.savePassword !== null) {
    const library = await openOfflineLibrary({ dataDir: options.dataDir, policyFile: options.policy, machinePolicyFile: machinePolicyPath() });
    const matches = library.matching(options.savePassword);
    const profile = matches.length === 1 ? matches[0]! : null;
    if (!profile) {
      process.stderr.write(`deskbridge: ${notFoundOrAmbiguous(options.savePassword, matches, 'so no password was saved')}\n`);
      process.exit(1);
    }
    const password = await readPasswordLine(`Password for "${profile.name}": `);
    if (password === '') {
      process.stderr.write('deskbridge: no password was given on standard input, so none was saved.\n');
      process.exit(1);
    }
    try {
      await library.savePassword(profile.id, password);
    } catch (error) {
      if (!(error instanceof PolicyRefusal)) throw error;
      process.stderr.write(`deskbridge: ${error.message} No password was saved.\n`);
      process.exit(1);
    }
    process.stdout.write(`Saved the password of "${profile.name}" (id ${profile.id}) in ${library.secretsBackend === 'keychain' ? 'the system keychain' : 'the encrypted file store'}.\n`);
    return;
  }
  if (options.list) {
    process.exitCode = await runList(options, options.list.json);
    return;
  }
  if (options.importFiles.length > 0 || options.exportProfile) {
    const library = await openOfflineLibrary({ dataDir: options.dataDir, policyFile: options.policy, machinePolicyFile: machinePolicyPath() });
    const single = options.importFiles.length === 1;
    const results: ImportResult[] = [];
    // Each file in turn, each saved as it is imported: a file refused (malformed, unreadable, refused by policy) does
    // not stop the others, and those imported stay. One file alone fails as it always did (its error thrown).
    for (const file of options.importFiles) results.push(await importOne(library, options.dataDir, file, single));
    // What the app would show in its banners (a connections file set aside, an invalid policy): a script must see it too,
    // once: an import refused for that very reason (an invalid policy) says it as the refusal.
    const refusals = new Set(results.map((r) => r.refusal));
    for (const notice of library.notices) if (!refusals.has(notice)) process.stderr.write(`deskbridge: warning: ${notice}\n`);
    if (single) {
      const [{ file, outcome, refusal, deleted }] = results as [ImportResult];
      if (refusal !== null || !outcome?.ok) {
        process.stderr.write(`deskbridge: ${path.basename(file)}: ${refusal} Nothing was imported.${deleted ? ` ${DELETED_AS_ASKED}` : ''}\n`);
        // With --export the export still runs (as after several files, one refused): the exit status says it.
        if (!options.exportProfile) process.exit(1);
        process.exitCode = 1;
      } else {
        const notes = deleted ? [...outcome.notes, DELETED_AS_ASKED] : outcome.notes;
        // A .vv is a new ticket each time: not "this file", but the connection it makes, is in the library already.
        if (outcome.sameConnection) process.stdout.write(`Already in the library: "${outcome.profile.name}" (id ${outcome.profile.id}) is the connection this file makes. Nothing was added.\n${deleted ? `Note: ${DELETED_AS_ASKED}\n` : ''}`);
        else if (outcome.alreadyImported) process.stdout.write(`Already imported from this file: "${outcome.profile.name}" (id ${outcome.profile.id}). Nothing was added.\n`);
        else process.stdout.write(`Imported "${outcome.profile.name}" (id ${outcome.profile.id}).\n${notes.map((n) => `Note: ${n}\n`).join('')}`);
      }
    } else if (results.length > 1) {
      let failed = 0;
      for (const { file, outcome, refusal, unreadable, deleted } of results) {
        const label = shownPath(file);
        if (unreadable !== null) {
          failed++;
          process.stderr.write(`deskbridge: ${unreadable}\n`);
        } else if (refusal !== null || !outcome?.ok) {
          failed++;
          process.stderr.write(`deskbridge: ${label}: refused: ${refusal}${deleted ? ` ${DELETED_AS_ASKED}` : ''}\n`);
        } else if (outcome.alreadyImported) {
          process.stdout.write(`${label}: already in the library as "${outcome.profile.name}" (id ${outcome.profile.id}); nothing was added.\n${deleted ? `${label}: note: ${DELETED_AS_ASKED}\n` : ''}`);
        } else {
          const notes = deleted ? [...outcome.notes, DELETED_AS_ASKED] : outcome.notes;
          process.stdout.write(`${label}: imported as "${outcome.profile.name}" (id ${outcome.profile.id}).\n${notes.map((n) => `${label}: note: ${n}\n`).join('')}`);
        }
      }
      const imported = results.filter((r) => r.outcome?.ok && !r.outcome.alreadyImported && r.refusal === null).length;
      const already = results.length - imported - failed;
      process.stdout.write(`${results.length} files: ${imported} imported, ${already} already in the library, ${failed} refused.\n`);
      if (failed > 0) process.exitCode = 1;
    }
    if (options.exportProfile) {
      const matches = library.matching(options.exportProfile.nameOrId);
      const profile = matches.length === 1 ? matches[0]! : null;
      if (!profile) {
        process.stderr.write(`deskbridge: ${notFoundOrAmbiguous(options.exportProfile.nameOrId, matches, 'so nothing was written')}\n`);
        process.exit(1);
      }
      const format = options.exportProfile.file.toLowerCase().endsWith('.remmina') ? 'remmina' : 'rdp';
      const exported = await exportProfile(profile, options.dataDir, format);
      if (!exported.ok) {
        process.stderr.write(`deskbridge: ${exported.message} Nothing was written.\n`);
        process.exit(1);
      }
      await writeFile(options.exportProfile.file, exported.bytes).catch((error: unknown) => {
        throw describeFileError(error, options.exportProfile!.file, 'write');
      });
      process.stdout.write(`Wrote "${profile.name}" to ${options.exportProfile.file} (no password).\n`);
    }
    return;
  }
  const shell = options.shell ?? (findElectronBinary(packageRoot()) ? 'electron' : 'browser');
  if (shell === 'electron') runElectronShell(argv);
  else await runBrowserShell(options);
}

// Run when executed (bin/deskbridge.mjs imports the bundle), not when a test imports this module.
if (process.env.DESKBRIDGE_CLI_NO_MAIN !== '1') {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`deskbridge: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
