// The session view's edges as a user meets them with the keyboard and a small window: where the focus goes when a
// session ends, what shows while a connection is under way, the clipboard panel's Escape, and a toolbar that stays
// readable at 1024 and 800 pixels. Real Xvnc servers, the real UI in Chromium.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvnc, disposeXvnc } from '../servers/xvnc';
import { closedPort, droppingPort } from '../servers/network';
import { startAppWithBrowser } from '../support/app';
import { createProfile, sessionView, waitFor, waitForState } from '../support/ui';
import type { Page } from 'playwright-core';
import { messageFor } from '../../shared/errors/errorCodes';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** The focused element's text (a button's label), or its tag where it has none. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() || document.activeElement?.tagName || '');

test('a session that ends (a failure, or Disconnect from the keyboard) gives the focus to Reconnect, and the failure is an alert; Enter there tries again', async () => {
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Nobody home', port: await closedPort() });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor({ timeout: 10_000 });
  assert.ok(((await alert.textContent()) ?? '').includes(messageFor('host-refused')));
  await waitFor(async () => (await focused(page)) === 'Reconnect', 'the focus on Reconnect');
  // The keys work from there: Enter is Reconnect's, and the port is still closed.
  await page.keyboard.press('Enter');
  await waitFor(async () => (await sessionView(page).getByRole('alert').count()) === 0, 'a new attempt', 5000).catch(() => undefined);
  await alert.waitFor({ timeout: 10_000 });
  await waitFor(async () => (await focused(page)) === 'Reconnect', 'the focus on Reconnect again');
  await alert.getByRole('button', { name: 'Close', exact: true }).click();

  const server = await startXvnc({ background: '#2f5d8a', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Ended by hand', port: server.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).focus();
  await page.keyboard.press('Enter');
  await waitForState(page, 'Disconnected');
  await waitFor(async () => (await focused(page)) === 'Reconnect', 'the focus on Reconnect after Disconnect');
});

test('a host that never answers: after a moment "Connecting to NAME…" over the desktop, with Cancel, which ends the attempt at once; a quick connect never shows it', async () => {
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  const silent = await droppingPort();
  cleanups.push(() => silent.close());
  await createProfile(page, { name: 'Far away', port: silent.port });
  const started = Date.now();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const connecting = sessionView(page).getByRole('status').filter({ hasText: 'Connecting to Far away…' });
  await connecting.waitFor({ timeout: 3000 });
  assert.ok(Date.now() - started < 3000, 'shown well before the connection times out');
  await connecting.getByRole('button', { name: 'Cancel' }).click();
  await waitForState(page, 'Disconnected', 2000);
  assert.equal(await connecting.count(), 0);
  await sessionView(page).getByText(messageFor('user-ended')).waitFor({ timeout: 2000 });
  // Ended, not failed: no timeout comes later, and nothing is tried again.
  await page.waitForTimeout(11_000);
  assert.equal(await sessionView(page).getByRole('alert').count(), 0);
  assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();

  // A server that answers at once: the overlay never appears on the way to the desktop.
  const server = await startXvnc({ background: '#3a6e4f', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Next door', port: server.port });
  await page.evaluate(() => {
    const seen = ((window as unknown as { connectingSeen: boolean }).connectingSeen = false);
    void seen;
    new MutationObserver(() => {
      if ([...document.querySelectorAll('.session-overlay')].some((o) => o.textContent?.includes('Connecting to Next door'))) (window as unknown as { connectingSeen: boolean }).connectingSeen = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  assert.equal(await page.evaluate(() => (window as unknown as { connectingSeen: boolean }).connectingSeen), false, 'no flash of the overlay');
});
