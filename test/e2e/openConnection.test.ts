// The library's own actions on a connection whose session is open (UI review): deleting it says the session ends
// and ends it, and renaming it renames the open tab and its desktop, as a screen reader says it. Real Xvnc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startAppWithBrowser } from '../support/app';
import { createProfile, sessionView, waitFor, waitForState } from '../support/ui';

let server: XvncServer;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  server = await startXvnc({ background: '#336699', xterm: false });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await disposeXvnc(server);
});

/** The clients Xvnc has a connection from, as the server's side of each TCP connection names them ("127.0.0.1:50123"). */
function serverClients(): string[] {
  const out = execFileSync('ss', ['-tnH', 'state', 'established', `( sport = :${server.port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.trim()).map((line) => line.trim().split(/\s+/).at(-1)!);
}

/** A connection to the Xvnc, saved and connected from the editor: the session tab shows its desktop. Its client, as Xvnc sees it. */
async function connected(page: Page, name: string): Promise<string> {
  const before = serverClients();
  await createProfile(page, { name, port: server.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  let client: string | undefined;
  await waitFor(async () => (client = serverClients().find((c) => !before.includes(c))) !== undefined, 'Xvnc to see the client');
  return client!;
}

const library = (page: Page) => page.getByRole('navigation', { name: 'Connections' });

test('deleting an open connection says its session ends; Cancel keeps both, and confirming disconnects it, closes its tab and deletes it', async () => {
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  page.setDefaultTimeout(10_000);
  await createProfile(page, { name: 'Payroll', port: server.port });
  const client = await connected(page, 'Finance desktop');
  const tab = page.getByRole('tab', { name: 'Finance desktop' });
  await page.getByRole('tab', { name: 'Connections' }).click();

  // Delete from the list: the question names the open session and what deleting does to it.
  await library(page).getByRole('button', { name: 'Finance desktop', exact: true }).focus();
  await page.keyboard.press('Delete');
  const dialog = page.getByRole('dialog', { name: 'Delete “Finance desktop”?' });
  await dialog.waitFor();
  const description = await dialog.evaluate((d) => document.getElementById(d.getAttribute('aria-describedby') ?? '')?.textContent);
  assert.equal(description, '“Finance desktop” is open: deleting it disconnects its session and closes its tab. The connection and its saved password are removed from this computer.');
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement) && document.activeElement?.textContent === 'Cancel'), 'Cancel has the keys');

  // Cancel: the connection and its session stay, connected over the same TCP connection.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(serverClients().includes(client), 'the session is still connected');
  await library(page).getByRole('button', { name: 'Finance desktop', exact: true }).waitFor();
  await tab.click();
  await waitForState(page, 'Connected');
  await page.getByRole('tab', { name: 'Connections' }).click();

  // Delete from the editor this time, and confirm: the session ends on the server, its tab and desktop go.
  await library(page).getByRole('button', { name: 'Finance desktop', exact: true }).click();
  await page.locator('.editor-pane').getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Disconnect and delete', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await waitFor(async () => !serverClients().includes(client), 'Xvnc to see the client go');
  await tab.waitFor({ state: 'detached' });
  assert.equal(await page.locator('.session-view, [data-testid="session-surface"] canvas').count(), 0, 'no session view remains');
  await library(page).getByRole('button', { name: 'Finance desktop', exact: true }).waitFor({ state: 'detached' });
  await page.getByRole('status').filter({ hasText: 'Disconnected and deleted “Finance desktop”.' }).waitFor();
  // The keys are on the next connection in the list, which the editor shows.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Payroll');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Payroll');
});

test('renaming a connection while its session is open renames its tab and its desktop as a screen reader says it, without reconnecting', async () => {
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  page.setDefaultTimeout(10_000);
  const client = await connected(page, 'Lab box');
  const clients = serverClients();
  // The desktop has the keys, named after its connection.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Remote desktop of Lab box');

  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Lab box 2');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Saved “Lab box 2”.' }).waitFor();

  const tab = page.getByRole('tab', { name: 'Lab box 2', exact: true });
  await tab.waitFor();
  await tab.click();
  await waitForState(page, 'Connected');
  assert.equal(await sessionView(page).locator('.session-title').textContent(), 'Lab box 2');
  // Both the desktop's surface and the element holding the keys inside it (the canvas) go by the new name.
  assert.equal(await page.getByRole('application', { name: 'Remote desktop of Lab box 2', exact: true }).count(), 2);
  assert.equal(await page.getByRole('application', { name: 'Remote desktop of Lab box', exact: true }).count(), 0);
  await waitFor(async () => (await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) === 'Remote desktop of Lab box 2', 'the focused desktop to say the new name');
  assert.deepEqual(serverClients(), clients, 'the same connection, not a new one');
  assert.ok(clients.includes(client));
});
