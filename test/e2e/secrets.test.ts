// Saved passwords: in the OS keychain (gnome-keyring on a private D-Bus), never
// in a file in any encoding; after a restart the profiles and the password are
// still there; with no keychain, the encrypted-file fallback, and the UI says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startKeyring, type KeyringSession } from '../servers/keyring';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { hexColour } from '../servers/xwd';
import { startApp, removeDataDir, type RunningApp } from '../support/app';
import { openBrowser, type TestBrowser } from '../support/browser';
import { createProfile, sessionView, waitForCanvasColour, waitForState } from '../support/ui';
import type { ProfileView } from '../../shared/api/contract';

// Made at run time, so that no source or compiled test file contains it; 8 characters because VncAuth uses 8.
const PASSWORD = `K${randomBytes(4).toString('hex').slice(0, 7)}`;

test('a saved password goes to the keychain, survives a restart, and is in no file', async (t) => {
  let keyring: KeyringSession | undefined;
  let server: XvncServer | undefined;
  let app: RunningApp | undefined;
  let browser: TestBrowser | undefined;
  let dataDir: string | undefined;
  t.after(async () => {
    await browser?.close();
    await app?.stop();
    if (dataDir) await removeDataDir(dataDir);
    await disposeXvnc(server);
    await keyring?.stop();
  });
  keyring = await startKeyring();
  server = await startXvnc({ password: PASSWORD, background: '#445566', xterm: false });
  app = await startApp({ env: keyring.env });
  dataDir = app.dataDir;

  browser = await openBrowser({ origin: app.origin });
  await browser.page.goto(app.url);
  const backend = browser.page.getByTestId('secrets-backend');
  assert.match((await backend.textContent()) ?? '', /keychain/i);
  await createProfile(browser.page, { name: 'Kept', port: server.port, password: PASSWORD });
  await browser.close();
  browser = undefined;

  // Restart on the same data folder.
  await app.stop();
  app = await startApp({ dataDir, env: keyring.env });
  browser = await openBrowser({ origin: app.origin });
  await browser.page.goto(app.url);
  const item = browser.page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Kept', exact: true });
  await item.waitFor();
  await item.dblclick();
  await waitForState(browser.page, 'Connected');
  await waitForCanvasColour(browser.page, 500, 400, hexColour('#445566'));
  assert.equal(await browser.page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'the saved password signed in');
  await browser.close();
  browser = undefined;

  const profiles = JSON.parse(await readFile(path.join(dataDir, 'profiles.json'), 'utf8')) as { profiles: ProfileView[] };
  const id = profiles.profiles[0]!.id;
  assert.equal(await keyring.lookup({ service: 'DeskBridge', username: `profile:${id}` }), PASSWORD);

  const needles = [Buffer.from(PASSWORD, 'utf8'), Buffer.from(PASSWORD, 'utf16le'), ...base64Forms(Buffer.from(PASSWORD, 'utf8')), ...base64Forms(Buffer.from(PASSWORD, 'utf16le'))];
  const hits: string[] = [];
  for (const root of [dataDir, keyring.home, os.tmpdir()]) {
    for await (const file of files(root)) {
      const content = await readFile(file).catch(() => null);
      if (content && needles.some((n) => content.includes(n))) hits.push(file);
    }
  }
  assert.deepEqual(hits, [], 'the password is in these files');
});

test('with no keychain running the encrypted-file fallback is used, and the UI says so', async (t) => {
  const env = { ...process.env };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  let app: RunningApp | undefined;
  let browser: TestBrowser | undefined;
  t.after(async () => {
    await browser?.close();
    await app?.stop();
    if (app) await removeDataDir(app.dataDir);
  });
  app = await startApp({ env });
  browser = await openBrowser({ origin: app.origin });
  await browser.page.goto(app.url);
  const backend = browser.page.getByTestId('secrets-backend');
  await backend.waitFor();
  assert.match((await backend.textContent()) ?? '', /encrypted file/i);
  assert.match(await browser.page.locator('.secrets-description').textContent() ?? '', /weaker than a keychain/);
});

for (const [how, reason] of [
  ['has stopped answering', 'the system keychain did not answer'],
  ['is locked', 'the system keychain is locked and was not unlocked'],
] as const) {
  test(`"Remember password" while the keychain ${how}: the session goes on, the screen says the password was not saved, and the next Connect asks again`, async (t) => {
    let keyring: KeyringSession | undefined;
    let server: XvncServer | undefined;
    let app: RunningApp | undefined;
    let browser: TestBrowser | undefined;
    t.after(async () => {
      await browser?.close();
      await app?.stop();
      if (app) await removeDataDir(app.dataDir);
      await disposeXvnc(server);
      await keyring?.stop();
    });
    keyring = await startKeyring();
    server = await startXvnc({ password: PASSWORD, background: '#335577', xterm: false });
    app = await startApp({ env: keyring.env });
    browser = await openBrowser({ origin: app.origin });
    const { page } = browser;
    await page.goto(app.url);
    assert.match((await page.getByTestId('secrets-backend').textContent()) ?? '', /keychain/i);
    await createProfile(page, { name: 'Keychain away', port: server.port });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Password required' });
    await dialog.waitFor({ timeout: 10_000 });
    // While the user types, the keychain goes away (its D-Bus session with it), or is locked (with no desktop to ask for its password).
    if (how === 'is locked') await keyring.lock();
    else {
      await keyring.stop();
      keyring = undefined;
    }
    await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await dialog.getByLabel('Remember password').check();
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 500, 400, hexColour('#335577'));
    const said = sessionView(page).getByRole('status').filter({ hasText: 'not remembered' });
    await said.waitFor({ timeout: 10_000 });
    assert.equal(await said.locator('span').textContent(), `The password could not be saved: ${reason}. The session goes on with the password you typed; it is not remembered.`);
    // Not remembered: the connection has no saved password, and the next Connect asks for it.
    await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
    await waitForState(page, 'Disconnected');
    await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.waitFor({ timeout: 10_000 });
  });
}

test('a damaged key file for the encrypted passwords: the app starts and says so, a connection asks for its password (nothing offers to remember it) and connects, and the key file is left as it was', async (t) => {
  const env = { ...process.env, DESKBRIDGE_SECRETS: 'file' };
  let server: XvncServer | undefined;
  let app: RunningApp | undefined;
  let browser: TestBrowser | undefined;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-data-'));
  t.after(async () => {
    await browser?.close();
    await app?.stop();
    await removeDataDir(dataDir);
    await disposeXvnc(server);
  });
  // Where startApp puts the key (beside the data folder): damaged, as a half-restored backup leaves it.
  const keyFile = path.join(`${dataDir}-keys`, 'secrets.key');
  await mkdir(path.dirname(keyFile));
  const damaged = Buffer.from('c2hvcnQ=\n');
  await writeFile(keyFile, damaged);
  server = await startXvnc({ password: PASSWORD, background: '#556633', xterm: false });
  app = await startApp({ dataDir, env });
  browser = await openBrowser({ origin: app.origin });
  const { page } = browser;
  await page.goto(app.url);
  const notice = page.getByRole('alert').filter({ hasText: 'Saved passwords cannot be read' });
  await notice.waitFor({ timeout: 10_000 });
  assert.equal(
    await notice.textContent(),
    `Saved passwords cannot be read, and none can be saved: the key file is damaged (${keyFile}). Connections will ask for their password when you connect. To get the saved passwords back, restore that file from a backup; DeskBridge leaves it as it is.`,
  );

  await createProfile(page, { name: 'Asks', port: server.port });
  assert.equal(await page.getByLabel('Password', { exact: true }).isDisabled(), true, 'no password is offered to be saved');
  await page.getByText(/^Saved passwords cannot be read on this computer/).waitFor();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  await dialog.waitFor({ timeout: 10_000 });
  assert.equal(await dialog.getByLabel('Remember password').count(), 0, 'nothing offers to remember it');
  await dialog.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#556633'));

  assert.deepEqual(await readFile(keyFile), damaged, 'the key file is not replaced by a new key');
  assert.deepEqual(await readdir(path.dirname(keyFile)), ['secrets.key'], 'nor is another key made beside it');
});

/**
 * The password as it would appear inside any base64 text: its bytes can start
 * at any of the three positions of a 3-byte group, so take, for each, the
 * characters that depend on the password's bytes alone.
 */
function base64Forms(secret: Buffer): Buffer[] {
  const forms: Buffer[] = [];
  for (let lead = 0; lead < 3; lead++) {
    const encoded = Buffer.concat([Buffer.alloc(lead), secret]).toString('base64').replace(/=+$/, '');
    // Skip the characters that mix in the leading filler, and the last one, which may mix in what follows.
    const first = lead === 0 ? 0 : lead === 1 ? 2 : 3;
    const last = ((lead + secret.length) % 3 === 0 ? encoded.length : encoded.length - 1);
    forms.push(Buffer.from(encoded.slice(first, last)));
  }
  return forms;
}

/** Regular files under a folder, skipping sockets, links, big files and Chromium's caches. */
async function* files(root: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) {
      const info = await lstat(full).catch(() => null);
      if (info && info.size < 20 * 1024 * 1024) yield full;
    }
  }
}
