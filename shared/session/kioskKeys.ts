// Keys a browser-shell kiosk keeps from Chromium: combinations whose browser
// action would leave the session (close, a new window, the address bar, view
// source, dev tools, bookmarks, history, downloads, find, full screen off,
// reload, home). The page stops only the browser's action (preventDefault on
// keydown): the remote desktop still gets the keys (Ctrl+F finds in the remote
// program). Chromium runs a few before any page sees them (Ctrl+N, Ctrl+T,
// Ctrl+W, Shift+Esc); README says which managed policy closes those. Electron's
// kiosk has no browser actions behind most of these and stops only its own few
// (electron/main/windowPolicy.ts), since stopping a key there keeps it from the
// page and the remote desktop too.

export interface KioskKeyInput {
  /** KeyboardEvent.key (Electron's input.key is the same). */
  key: string;
  /** Ctrl, or Cmd on a Mac. */
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
}

const CTRL = new Set(['w', 't', 'n', 'l', 'r', 'q', 'p', 's', 'o', 'h', 'j', 'm', 'u', 'd', 'e', 'k', 'g', 'f']);
const CTRL_SHIFT = new Set(['i', 'j', 'c', 'delete', 'o', 'b', 'm', 'a', 'n', 't', 'w', 'q']);
const ALONE = new Set(['f1', 'f3', 'f5', 'f6', 'f7', 'f11', 'f12', 'browserback', 'browserforward', 'browserhome', 'browserrefresh', 'browsersearch']);
const ALT = new Set(['f4', 'home', 'arrowleft', 'arrowright', 'd', 'e', 'f']);

export function kioskBlocksKey(input: KioskKeyInput): boolean {
  const key = input.key.toLowerCase();
  if (input.ctrl && input.shift) return CTRL_SHIFT.has(key) || CTRL.has(key);
  if (input.ctrl) return CTRL.has(key) || key === 'f5';
  if (input.alt) return ALT.has(key);
  return ALONE.has(key);
}
