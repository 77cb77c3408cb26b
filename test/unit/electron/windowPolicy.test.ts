import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kioskReloadDelayMs, navigationAllowed, originOf, permissionAllowed, secureWindowOptions } from '../../../electron/main/windowPolicy';

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
  assert.equal(prefs.spellcheck, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.navigateOnDragDrop, false);
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
  for (const p of ['clipboard-read', 'clipboard-sanitized-write', 'fullscreen', 'keyboardLock', 'pointerLock']) {
    assert.equal(permissionAllowed(p, origin, origin), true, p);
    assert.equal(permissionAllowed(p, 'http://127.0.0.1:4322', origin), false, `${p} from another port`);
    assert.equal(permissionAllowed(p, 'http://localhost:4321', origin), false, `${p} from localhost`);
    assert.equal(permissionAllowed(p, '', origin), false, `${p} from no origin`);
  }
  assert.equal(permissionAllowed('clipboard-read', '', ''), false, 'no gateway yet: nothing allowed');
});

test('origins of request URLs: opaque and broken URLs have none', () => {
  assert.equal(originOf(`${origin}/start?code=x`), origin);
  assert.equal(originOf('data:text/html,hi'), '');
  assert.equal(originOf('file:///etc/passwd'), '');
  assert.equal(originOf('about:blank'), '');
  assert.equal(originOf('::'), '');
});

test('navigation stays on the gateway', () => {
  assert.equal(navigationAllowed(`${origin}/#x`, origin), true);
  assert.equal(navigationAllowed('http://127.0.0.1:9999/', origin), false);
  assert.equal(navigationAllowed('https://example.com/', origin), false);
  assert.equal(navigationAllowed('file:///etc/passwd', origin), false);
  assert.equal(navigationAllowed('not a url', origin), false);
  assert.equal(navigationAllowed('http://127.0.0.1:4321.evil.example/', origin), false);
  assert.equal(navigationAllowed('http://127.0.0.1:4321@evil.example/', origin), false);
  assert.equal(navigationAllowed('data:text/html,x', ''), false);
});

test('kiosk swallows the keys that would leave the session, and only those', async () => {
  const { kioskSwallowsKey } = await import('../../../electron/main/windowPolicy');
  const key = (k: string, m: Partial<{ control: boolean; alt: boolean; shift: boolean; meta: boolean }> = {}) => ({ key: k, control: false, alt: false, shift: false, meta: false, ...m });
  for (const input of [key('F4', { alt: true }), key('F11'), key('F12'), key('I', { control: true, shift: true }), key('q', { meta: true }), key('w', { meta: true })]) {
    assert.equal(kioskSwallowsKey(input), true, JSON.stringify(input));
  }
  // Combinations a menu-less Electron window gives no meaning go to the remote desktop (a remote browser's Ctrl+W, Ctrl+R, Ctrl+F).
  for (const input of [key('a'), key('Escape'), key('c', { control: true }), key('v', { control: true }), key('Tab', { alt: true }), key('w', { control: true }), key('r', { control: true }), key('t', { control: true }), key('f', { control: true }), key('q', { control: true })]) {
    assert.equal(kioskSwallowsKey(input), false, JSON.stringify(input));
  }
});

test('a kiosk page that keeps crashing is loaded again more slowly: at once, then 0.5 s doubling to 30 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map(kioskReloadDelayMs), [0, 0, 500, 1000, 2000]);
  assert.equal(kioskReloadDelayMs(20), 30_000);
});
