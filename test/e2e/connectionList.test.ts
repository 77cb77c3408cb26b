// The connection list's keyboard and screen-reader model, its narrow layout, and Enter/double-click on a connection
// while the editor holds unsaved changes (UI/accessibility review).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startApp, removeDataDir } from '../support/app';
import { openBrowser } from '../support/browser';
import { closedPort } from '../servers/network';
import { profilesFile, storedProfile } from '../support/storedProfiles';
import { waitFor } from '../support/ui';

interface Seed {
  name: string;
  folder?: string;
  favourite?: boolean;
  lastConnectedAt?: string | null;
}

async function seededApp(t: { after: (fn: () => Promise<void>) => void }, seeds: Seed[], browserOptions: { viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {}) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-list-'));
  const now = new Date().toISOString();
  const port = await closedPort();
  const profiles = seeds.map((seed, i) =>
    storedProfile({ id: `p-${String(i).padStart(4, '0')}`, name: seed.name, protocol: 'vnc', host: '127.0.0.1', port, folder: seed.folder ?? '', favourite: seed.favourite ?? false, lastConnectedAt: seed.lastConnectedAt ?? null }, now),
  );
  await writeFile(path.join(dataDir, 'profiles.json'), profilesFile(profiles));
  const app = await startApp({ dataDir, env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  const browser = await openBrowser({ origin: app.origin, ...browserOptions });
  t.after(async () => {
    await browser.close();
    await app.stop();
    await removeDataDir(dataDir);
  });
  await browser.page.goto(app.url);
  const list = browser.page.getByRole('navigation', { name: 'Connections' });
  await list.locator('.profile-item').first().waitFor();
  return { page: browser.page, list, port };
}

/** The focused element's accessible name (its aria-label) or, for a field, its label. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent ?? document.activeElement?.tagName);

/**
 * What a screen reader says of each list item drawn, in order: the name of the list it is in, its own name (a connection's,
 * or the heading of a folder's item) and its place in that list, "Lab: Delta, 2 of 3" (read off the DOM as Chromium reads
 * it: aria-posinset and aria-setsize, the list's aria-label or the heading naming it).
 */
const readItems = (list: Locator) =>
  list.locator('.profile-rows li').evaluateAll((items) =>
    items.map((li) => {
      const ul = li.parentElement!;
      const listName = ul.getAttribute('aria-label') ?? document.getElementById(ul.getAttribute('aria-labelledby') ?? '')?.textContent;
      const name = li.querySelector(':scope > .profile-item')?.getAttribute('aria-label') ?? li.querySelector(':scope > [role="heading"]')?.textContent;
      return `${listName}: ${name}, ${li.getAttribute('aria-posinset')} of ${li.getAttribute('aria-setsize')}`;
    }),
  );

test('Enter or double-click on another connection while the editor holds unsaved changes asks first, and connects only after Discard', async (t) => {
  const { page, list } = await seededApp(t, [{ name: 'Alpha' }, { name: 'Beta' }]);
  const sessionTabs = page.getByRole('tab').filter({ hasNotText: /^Connections$/ });
  await list.getByRole('button', { name: 'Beta', exact: true }).click();
  await page.getByLabel('Host', { exact: true }).fill('changed.example');
  await list.getByRole('button', { name: 'Alpha', exact: true }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Discard your changes?' });
  await dialog.waitFor();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await sessionTabs.count(), 0, 'no session opened before the user answered');
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'the dialog has the keys');
  // Keep editing: no connection, and the keys are back in the field being edited.
  await dialog.getByRole('button', { name: 'Keep editing' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await sessionTabs.count(), 0);
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).value), 'changed.example', 'the focus is back in the Host field');
  // Double-click asks too, and does not connect meanwhile.
  await list.getByRole('button', { name: 'Alpha', exact: true }).dblclick();
  await dialog.waitFor();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await sessionTabs.count(), 0, 'no session opened by the double-click before the answer');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  // Discard: then it connects.
  await list.getByRole('button', { name: 'Alpha', exact: true }).focus();
  await page.keyboard.press('Enter');
  await dialog.getByRole('button', { name: 'Discard changes' }).click();
  await page.getByRole('tab', { name: 'Alpha', selected: true }).waitFor();
});

test('the list is one Tab stop: arrows, Home/End, type to find, Delete, Down from Search; the focused row survives scrolling', async (t) => {
  const seeds: Seed[] = Array.from({ length: 200 }, (_, i) => ({ name: `Host ${String(i).padStart(3, '0')}` }));
  seeds.push({ name: 'Zulu' });
  const { page, list } = await seededApp(t, seeds);
  const search = list.getByRole('searchbox', { name: 'Search connections' });
  await search.focus();
  // Down from Search goes to the first result.
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Host 000');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Host 002');
  // One Tab leaves the list (and Shift+Tab comes back to the same row).
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.profile-rows') === null), true, 'Tab left the list');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Host 002');
  assert.equal(await list.locator('.profile-item[tabindex="0"]').count(), 1, 'one row in the Tab order');
  // End and Home; type to find.
  await page.keyboard.press('End');
  assert.equal(await focused(page), 'Zulu');
  await page.keyboard.press('Home');
  assert.equal(await focused(page), 'Host 000');
  await page.keyboard.type('z');
  assert.equal(await focused(page), 'Zulu');
  await page.keyboard.press('Home');
  await page.keyboard.type('Host 150');
  assert.equal(await focused(page), 'Host 150');
  // Scrolled out of view (virtualised), the focused row keeps the focus, and Down goes on from it.
  await list.locator('.profile-rows').evaluate((element) => (element.scrollTop = 0));
  // The list draws the rows now in view after its scroll event: waited for (the top row drawn), not a fixed time.
  await waitFor(async () => (await list.getByRole('button', { name: 'Host 000', exact: true }).count()) === 1, 'the top row drawn after the scroll');
  assert.equal(await focused(page), 'Host 150', 'the focus stays on its row when scrolled away');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Host 151');
  assert.ok(await page.evaluate(() => {
    const row = document.activeElement!.getBoundingClientRect();
    const area = document.querySelector('.profile-rows')!.getBoundingClientRect();
    return row.top >= area.top && row.bottom <= area.bottom;
  }), 'the focused row is scrolled into view');
  // The ring is drawn inside the row, not clipped by its neighbours and the scroll area.
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement!));
  assert.ok(parseFloat(ring.outlineOffset) + parseFloat(ring.outlineWidth) <= 0, `outline-offset ${ring.outlineOffset}`);
  // Delete asks (the existing confirmation), and nothing goes without the answer.
  await page.keyboard.press('Delete');
  const confirm = page.getByRole('dialog', { name: 'Delete “Host 151”?' });
  await confirm.waitFor();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  // Up from the first row goes back to Search.
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), 'Search connections');
});

test('screen readers: headings, set size and position, what a row leaves out, and the result count while searching', async (t) => {
  const { page, list } = await seededApp(t, [
    { name: 'Alpha', favourite: true, folder: 'Lab' },
    { name: 'Bravo', lastConnectedAt: new Date().toISOString() },
    { name: 'Charlie' },
  ]);
  // Three connections, one of them also under Recent: the list's name and the rows' set size agree.
  await list.getByRole('list', { name: '3 connections, and 1 recent' }).waitFor();
  // Each row's place counts within its own list: the folder's (not "3 of 4" across the library), and each folder is an item of the outer list.
  assert.deepEqual(await readItems(list), [
    '3 connections, and 1 recent: Recent, 1 of 3',
    'Recent: Bravo (recent), 1 of 1',
    '3 connections, and 1 recent: All connections, 2 of 3',
    'All connections: Bravo, 1 of 2',
    'All connections: Charlie, 2 of 2',
    '3 connections, and 1 recent: Lab, 3 of 3',
    'Lab: Alpha, 1 of 1',
  ]);
  for (const heading of ['Recent', 'All connections', 'Lab']) await list.getByRole('heading', { name: heading }).waitFor();
  // The accessible description carries the protocol, host and favourite (read from Chromium's accessibility tree).
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string }; description?: { value: string } }[] };
  const alpha = nodes.find((n) => n.role?.value === 'button' && n.name?.value === 'Alpha');
  assert.match(alpha?.description?.value ?? '', /^VNC, 127\.0\.0\.1 port \d+, favourite$/);
  // Each folder's list is named as the folder is spelt: not in its heading's CSS capitals ("LAB"), which Chromium
  // would take into a name drawn from the heading, and a screen reader would read out.
  const lists = nodes.filter((n) => n.role?.value === 'list').map((n) => n.name?.value);
  assert.deepEqual(lists, ['3 connections, and 1 recent', 'Recent', 'All connections', 'Lab']);
  const headings = nodes.filter((n) => n.role?.value === 'heading').map((n) => n.name?.value ?? '');
  assert.deepEqual(headings.filter((name) => /^(recent|all connections|lab)$/i.test(name)), ['Recent', 'All connections', 'Lab'], 'the headings too');
  // A polite live region says how many match, and that none does.
  const status = list.getByRole('status');
  assert.equal(await status.textContent(), '');
  await list.getByRole('searchbox', { name: 'Search connections' }).fill('a');
  await page.waitForFunction(() => document.querySelector('.profile-list [role="status"]')?.textContent === '3 connections match.');
  await list.getByRole('searchbox', { name: 'Search connections' }).fill('nothing here');
  await page.waitForFunction(() => document.querySelector('.profile-list [role="status"]')?.textContent === 'Nothing matches “nothing here”.');
  assert.ok(await status.isVisible(), 'the empty result is shown too');
});

test('screen readers: the 2nd connection in a folder of 3 is "2 of 3", and the unfiled connections and the folder are the outer list’s items', async (t) => {
  const { list } = await seededApp(t, [{ name: 'Bravo' }, { name: 'Alpha', folder: 'Lab' }, { name: 'Charlie' }, { name: 'Delta', folder: 'Lab' }, { name: 'Foxtrot', folder: 'Lab' }]);
  await list.getByRole('list', { name: '5 connections' }).waitFor();
  assert.deepEqual(await readItems(list), [
    '5 connections: Bravo, 1 of 3',
    '5 connections: Charlie, 2 of 3',
    '5 connections: Lab, 3 of 3',
    'Lab: Alpha, 1 of 3',
    'Lab: Delta, 2 of 3',
    'Lab: Foxtrot, 3 of 3',
  ]);
});

test('200% zoom in an 800×600 window (400×300 CSS px): the list and the editor stack, rows visible and the editor usable', async (t) => {
  const seeds: Seed[] = Array.from({ length: 20 }, (_, i) => ({ name: `Host ${String(i).padStart(2, '0')}` }));
  const { page, list } = await seededApp(t, seeds, { viewport: { width: 400, height: 300 }, deviceScaleFactor: 2 });
  const row = list.getByRole('button', { name: 'Host 00', exact: true });
  const box = await row.boundingBox();
  assert.ok(box && box.height >= 40 && box.width >= 300, `a row is ${JSON.stringify(box)}`);
  const rowsArea = await list.locator('.profile-rows').evaluate((e) => e.clientHeight);
  assert.ok(rowsArea >= 2 * 44, `the rows have ${rowsArea} px`);
  await row.click();
  const host = page.getByLabel('Host', { exact: true });
  await host.scrollIntoViewIfNeeded();
  const field = await host.boundingBox();
  assert.ok(field && field.width >= 250, `the Host field is ${JSON.stringify(field)}`);
  await host.fill('changed.example');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('.profile-list')?.textContent?.includes('changed.example'));
  // Nothing sideways: the page does not scroll horizontally.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
});

test('valid list markup: only <li> in each list, each folder a list named by its heading, and the arrow keys go on across folders', async (t) => {
  const { page, list } = await seededApp(t, [
    { name: 'Alpha', folder: 'Lab' },
    { name: 'Bravo', lastConnectedAt: new Date().toISOString() },
    { name: 'Charlie' },
    { name: 'Delta' },
    { name: 'Echo', folder: 'Zoo' },
  ]);
  await list.getByRole('list', { name: '5 connections, and 1 recent' }).waitFor();
  // A <ul> may hold only <li> (axe's "list" rule), and an <li> that is not a list item (a heading) is not one either.
  const offending = await list.locator('ul').evaluateAll((lists) =>
    lists.flatMap((ul) => [...ul.children].filter((child) => child.tagName !== 'LI' || child.hasAttribute('role')).map((child) => `${child.tagName} role=${child.getAttribute('role')}: ${child.textContent}`)),
  );
  assert.deepEqual(offending, [], 'every child of each list is a list item');
  // Each folder's connections are a list of their own, named as the folder is spelt (the heading above them).
  for (const [heading, names] of [['Recent', ['Bravo (recent)']], ['All connections', ['Bravo', 'Charlie', 'Delta']], ['Lab', ['Alpha']], ['Zoo', ['Echo']]] as const) {
    await list.getByRole('heading', { name: heading, level: 2 }).waitFor();
    const group = list.getByRole('list', { name: heading, exact: true });
    assert.deepEqual(await group.getByRole('button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label'))), names, `the “${heading}” list`);
  }
  // One Tab stop still, and Up and Down go from folder to folder, headings left out.
  await list.getByRole('searchbox', { name: 'Search connections' }).focus();
  const seen: (string | undefined)[] = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('ArrowDown');
    seen.push(await focused(page));
  }
  assert.deepEqual(seen, ['Bravo (recent)', 'Bravo', 'Charlie', 'Delta', 'Alpha', 'Echo']);
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), 'Alpha');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), 'Delta');
  await page.keyboard.press('Home');
  assert.equal(await focused(page), 'Bravo (recent)');
  assert.equal(await list.locator('.profile-item[tabindex="0"]').count(), 1, 'one row in the Tab order');
  // The rows sit where they did when the headings were list items: each heading one row's height above its folder's first row.
  const tops = await list.locator('.folder, .profile-item').evaluateAll((items) =>
    items.map((item) => `${item.getAttribute('aria-label') ?? item.textContent} ${Math.round(item.getBoundingClientRect().top - item.closest('.profile-rows')!.getBoundingClientRect().top)}`),
  );
  assert.deepEqual(tops, ['Recent 8', 'Bravo (recent) 44', 'All connections 96', 'Bravo 132', 'Charlie 176', 'Delta 220', 'Lab 272', 'Alpha 308', 'Zoo 360', 'Echo 396']);
});

test('virtualised across folders: the focused row keeps the focus scrolled away, and every list still holds only <li>', async (t) => {
  const seeds: Seed[] = ['Aft', 'Bow', 'Keel'].flatMap((folder) => Array.from({ length: 60 }, (_, i) => ({ name: `${folder} ${String(i).padStart(2, '0')}`, folder })));
  const { page, list } = await seededApp(t, seeds);
  const onlyListItems = () => list.locator('ul').evaluateAll((lists) => lists.every((ul) => [...ul.children].every((child) => child.tagName === 'LI' && !child.hasAttribute('role'))));
  await list.getByRole('searchbox', { name: 'Search connections' }).focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Aft 00');
  // Only the rows in view are drawn, and each still says its place in its own folder of 60, each folder its place among the 3.
  const drawn = await readItems(list);
  assert.ok(drawn.length < 40, `${drawn.length} items drawn`);
  assert.deepEqual(drawn.slice(0, 3), ['180 connections: Aft, 1 of 3', 'Aft: Aft 00, 1 of 60', 'Aft: Aft 01, 2 of 60']);
  // End: the last row of the last folder, rendered with its folder's heading and list.
  await page.keyboard.press('End');
  assert.equal(await focused(page), 'Keel 59');
  assert.equal(await list.getByRole('list', { name: 'Keel', exact: true }).getByRole('button', { name: 'Keel 59' }).count(), 1);
  assert.ok(await onlyListItems());
  assert.deepEqual((await readItems(list)).slice(-2), ['Keel: Keel 58, 59 of 60', 'Keel: Keel 59, 60 of 60']);
  // Scrolled back to the top, the focused row stays (in its folder's list, under its heading), and Up goes on from it.
  await list.locator('.profile-rows').evaluate((element) => (element.scrollTop = 0));
  // The list drops the rows scrolled away after its scroll event: waited for (Keel down to its focused row), not a
  // fixed time, which a loaded machine can outlast.
  const keelRows = list.getByRole('list', { name: 'Keel', exact: true }).getByRole('button');
  await waitFor(async () => (await keelRows.count()) === 1, 'the rows scrolled away dropped after the scroll');
  assert.equal(await focused(page), 'Keel 59', 'the focus stays on its row when scrolled away');
  assert.equal(await keelRows.count(), 1, 'only the focused row of Keel is rendered');
  assert.ok(await onlyListItems());
  assert.deepEqual((await readItems(list)).slice(-2), ['180 connections: Keel, 3 of 3', 'Keel: Keel 59, 60 of 60'], 'the lone focused row keeps its place');
  await page.keyboard.press('Home');
  assert.equal(await focused(page), 'Aft 00');
  // Down across the end of a folder into the next one.
  await page.keyboard.type('Aft 59');
  assert.equal(await focused(page), 'Aft 59');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Bow 00');
  assert.ok(await onlyListItems());
});
