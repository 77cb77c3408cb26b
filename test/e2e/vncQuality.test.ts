// VNC picture quality end to end: the real UI in Chromium, the real gateway, a
// real Xvnc showing a moving photo-like picture.
//
// TigerVNC sends what changes as JPEG at the quality the client asks for, and
// sends it again without loss once it has been still for a moment; so the
// preset shows while the picture moves. Here two pictures of fine colour
// detail take turns in one place (two xwud windows raised in turn), and the
// test reads the canvas while they do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { writeXwd } from '../servers/xwd';
import { spawnGroup, stopProcess, waitForWindow } from '../servers/processes';
import { startApp, removeDataDir, type RunningApp } from '../support/app';
import { openBrowser, type TestBrowser } from '../support/browser';
import { createProfile, sessionView, waitForState } from '../support/ui';

const [LEFT, TOP, WIDTH, HEIGHT] = [300, 200, 400, 300];

let server: XvncServer;
let app: RunningApp;
let browser: TestBrowser | undefined;

before(async () => {
  server = await startXvnc({ background: '#336699', xterm: false });
  app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
});

after(async () => {
  await browser?.close();
  await app?.stop();
  if (app) await removeDataDir(app.dataDir);
  await disposeXvnc(server);
});

/** Colour detail JPEG must work for: 4×4 blocks of unrelated colours over a gradient. */
function picture(seed: number): (x: number, y: number) => [number, number, number] {
  return (x, y) => {
    let h = (Math.floor(x / 4) * 7919 + Math.floor(y / 4) * 104729 + seed * 15485863) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
    return [(h & 0x7f) + Math.floor((x * 128) / WIDTH), ((h >>> 8) & 0x7f) + Math.floor((y * 128) / HEIGHT), (h >>> 16) & 0xff];
  };
}

/** Points in the picture, away from its edges. */
const POINTS: [number, number][] = [];
for (let y = 6; y < HEIGHT - 6; y += 9) for (let x = 5; x < WIDTH - 5; x += 7) POINTS.push([x, y]);

/**
 * Reads the picture's area of the canvas `count` times, `everyMs` apart, and
 * gives for each reading the mean difference per colour channel from the
 * nearer of the two pictures (a reading caught while a window is being
 * redrawn is far from both; the median leaves those out).
 */
async function readingErrors(page: Page, expected: [number, number, number][][], count: number, everyMs: number): Promise<number[]> {
  return sessionView(page)
    .locator('[data-testid="session-surface"] canvas')
    .first()
    .evaluate(
      async (canvas: HTMLCanvasElement, { points, expected, origin, count, everyMs }) => {
        const [ox, oy, ow, oh] = origin as [number, number, number, number];
        const context = canvas.getContext('2d');
        if (!context) throw new Error('no 2D context');
        const errors: number[] = [];
        for (let reading = 0; reading < count; reading++) {
          const data = context.getImageData(ox, oy, ow, oh).data;
          const distances = expected.map((colours) => {
            let sum = 0;
            points.forEach(([x, y], i) => {
              const at = (y * ow + x) * 4;
              const want = colours[i]!;
              sum += Math.abs(data[at]! - want[0]) + Math.abs(data[at + 1]! - want[1]) + Math.abs(data[at + 2]! - want[2]);
            });
            return sum / (points.length * 3);
          });
          errors.push(Math.min(...distances));
          await new Promise((resolve) => setTimeout(resolve, everyMs));
        }
        return errors;
      },
      { points: POINTS, expected, origin: [LEFT, TOP, WIDTH, HEIGHT], count, everyMs },
    );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The data rate the session's toolbar shows, in bytes per second. */
async function shownRate(page: Page): Promise<number> {
  const text = (await sessionView(page).getByTestId('session-stats').textContent()) ?? '';
  const match = /([\d.]+) (MB|kB|B)\/s/.exec(text);
  assert.ok(match, `the toolbar shows a data rate (${JSON.stringify(text)})`);
  return Number(match[1]) * (match[2] === 'MB' ? 1e6 : match[2] === 'kB' ? 1e3 : 1);
}

test('picture quality: "Best" keeps the moving picture\'s detail, "Poor" sends far less for it; chosen in the profile, changed in the toolbar while connected', async () => {
  const files = await Promise.all(
    [1, 2].map(async (seed) => {
      const file = path.join(server.workDir, `detail-${seed}.xwd`);
      await writeFile(file, writeXwd(WIDTH, HEIGHT, picture(seed)));
      return file;
    }),
  );
  const expected = [1, 2].map((seed) => POINTS.map(([x, y]) => picture(seed)(x, y).map((c) => c & 0xff) as [number, number, number]));
  const viewers = files.map((file) => spawnGroup('xwud', ['-in', file, '-geometry', `+${LEFT}+${TOP}`], { env: server.env, stdio: 'ignore' }));
  let raiser: ReturnType<typeof spawnGroup> | undefined;
  try {
    const first = await waitForWindow(server.env, ['--name', 'deskbridge-test']);
    const second = await waitForWindow(server.env, ['--name', 'deskbridge-test'], [first]);
    // The two windows take turns on top, 25 times a second, for as long as the test runs.
    const turns = Array.from({ length: 1500 }, () => ['windowraise', first, 'sleep', '0.04', 'windowraise', second, 'sleep', '0.04']).flat();
    raiser = spawnGroup('xdotool', turns, { env: server.env, stdio: 'ignore' });

    browser = await openBrowser({ origin: app.origin, viewport: { width: 1280, height: 900 } });
    const { page } = browser;
    await page.goto(app.url);
    await createProfile(page, { name: 'Photos', port: server.port, pictureQuality: 'Best (sharpest)' });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitForState(page, 'Connected');
    const toolbarQuality = sessionView(page).getByLabel('Picture quality', { exact: true });
    assert.equal(await toolbarQuality.inputValue(), 'best', 'the session starts with the profile\'s picture quality');

    await new Promise((resolve) => setTimeout(resolve, 1500));
    const best = await readingErrors(page, expected, 30, 60);
    const bestRate = await shownRate(page);

    await toolbarQuality.selectOption({ label: 'Poor (least data)' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const poor = await readingErrors(page, expected, 30, 60);
    const poorRate = await shownRate(page);

    const figures = `median difference per channel: best ${median(best).toFixed(1)}, poor ${median(poor).toFixed(1)}; data: best ${(bestRate / 1e6).toFixed(2)} MB/s, poor ${(poorRate / 1e6).toFixed(2)} MB/s`;
    console.log(`# ${figures}`);
    assert.ok(median(best) < 4, `"Best" shows the moving picture almost exactly (${figures})`);
    assert.ok(median(poor) > 3 * median(best) + 4, `"Poor" shows it visibly coarser (${figures})`);
    assert.ok(poorRate < bestRate / 2, `"Poor" needs less than half the data (${figures})`);
  } finally {
    await stopProcess(raiser);
    for (const viewer of viewers) await stopProcess(viewer);
  }
});
