// Saved passwords: in the OS keychain (gnome-keyring on a private D-Bus), never
// in a file in any encoding; after a restart the profiles and the password are
// still there; with no keychain, the encrypted-file fallback, and the UI says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, lstat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startKeyring } from '../servers/keyring';
import { startXvnc, disposeXvnc } from '../servers/xvnc';
import { hexColour } from '../servers/xwd';
import { startApp, removeDataDir } from '../support/app';
import { openBrowser } from '../support/browser';
import { createProfile, waitForCanvasColour, waitForState } from '../support/ui';
import type { ProfileView } from '../../shared/api/contract';

// Made at run time, so that no source or compiled test file contains it; 8 characters because VncAuth uses 8.
const PASSWORD = `K${randomBytes(4).toString('hex').slice(0, 7)}`;

test('a saved password goes to the keychain, survives a restart, and is in no file', async (t) => {
  const keyring = await startKeyring();
  const server = await startXvnc({ password: PASSWORD, background: '#445566', xterm: false });
  let app = await startApp({ env: keyring.env });
  const dataDir = app.dataDir;
  t.after(async () => {
    await app.stop();
    await removeDataDir(dataDir);
    await disposeXvnc(server);
    await keyring.stop();
  });

  let browser = await openBrowser({ origin: app.origin });
  await browser.page.goto(app.url);
  const backend = browser.page.getByTestId('secrets-backend');
  assert.match((await backend.textContent()) ?? '', /keychain/i);
  await createProfile(browser.page, { name: 'Kept', port: server.port, password: PASSWORD });
  await browser.close();

  // Restart on the same data folder.
  await app.stop();
  app = await startApp({ dataDir, env: keyring.env });
  browser = await openBrowser({ origin: app.origin });
  try {
    await browser.page.goto(app.url);
    const item = browser.page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Kept', exact: true });
    await item.waitFor();
    await item.dblclick();
    await waitForState(browser.page, 'Connected');
    await waitForCanvasColour(browser.page, 500, 400, hexColour('#445566'));
    assert.equal(await browser.page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'the saved password signed in');
  } finally {
    await browser.close();
  }

  const profiles = JSON.parse(await readFile(path.join(dataDir, 'profiles.json'), 'utf8')) as { profiles: ProfileView[] };
  const id = profiles.profiles[0]!.id;
  assert.equal(await keyring.lookup({ service: 'DeskBridge', username: `profile:${id}` }), PASSWORD);

  const needles = [Buffer.from(PASSWORD, 'utf8'), Buffer.from(PASSWORD, 'utf16le'), Buffer.from(Buffer.from(PASSWORD).toString('base64'))];
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
  const app = await startApp({ env });
  const browser = await openBrowser({ origin: app.origin });
  t.after(async () => {
    await browser.close();
    await app.stop();
    await removeDataDir(app.dataDir);
  });
  await browser.page.goto(app.url);
  const backend = browser.page.getByTestId('secrets-backend');
  await backend.waitFor();
  assert.match((await backend.textContent()) ?? '', /encrypted file/i);
  assert.match(await browser.page.locator('.secrets-description').textContent() ?? '', /weaker than a keychain/);
});

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
