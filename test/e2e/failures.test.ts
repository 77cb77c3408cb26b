// Sign-in and failures as a user meets them: each with its own clear message
// on screen, within 10 seconds, and nothing left hanging.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { closedPort, droppingPort, silentListener } from '../servers/network';
import { startFaultRelay } from '../servers/faultRelay';
import { hexColour } from '../servers/xwd';
import { startApp, removeDataDir, type RunningApp } from '../support/app';
import { openBrowser, type TestBrowser } from '../support/browser';
import { createProfile, sessionView, trustCertificate, waitFor, waitForCanvasColour, waitForState } from '../support/ui';
import type { Locator } from 'playwright-core';
import { messageFor } from '../../shared/errors/errorCodes';

const PASSWORD = 'Sesam-42';
let server: XvncServer;
let app: RunningApp;
let browser: TestBrowser;

before(async () => {
  server = await startXvnc({ password: PASSWORD, background: '#2a7f3f', xterm: false });
  app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  browser = await openBrowser({ origin: app.origin });
  await browser.page.goto(app.url);
});

after(async () => {
  await browser?.close();
  await app?.stop();
  if (app) await removeDataDir(app.dataDir);
  await disposeXvnc(server);
});

/** The password dialog, once it asks: the right password typed and remembered, and signed in. */
async function typeTheRightPassword(page: TestBrowser['page']): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  await dialog.waitFor({ timeout: 10_000 });
  await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await dialog.getByLabel('Remember password').check();
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await waitForState(page, 'Connected');
}

/**
 * The password dialog back at once after the server refused the password, as mstsc's and Remmina's: the refusal
 * said in it (its description), the keys in the password field, and no overlay with Reconnect behind it.
 */
async function askedAgain(page: TestBrowser['page']): Promise<Locator> {
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  await dialog.getByText('The password was not accepted. Try again.').waitFor({ timeout: 10_000 });
  assert.equal(await dialog.getAttribute('aria-describedby').then((id) => page.locator(`[id="${id}"]`).textContent()), 'The password was not accepted. Try again.');
  await waitFor(async () => (await page.evaluate(() => document.activeElement?.getAttribute('autocomplete'))) === 'current-password', 'the focus in the password field');
  assert.equal(await dialog.getByLabel('Password', { exact: true }).inputValue(), '', 'the refused password is not shown again');
  assert.equal(await sessionView(page).getByRole('button', { name: 'Reconnect' }).count(), 0);
  return dialog;
}


/** What the app recorded for IT (last-connection-errors.json, what the diagnostics bundle carries) of connections to `port`: [code, detail] each. */
async function recordedFailures(port: number): Promise<[string, string | null][]> {
  const recorded = JSON.parse(await readFile(path.join(app.dataDir, 'last-connection-errors.json'), 'utf8').catch(() => '[]')) as Array<{ target: string; code: string; detail: string | null }>;
  return recorded.filter((e) => e.target.endsWith(`:${port}`)).map((e) => [e.code, e.detail]);
}
test('VncAuth: a wrong password asks again at once, saying so; the right one connects and can be remembered', async () => {
  const { page } = browser;
  await createProfile(page, { name: 'Locked desk', port: server.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  await dialog.waitFor({ timeout: 10_000 });
  // Which connection asks, as the library names it.
  assert.match((await dialog.textContent()) ?? '', /To sign in to “Locked desk” \(127\.0\.0\.1\)/);
  await dialog.getByLabel('Password', { exact: true }).fill('wrong-pw');
  const started = Date.now();
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await askedAgain(page);
  assert.ok(Date.now() - started < 10_000);
  await waitForState(page, 'Disconnected');
  // Nothing is tried without the user: the prompt waits, and the server sees no further attempt.
  await page.waitForTimeout(1500);
  await waitForState(page, 'Disconnected');

  await typeTheRightPassword(page);
  await waitForCanvasColour(page, 500, 400, hexColour('#2a7f3f'));

  // Remembered only after it worked: the next connection asks nothing.
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  assert.equal(await sessionView(page).getByRole('alert').count(), 0, 'a disconnect by the user is not shown as a failure');
  await sessionView(page).getByText(messageFor('user-ended')).waitFor();
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected');
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

test('a refused saved password is not tried again: the password is asked for at once, and the right one, remembered, replaces it', async () => {
  const { page } = browser;
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Stale password', port: server.port, password: 'changed-since' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await askedAgain(page);
  await waitForState(page, 'Disconnected');

  await typeTheRightPassword(page);
  await waitForCanvasColour(page, 500, 400, hexColour('#2a7f3f'));

  // The new password replaced the refused one: the next Connect signs in with it, asking nothing.
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected');
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

test('a refused saved password, the right one typed but not remembered: Disconnect and Reconnect sign in with the typed one, asking nothing', async () => {
  const { page } = browser;
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Typed once', port: server.port, password: 'out-of-date' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const dialog = await askedAgain(page);
  await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#2a7f3f'));

  // The out-of-date saved password is not tried in its place, now or on the reconnect after that.
  for (let i = 0; i < 2; i++) {
    await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
    await waitForState(page, 'Disconnected');
    await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
    await waitForState(page, 'Connected');
    assert.equal(await sessionView(page).getByRole('alert').count(), 0);
    assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0);
  }
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
  // Nothing was remembered: the next Connect from the library tries the saved one, which is refused, and says so.
  // Cancel there ends on the refusal, with Reconnect, which has the focus.
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await (await askedAgain(page)).getByRole('button', { name: 'Cancel' }).click();
  await sessionView(page).getByRole('alert').waitFor({ timeout: 10_000 });
  assert.match((await sessionView(page).getByRole('alert').textContent()) ?? '', new RegExp(escape(messageFor('auth-failed'))));
  await waitFor(async () => (await page.evaluate(() => document.activeElement?.textContent)) === 'Reconnect', 'the focus on Reconnect');
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0);
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

test('a saved password still signs in where the page signs in itself (an RFB 3.7 server, which the gateway leaves to the page)', async () => {
  const { page } = browser;
  // Xvnc's greeting made 3.7 on its way: the page and Xvnc then speak 3.7, which the gateway does not sign in to.
  const relay = await startFaultRelay(server.port, '127.0.0.1', { greetingAs: 'RFB 003.007\n' });
  try {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await createProfile(page, { name: 'Older server', port: relay.port, password: PASSWORD });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 500, 400, hexColour('#2a7f3f'));
    assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'the saved password answered noVNC');
    await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
    await waitForState(page, 'Disconnected');
    await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
  } finally {
    await relay.close();
  }
});

test('a wrong saved password where the page signs in itself (an RFB 3.3 server): asked again as elsewhere, and the diagnostics say auth-failed, not server-closed', async () => {
  const { page } = browser;
  // Xvnc's greeting made 3.3 on its way: the page and Xvnc then speak RFB 3.3, which the gateway leaves to the page.
  const relay = await startFaultRelay(server.port, '127.0.0.1', { greetingAs: 'RFB 003.003\n' });
  try {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await createProfile(page, { name: 'Oldest server', port: relay.port, password: 'stale-pw' });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await askedAgain(page);
    await waitForState(page, 'Disconnected');
    // What IT gets in the diagnostics bundle ("Save diagnostics for IT…", --diagnostics): the refusal, as where the gateway signs in.
    await waitFor(async () => (await recordedFailures(relay.port)).length > 0, 'the failure recorded');
    assert.deepEqual(await recordedFailures(relay.port), [['auth-failed', 'the server refused the password (VncAuth), signed in by the page']]);

    // The refused saved password is not tried again: the right one typed signs in.
    await typeTheRightPassword(page);
    await waitForCanvasColour(page, 500, 400, hexColour('#2a7f3f'));
    await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
    await waitForState(page, 'Disconnected');
    await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
  } finally {
    await relay.close();
  }
});

test('a server that refuses sign-ins for a while after too many failures (TigerVNC\'s blacklist): after two wrong passwords, the right one gets a message to wait, not "wrong password", nothing is forgotten, and once the wait is over it signs in', async (t) => {
  const { page } = browser;
  // Refused after two wrong passwords (and the check that its port listens), for 10 s from the first refusal.
  const guarded = await startXvnc({ password: PASSWORD, background: '#7a3fa0', xterm: false, blacklist: { threshold: 3, timeoutSeconds: 10 } });
  t.after(() => disposeXvnc(guarded));
  const blocked = messageFor('sign-in-blocked');

  // Two wrong passwords typed: each the wrong password it is.
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Guarded desk', port: guarded.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const alert = sessionView(page).getByRole('alert');
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  await dialog.waitFor({ timeout: 10_000 });
  for (let i = 0; i < 2; i++) {
    await dialog.getByLabel('Password', { exact: true }).fill(`wrong-${i}`);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await askedAgain(page);
    await waitForState(page, 'Disconnected');
  }
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await alert.waitFor({ timeout: 10_000 });
  assert.match((await alert.textContent()) ?? '', new RegExp(escape(messageFor('auth-failed'))));
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();

  // The right password, saved: the gateway's way in. The server refuses it for now, and the page says so in its words.
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Guarded desk, right password', port: guarded.port, password: PASSWORD });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await alert.waitFor({ timeout: 10_000 });
  const said = (await alert.textContent()) ?? '';
  assert.match(said, new RegExp(escape(blocked)));
  assert.match(said, /The remote computer said: “Too many security failures”\./);
  assert.doesNotMatch(said, new RegExp(escape(messageFor('auth-failed'))));
  assert.doesNotMatch(said, /password (?:was|is) (?:not accepted|wrong)/i);
  await waitForState(page, 'Disconnected');
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'not asked for the password as if it were wrong');
  // What IT gets: its own code, the server's words.
  const ours = () => recordedFailures(guarded.port);
  await waitFor(async () => (await ours()).some(([code]) => code === 'sign-in-blocked'), 'the refusal recorded');
  assert.deepEqual((await ours()).at(-1), ['sign-in-blocked', 'the server refused the connection before any sign-in: Too many security failures']);

  // Reconnect while it still refuses: the same message, and still no question for the password.
  await alert.getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Disconnected');
  await alert.waitFor({ timeout: 10_000 });
  assert.match((await alert.textContent()) ?? '', new RegExp(escape(blocked)));
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0);

  // Once the wait is over, Reconnect signs in with the saved password: it was not forgotten.
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  await alert.getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#7a3fa0'));
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

test('a refused sign-in inside VeNCrypt without TLS (TigerVNC offering only Plain, which the page does itself): the diagnostics say auth-failed with the server\'s reason, not server-closed', async (t) => {
  const { page } = browser;
  const plain = await startXvnc({ password: PASSWORD, background: '#5a6b2f', xterm: false, securityTypes: 'Plain' });
  t.after(() => disposeXvnc(plain));
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Plain desk', port: plain.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  await dialog.waitFor({ timeout: 10_000 });
  await dialog.getByLabel('User name', { exact: true }).fill('nobody-here');
  await dialog.getByLabel('Password', { exact: true }).fill('wrong-pw');
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  // Asked again for both, the user name kept.
  await askedAgain(page);
  assert.equal(await dialog.getByLabel('User name', { exact: true }).inputValue(), 'nobody-here');
  await waitForState(page, 'Disconnected');
  const ours = () => recordedFailures(plain.port);
  await waitFor(async () => (await ours()).length > 0, 'the failure recorded');
  const [code, detail] = (await ours()).at(-1)!;
  assert.equal(code, 'auth-failed');
  assert.match(detail ?? '', /^the server refused the sign-in \(VeNCrypt Plain\), signed in by the page: \S/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor({ timeout: 10_000 });
  assert.match((await alert.textContent()) ?? '', new RegExp(escape(messageFor('auth-failed'))));
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

test('a server that asks for TLS (VeNCrypt TLSVnc only), which the page alone cannot do: with the saved password the desktop appears, shown as encrypted', async (t) => {
  const { page } = browser;
  const secure = await startXvnc({ password: PASSWORD, background: '#3b4cc0', xterm: false, securityTypes: 'TLSVnc' });
  t.after(() => disposeXvnc(secure));
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'TLS only', port: secure.port, password: PASSWORD });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#3b4cc0'));
  const badge = sessionView(page).locator('.badge').filter({ hasText: 'Encrypted · unverified' });
  await badge.waitFor({ timeout: 5_000 });
  assert.match((await badge.getAttribute('title')) ?? '', /VeNCrypt TLSVnc/);
  assert.equal(await sessionView(page).getByText('Not encrypted').count(), 0);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

test('the same server with no saved password: the password dialog asks, the gateway signs in inside TLS with it, and once remembered it is not asked again', async (t) => {
  const { page } = browser;
  const secure = await startXvnc({ password: PASSWORD, background: '#8a3bc0', xterm: false, securityTypes: 'TLSVnc' });
  t.after(() => disposeXvnc(secure));
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'TLS, typed', port: secure.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await typeTheRightPassword(page);
  await waitForCanvasColour(page, 500, 400, hexColour('#8a3bc0'));
  await sessionView(page).getByText('Encrypted · unverified').waitFor({ timeout: 5_000 });
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected');
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'remembered: the gateway signs in with it');
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

test('a VNC server with a certificate (VeNCrypt X509Vnc): asked about it as for RDP, trusted always, connected with no warning badge, and not asked again', async (t) => {
  const { page } = browser;
  const x509 = await startXvnc({ password: PASSWORD, background: '#1f8a8a', xterm: false, securityTypes: 'X509Vnc,VncAuth', x509: true });
  t.after(() => disposeXvnc(x509));
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Certified VNC', port: x509.port, password: PASSWORD });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: /server.s identity/ });
  await dialog.waitFor({ timeout: 15_000 });
  assert.match((await dialog.textContent()) ?? '', new RegExp(x509.certificateFingerprint!.slice(0, 20)), 'the server\'s own certificate, by fingerprint');
  await trustCertificate(page, 'Trust always');
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#1f8a8a'));
  assert.equal(await sessionView(page).locator('.badge').count(), 0, 'encrypted and verified: neither "Not encrypted" nor "server not verified"');
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected');
  assert.equal(await page.getByRole('dialog', { name: /server.s identity/ }).count(), 0, 'pinned to the connection');
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
});

/** What the screen said for each failure, for the check that they differ. */
const shown = new Map<string, string>();

for (const [what, code, make] of [
  ['a closed port', 'host-refused', async () => ({ port: await closedPort(), close: async () => undefined })],
  ['a listener that never speaks', 'no-greeting', silentListener],
  ['a host that drops packets', 'host-unreachable', droppingPort],
] as const) {
  test(`${what} fails within 10 s with its own message`, async () => {
    const { page } = browser;
    const target = await make();
    try {
      await page.getByRole('tab', { name: 'Connections' }).click();
      await createProfile(page, { name: `Broken: ${what}`, port: target.port });
      const started = Date.now();
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      const alert = sessionView(page).getByRole('alert');
      await alert.waitFor({ timeout: 10_000 });
      const elapsed = Date.now() - started;
      const text = (await alert.textContent()) ?? '';
      shown.set(code, text);
      assert.ok(text.includes(messageFor(code)), `${what}: showed "${text}"`);
      assert.ok(elapsed < 10_000, `${what}: took ${elapsed} ms`);
      await waitForState(page, 'Disconnected');
      await alert.getByRole('button', { name: 'Close', exact: true }).click();
    } finally {
      await target.close();
    }
  });
}

test('the three failures showed three different messages', () => {
  assert.equal(shown.size, 3, `messages seen: ${JSON.stringify([...shown])}`);
  assert.equal(new Set(shown.values()).size, 3, `messages seen: ${JSON.stringify([...shown])}`);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('a connection that needs what DeskBridge lacks (an RD Gateway): it says what, connects nowhere, and offers no Reconnect that cannot help', async () => {
  const { page } = browser;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-failures-'));
  try {
    const file = path.join(dir, 'Behind gateway.rdp');
    // The host is one that listens: were the gateway ignored, this would connect straight to it.
    await writeFile(file, `full address:s:127.0.0.1:${server.port}\r\ngatewayhostname:s:gw.corp.example\r\ngatewayusagemethod:i:1\r\n`);
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByLabel('Import connection file').setInputFiles(file);
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Behind gateway', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const alert = sessionView(page).getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    const text = (await alert.textContent()) ?? '';
    assert.ok(text.includes(messageFor('feature-unsupported')), text);
    assert.match(text, /It needs: RD Gateway \(gw\.corp\.example\)\./);
    assert.equal(await alert.getByRole('button', { name: 'Reconnect' }).count(), 0);
    assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'nothing asked: nothing is sent anywhere');
    await alert.getByRole('button', { name: 'Close', exact: true }).click();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
