// A stand-in for the 'electron' module, so dist/main.mjs runs under plain Node
// where no Electron binary is installed. It records what the main process does
// as JSON lines on stdout and probes the handlers it installs the way Electron
// would call them. It proves the wiring, not Electron's behaviour: the
// Playwright _electron test does that where a binary exists.
import { EventEmitter } from 'node:events';

const report = (event, value) => process.stdout.write(JSON.stringify({ event, value }) + '\n');
const handlers = {};

class App extends EventEmitter {
  isPackaged = false;
  requestSingleInstanceLock(additionalData) {
    // STANDIN_SECOND_INSTANCE: another instance holds the lock; what this one hands it is reported.
    const second = process.env.STANDIN_SECOND_INSTANCE === '1';
    report('single-instance-lock', !second);
    if (second) report('hand-over', additionalData);
    return !second;
  }
  whenReady() {
    // STANDIN_OPEN_FILE: macOS hands the app a file from the Finder as it launches ('open-file', before ready).
    if (process.env.STANDIN_OPEN_FILE) report('open-file-prevented', probe(this, 'open-file', process.env.STANDIN_OPEN_FILE));
    return Promise.resolve();
  }
  quit() {
    report('quit');
    this.emit('before-quit', { preventDefault: () => undefined });
    let prevented = false;
    this.emit('will-quit', { preventDefault: () => (prevented = true) });
    report('will-quit-waited', prevented);
  }
  exit(code) {
    report('exit', code);
    process.exit(code);
  }
}
export const app = new App();

function probe(preventable, ...args) {
  let prevented = false;
  preventable.emit(...args.slice(0, 1), { preventDefault: () => (prevented = true) }, ...args.slice(1));
  return prevented;
}

let windows = 0;

class WebContents extends EventEmitter {
  setWindowOpenHandler(handler) {
    handlers.windowOpen = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.number = ++windows;
    this.loads = 0;
    this.options = options;
    this.webContents = new WebContents();
    report('window-options', options);
    app.emit('web-contents-created', {}, this.webContents);
  }
  isDestroyed() {
    return false;
  }
  setFullScreen() {}
  async loadURL(url) {
    const origin = new URL(url).origin;
    report('load-url', url);
    report('start-status', (await fetch(url, { redirect: 'manual' })).status);
    // The first window's first load probes the handlers; later loads (a crashed kiosk page, a second window) only load.
    if (this.number > 1 || ++this.loads > 1) return;
    const wc = this.webContents;
    if (this.options.kiosk) {
      report('kiosk-close-prevented', probe(this, 'close'));
      // The page crashes: the kiosk loads it again (a new start code); then the app quits, and the close goes through.
      wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
      setTimeout(() => {
        app.quit();
        report('close-while-quitting-prevented', probe(this, 'close'));
      }, 300);
      return;
    }
    if (process.env.STANDIN_LATER_OPEN_FILE) {
      // A file opened in the Finder while the app runs ('open-file' after ready).
      report('later-open-file-prevented', probe(app, 'open-file', process.env.STANDIN_LATER_OPEN_FILE));
      setTimeout(() => app.quit(), 500);
      return;
    }
    if (process.env.STANDIN_SECOND_FILE) {
      // `deskbridge FILE` run again: the second instance hands the file over.
      const { readFileSync } = await import('node:fs');
      const path = process.env.STANDIN_SECOND_FILE;
      app.emit('second-instance', {}, [], '/', { file: { fileName: path.split('/').pop(), base64: readFileSync(path).toString('base64') } });
      setTimeout(() => app.quit(), 500);
      return;
    }
    report('navigate-elsewhere-prevented', probe(wc, 'will-navigate', 'https://evil.example/'));
    report('navigate-same-origin-prevented', probe(wc, 'will-navigate', `${origin}/#/profiles`));
    report('redirect-elsewhere-prevented', probe(wc, 'will-redirect', 'http://127.0.0.1:1/'));
    report('webview-prevented', probe(wc, 'will-attach-webview', {}, {}));
    report('window-open', handlers.windowOpen({ url: 'https://example.com/help' }).action);
    const decide = (permission, requestingUrl) => new Promise((resolve) => handlers.permissionRequest(wc, permission, resolve, { requestingUrl, isMainFrame: true }));
    report('permission-clipboard-read-gateway', await decide('clipboard-read', `${origin}/`));
    report('permission-clipboard-read-elsewhere', await decide('clipboard-read', 'https://evil.example/'));
    report('permission-geolocation-gateway', await decide('geolocation', `${origin}/`));
    // Electron gives a check's origin as a URL, with its trailing slash.
    report('permission-check-keyboardLock', handlers.permissionCheck(wc, 'keyboardLock', `${origin}/`, {}));
    let framePrevented = false;
    wc.emit('will-frame-navigate', { url: 'https://evil.example/', preventDefault: () => (framePrevented = true) });
    report('frame-navigate-elsewhere-prevented', framePrevented);
    // The user quits: the gateway must close before the process ends.
    setTimeout(() => app.quit(), 50);
  }
  once() {}
  isMinimized() {
    return false;
  }
  focus() {}
}

export const Menu = {
  buildFromTemplate: (template) => {
    report('menu', template.map((item) => item.label));
    return template;
  },
  setApplicationMenu: () => undefined,
};
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler) => (handlers.permissionRequest = handler),
    setPermissionCheckHandler: (handler) => (handlers.permissionCheck = handler),
  },
};
export const dialog = { showErrorBox: (title, message) => report('error-box', message) };
export const shell = { openExternal: (url) => report('open-external', url) };
