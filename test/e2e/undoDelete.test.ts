// A connection deleted by mistake comes back with Undo (or Ctrl+Z in the library), as it was: its row, its settings
// and its saved password, so it connects to a real Xvnc that asks for one without asking the user. Undo is offered
// only while the gateway can still put it back, however long the gateway keeps it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startAppWithBrowser } from '../support/app';
import { startGatewayWithBrowser } from '../support/gatewayWithBrowser';
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

test('several deletes inside the window: Undo puts them back in turn, the last first, each offered while its own time lasts', async () => {
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  page.setDefaultTimeout(10_000);
  await createProfile(page, { name: 'Archive', port: server.port + 1 });
  await createProfile(page, { name: 'Billing', port: server.port, password: PASSWORD });
  await createProfile(page, { name: 'Cashier', port: server.port + 2 });
  const offer = page.getByTestId('undo-delete');
  const offered = async (name: string) => {
    await offer.filter({ hasText: `Deleted “${name}”.` }).waitFor();
    assert.equal((await offer.textContent())?.trim(), `Deleted “${name}”. Undo`);
  };

  await deleteFromList(page, 'Billing');
  await offered('Billing');
  await deleteFromList(page, 'Archive');
  await offered('Archive');
  await offer.getByRole('button', { name: 'Undo' }).click();
  await library(page).getByRole('button', { name: 'Archive', exact: true }).waitFor();
  // The one deleted before it is offered next, and a screen reader hears so.
  await page.getByRole('status').filter({ hasText: '“Archive” is back, as it was. Ctrl+Z again puts back “Billing”.' }).waitFor();
  await offered('Billing');
  assert.equal(await focusedName(page), 'Archive');
  await page.keyboard.press('Control+z');
  await library(page).getByRole('button', { name: 'Billing', exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: '“Billing” is back, as it was.' }).waitFor();
  await offer.waitFor({ state: 'detached' });
  // Put back as it was: its saved password with it (the row says so).
  await library(page).getByRole('button', { name: 'Billing', exact: true }).click();
  assert.equal(await page.getByLabel('Port', { exact: true }).inputValue(), String(server.port));
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 500, hexColour('#336699'));
  assert.equal(await page.getByRole('dialog').count(), 0, 'no password asked for');
  await page.getByRole('tab', { name: 'Connections' }).click();

  // Each on its own clock: the first one's offer ends, the later one's goes on. The page's clock is ours to move
  // (the offer runs on the page's timers), so no test waits a minute; the gateway's minute runs as it does.
  await page.clock.install();
  await deleteFromList(page, 'Archive');
  await page.clock.runFor(30_000);
  await deleteFromList(page, 'Cashier');
  await offered('Cashier');
  await page.clock.runFor(26_000);
  await offered('Cashier');
  await page.keyboard.press('Control+z');
  await library(page).getByRole('button', { name: 'Cashier', exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: '“Cashier” is back, as it was.' }).waitFor();
  await offer.waitFor({ state: 'detached' });
  assert.equal(await library(page).getByRole('button', { name: 'Archive', exact: true }).count(), 0, 'its time was over: not put back');
  await page.clock.runFor(30_000);
  assert.equal(await offer.count(), 0);
});

test('the page offers Undo only while the gateway can put the connection back: a gateway keeping deletes 6 s ends the offer before its own time ends', async () => {
  const UNDO_MS = 6_000;
  // A window the command line does not offer: the gateway is started here, with the page as built.
  const { browser } = await startGatewayWithBrowser(cleanups, { undoDeleteMs: UNDO_MS });
  const { page } = browser;
  page.setDefaultTimeout(10_000);
  await createProfile(page, { name: 'Keeper', port: server.port });
  await createProfile(page, { name: 'Scratch', port: server.port + 1 });
  await library(page).getByRole('button', { name: 'Scratch', exact: true }).focus();
  await page.keyboard.press('Delete');
  const dialog = page.getByRole('dialog', { name: 'Delete “Scratch”?' });
  // The gateway's window starts once the request reaches it, so it ends after this plus UNDO_MS.
  const sentBy = Date.now();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  const offer = page.getByTestId('undo-delete');
  await offer.filter({ hasText: 'Deleted “Scratch”.' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Deleted “Scratch”. Ctrl+Z puts it back.' }).waitFor();
  // Offered for most of the gateway's time (the page's minute less 5 s would outlast it by far), and gone before it ends.
  await new Promise((resolve) => setTimeout(resolve, UNDO_MS / 2 - (Date.now() - sentBy)));
  assert.equal(await offer.count(), 1, 'still offered halfway through');
  await offer.waitFor({ state: 'detached', timeout: Math.max(1, sentBy + UNDO_MS - Date.now()) });
  // Nothing left to undo: Ctrl+Z in the list asks the gateway nothing, and no "can no longer be put back" shows.
  await library(page).getByRole('button', { name: 'Keeper', exact: true }).focus();
  await page.keyboard.press('Control+z');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.equal(await library(page).getByRole('button', { name: 'Scratch', exact: true }).count(), 0);
});

/** Whether this machine can make a folder immutable (root, Linux, chattr, a file system that keeps the attribute): then not even root may write in it. */
function canMakeImmutable(): boolean {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'deskbridge-chattr-'));
  try {
    return spawnSync('chattr', ['+i', probe]).status === 0 && spawnSync('chattr', ['-i', probe]).status === 0;
  } finally {
    rmdirSync(probe);
  }
}

const chattr = (flag: '+i' | '-i', folder: string) => {
  const result = spawnSync('chattr', [flag, folder], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
};

test('an Undo the data folder will not take (made immutable meanwhile) says why, and stays offered: once the folder is mended, Undo puts the connection back', { skip: !canMakeImmutable() && 'needs root on Linux and chattr, to make the data folder refuse writes' }, async () => {
  const { browser, dataDir } = await startGatewayWithBrowser(cleanups);
  const { page } = browser;
  page.setDefaultTimeout(10_000);
  await createProfile(page, { name: 'Ledger', port: server.port, password: PASSWORD });
  await deleteFromList(page, 'Ledger');
  const offer = page.getByTestId('undo-delete');
  await offer.filter({ hasText: 'Deleted “Ledger”.' }).waitFor();

  // The folder refuses every write (even root's) until mended; mended again whatever happens, before its removal.
  cleanups.push(async () => chattr('-i', dataDir));
  chattr('+i', dataDir);
  await offer.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('alert').filter({ hasText: `DeskBridge could not save your connections: it may not write to the folder ${dataDir} (operation not permitted, EPERM). Nothing was changed.` }).waitFor();
  // Still deleted, and still offered: the gateway keeps it while its time lasts.
  assert.equal(await library(page).getByRole('button', { name: 'Ledger', exact: true }).count(), 0);
  await offer.getByRole('button', { name: 'Undo' }).waitFor();
  assert.equal((await offer.textContent())?.trim(), 'Deleted “Ledger”. Undo');

  chattr('-i', dataDir);
  await offer.getByRole('button', { name: 'Undo' }).click();
  await library(page).getByRole('button', { name: 'Ledger', exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: '“Ledger” is back, as it was.' }).waitFor();
  await offer.waitFor({ state: 'detached' });
  // As it was: its saved password with it, so Xvnc lets it in without asking.
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 500, hexColour('#336699'));
  assert.equal(await page.getByRole('dialog').count(), 0, 'no password asked for');
});
