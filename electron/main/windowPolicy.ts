// The hardened window (Electron's security checklist), as pure data and
// decisions so they can be unit-tested without an Electron binary. Only
// types come from 'electron' here.
import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowPolicyInput {
  preload: string;
  kiosk?: boolean;
  /** A developer's run (appMenu.ts developerMode()): the developer tools open. */
  dev?: boolean;
}

/** One place for the window options (compare VS Code's defaultBrowserWindowOptions). */
export function secureWindowOptions(input: WindowPolicyInput): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'DeskBridge',
    backgroundColor: '#1b1f24',
    autoHideMenuBar: input.kiosk === true,
    kiosk: input.kiosk === true,
    fullscreen: input.kiosk === true,
    frame: input.kiosk !== true,
    webPreferences: {
      preload: input.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      devTools: input.dev === true && input.kiosk !== true,
      navigateOnDragDrop: false,
      safeDialogs: true,
    },
  };
}

/** Permissions the app asks for, and only from the gateway's own origin. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'keyboardLock', 'pointerLock']);

export function permissionAllowed(permission: string, requestingOrigin: string, gatewayOrigin: string): boolean {
  return gatewayOrigin !== '' && requestingOrigin === gatewayOrigin && ALLOWED_PERMISSIONS.has(permission);
}

/** The origin of a URL, or '' when it has none (so it never equals the gateway's). */
export function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? '' : origin;
  } catch {
    return '';
  }
}

/** Navigation stays on the gateway's origin; everything else is refused. */
export function navigationAllowed(url: string, gatewayOrigin: string): boolean {
  return gatewayOrigin !== '' && originOf(url) === gatewayOrigin;
}

export interface KeyInput {
  key: string;
  control: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

/**
 * In kiosk mode, the key combinations that would reach Electron or the OS's window handling rather than the
 * remote desktop: full screen off, dev tools, Alt+F4, and macOS's Cmd shortcuts that work without a menu.
 * The kiosk window has no menu, so Electron gives no other combination a meaning: Ctrl+W, Ctrl+R, Ctrl+F …
 * go to the remote desktop, as a user of it expects (shared/session/kioskKeys.ts is the browser's longer list).
 * A close that comes another way (the window manager's Alt+F4) is refused by the window itself (main/index.ts).
 */
export function kioskSwallowsKey(input: KeyInput): boolean {
  const key = input.key.toLowerCase();
  if (key === 'f11' || key === 'f12') return true;
  if (input.alt && key === 'f4') return true;
  if ((input.control || input.meta) && input.shift && ['i', 'j', 'c'].includes(key)) return true;
  if (input.meta && ['q', 'w', 'h', 'm'].includes(key)) return true;
  return false;
}

/** How long a kiosk waits before loading its crashed page again: at once, then doubling to 30 s while it keeps ending within 10 s. */
export function kioskReloadDelayMs(quickCrashes: number): number {
  return quickCrashes <= 1 ? 0 : Math.min(30_000, 500 * 2 ** (quickCrashes - 2));
}
