// The connection editor as a keyboard and screen-reader user meets it: the focus stays where the user was
// after Save, Duplicate and Delete, each says what it did in a polite status, and unsaved edits are not
// lost without a word (Duplicate, Export, Escape, closing the window).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startAppWithBrowser } from '../support/app';
import { createProfile } from '../support/ui';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const listed = (page: Page, name: string) => page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name, exact: true });
const status = (page: Page) => page.locator('.editor-status[role="status"]');
/** Waits until the focused element is what `describe` says, returning a description of it. */
async function focusedIs(page: Page, expected: string): Promise<void> {
  const describe = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return 'body';
      const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : null;
      return `${el.tagName.toLowerCase()}:${label ?? el.getAttribute('aria-label') ?? el.textContent?.trim()}`;
    });
  const deadline = Date.now() + 5000;
  let now = await describe();
  while (now !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    now = await describe();
  }
  assert.equal(now, expected, 'the focused element');
}

test('focus stays put and a status says what happened: saving a new connection (Enter), saving again, Duplicate, Delete', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  page.setDefaultTimeout(8000);
  await createProfile(page, { name: 'Alpha', host: 'alpha.corp.example', port: 5900 });
  await createProfile(page, { name: 'Gamma', host: 'gamma.corp.example', port: 5900 });

  // A new connection saved with Enter in the Port field: the editor is made anew for it, and the focus is back in Port.
  await page.getByRole('button', { name: 'New connection' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Beta');
  await page.getByLabel('Host', { exact: true }).fill('beta.corp.example');
  await page.getByLabel('Port', { exact: true }).fill('5901');
  await page.keyboard.press('Enter');
  await listed(page, 'Beta').waitFor();
  await status(page).filter({ hasText: 'Saved “Beta”.' }).waitFor();
  await focusedIs(page, 'input:Port');

  // An existing connection saved with Enter in a field keeps the focus there (a field disabled while saving would lose it)…
  await page.getByLabel('Host', { exact: true }).fill('beta1.corp.example');
  await page.keyboard.press('Enter');
  await status(page).filter({ hasText: 'Saved “Beta”.' }).waitFor();
  await listed(page, 'Beta').filter({ hasText: 'beta1.corp.example' }).waitFor();
  await page.waitForFunction(() => !document.querySelector('.profile-editor [aria-disabled="true"]'));
  await focusedIs(page, 'input:Host');
  // … and with the Save button, on the button.
  await page.getByLabel('Host', { exact: true }).fill('beta2.corp.example');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await listed(page, 'Beta').filter({ hasText: 'beta2.corp.example' }).waitFor();
  await page.waitForFunction(() => !document.querySelector('.profile-editor [aria-disabled="true"]'));
  await focusedIs(page, 'button:Save');

  // Duplicate: the copy is shown, its Name focused (to be renamed), and the status names it.
  await page.getByRole('button', { name: 'Duplicate', exact: true }).click();
  await status(page).filter({ hasText: /^Duplicated “Beta” as “(.+)”\.$/ }).waitFor();
  const copyName = /as “(.+)”/.exec((await status(page).textContent()) ?? '')![1]!;
  assert.equal(await page.getByRole('heading', { level: 2 }).textContent(), copyName);
  await focusedIs(page, 'input:Name');

  // Delete the copy: the neighbouring connection in the list is selected and focused, not the first one.
  await listed(page, 'Beta').click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog', { name: 'Delete “Beta”?' }).getByRole('button', { name: 'Delete' }).click();
  await status(page).filter({ hasText: 'Deleted “Beta”.' }).waitFor();
  await listed(page, 'Beta').waitFor({ state: 'detached' });
  // The list reads Alpha, Beta, Beta (copy), Gamma: Beta's neighbour is the next one.
  await focusedIs(page, `button:${copyName}`);
  assert.equal(await listed(page, copyName).getAttribute('aria-current'), 'true');
  assert.equal(await page.getByRole('heading', { level: 2 }).textContent(), copyName);
});

test('unsaved edits: Duplicate asks first; Export says the saved version was written; Escape in the form reverts after asking; closing the window asks', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  page.setDefaultTimeout(8000);
  await createProfile(page, { name: 'Alpha', host: 'alpha.corp.example', port: 5900 });
  const host = page.getByLabel('Host', { exact: true });
  const question = page.getByRole('dialog', { name: 'Discard your changes?' });

  // Duplicate with changes on screen asks, as choosing another connection does; "Keep editing" keeps them.
  await host.fill('alpha-new.corp.example');
  await page.getByRole('button', { name: 'Duplicate', exact: true }).click();
  await question.waitFor();
  await question.getByRole('button', { name: 'Keep editing' }).click();
  await question.waitFor({ state: 'detached' });
  assert.equal(await host.inputValue(), 'alpha-new.corp.example');
  assert.equal(await page.getByRole('navigation', { name: 'Connections' }).getByRole('button').filter({ hasText: 'Alpha' }).count(), 1, 'no copy made');

  // Export with changes on screen writes the saved connection, and says so.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export as .remmina' }).click();
  await download;
  await status(page).filter({ hasText: 'Exported the saved “Alpha”: the changes not saved are not in the file.' }).waitFor();

  // Closing the window with changes not saved asks (no session is open).
  let asked = false;
  page.once('dialog', (dialog) => {
    asked = dialog.type() === 'beforeunload';
    void dialog.dismiss();
  });
  await page.close({ runBeforeUnload: true }).catch(() => undefined);
  const deadline = Date.now() + 3000;
  while (!asked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(asked, true, 'the browser asked before closing');

  // Escape in a field: asked first, then the form goes back to the saved values; Escape in that question keeps editing.
  await host.focus();
  await page.keyboard.press('Escape');
  await question.waitFor();
  await page.keyboard.press('Escape');
  await question.waitFor({ state: 'detached' });
  assert.equal(await host.inputValue(), 'alpha-new.corp.example');
  await page.keyboard.press('Escape');
  await question.getByRole('button', { name: 'Discard changes' }).click();
  await question.waitFor({ state: 'detached' });
  assert.equal(await host.inputValue(), 'alpha.corp.example');
  await focusedIs(page, 'input:Host');
  // Nothing changed: Escape asks nothing.
  await page.keyboard.press('Escape');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await question.count(), 0);
});
