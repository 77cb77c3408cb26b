// The connection list's keyboard and screen-reader model, its narrow layout, and Enter/double-click on a connection
// while the editor holds unsaved changes (UI/accessibility review).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startApp, removeDataDir } from '../support/app';
import { openBrowser } from '../support/browser';
import { closedPort } from '../servers/network';

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
  const profiles = seeds.map((seed, i) => ({
    id: `p-${String(i).padStart(4, '0')}`,
    name: seed.name,
    protocol: 'vnc',
    host: '127.0.0.1',
    port,
    username: '',
    scaling: 'fit',
    viewOnly: false,
    folder: seed.folder ?? '',
    favourite: seed.favourite ?? false,
    tags: [],
    domain: '',
    rdpSecurity: 'negotiate',
    desktopSize: 'fit-window',
    desktopWidth: 1280,
    desktopHeight: 800,
    keyboardLayout: 'en-US',
    keyboardMode: 'scancode',
    pinnedCertificate: null,
    unsupportedFeatures: [],
    createdAt: now,
    updatedAt: now,
    lastConnectedAt: seed.lastConnectedAt ?? null,
  }));
  await writeFile(path.join(dataDir, 'profiles.json'), JSON.stringify({ schemaVersion: 1, profiles }));
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
