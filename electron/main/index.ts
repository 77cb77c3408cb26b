// Electron main process: the command line's actions (--list, --import…) done
// and exited; else single instance, the gateway in-process, one hardened
// window on the renderer the gateway serves. The only folder that imports
// 'electron'.
import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../gateway/index';
import { USAGE, UsageError, parseCli, type CliOptions } from '../cli/options';
import { runAction } from '../cli/actions';
import { readOpenFile } from '../gateway/profiles/namedFiles';
import { applicationMenuTemplate, developerMode, shellArguments } from './appMenu';
import { kioskReloadDelayMs, kioskSwallowsKey, navigationAllowed, originOf, permissionAllowed, secureWindowOptions } from './windowPolicy';

const here = path.dirname(fileURLToPath(import.meta.url));
let gateway: RunningGateway | null = null;
let window: BrowserWindow | null = null;

function readOptions(): CliOptions {
  try {
    return parseCli(shellArguments(process.argv, app.isPackaged));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`deskbridge: ${error.message}\n\n${USAGE}\n`);
    app.exit(2);
    process.exit(2);
  }
}
const options = readOptions();

/**
 * `DeskBridge --list`, `--import FILE...` and the other actions, as a deployment script runs the packaged binary:
 * done as `deskbridge` does them (the same words, the same exit codes), and the process exits, with no gateway,
 * no window, and before the single-instance lock, which would hand the arguments to a running app and do nothing;
 * the actions work on the data folder beside a running app, as the command's do.
 */
// A reader that stops early (`DeskBridge --list | head -1`) closes the pipe: that is no error for the main process's
// exception dialog, which would keep the process from exiting.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
const actionCode = await runAction(options);
if (actionCode !== null) {
  // app.exit does not wait for the output: a pipe (macOS's) may still hold the list a script is reading.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  app.exit(actionCode);
  process.exit(actionCode);
}

/** Resolves once what was written to the stream before has gone out. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * The file to open (FILE), read before anything else: a broker's one-shot ticket (a .vv with delete-this-file)
 * is deleted once read, whichever instance reads it, and a second instance hands its bytes to the first.
 */
let fileToOpen: { fileName: string; bytes: Uint8Array } | null = null;
try {
  fileToOpen = await readOpenFile(options.file);
} catch (error) {
  process.stderr.write(`deskbridge: ${(error as Error).message}\n`);
  app.exit(1);
  process.exit(1);
}

/** What a second instance hands the first (Electron passes it as JSON). */
interface SecondInstanceData {
  file?: { fileName: string; base64: string };
}

const handOver: SecondInstanceData = fileToOpen ? { file: { fileName: fileToOpen.fileName, base64: Buffer.from(fileToOpen.bytes).toString('base64') } } : {};
/** Files macOS handed over before the gateway was up ('open-file' at launch), read as they came. */
const openedAtLaunch: Promise<{ fileName: string; bytes: Uint8Array } | null>[] = [];

/** A file macOS hands over ('open-file'), read; or null, with the reason said in a box. */
async function readHandedFile(file: string): Promise<{ fileName: string; bytes: Uint8Array } | null> {
  try {
    return await readOpenFile(file);
  } catch (error) {
    dialog.showErrorBox('DeskBridge', `${path.basename(file)} could not be opened: ${(error as Error).message}`);
    return null;
  }
}

if (!app.requestSingleInstanceLock(handOver as Record<string, unknown>)) {
  app.quit();
} else {
  // macOS gives a file opened in the Finder (a double-click, a file dropped on the Dock icon) as 'open-file', not on
  // the command line. At launch it comes before the app is ready and opens with the app, as FILE does; later it opens
  // in a window of its own, as a second instance's file does.
  app.on('open-file', (event, file) => {
    event.preventDefault();
    if (gateway) {
      const running = gateway;
      void readHandedFile(file).then((opened) => opened && openSecondFile(running, opened));
    } else {
      openedAtLaunch.push(readHandedFile(file));
    }
  });
  app.on('second-instance', (_event, _argv, _workingDirectory, data) => {
    const file = (data as SecondInstanceData | undefined)?.file;
    // `deskbridge FILE` again while the app runs: the file opens in a window of its own, as a second
    // `deskbridge` opens a second window in the browser shell; without a file, the window comes forward.
    if (file && typeof file.fileName === 'string' && typeof file.base64 === 'string' && gateway) {
      void openSecondFile(gateway, { fileName: path.basename(file.fileName), bytes: new Uint8Array(Buffer.from(file.base64, 'base64')) });
      return;
    }
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      // Started from a desktop entry there is no terminal: say it in a box too.
      const message = `DeskBridge could not start: ${(error as Error).message}`;
      process.stderr.write(message + '\n');
      dialog.showErrorBox('DeskBridge', message);
      app.exit(1);
    });
}

async function start(): Promise<void> {
  const launchFiles = (await Promise.all(openedAtLaunch.splice(0))).filter((file) => file !== null);
  if (!fileToOpen) fileToOpen = launchFiles.shift() ?? null;
  gateway = await startGateway({
    port: options.port,
    dataDir: options.dataDir,
    shell: 'electron',
    connect: options.connect,
    policyFile: options.policy,
    rendererDir: path.join(here, 'renderer'),
    kiosk: { enabled: options.kiosk, onSessionEnd: options.onSessionEnd },
    onQuitRequested: () => app.quit(),
    openFile: fileToOpen,
  });
  const origin = gateway.origin;
  // INVARIANT: only the gateway's own page gets permissions, and only those the app uses.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionAllowed(permission, originOf(details.requestingUrl), origin)));
  // Electron gives a check's origin as a URL ("http://127.0.0.1:PORT/"): compared as an origin, as requests are.
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, originOf(requestingOrigin), origin));
  app.on('web-contents-created', (_event, contents) => {
    // The app opens no links: no window, and nothing handed to the system browser, whatever a page asks.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-frame-navigate', (event) => {
      if (!navigationAllowed(event.url, origin)) event.preventDefault();
    });
    contents.on('will-navigate', (event, url) => {
      if (!navigationAllowed(url, origin)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!navigationAllowed(url, origin)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenuTemplate({ dev: developerMode(), onSaveDiagnostics: () => void saveDiagnostics() })));
  await openWindow(gateway);
  // More than one file at launch: the others as later ones open.
  for (const file of launchFiles) await openSecondFile(gateway, file);
}

/**
 * The app's window, on a new start code. A kiosk's (by --kiosk or by the policy, as a fleet turns it on) has no
 * way out: it stays full screen, its close is refused unless the app itself quits (kiosk's quit action, a
 * signal), and a page that crashed or was killed is loaded again, as the browser shell opens its kiosk window
 * again whenever it closes.
 */
async function openWindow(running: RunningGateway): Promise<BrowserWindow> {
  const kiosk = running.kioskEnabled();
  const opened = new BrowserWindow(secureWindowOptions({ preload: path.join(here, 'preload.cjs'), kiosk, dev: developerMode() }));
  window = opened;
  if (kiosk) {
    Menu.setApplicationMenu(null);
    opened.webContents.on('before-input-event', (event, input) => {
      if (kioskSwallowsKey(input)) event.preventDefault();
    });
    opened.on('leave-full-screen', () => opened.setFullScreen(true));
    opened.on('close', (event) => {
      if (!quitting) event.preventDefault();
    });
    let quickCrashes = 0;
    let loadedAt = Date.now();
    opened.webContents.on('render-process-gone', (_event, details) => {
      if (quitting) return;
      quickCrashes = Date.now() - loadedAt < 10_000 ? quickCrashes + 1 : 0;
      const delayMs = kioskReloadDelayMs(quickCrashes);
      process.stderr.write(`deskbridge: kiosk: the page ended (${details.reason}); loading it again in ${delayMs} ms\n`);
      setTimeout(() => {
        if (quitting || opened.isDestroyed()) return;
        loadedAt = Date.now();
        void opened.loadURL(running.startUrl());
      }, delayMs);
    });
  }
  opened.once('ready-to-show', () => opened.show());
  await opened.loadURL(running.startUrl());
  return opened;
}

/** A file handed over by a second instance: added as the first instance's own open does it, then shown in a window of its own. */
async function openSecondFile(running: RunningGateway, file: { fileName: string; bytes: Uint8Array }): Promise<void> {
  const outcome = await running.openFile(file).catch((error: unknown) => ({ ok: false as const, message: (error as Error).message }));
  if (!outcome.ok) {
    dialog.showErrorBox('DeskBridge', `${file.fileName} could not be opened: ${outcome.message}`);
    return;
  }
  // A kiosk shows its one desktop: the file's connection is added, and no second window opens.
  if (running.kioskEnabled()) return;
  await openWindow(running);
}

async function saveDiagnostics(): Promise<void> {
  if (!gateway) return;
  const choice = await dialog.showOpenDialog({ title: 'Choose a folder for the diagnostics bundle', properties: ['openDirectory', 'createDirectory'] });
  const folder = choice.filePaths[0];
  if (choice.canceled || !folder) return;
  const out = path.join(folder, `deskbridge-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const files = await gateway.writeDiagnostics(out);
  await dialog.showMessageBox({ message: `Saved ${files.length} files for IT in ${out}. They contain no passwords.` });
}

// A kiosk's window never closes while the app runs (see openWindow); should it be destroyed all the same,
// a new one opens instead of the app quitting.
app.on('window-all-closed', () => {
  if (gateway?.kioskEnabled() && !quitting) void openWindow(gateway);
  else app.quit();
});

/** The app is quitting (its own quit action, the menu, a signal): windows may close. */
let quitting = false;
app.on('before-quit', () => {
  quitting = true;
});

// Close the gateway (sessions, open files, logs) before the process ends,
// however the quit began: the menu, the last window, kiosk's quit action, a signal.
let closing = false;
app.on('will-quit', (event) => {
  quitting = true;
  if (closing || !gateway) return;
  closing = true;
  event.preventDefault();
  void gateway.close().finally(() => app.quit());
});
process.once('SIGINT', () => app.quit());
process.once('SIGTERM', () => app.quit());
