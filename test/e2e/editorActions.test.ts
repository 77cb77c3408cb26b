// The connection editor's actions at 1024x768, as an exploratory tester met them: Save and Connect in sight and what
// Save did beside them; the saved connection's row scrolled into view; the keys kept in place by a Delete in the
// list; Cancel (and Escape) on a new connection, Discard changes on an edit; the form's messages in words.
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

const VIEWPORT = { width: 1024, height: 768 };

/** The app with these connections saved (unfiled VNC ones, to a closed port), a 1024x768 page on it. */
async function seededApp(t: { after: (fn: () => Promise<void>) => void }, names: string[]) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-actions-'));
  const now = new Date().toISOString();
  const port = await closedPort();
  const profiles = names.map((name, i) => storedProfile({ id: `p-${String(i).padStart(4, '0')}`, name, protocol: 'vnc', host: '127.0.0.1', port }, now));
  await writeFile(path.join(dataDir, 'profiles.json'), profilesFile(profiles));
  const app = await startApp({ dataDir, env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  t.after(async () => {
    await app.stop();
    await removeDataDir(dataDir);
  });
  const browser = await openBrowser({ origin: app.origin, viewport: VIEWPORT });
  t.after(() => browser.close());
  const page = browser.page;
  page.setDefaultTimeout(8000);
  await page.goto(app.url);
  const list = page.getByRole('navigation', { name: 'Connections' });
  await list.locator('.profile-item').first().waitFor();
  return { page, list };
}

const row = (list: Locator, name: string) => list.locator('.profile-rows').getByRole('button', { name, exact: true });
const hosts = (count: number) => Array.from({ length: count }, (_, i) => `Host ${String(i).padStart(2, '0')}`);
/** The focused element's accessible name (a row's aria-label, a field's label, a button's text). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.getAttribute('aria-label') ?? (el as HTMLInputElement | null)?.labels?.[0]?.textContent ?? el?.textContent?.trim() ?? '';
  });
async function focusIs(page: Page, name: string): Promise<void> {
  await waitFor(async () => (await focused(page)) === name, `the focus on “${name}”`).catch(async () => assert.equal(await focused(page), name, 'the focused element'));
}

/** Wholly inside the window (the page does not scroll: only what is in the window is seen). */
async function inWindow(locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox();
  assert.ok(box, `${what} is shown`);
  assert.ok(box.y >= 0 && box.x >= 0 && box.y + box.height <= VIEWPORT.height && box.x + box.width <= VIEWPORT.width, `${what} is inside the 1024x768 window: ${JSON.stringify(box)}`);
  // And not under another part of the page (the header, a banner): the element itself is at its centre.
  const onTop = await locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return hit !== null && (el === hit || el.contains(hit));
  });
  assert.ok(onTop, `${what} is not covered`);
}

/** Inside the list's scrolled area (the rows out of it are out of sight). */
async function inList(list: Locator, name: string): Promise<void> {
  const rows = await list.locator('.profile-rows').boundingBox();
  const box = await row(list, name).boundingBox();
  assert.ok(rows && box, `“${name}” is listed`);
  assert.ok(box.y >= rows.y - 1 && box.y + box.height <= rows.y + rows.height + 1, `“${name}” is in sight in the list: row ${JSON.stringify(box)}, list ${JSON.stringify(rows)}`);
}

test('at 1024x768 Save and Connect stay in sight, and what Save did is said beside them (and to screen readers)', async (t) => {
  const { page, list } = await seededApp(t, ['Alpha']);
  await page.getByRole('button', { name: 'New connection' }).click();
  const save = page.getByRole('button', { name: 'Save', exact: true });
  await inWindow(save, 'Save');
  await inWindow(page.getByRole('button', { name: 'Connect', exact: true }), 'Connect');
  await page.getByLabel('Name', { exact: true }).fill('Office VNC');
  await page.getByLabel('Host', { exact: true }).fill('office.example.com');
  await save.click();
  await row(list, 'Office VNC').waitFor();
  const said = page.getByTestId('action-status');
  await said.filter({ hasText: 'Saved “Office VNC”.' }).waitFor();
  await inWindow(said, 'The confirmation');
  // The live region says it too (the form it is shown in was made anew for the saved connection).
  assert.equal(await page.locator('.editor-status[role="status"]').textContent(), 'Saved “Office VNC”.');
  // Scrolled to the form's top, the actions are still in the window.
  await page.locator('.editor-pane').evaluate((pane) => (pane.scrollTop = 0));
  await inWindow(save, 'Save, the form scrolled to its top');
  // Another connection shown: the words were about the one before, and go.
  await row(list, 'Alpha').click();
  await page.getByRole('heading', { name: 'Alpha', level: 2 }).waitFor();
  assert.equal(await said.textContent(), '');
  // Saved again, then changed: "Saved" no longer tells what the form holds, and goes.
  await page.getByLabel('Host', { exact: true }).fill('alpha.example.com');
  await save.click();
  await said.filter({ hasText: 'Saved “Alpha”.' }).waitFor();
  await page.getByLabel('Host', { exact: true }).fill('alpha2.example.com');
  await waitFor(async () => ((await said.textContent()) ?? '') === '', 'the confirmation gone once the form is changed');
});

test('a fixed desktop size typed as a fraction or as text, and a tag too long, are refused in words beside the field', async (t) => {
  const { page } = await seededApp(t, ['Alpha']);
  await page.getByRole('button', { name: 'New connection' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Fixed');
  await page.getByLabel('Protocol', { exact: true }).selectOption({ label: 'RDP' });
  await page.getByLabel('Host', { exact: true }).fill('rdp.example.com');
  await page.getByLabel('Desktop size', { exact: true }).selectOption({ label: 'Fixed size' });
  await page.getByLabel('Width', { exact: true }).fill('1280.5');
  await page.getByLabel('Height', { exact: true }).fill('abc');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const errors = page.locator('.field-error');
  await errors.first().waitFor();
  assert.deepEqual(await errors.allTextContents(), ['Enter the width as a whole number of pixels, 200 to 8192.', 'Enter the height as a whole number of pixels, 200 to 8192.']);

  // A tag too long is said beside Tags (it had no message shown, and Save did nothing).
  await page.getByLabel('Width', { exact: true }).fill('1280');
  await page.getByLabel('Height', { exact: true }).fill('800');
  await page.getByLabel('Tags', { exact: true }).fill(`windows, ${'x'.repeat(101)}`);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await errors.filter({ hasText: 'A tag is too long (100 characters at most).' }).waitFor();
  assert.equal(await page.getByLabel('Tags', { exact: true }).getAttribute('aria-invalid'), 'true');
});

test('a saved connection is scrolled into view in the list: a new one in a folder and a favourite, an edited one moved', async (t) => {
  const { page, list } = await seededApp(t, hosts(30));
  await page.getByRole('button', { name: 'New connection' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Zeta trading');
  await page.getByLabel('Host', { exact: true }).fill('zeta.example.com');
  await page.getByLabel('Folder', { exact: true }).fill('Finance/Traders');
  await page.getByLabel('Favourite', { exact: true }).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await row(list, 'Zeta trading').waitFor();
  await waitFor(async () => (await row(list, 'Zeta trading').getAttribute('aria-current')) === 'true', 'the saved connection selected');
  await inList(list, 'Zeta trading');

  // Back to the top, and an edit that moves a connection to the foot of the list.
  await list.locator('.profile-rows').evaluate((rows) => (rows.scrollTop = 0));
  await row(list, 'Host 01').click();
  await page.getByLabel('Folder', { exact: true }).fill('Zz archive');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId('action-status').filter({ hasText: 'Saved “Host 01”.' }).waitFor();
  await inList(list, 'Host 01');
});

test('Delete in the list keeps the keys in place: on the row after the deleted one, or on Search where a search found only it', async (t) => {
  const { page, list } = await seededApp(t, hosts(30));
  const search = page.getByLabel('Search connections');
  const deleteFocused = async (name: string) => {
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: `Delete “${name}”?` });
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(list, name).waitFor({ state: 'detached' });
  };

  // Searching, the keys moved to a row the editor does not show: they go to the next row found, not to the editor's.
  await search.fill('Host 0');
  await search.press('ArrowDown');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
  await focusIs(page, 'Host 04');
  await deleteFocused('Host 04');
  await focusIs(page, 'Host 05');
  // The editor still shows the connection it showed.
  await page.getByRole('heading', { name: 'Host 00', level: 2 }).waitFor();

  // The last one found: the one before it.
  await page.keyboard.press('End');
  await focusIs(page, 'Host 09');
  await deleteFocused('Host 09');
  await focusIs(page, 'Host 08');

  // A search that found only it: Search, which says nothing matches.
  await search.fill('Host 05');
  await search.press('ArrowDown');
  await focusIs(page, 'Host 05');
  await deleteFocused('Host 05');
  await page.getByText('Nothing matches “Host 05”.').waitFor();
  await focusIs(page, 'Search connections');

  // The editor's connection, further down: the next one is selected and has the keys, in sight.
  await search.fill('');
  await list.locator('.profile-rows').evaluate((rows) => (rows.scrollTop = rows.scrollHeight));
  await row(list, 'Host 27').click();
  await page.getByRole('heading', { name: 'Host 27', level: 2 }).waitFor();
  await deleteFocused('Host 27');
  await focusIs(page, 'Host 28');
  assert.equal(await row(list, 'Host 28').getAttribute('aria-current'), 'true');
  await inList(list, 'Host 28');
});

test('Cancel leaves a new connection for the one shown before (asking only if something was typed); Escape does the same; Discard changes undoes an edit', async (t) => {
  const { page, list } = await seededApp(t, ['Alpha', 'Beta', 'Gamma']);
  const question = page.getByRole('dialog', { name: 'Discard your changes?' });
  await row(list, 'Beta').click();
  await page.getByRole('heading', { name: 'Beta', level: 2 }).waitFor();

  // Nothing typed: no question, back to Beta, its row has the keys.
  await page.getByRole('button', { name: 'New connection' }).click();
  const cancel = page.locator('.profile-editor').getByRole('button', { name: 'Cancel', exact: true });
  await inWindow(cancel, 'Cancel');
  // Reached with the keyboard, after Connect.
  await page.getByRole('button', { name: 'Connect', exact: true }).focus();
  await page.keyboard.press('Tab');
  await focusIs(page, 'Cancel');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Beta', level: 2 }).waitFor();
  await focusIs(page, 'Beta');

  // Something typed: asked first; Keep editing keeps it.
  await page.getByRole('button', { name: 'New connection' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Half done');
  await cancel.click();
  await question.getByRole('button', { name: 'Keep editing' }).click();
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Half done');
  // Escape in the form is Cancel too; Discard changes goes back to Beta, and nothing was saved.
  await page.getByLabel('Name', { exact: true }).press('Escape');
  await question.getByRole('button', { name: 'Discard changes' }).click();
  await page.getByRole('heading', { name: 'Beta', level: 2 }).waitFor();
  assert.equal(await row(list, 'Half done').count(), 0);

  // An edit: Discard changes (asked first) puts back what was saved, and goes once nothing differs.
  const discard = page.locator('.profile-editor').getByRole('button', { name: 'Discard changes', exact: true });
  assert.equal(await discard.count(), 0, 'nothing to discard yet');
  await page.getByLabel('Host', { exact: true }).fill('beta.example.com');
  await inWindow(discard, 'Discard changes');
  await discard.click();
  await question.getByRole('button', { name: 'Discard changes' }).click();
  assert.notEqual(await page.getByLabel('Host', { exact: true }).inputValue(), 'beta.example.com');
  await discard.waitFor({ state: 'detached' });
});
