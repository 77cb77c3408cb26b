import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import { applicationMenuTemplate, developerMode, shellArguments } from '../../../electron/main/appMenu';

function roles(menu: MenuItemConstructorOptions[]): string[] {
  return menu.flatMap((item) => [...(item.role ? [item.role] : []), ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])]);
}

test('the menu has Quit and Toggle fullscreen; Reload and developer tools only in a developer\'s run', () => {
  const shipped = roles(applicationMenuTemplate({ dev: false, onSaveDiagnostics: () => undefined }));
  assert.ok(shipped.includes('quit'));
  assert.ok(shipped.includes('togglefullscreen'));
  assert.ok(shipped.includes('copy') && shipped.includes('paste'), 'Edit roles make copy and paste work on macOS');
  for (const role of ['reload', 'forceReload', 'toggleDevTools']) assert.ok(!shipped.includes(role), role);
  const dev = roles(applicationMenuTemplate({ dev: true, onSaveDiagnostics: () => undefined }));
  assert.ok(dev.includes('reload') && dev.includes('toggleDevTools'));
});

test('the diagnostics item calls back', () => {
  let called = 0;
  const menu = applicationMenuTemplate({ dev: false, onSaveDiagnostics: () => called++ });
  const item = (menu[0]!.submenu as MenuItemConstructorOptions[]).find((i) => /diagnostics/i.test(i.label ?? ''));
  assert.ok(item?.click);
  (item.click as () => void)();
  assert.equal(called, 1);
});

test('DeskBridge arguments are those after --, or after the app path', () => {
  assert.deepEqual(shellArguments(['/e/electron', '/app/dist/main.mjs', '--', '--port', '0', '--kiosk'], false), ['--port', '0', '--kiosk']);
  assert.deepEqual(shellArguments(['/e/electron', '/app/dist/main.mjs', '--', '--', 'x'], false), ['--', 'x']);
  assert.deepEqual(shellArguments(['/opt/DeskBridge/deskbridge', '--connect', 'Office'], true), ['--connect', 'Office']);
  assert.deepEqual(shellArguments(['/e/electron', '/app/dist/main.mjs', '--no-open'], false), ['--no-open']);
  assert.deepEqual(shellArguments(['/e/electron', '/app/dist/main.mjs'], false), []);
});

test('a developer\'s run is asked for (DESKBRIDGE_DEV=1), not inferred from running unpackaged as every npm install does', () => {
  assert.equal(developerMode({}), false);
  assert.equal(developerMode({ DESKBRIDGE_DEV: '0' }), false);
  assert.equal(developerMode({ DESKBRIDGE_DEV: '1' }), true);
});
