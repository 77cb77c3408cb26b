// Electron main process: single instance, the gateway in-process, one
// hardened window on the renderer the gateway serves. The only folder that
// imports 'electron'.
import { app, BrowserWindow, dialog, Menu, session, shell as electronShell } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../gateway/index';
import { parseCli } from '../cli/options';
import { kioskSwallowsKey, navigationAllowed, permissionAllowed, secureWindowOptions } from './windowPolicy';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(process.argv.indexOf('--') + 1);
const options = parseCli(argv);
let gateway: RunningGateway | null = null;
let window: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.whenReady().then(start, (error: unknown) => {
    process.stderr.write(`DeskBridge could not start: ${(error as Error).message}\n`);
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
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) => callback(permissionAllowed(permission, new URL(contents.getURL()).origin, origin)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, origin));
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      // Links to elsewhere open in the system browser, never in an app window.
      if (/^https:\/\//.test(url)) void electronShell.openExternal(url);
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
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'DeskBridge',
        submenu: [
          { role: 'togglefullscreen' },
          { type: 'separator' },
          { label: 'Save diagnostics for IT…', click: () => void saveDiagnostics() },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { label: 'Edit', submenu: [{ role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    ]),
  );
  window = new BrowserWindow(secureWindowOptions({ preload: path.join(here, 'preload.cjs'), kiosk: options.kiosk }));
  if (options.kiosk) {
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

app.on('window-all-closed', () => {
  void gateway?.close().finally(() => app.quit());
});
