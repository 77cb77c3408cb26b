import { test } from 'node:test';
import assert from 'node:assert/strict';
import { navigationAllowed, permissionAllowed, secureWindowOptions } from '../../../electron/main/windowPolicy';

const origin = 'http://127.0.0.1:4321';

test('the window is hardened (Electron security checklist)', () => {
  const prefs = secureWindowOptions({ preload: '/x/preload.cjs' }).webPreferences!;
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.experimentalFeatures, false);
  assert.equal(prefs.preload, '/x/preload.cjs');
});

test('kiosk windows have no chrome and no developer tools', () => {
  const kiosk = secureWindowOptions({ preload: '/p', kiosk: true });
  assert.equal(kiosk.kiosk, true);
  assert.equal(kiosk.frame, false);
  assert.equal(kiosk.fullscreen, true);
  assert.equal(kiosk.webPreferences?.devTools, false);
  assert.equal(secureWindowOptions({ preload: '/p' }).kiosk, false);
});

test('only the gateway origin gets only the permissions the app uses', () => {
  assert.equal(permissionAllowed('clipboard-read', origin, origin), true);
  assert.equal(permissionAllowed('keyboardLock', origin, origin), true);
  assert.equal(permissionAllowed('clipboard-read', 'http://evil.example', origin), false);
  for (const p of ['geolocation', 'media', 'notifications', 'openExternal', 'midi']) assert.equal(permissionAllowed(p, origin, origin), false, p);
});

test('navigation stays on the gateway', () => {
  assert.equal(navigationAllowed(`${origin}/#x`, origin), true);
  assert.equal(navigationAllowed('http://127.0.0.1:9999/', origin), false);
  assert.equal(navigationAllowed('https://example.com/', origin), false);
  assert.equal(navigationAllowed('file:///etc/passwd', origin), false);
  assert.equal(navigationAllowed('not a url', origin), false);
});

test('kiosk swallows the keys that would leave the session, and only those', async () => {
  const { kioskSwallowsKey } = await import('../../../electron/main/windowPolicy');
  const key = (k: string, m: Partial<{ control: boolean; alt: boolean; shift: boolean; meta: boolean }> = {}) => ({ key: k, control: false, alt: false, shift: false, meta: false, ...m });
  for (const input of [key('F4', { alt: true }), key('w', { control: true }), key('t', { control: true }), key('n', { control: true }), key('l', { control: true }), key('F11'), key('I', { control: true, shift: true })]) {
    assert.equal(kioskSwallowsKey(input), true, JSON.stringify(input));
  }
  for (const input of [key('a'), key('Escape'), key('c', { control: true }), key('v', { control: true }), key('Tab', { alt: true })]) {
    assert.equal(kioskSwallowsKey(input), false, JSON.stringify(input));
  }
});
