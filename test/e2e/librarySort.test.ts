// The library's "Sort by": by name (the default), recently used (a real session against Xvnc makes one), or host;
// the choice outlives a reload and a restart of the app, the selected connection stays selected and Tab's stop in
// the list, search keeps working in each order, and a delete selects the next connection in the order shown.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startApp, removeDataDir, type RunningApp } from '../support/app';
import { openBrowser, type TestBrowser } from '../support/browser';
import { startXvnc, disposeXvnc } from '../servers/xvnc';
import { profilesFile, storedProfile } from '../support/storedProfiles';
import { waitForState } from '../support/ui';

/** The names of the connections under a heading of the list ("All connections", "Lab"), top to bottom. */
const namesUnder = (list: Locator, heading: string) =>
  list
    .getByRole('list', { name: heading, exact: true })
    .locator('.profile-item')
    .evaluateAll((items) => items.map((item) => item.getAttribute('aria-label')));

const sortBy = (page: Page) => page.getByRole('navigation', { name: 'Connections' }).getByLabel('Sort by');

/** The app on a data folder of these stored connections, and a browser on it; both stopped, the folder removed, after the test. */
async function openLibrary(t: TestContext, prefix: string, profiles: Parameters<typeof profilesFile>[0]): Promise<{ page: Page }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await writeFile(path.join(dataDir, 'profiles.json'), profilesFile(profiles));
  const app = await startApp({ dataDir, env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  const browser = await openBrowser({ origin: app.origin });
  t.after(async () => {
    await browser.close();
    await app.stop();
    await removeDataDir(dataDir);
  });
  await browser.page.goto(app.url);
  return { page: browser.page };
}

test('Sort by: recently used puts the connection just used first, host sorts by address, and the choice is kept across a reload and a restart', async (t) => {
  const server = await startXvnc({ background: '#336699' });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-sort-'));
  let app: RunningApp | null = null;
  let browser: TestBrowser | null = null;
  t.after(async () => {
    await browser?.close();
    await app?.stop();
    await removeDataDir(dataDir);
    await disposeXvnc(server);
  });
  const now = new Date().toISOString();
  // Only "Zulu" is a desktop that answers; by name it comes last. "Alpha"'s last connection time is not a time (a
  // hand-edited file): it is listed as never used, not an error.
  const seeds = [
    { name: 'Alpha', host: 'desk-10.example', port: 5900, lastConnectedAt: 'yesterday-ish' },
    { name: 'Bravo', host: 'desk-9.example', port: 5900 },
    { name: 'Zulu', host: '127.0.0.1', port: server.port },
    { name: 'Echo', host: '0.example', port: 5900, folder: 'Lab' },
  ];
  await writeFile(path.join(dataDir, 'profiles.json'), profilesFile(seeds.map((seed, i) => storedProfile({ id: `sort-${i}0000`, protocol: 'vnc', ...seed }, now))));
  const open = async () => {
    app = await startApp({ dataDir, env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
    browser = await openBrowser({ origin: app.origin });
    await browser.page.goto(app.url);
    const list = browser.page.getByRole('navigation', { name: 'Connections' });
    await list.locator('.profile-item').first().waitFor();
    return { page: browser.page, list };
  };
  let { page, list } = await open();

  // By name to begin with, as the list always was.
  assert.equal(await sortBy(page).inputValue(), 'name');
  assert.deepEqual(await namesUnder(list, 'Lab'), ['Echo']);

  // A real session with Zulu, then back to the library.
  await list.getByRole('button', { name: 'Zulu', exact: true }).dblclick();
  await waitForState(page, 'Connected');
  await page.getByRole('tab', { name: 'Connections' }).click();
  await list.getByRole('heading', { name: 'Recent' }).waitFor();
  assert.deepEqual(await namesUnder(list, 'All connections'), ['Alpha', 'Bravo', 'Zulu'], 'by name: the one just used where its name puts it');
  assert.deepEqual(await namesUnder(list, 'Recent'), ['Zulu (recent)'], "Alpha's time, not a time, does not make it recent");

  // Bravo selected, then sorted by recently used: Zulu first, the never used after it by name; Bravo still selected,
  // and Tab from the control goes to Bravo (the list's one Tab stop), wherever it moved.
  await list.getByRole('button', { name: 'Bravo', exact: true }).click();
  await sortBy(page).selectOption({ label: 'Recently used' });
  assert.deepEqual(await namesUnder(list, 'All connections'), ['Zulu', 'Alpha', 'Bravo']);
  assert.deepEqual(await namesUnder(list, 'Lab'), ['Echo'], 'folders stay as they are');
  assert.equal(await list.locator('.profile-item[aria-current="true"]').getAttribute('aria-label'), 'Bravo', 'the selection stays on Bravo');
  await sortBy(page).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Bravo', 'Tab goes to the same connection');

  // A reload keeps it.
  await page.reload();
  await list.locator('.profile-item').first().waitFor();
  await list.getByRole('list', { name: 'All connections', exact: true }).waitFor({ state: 'attached' });
  assert.equal(await sortBy(page).inputValue(), 'recent');
  assert.deepEqual(await namesUnder(list, 'All connections'), ['Zulu', 'Alpha', 'Bravo']);

  // So does a restart of the app (a new port: the page's own storage would have forgotten it).
  await browser!.close();
  browser = null;
  await app!.stop();
  app = null;
  ({ page, list } = await open());
  assert.equal(await sortBy(page).inputValue(), 'recent', 'kept across a restart');
  assert.deepEqual(await namesUnder(list, 'All connections'), ['Zulu', 'Alpha', 'Bravo']);

  // By host: 127.0.0.1, then desk-9 before desk-10 (numbers as numbers).
  await sortBy(page).selectOption({ label: 'Host' });
  assert.deepEqual(await namesUnder(list, 'All connections'), ['Zulu', 'Bravo', 'Alpha']);
  assert.deepEqual(await namesUnder(list, 'Lab'), ['Echo']);

  // Search keeps working in that order: while searching there is no Recent, so the unfiled need no heading.
  await list.getByRole('searchbox', { name: 'Search connections' }).fill('desk');
  await list.getByRole('status').filter({ hasText: '2 connections match.' }).waitFor();
  assert.deepEqual(await list.locator('.profile-item').evaluateAll((items) => items.map((item) => item.getAttribute('aria-label'))), ['Bravo', 'Alpha']);
});

test('Sort by in a long list: the selected connection is scrolled into view where it moved, and only the rows in view are drawn', async (t) => {
  const now = new Date().toISOString();
  // By name Desk 000 … Desk 299; by host the other way round (h-0 is Desk 299's).
  const profiles = Array.from({ length: 300 }, (_, i) =>
    storedProfile({ id: `long-${String(i).padStart(4, '0')}`, name: `Desk ${String(i).padStart(3, '0')}`, protocol: 'vnc', host: `h-${299 - i}.example`, port: 5900 }, now),
  );
  const { page } = await openLibrary(t, 'deskbridge-sort-long-', profiles);
  const list = page.getByRole('navigation', { name: 'Connections' });
  await list.getByRole('button', { name: 'Desk 005', exact: true }).click();
  await sortBy(page).selectOption({ label: 'Host' });
  // Desk 005 is now the 295th of 300: drawn, in view, still selected, and where Tab goes.
  const row = list.getByRole('button', { name: 'Desk 005', exact: true });
  const inView = await row.evaluate((button) => {
    const scroller = button.closest('.profile-rows')!.getBoundingClientRect();
    const box = button.getBoundingClientRect();
    return box.top >= scroller.top && box.bottom <= scroller.bottom;
  });
  assert.ok(inView, 'the selected connection is scrolled into view');
  assert.equal(await row.getAttribute('aria-current'), 'true');
  const drawn = await list.locator('.profile-item').count();
  assert.ok(drawn < 60, `${drawn} rows drawn for 300 connections`);
  assert.notEqual(await list.locator('.profile-item').first().getAttribute('aria-label'), 'Desk 299', 'the top of the list is out of view, not drawn');
  await sortBy(page).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Desk 005');
});

test('Sort by Host: deleting the selected connection selects the next one in that order (else the one before), as the list shows it', async (t) => {
  const now = new Date().toISOString();
  // By name Alpha, Bravo, Charlie, Delta; by host Bravo, Charlie, Alpha, Delta: each delete's neighbour differs.
  const seeds = [
    { name: 'Alpha', host: 'desk-3.example' },
    { name: 'Bravo', host: 'desk-1.example' },
    { name: 'Charlie', host: 'desk-2.example' },
    { name: 'Delta', host: 'desk-10.example' },
  ];
  const { page } = await openLibrary(t, 'deskbridge-sort-delete-', seeds.map((seed, i) => storedProfile({ id: `del-${i}0000`, protocol: 'vnc', port: 5900, ...seed }, now)));
  page.setDefaultTimeout(10_000);
  const list = page.getByRole('navigation', { name: 'Connections' });
  await list.locator('.profile-item').first().waitFor();
  // No connection used yet: no Recent, so the unfiled are the list's rows, under no heading.
  const rows = () => list.locator('.profile-item').evaluateAll((items) => items.map((item) => item.getAttribute('aria-label')));
  await sortBy(page).selectOption({ label: 'Host' });
  assert.deepEqual(await rows(), ['Bravo', 'Charlie', 'Alpha', 'Delta']);

  const selected = () => list.locator('.profile-item[aria-current="true"]').getAttribute('aria-label');
  const deleteSelected = async (name: string) => {
    await list.getByRole('button', { name, exact: true }).click();
    assert.equal(await selected(), name);
    await page.keyboard.press('Delete');
    await page.getByRole('dialog', { name: `Delete “${name}”?` }).getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Deleted “${name}”.` }).waitFor();
  };

  // Charlie's next by host is Alpha (by name it would be Delta): selected, in the editor, and its row has the keys.
  await deleteSelected('Charlie');
  assert.deepEqual(await rows(), ['Bravo', 'Alpha', 'Delta']);
  assert.equal(await selected(), 'Alpha');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Alpha');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Alpha');

  // The last by host has no next: the one before it by host, Alpha (by name it would be Bravo).
  await deleteSelected('Delta');
  assert.deepEqual(await rows(), ['Bravo', 'Alpha']);
  assert.equal(await selected(), 'Alpha');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Alpha');
});
