// A connection deleted by mistake comes back with Undo (or Ctrl+Z in the library), as it was: its row, its settings
// and its saved password, so it connects to a real Xvnc that asks for one without asking the user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startAppWithBrowser } from '../support/app';
import { createProfile, waitForCanvasColour, waitForState } from '../support/ui';
import { hexColour } from '../servers/xwd';

let server: XvncServer;
const cleanups: (() => Promise<void>)[] = [];
const PASSWORD = 'undo-e2e';

before(async () => {
  server = await startXvnc({ background: '#336699', xterm: false, password: PASSWORD });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await disposeXvnc(server);
});

const library = (page: Page) => page.getByRole('navigation', { name: 'Connections' });
const focusedName = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));

/** Delete from the list with the Delete key, confirmed. */
async function deleteFromList(page: Page, name: string): Promise<void> {
  await library(page).getByRole('button', { name, exact: true }).focus();
  await page.keyboard.press('Delete');
  const dialog = page.getByRole('dialog', { name: `Delete “${name}”?` });
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await library(page).getByRole('button', { name, exact: true }).waitFor({ state: 'detached' });
}

test('Undo puts a deleted connection back as it was, saved password included; Ctrl+Z in the list does the same', async () => {
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  page.setDefaultTimeout(10_000);
  await createProfile(page, { name: 'Spare', port: server.port + 1 });
  await createProfile(page, { name: 'Payroll', port: server.port, password: PASSWORD });

  await deleteFromList(page, 'Payroll');
  // A screen reader hears how to take it back.
  await page.getByRole('status').filter({ hasText: 'Deleted “Payroll”. Ctrl+Z puts it back.' }).waitFor();
  const offer = page.getByTestId('undo-delete');
  assert.equal((await offer.textContent())?.trim(), 'Deleted “Payroll”. Undo');
  await offer.getByRole('button', { name: 'Undo' }).click();
  await library(page).getByRole('button', { name: 'Payroll', exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: '“Payroll” is back, as it was.' }).waitFor();
  await offer.waitFor({ state: 'detached' });
  // Selected, its row has the keys, and the editor shows it with its settings.
  assert.equal(await focusedName(page), 'Payroll');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Payroll');
  assert.equal(await page.getByLabel('Port', { exact: true }).inputValue(), String(server.port));

  // Its saved password came back with it: Xvnc (VNC authentication) lets it in, and nothing asks for one.
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 500, hexColour('#336699'));
  assert.equal(await page.getByRole('dialog').count(), 0, 'no password asked for');

  // Ctrl+Z in the list: the other one back the same way.
  await page.getByRole('tab', { name: 'Connections' }).click();
  await deleteFromList(page, 'Spare');
  await offer.waitFor();
  assert.match((await focusedName(page)) ?? '', /^Payroll/, 'the keys moved to a neighbouring row');
  await page.keyboard.press('Control+z');
  await library(page).getByRole('button', { name: 'Spare', exact: true }).waitFor();
  assert.equal(await focusedName(page), 'Spare');
  await offer.waitFor({ state: 'detached' });
});
