// The figures issue 2 asks for, measured on the real path on every run and
// written to test-results/figures-vnc.json: Connect to first frame (median of
// 10), what the stats readout shows while the remote xterm scrolls, and the
// gateway's memory with one session open. Bounds are loose: they catch a
// broken path, not a slow machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startApp, removeDataDir, ROOT, type RunningApp } from '../support/app';
import { openBrowser, type TestBrowser } from '../support/browser';
import { median, writeScrollingScript } from '../support/measure';
import { createProfile, pagePointFor, sessionView, waitForState } from '../support/ui';

let server: XvncServer;
let app: RunningApp;
let browser: TestBrowser;

before(async () => {
  server = await startXvnc({ background: '#336699' });
  app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  browser = await openBrowser({ origin: app.origin });
  await browser.page.goto(app.url);
  await createProfile(browser.page, { name: 'Bench', port: server.port });
});

after(async () => {
  await browser?.close();
  await app?.stop();
  if (app) await removeDataDir(app.dataDir);
  await disposeXvnc(server);
});

test('figures: connect to first frame, scrolling throughput, gateway memory', async (t) => {
  const { page } = browser;
  const item = page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Bench', exact: true });
  const connectTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await item.click();
    // Timed in the page: from the click on Connect (its event, so Playwright's own work is not counted)
    // to the first animation frame whose new canvas shows the server's background.
    const firstFrame = page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          let clicked = 0;
          const onClick = (event: MouseEvent) => {
            const button = (event.target as Element | null)?.closest('button');
            if (button?.textContent?.trim() !== 'Connect') return;
            clicked = performance.now();
            document.removeEventListener('click', onClick, { capture: true });
          };
          document.addEventListener('click', onClick, { capture: true });
          const started = performance.now();
          const old = new Set(document.querySelectorAll('canvas'));
          const check = () => {
            for (const canvas of document.querySelectorAll<HTMLCanvasElement>('.session-tab:not([hidden]) [data-testid="session-surface"] canvas')) {
              if (!clicked || old.has(canvas) || canvas.width < 1000) continue;
              const d = canvas.getContext('2d', { willReadFrequently: true })?.getImageData(1000, 700, 1, 1).data;
              if (d && Math.abs(d[0]! - 0x33) < 8 && Math.abs(d[1]! - 0x66) < 8 && Math.abs(d[2]! - 0x99) < 8) return resolve(performance.now() - clicked);
            }
            if (performance.now() - started > 15_000) reject(new Error(clicked ? 'no first frame in 15 s' : 'Connect was not clicked'));
            else requestAnimationFrame(check);
          };
          check();
        }),
    );
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    connectTimes.push(await firstFrame);
    if (i < 9) {
      await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
      await sessionView(page).getByRole('button', { name: 'Close tab' }).click();
    }
  }
  await waitForState(page, 'Connected');

  // The everyday heavy case: text scrolling in the remote xterm.
  const point = await pagePointFor(page, 200, 150);
  await page.mouse.click(point.x, point.y);
  await page.keyboard.type(await writeScrollingScript(server.workDir), { delay: 5 });
  await page.keyboard.press('Enter');
  const readStats = async (): Promise<{ fps: number; mbps: number } | null> => {
    const text = (await sessionView(page).getByTestId('session-stats').textContent()) ?? '';
    // An idle second reads "idle" where frames/s would be 0.
    const m = /(?:(\d+) frames\/s|idle) · ([\d.]+) (MB|kB|B)\/s/.exec(text);
    return m ? { fps: Number(m[1] ?? 0), mbps: Number(m[2]) / (m[3] === 'MB' ? 1 : m[3] === 'kB' ? 1000 : 1e6) } : null;
  };
  // Measure once the scrolling shows in both halves of the line: frames/s is
  // counted in the page each second, bytes/s from the gateway's last two stats
  // messages (one a second), so it trails the frames by up to two seconds; and
  // on a busy machine `yes` may start a few seconds after Enter.
  const started = Date.now();
  for (let shown = await readStats(); !(shown && shown.fps > 0 && shown.mbps > 0) && Date.now() - started < 20_000; shown = await readStats()) {
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const readouts: { fps: number; mbps: number }[] = [];
  for (let s = 0; s < 6; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    const shown = await readStats();
    if (shown) readouts.push(shown);
  }
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${app.pid}/status`, 'utf8'))?.[1]) / 1024;
  await page.keyboard.press('Control+C');

  const figures = {
    connectToFirstFrameMs: { median: Math.round(median(connectTimes)), min: Math.round(Math.min(...connectTimes)), max: Math.round(Math.max(...connectTimes)), runs: connectTimes.map(Math.round) },
    xtermScrolling: { framesPerSecondMedian: median(readouts.map((r) => r.fps)), megabytesPerSecondMedian: Number(median(readouts.map((r) => r.mbps)).toFixed(2)), readouts },
    gatewayRssMegabytesWithOneSession: Number(rss.toFixed(1)),
  };
  t.diagnostic(JSON.stringify(figures));
  await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  await writeFile(path.join(ROOT, 'test-results', 'figures-vnc.json'), JSON.stringify({ measuredAt: new Date().toISOString(), ...figures }, null, 2));

  assert.ok(figures.connectToFirstFrameMs.median < 3000, `connect to first frame ${figures.connectToFirstFrameMs.median} ms`);
  assert.ok(readouts.length >= 4, 'the stats readout showed frames/s and bytes/s while scrolling');
  assert.ok(figures.xtermScrolling.framesPerSecondMedian > 1, `frames are counted while the xterm scrolls: ${JSON.stringify(readouts)}`);
  // Counted, not fast: the median unrounded (on a loaded machine the xterm scrolled 12 kB/s, which the figure's two
  // decimals show as 0.01).
  assert.ok(median(readouts.map((r) => r.mbps)) > 0.001, `bytes are counted while the xterm scrolls: ${JSON.stringify(readouts)}`);
  assert.ok(rss > 10 && rss < 400, `gateway RSS ${rss} MB`);
});
