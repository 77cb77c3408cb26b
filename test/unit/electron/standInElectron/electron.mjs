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
  requestSingleInstanceLock() {
    report('single-instance-lock', true);
    return true;
  }
  whenReady() {
    return Promise.resolve();
  }
  quit() {
    report('quit');
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

class WebContents extends EventEmitter {
  setWindowOpenHandler(handler) {
    handlers.windowOpen = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.webContents = new WebContents();
    report('window-options', options);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url) {
    const origin = new URL(url).origin;
    report('load-url', url);
    report('start-status', (await fetch(url, { redirect: 'manual' })).status);
    const wc = this.webContents;
    report('navigate-elsewhere-prevented', probe(wc, 'will-navigate', 'https://evil.example/'));
    report('navigate-same-origin-prevented', probe(wc, 'will-navigate', `${origin}/#/profiles`));
    report('redirect-elsewhere-prevented', probe(wc, 'will-redirect', 'http://127.0.0.1:1/'));
    report('webview-prevented', probe(wc, 'will-attach-webview', {}, {}));
    report('window-open', handlers.windowOpen({ url: 'https://example.com/help' }).action);
    const decide = (permission, requestingUrl) => new Promise((resolve) => handlers.permissionRequest(wc, permission, resolve, { requestingUrl, isMainFrame: true }));
    report('permission-clipboard-read-gateway', await decide('clipboard-read', `${origin}/`));
    report('permission-clipboard-read-elsewhere', await decide('clipboard-read', 'https://evil.example/'));
    report('permission-geolocation-gateway', await decide('geolocation', `${origin}/`));
    report('permission-check-keyboardLock', handlers.permissionCheck(wc, 'keyboardLock', origin, {}));
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
