// The `deskbridge` command. Plain Node: it never imports 'electron'. It does
// an action and exits (--list, --import…: actions.ts), or starts the browser
// shell (gateway + a Chromium app window), or launches the Electron shell
// where an Electron binary is installed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, startGateway } from '../gateway/index';
import { USAGE, UsageError, parseCli, type CliOptions } from './options';
import { readOpenFile } from '../gateway/profiles/namedFiles';
import { runAction } from './actions';
import { ELECTRON_MISSING, browserArgs, findChromium, findElectronBinary, prepareBrowserProfile } from './shellLaunch';

/** The package folder: dist/cli.mjs lives one level below it. */
export function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(here) === 'dist' ? path.dirname(here) : path.resolve(here, '..', '..');
}

export { ELECTRON_MISSING, browserArgs, findChromium, findElectronBinary } from './shellLaunch';
export { describeFileError } from '../gateway/profiles/namedFiles';

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
  // --list, --import and the like do their one thing and exit; the Electron shell does them the same way (actions.ts).
  const code = await runAction(options);
  if (code !== null) {
    process.exitCode = code;
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
