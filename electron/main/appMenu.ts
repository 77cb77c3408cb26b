// The application menu, as data: Electron builds it, tests read it without an
// Electron binary. Only types come from 'electron' here.
import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuInput {
  /** A developer's run (DESKBRIDGE_DEV=1, developerMode()): adds Reload and the developer tools. */
  dev: boolean;
  onSaveDiagnostics: () => void;
}

/**
 * A minimal menu: full screen, diagnostics for IT, quit, and the Edit roles
 * that make copy and paste work in text fields on macOS. Kiosk windows get no
 * menu at all (electron/main/index.ts).
 */
export function applicationMenuTemplate(input: AppMenuInput): MenuItemConstructorOptions[] {
  const app: MenuItemConstructorOptions = {
    label: 'DeskBridge',
    submenu: [
      { role: 'togglefullscreen' },
      { type: 'separator' },
      { label: 'Save diagnostics for IT…', click: () => input.onSaveDiagnostics() },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const menu = [app, edit];
  if (input.dev) menu.push({ label: 'Develop', submenu: [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }] });
  return menu;
}

/**
 * The DeskBridge arguments in Electron's argv. The CLI starts Electron as
 * `electron dist/main.mjs -- ARGS`; a packaged app gets `app ARGS`; `electron
 * dist/main.mjs ARGS` (by hand) works too.
 */
export function shellArguments(argv: readonly string[], packaged: boolean): string[] {
  const separator = argv.indexOf('--');
  if (separator >= 0) return argv.slice(separator + 1);
  return argv.slice(packaged ? 1 : 2);
}

/**
 * Whether this is a developer's run: DESKBRIDGE_DEV=1. Not "not packaged": DeskBridge runs unpackaged from its
 * npm install (`deskbridge` starts Electron on dist/main.mjs), so that would give every user Reload and the
 * developer tools, with which a user on a managed desktop could run script in the app's page.
 */
export function developerMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DESKBRIDGE_DEV === '1';
}
