// The hardened window (Electron's security checklist), as pure data and
// decisions so they can be unit-tested without an Electron binary. Only
// types come from 'electron' here.
import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowPolicyInput {
  preload: string;
  kiosk?: boolean;
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
      devTools: input.kiosk !== true,
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

/** In kiosk mode, key combinations that would leave the session (close, new window, dev tools, full screen off). */
export function kioskSwallowsKey(input: KeyInput): boolean {
  const key = input.key.toLowerCase();
  const ctrl = input.control || input.meta;
  if (key === 'f11' || key === 'f12') return true;
  if (input.alt && key === 'f4') return true;
  if (ctrl && ['w', 't', 'n', 'l', 'r', 'q', 'p', 'o', 'h', 'j', 'm'].includes(key)) return true;
  if (ctrl && input.shift && ['i', 'j', 'c'].includes(key)) return true;
  return false;
}

/**
 * window.open and target=_blank never make an app window; an https link (help
 * pages) goes to the system browser, anything else (file:, custom schemes,
 * plain http) nowhere, so a page cannot launch local programs through it.
 */
export function opensExternally(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}
