// Electron main process: single instance, the gateway in-process, one
// hardened window on the renderer the gateway serves. The only folder that
// imports 'electron'.
import { app, BrowserWindow, dialog, Menu, session, shell as electronShell } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../gateway/index';
import { USAGE, UsageError, parseCli, type CliOptions } from '../cli/options';
import { applicationMenuTemplate, shellArguments } from './appMenu';
import { kioskSwallowsKey, navigationAllowed, opensExternally, originOf, permissionAllowed, secureWindowOptions } from './windowPolicy';

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

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
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
  gateway = await startGateway({
    port: options.port,
    dataDir: options.dataDir,
    shell: 'electron',
    connect: options.connect,
    policyFile: options.policy,
    rendererDir: path.join(here, 'renderer'),
    kiosk: { enabled: options.kiosk, onSessionEnd: options.onSessionEnd },
    onQuitRequested: () => app.quit(),
    openFile: options.file ? { fileName: path.basename(options.file), bytes: new Uint8Array(await readFile(options.file)) } : null,
  });
  const origin = gateway.origin;
  // INVARIANT: only the gateway's own page gets permissions, and only those the app uses.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionAllowed(permission, originOf(details.requestingUrl), origin)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, origin));
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (opensExternally(url)) void electronShell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!navigationAllowed(url, origin)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!navigationAllowed(url, origin)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenuTemplate({ dev: !app.isPackaged, onSaveDiagnostics: () => void saveDiagnostics() })));
  // A kiosk by --kiosk or by the policy (as a fleet turns it on).
  const kiosk = gateway.kioskEnabled();
  window = new BrowserWindow(secureWindowOptions({ preload: path.join(here, 'preload.cjs'), kiosk }));
  if (kiosk) {
    Menu.setApplicationMenu(null);
    window.webContents.on('before-input-event', (event, input) => {
      if (kioskSwallowsKey(input)) event.preventDefault();
    });
    window.on('leave-full-screen', () => window?.setFullScreen(true));
  }
  window.once('ready-to-show', () => window?.show());
  await window.loadURL(gateway.startUrl());
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

app.on('window-all-closed', () => app.quit());

// Close the gateway (sessions, open files, logs) before the process ends,
// however the quit began: the menu, the last window, kiosk's quit action, a signal.
let closing = false;
app.on('will-quit', (event) => {
  if (closing || !gateway) return;
  closing = true;
  event.preventDefault();
  void gateway.close().finally(() => app.quit());
});
process.once('SIGINT', () => app.quit());
process.once('SIGTERM', () => app.quit());
