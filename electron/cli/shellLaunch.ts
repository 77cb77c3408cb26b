// Finding what the two shells run: an installed Electron binary, or a system
// Chromium for the browser shell's app window. Plain Node, no side effects at
// import, so tests (and the e2e suite) can use these without starting the CLI.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The executable inside an Electron dist folder when path.txt does not say. */
function defaultElectronExecutable(platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'electron.exe';
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return 'electron';
}

/**
 * Finds an installed Electron binary without requiring the 'electron'
 * package: Electron 42+ downloads its binary on the first require (and wants
 * Node 22.12 or later), which must never happen as a side effect of starting.
 * Follows the package's own lookup: node_modules/electron/path.txt names the
 * executable inside node_modules/electron/dist/, and ELECTRON_OVERRIDE_DIST_PATH
 * replaces that dist folder.
 */
export function findElectronBinary(root: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const electronDir = path.join(root, 'node_modules', 'electron');
  let relative: string | null = null;
  try {
    relative = readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim() || null;
  } catch {
    // No path.txt: the binary was never downloaded.
  }
  if (override) {
    const binary = path.join(override, relative ?? defaultElectronExecutable(platform));
    return existsSync(binary) ? binary : null;
  }
  if (!relative) return null;
  const binary = path.join(electronDir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}

/** What the user reads when --shell electron finds no binary; README.md says the same. */
export const ELECTRON_MISSING = `No Electron binary is installed, so the Electron shell cannot start.
npm install does not download it: Electron fetches its binary on first use.
To get it, on a machine that reaches the internet (Node 22.12 or later), run
once in the DeskBridge folder:
    npx install-electron        (or: npx electron --version)
It downloads the binary matching the pinned Electron version into
node_modules/electron/dist. Behind a proxy or without internet, point
ELECTRON_MIRROR at an internal mirror, or unpack a matching Electron build
yourself and set ELECTRON_OVERRIDE_DIST_PATH to its folder.
Until then, use the browser shell: deskbridge --shell browser`;

/** Chromium-based browsers to open the browser shell in, first found wins. */
export function chromiumCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === 'darwin') {
    const apps = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
    const roots = ['/Applications', ...(env.HOME ? [path.posix.join(env.HOME, 'Applications')] : [])];
    return roots.flatMap((root) => apps.map((app) => path.posix.join(root, app)));
  }
  if (platform === 'win32') {
    const roots = [env['ProgramFiles'] ?? 'C:\\Program Files', env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)', ...(env.LOCALAPPDATA ? [env.LOCALAPPDATA] : [])];
    const apps = ['Google\\Chrome\\Application\\chrome.exe', 'Chromium\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe'];
    return apps.flatMap((app) => roots.map((root) => path.win32.join(root, app)));
  }
  return ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'microsoft-edge-stable'];
}

/** The first candidate that exists: absolute paths as they are, bare names looked up on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  for (const candidate of chromiumCandidates(platform, env)) {
    if (path.isAbsolute(candidate) || path.win32.isAbsolute(candidate)) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    for (const dir of (env.PATH ?? '').split(path.delimiter)) {
      if (dir && existsSync(path.join(dir, candidate))) return path.join(dir, candidate);
    }
  }
  return null;
}

/**
 * The browser shell's own Chromium profile keeps no password and fills no form: a password typed into the
 * session's password dialog must go to the keychain (or nowhere, as the user and IT chose), never into Chromium's
 * password manager, which would keep it outside the keychain and whatever the policy says. Chromium reads these
 * preferences at start ("Offer to save passwords" and autofill off, as its PasswordManagerEnabled policy sets);
 * the other preferences Chromium keeps there are left as they are. A file that cannot be read as JSON is replaced.
 *
 * With `origin` (the gateway's, http://127.0.0.1:PORT), the app may read the clipboard there without asking, as
 * the Electron shell grants it (the clipboard's sharing is the connection's and the policy's to decide): the port
 * is new at each start, so an answer given to Chromium's question would be asked again at the next. Only the
 * origin of this start is granted, in place of the one this function granted before.
 */
export function prepareBrowserProfile(profileDir: string, origin?: string): void {
  const dir = path.join(profileDir, 'Default');
  const file = path.join(dir, 'Preferences');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let prefs: Record<string, unknown> = {};
  try {
    const read = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (read && typeof read === 'object' && !Array.isArray(read)) prefs = read as Record<string, unknown>;
  } catch {
    // None yet (a first start), or not JSON.
  }
  const section = (name: string): Record<string, unknown> => {
    const value = prefs[name];
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  };
  prefs.credentials_enable_service = false;
  prefs.credentials_enable_autosignin = false;
  const profile: Record<string, unknown> = { ...section('profile'), password_manager_enabled: false };
  if (origin) profile.content_settings = withClipboardGranted(profile.content_settings, origin);
  prefs.profile = profile;
  prefs.autofill = { ...section('autofill'), enabled: false, profile_enabled: false, credit_card_enabled: false };
  writeFileSync(file, JSON.stringify(prefs), { mode: 0o600 });
}

/**
 * Chromium's arguments for the browser shell: an app window (no tabs, no
 * address bar) with its own profile, so the user's extensions and settings
 * never see the session. Kiosk adds full screen with no browser UI, no pinch
 * zoom, no swipe-back, no error or translate bubbles.
 */
export function browserArgs(url: string, profileDir: string, kiosk: boolean): string[] {
  const common = [`--user-data-dir=${profileDir}`, '--disable-extensions', '--no-first-run', '--no-default-browser-check'];
  if (!kiosk) return [`--app=${url}`, ...common];
  return ['--kiosk', `--app=${url}`, ...common, '--noerrdialogs', '--disable-pinch', '--overscroll-history-navigation=0', '--disable-features=Translate,TouchpadOverscrollHistoryNavigation', '--hide-crash-restore-bubble'];
}

/** Chromium's content settings with the clipboard allowed for `origin` only among the gateway's loopback origins. */
function withClipboardGranted(contentSettings: unknown, origin: string): Record<string, unknown> {
  const object = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  const settings = object(contentSettings);
  const exceptions = object(settings.exceptions);
  const clipboard = object(exceptions.clipboard);
  // An earlier start's grant (another port) goes; anything else (a user's own exceptions) stays.
  const kept = Object.fromEntries(Object.entries(clipboard).filter(([pattern]) => !/^http:\/\/127\.0\.0\.1:\d+,\*$/.test(pattern)));
  return { ...settings, exceptions: { ...exceptions, clipboard: { ...kept, [`${origin},*`]: { setting: 1 } } } };
}
