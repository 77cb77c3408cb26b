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

test('the clipboard panel: Escape in it (or on its button) closes it and gives the focus back to the Clipboard button; Escape in the desktop leaves it open', async () => {
  const server = await startXvnc({ background: '#4a3a6e', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Clipboard desk', port: server.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  const button = sessionView(page).getByRole('button', { name: 'Clipboard' });
  const panel = sessionView(page).getByLabel('Remote clipboard');

  await button.click();
  await panel.click();
  await page.keyboard.press('Escape');
  await waitFor(async () => (await panel.count()) === 0, 'the panel closed');
  assert.equal(await button.getAttribute('aria-pressed'), 'false');
  assert.equal(await focused(page), 'Clipboard');

  // Opened with the keyboard, Escape on its button closes it too.
  await page.keyboard.press('Enter');
  await panel.waitFor();
  await page.keyboard.press('Escape');
  await waitFor(async () => (await panel.count()) === 0, 'the panel closed from its button');

  // The desktop's keys are the remote computer's: Escape there does not close the panel.
  await button.click();
  await panel.waitFor();
  await sessionView(page).getByTestId('session-surface').click({ position: { x: 300, y: 300 } });
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  assert.equal(await panel.count(), 1, 'still open');
});

/** The toolbar's controls and the parts of its first block, each box; and whether any two overlap or any leaves the window. */
async function toolbarLayout(page: Page): Promise<{ overlaps: string[]; outside: string[]; badgeCut: boolean; badgeName: string }> {
  return page.evaluate(() => {
    const toolbar = document.querySelector('.session-view[data-active="true"] .session-toolbar') as HTMLElement;
    const items = [...toolbar.querySelectorAll<HTMLElement>(':scope > button, :scope > select, :scope > label, .session-title, .session-state, .badge')].filter((e) => e.getClientRects().length > 0);
    const boxes = items.map((e) => ({ name: (e.textContent ?? '').trim().slice(0, 20) || e.getAttribute('aria-label') || e.tagName, r: e.getBoundingClientRect() }));
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) overlaps.push(`${boxes[i]!.name} / ${boxes[j]!.name}`);
      }
    const bar = toolbar.getBoundingClientRect();
    const outside = boxes.filter((b) => b.r.left < bar.left - 0.5 || b.r.right > Math.min(bar.right, window.innerWidth) + 0.5).map((b) => b.name);
    const badge = toolbar.querySelector<HTMLElement>('.badge')!;
    const info = toolbar.querySelector<HTMLElement>('.session-info')!.getBoundingClientRect();
    const br = badge.getBoundingClientRect();
    const badgeCut = badge.scrollWidth > badge.clientWidth + 0.5 || br.right > info.right + 0.5;
    // What a screen reader says for it: its own words, hidden ones included.
    const badgeName = (badge.getAttribute('aria-label') ?? badge.textContent ?? '').trim();
    return { overlaps, outside, badgeCut, badgeName };
  });
}

test('the toolbar at 1024×768 and 800×600: the security badge whole and named in full, the name shortened before it, no control over another or out of the window', async () => {
  const server = await startXvnc({ xterm: false, password: 'pw123456', securityTypes: 'VeNCrypt,TLSVnc,VncAuth' });
  cleanups.push(() => disposeXvnc(server));
  const { browser } = await startAppWithBrowser(cleanups, { width: 1024, height: 768 });
  const { page } = browser;
  await createProfile(page, { name: 'TLS desk on the third floor', port: server.port, password: 'pw123456' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForState(page, 'Connected');
  await sessionView(page).locator('.badge').waitFor({ timeout: 5000 });
  for (const [width, height] of [
    [1024, 768],
    [800, 600],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(500);
    const layout = await toolbarLayout(page);
    assert.deepEqual(layout.overlaps, [], `${width}: overlapping`);
    assert.deepEqual(layout.outside, [], `${width}: out of the window`);
    assert.equal(layout.badgeCut, false, `${width}: the badge is cut`);
    assert.match(layout.badgeName, /Encrypted.*server not verified/, `${width}: the badge says ${layout.badgeName}`);
    const title = sessionView(page).locator('.session-title');
    assert.ok(await title.evaluate((e) => e.scrollWidth > e.clientWidth), `${width}: the long name is the one shortened`);
    assert.equal(await title.getAttribute('title'), 'TLS desk on the third floor', 'the whole name on hover');
  }
});
