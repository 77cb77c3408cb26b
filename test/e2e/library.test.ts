// The library at fleet scale: 5,000 profiles stay fast. Search must answer
// within one frame of typing; measured per keystroke in the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApp, removeDataDir, ROOT } from '../support/app';
import { openBrowser } from '../support/browser';
import { median } from '../support/measure';
import { profilesFile, storedProfile } from '../support/storedProfiles';

test('5,000 profiles: the list renders only what is in view, and search answers within a frame', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-fleet-'));
  const now = new Date().toISOString();
  const profiles = Array.from({ length: 5000 }, (_, i) =>
    storedProfile(
      {
        id: `fleet-${String(i).padStart(5, '0')}`,
        name: `Desk ${String(i).padStart(4, '0')}`,
        protocol: i % 3 === 0 ? 'vnc' : 'rdp',
        host: `desk-${i}.site-${i % 40}.corp.example`,
        port: i % 3 === 0 ? 5900 : 3389,
        folder: `Site ${i % 40}`,
        tags: [i % 2 ? 'windows' : 'linux', `floor-${i % 7}`],
      },
      now,
    ),
  );
  await writeFile(path.join(dataDir, 'profiles.json'), profilesFile(profiles));
  const app = await startApp({ dataDir, env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  const browser = await openBrowser({ origin: app.origin });
  t.after(async () => {
    await browser.close();
    await app.stop();
    await removeDataDir(dataDir);
  });
  const { page } = browser;
  const loadStarted = Date.now();
  await page.goto(app.url);
  const list = page.getByRole('navigation', { name: 'Connections' });
  await list.getByRole('list', { name: '5000 connections' }).waitFor({ timeout: 20_000 });
  const loaded = Date.now() - loadStarted;
  const rendered = await list.getByRole('button').count();
  assert.ok(rendered < 120, `${rendered} profile buttons in the DOM for 5,000 profiles`);

  // Per keystroke: from the input event to the list showing the new result, and whether that was before the next frame.
  await page.evaluate(() => {
    const w = window as unknown as { __search: { updates: { ms: number; beforeNextFrame: boolean }[] } };
    w.__search = { updates: [] };
    let pending: { started: number; framed: boolean } | null = null;
    // Capture phase on window: runs before React's own listener, so this is when the keystroke arrived.
    window.addEventListener(
      'input',
      (event) => {
        if (!(event.target instanceof HTMLInputElement) || event.target.type !== 'search') return;
        const entry = { started: performance.now(), framed: false };
        pending = entry;
        requestAnimationFrame(() => (entry.framed = true));
      },
      { capture: true },
    );
    // The first change to the list after it: the answer the user sees.
    new MutationObserver(() => {
      if (!pending) return;
      w.__search.updates.push({ ms: performance.now() - pending.started, beforeNextFrame: !pending.framed });
      pending = null;
    }).observe(document.querySelector('.profile-rows ul') as HTMLElement, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  const search = list.getByRole('searchbox', { name: 'Search connections' });
  await search.click();
  // One query first, counted apart: the first keystroke after loading also compiles the code it runs
  // (16-18 ms on a slow 2-core machine, against about 5 for the rest).
  await page.keyboard.type('9876', { delay: 60 });
  await search.fill('');
  await new Promise((r) => setTimeout(r, 100));
  const first = await page.evaluate(() => {
    const w = window as unknown as { __search: { updates: { ms: number; beforeNextFrame: boolean }[] } };
    const [firstUpdate] = w.__search.updates;
    w.__search.updates = [];
    return firstUpdate;
  });
  assert.ok(first, 'the first keystroke changed the list');
  // Digits: each keystroke narrows the result, so each one changes what the list shows.
  for (const query of ['4321', '2718', '1593', '3141', '2024', '1357', '4680', '3579', '1234', '4096']) {
    await search.fill('');
    await new Promise((r) => setTimeout(r, 100));
    await page.keyboard.type(query, { delay: 60 });
  }
  await search.fill('4321');
  await list.getByRole('button', { name: 'Desk 4321', exact: true }).waitFor();
  const updates = await page.evaluate(() => (window as unknown as { __search: { updates: { ms: number; beforeNextFrame: boolean }[] } }).__search.updates);
  const times = updates.map((u) => u.ms);
  const sorted = [...times].sort((a, b) => a - b);
  // Nearest rank (with about 50 keystrokes, the third slowest; before, the slowest of 20 was called p95).
  const p95 = sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
  const figures = { profiles: 5000, pageLoadToListMs: loaded, domButtons: rendered, firstKeystrokeMs: Number(first.ms.toFixed(2)), keystrokes: times.length, searchUpdateMsMedian: Number(median(times).toFixed(2)), searchUpdateMsP95: Number(p95.toFixed(2)), updatedBeforeNextFrame: updates.filter((u) => u.beforeNextFrame).length };
  t.diagnostic(JSON.stringify(figures));
  await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  await writeFile(path.join(ROOT, 'test-results', 'figures-library.json'), JSON.stringify({ measuredAt: new Date().toISOString(), ...figures }, null, 2));
  assert.ok(times.length >= 30, `measured ${times.length} keystrokes`);
  assert.ok(p95 < 16.7, `search p95 ${p95} ms: more than one frame at 60 Hz`);
  assert.equal(figures.updatedBeforeNextFrame, times.length, 'every keystroke was answered before the next frame');
  assert.ok(first.beforeNextFrame, `the first keystroke (${first.ms} ms) was answered before the next frame`);
});

test('favourites, tags and recent connections', async (t) => {
  const { closedPort } = await import('../servers/network');
  const { createProfile } = await import('../support/ui');
  const app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  const browser = await openBrowser({ origin: app.origin });
  t.after(async () => {
    await browser.close();
    await app.stop();
    await removeDataDir(app.dataDir);
  });
  const { page } = browser;
  await page.goto(app.url);
  const port = await closedPort();
  for (const name of ['Alpha', 'Bravo', 'Charlie']) await createProfile(page, { name, port });
  const list = page.getByRole('navigation', { name: 'Connections' });
  await list.getByRole('button', { name: 'Charlie', exact: true }).click();
  await page.getByLabel('Tags', { exact: true }).fill('windows, floor-3');
  await page.getByLabel('Favourite').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await list.locator('.star').waitFor();
  // Favourites come first in their folder.
  const order = await list.locator('.profile-item').allTextContents();
  assert.match(order[0] ?? '', /Charlie/);
  // Opening a connection puts it under Recent (even one that then fails to connect).
  await list.getByRole('button', { name: 'Bravo', exact: true }).dblclick();
  await page.getByRole('tab', { name: 'Connections' }).click();
  await list.getByText('Recent', { exact: true }).waitFor();
  await list.getByRole('button', { name: 'Bravo (recent)', exact: true }).waitFor();
  assert.match((await list.locator('.profile-item').first().textContent()) ?? '', /Bravo/, 'the most recent connection is listed first');
  // Search by tag.
  await list.getByRole('searchbox', { name: 'Search connections' }).fill('floor-3');
  assert.deepEqual(await list.locator('.profile-item').evaluateAll((items) => items.map((i) => i.getAttribute('aria-label'))), ['Charlie']);
});
