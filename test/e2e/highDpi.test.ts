// "Optimise for high-resolution displays" end to end: the real UI in Chromium at device scale 2, the real gateway,
// a real Xvnc, xrdp, and SPICE server (Xorg with spiceqxl and the guest agent). With the option, the remote desktop is asked for and shown in device pixels (one remote pixel per
// device pixel); without it, in CSS pixels as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startSpiceServer, disposeSpiceServer, type SpiceServer } from '../servers/spiceServer';
import { hexColour, writeXwd } from '../servers/xwd';
import { KNOWN_CURSOR, knownCursorArgs } from '../servers/knownCursor';
import { spawnGroup, stopProcess } from '../servers/processes';
import { startApp, removeDataDir, type RunningApp } from '../support/app';
import { openBrowser, type TestBrowser } from '../support/browser';
import { createProfile, sessionView, waitFor, waitForCanvasColour, waitForState } from '../support/ui';
import { connectToXrdp, startXrdpFor } from '../support/xrdpSession';
import { knownCursorAt, shownCursor, type ShownCursor } from '../support/shownCursor';

let app: RunningApp;

before(async () => {
  app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
});

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await app?.stop();
  if (app) await removeDataDir(app.dataDir);
});

/** A browser at device scale 2 on a fresh start address (each works once: the app restarts on the same data). */
async function withBrowser<T>(viewport: { width: number; height: number }, work: (b: TestBrowser) => Promise<T>): Promise<T> {
  if (usedFirstUrl) {
    await app.stop();
    app = await startApp({ dataDir: app.dataDir, env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  }
  usedFirstUrl = true;
  const browser = await openBrowser({ origin: app.origin, deviceScaleFactor: 2, viewport });
  try {
    await browser.page.goto(app.url);
    return await work(browser);
  } finally {
    await browser.close();
  }
}
let usedFirstUrl = false;

async function newVncConnection(page: Page, name: string, port: number, options: { fitWindow?: boolean; actual?: boolean; highDpi: boolean }): Promise<void> {
  await page.getByRole('button', { name: 'New connection' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Protocol', { exact: true }).selectOption({ label: 'VNC' });
  await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('Port', { exact: true }).fill(String(port));
  if (options.fitWindow) await page.getByLabel('Desktop size', { exact: true }).selectOption({ label: 'Fit the window (follows resizing)' });
  if (options.actual) await page.getByLabel('Scaling', { exact: true }).selectOption({ label: '1:1 (scrollbars)' });
  const option = page.getByLabel(/^Optimise for high-resolution displays/);
  assert.equal(await option.isChecked(), false, 'off unless asked');
  if (options.highDpi) await option.check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name, exact: true }).waitFor();
}

async function serverSize(server: XvncServer | SpiceServer): Promise<string> {
  return /dimensions:\s+(\d+)x(\d+)/.exec(await server.x('xdpyinfo', []))?.slice(1, 3).join('x') ?? '';
}

/** The session area's size in CSS pixels, and the canvas's pixel size and CSS box. */
async function sizes(page: Page): Promise<{ area: { width: number; height: number }; pixels: { width: number; height: number }; box: { x: number; y: number; width: number; height: number } }> {
  return sessionView(page)
    .getByTestId('session-surface')
    .evaluate((surface: HTMLElement) => {
      // noVNC's canvas, or IronRDP's inside its component's shadow root.
      const canvas = (surface.querySelector('canvas') ?? surface.querySelector('iron-remote-desktop')?.shadowRoot?.querySelector('canvas'))!;
      const area = surface.getBoundingClientRect();
      const r = canvas.getBoundingClientRect();
      return { area: { width: area.width, height: area.height }, pixels: { width: canvas.width, height: canvas.height }, box: { x: r.x, y: r.y, width: r.width, height: r.height } };
    });
}

/** Where the remote pointer is, as xdotool says it on the server's display. */
type PointerReader = () => Promise<string>;
const vncPointer = (server: XvncServer | SpiceServer): PointerReader => () => server.x('xdotool', ['getmouselocation']);
const xrdpPointer = (server: { sessionEnv(): Promise<NodeJS.ProcessEnv> }): PointerReader => async () => execFileSync('xdotool', ['getmouselocation'], { env: await server.sessionEnv(), encoding: 'utf8' });

/** Clicks at a CSS point on the page and reads where the remote pointer went: there, or within `tolerance` pixels. */
async function clickLandsAt(page: Page, pointer: PointerReader, at: { x: number; y: number }, remote: { x: number; y: number }, tolerance = 0): Promise<void> {
  await page.mouse.click(at.x, at.y);
  let location = '';
  await waitFor(async () => {
    location = await pointer();
    const [, x, y] = /x:(\d+) y:(\d+)/.exec(location) ?? [];
    return Math.abs(Number(x) - remote.x) <= tolerance && Math.abs(Number(y) - remote.y) <= tolerance;
  }, `the remote pointer at ${remote.x},${remote.y}`, 3000).catch(() => assert.fail(`clicked CSS ${at.x},${at.y}, meaning remote ${remote.x},${remote.y}; the pointer is at ${location}`));
}

/** A one-pixel checkerboard with a stripe every third column: any enlarging or resampling changes it. */
const PATTERN = { width: 60, height: 40, left: 200, top: 120 };
function patternColour(x: number, y: number): [number, number, number] {
  if (x % 3 === 0) return [255, 0, 0];
  return (x + y) % 2 === 0 ? [255, 255, 255] : [0, 0, 0];
}

/**
 * A screenshot at device scale of the pattern's place on the canvas, compared with the pattern pixel by pixel: one
 * device pixel per remote pixel, nothing blurred or doubled.
 */
async function assertPatternSharp(page: Page): Promise<void> {
  const { box, pixels } = await sizes(page);
  // Where the canvas shows the pattern's corner, and as many CSS pixels as the pattern has device pixels at 2.
  const cssPerRemote = box.width / pixels.width;
  const clip = { x: box.x + PATTERN.left * cssPerRemote, y: box.y + PATTERN.top * cssPerRemote, width: PATTERN.width / 2, height: PATTERN.height / 2 };
  const png = await page.screenshot({ clip, scale: 'device', animations: 'disabled', caret: 'hide' });
  // Decoded by the page (PNG is lossless; no colour conversion).
  const shot = await page.evaluate(async (base64: string) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, data: Array.from(context.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, png.toString('base64'));
  assert.deepEqual([shot.width, shot.height], [PATTERN.width, PATTERN.height], 'the screenshot is in device pixels');
  const wrong: string[] = [];
  for (let y = 0; y < shot.height; y++) {
    for (let x = 0; x < shot.width; x++) {
      const i = (y * shot.width + x) * 4;
      const seen = [shot.data[i], shot.data[i + 1], shot.data[i + 2]];
      const expected = patternColour(x, y);
      if (seen.some((v, c) => Math.abs((v ?? 0) - expected[c]!) > 2)) wrong.push(`${x},${y}: ${seen.join(',')} (not ${expected.join(',')})`);
    }
  }
  assert.equal(wrong.length, 0, `${wrong.length} of ${shot.width * shot.height} device pixels differ from the remote pattern, e.g. ${wrong.slice(0, 4).join('; ')}`);
}

test('VNC "Fit the window" at device scale 2 with "Optimise for high-resolution displays": the server\u2019s desktop is the window\u2019s size in device pixels, drawn one remote pixel per device pixel, and a click lands on the remote pixel under it; without the option, the size in CSS pixels', async () => {
  const server = await startXvnc({ width: 1024, height: 768, background: '#225533', xterm: false });
  const picture = path.join(server.workDir, 'pattern.xwd');
  await writeFile(picture, writeXwd(PATTERN.width, PATTERN.height, patternColour));
  // xwud's window without a frame (no window manager): the pattern's top left at (left, top) on the remote screen.
  const viewer = spawnGroup('xwud', ['-in', picture, '-geometry', `+${PATTERN.left}+${PATTERN.top}`], { env: server.env, stdio: 'ignore' });
  try {
    await withBrowser({ width: 900, height: 640 }, async ({ page }) => {
      await newVncConnection(page, 'Sharp', server.port, { fitWindow: true, highDpi: true });
      await newVncConnection(page, 'As before', server.port, { fitWindow: true, highDpi: false });

      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Sharp', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      let seen = '';
      let wanted = '';
      await waitFor(async () => {
        const { area } = await sizes(page);
        wanted = `${Math.floor(area.width * 2)}x${Math.floor(area.height * 2)}`;
        seen = await serverSize(server);
        return seen === wanted;
      }, 'the server at the area\u2019s size in device pixels', 8000).catch(() => assert.fail(`the server is ${seen}, the session area ${wanted} device pixels`));
      const [w, h] = seen.split('x').map(Number) as [number, number];
      await waitForCanvasColour(page, w - 3, h - 3, hexColour('#225533'));
      await waitForCanvasColour(page, PATTERN.left + 1, PATTERN.top, [0, 0, 0]);
      const shown = await sizes(page);
      assert.deepEqual(shown.pixels, { width: w, height: h }, 'the canvas holds the server\u2019s desktop');
      assert.deepEqual({ width: shown.box.width * 2, height: shown.box.height * 2 }, { width: w, height: h }, 'the canvas is shown at half its pixel size in CSS pixels');
      await assertPatternSharp(page);
      // CSS (100.25, 50.75) from the canvas's corner is device pixel (200.5, 101.5): remote pixel 200,101.
      await clickLandsAt(page, vncPointer(server), { x: shown.box.x + 100.25, y: shown.box.y + 50.75 }, { x: 200, y: 101 });
      await clickLandsAt(page, vncPointer(server), { x: shown.box.x + 401, y: shown.box.y + 301.5 }, { x: 802, y: 603 });

      // The window made smaller: asked for again, in device pixels.
      await page.setViewportSize({ width: 800, height: 560 });
      await waitFor(async () => {
        const { area } = await sizes(page);
        wanted = `${Math.floor(area.width * 2)}x${Math.floor(area.height * 2)}`;
        seen = await serverSize(server);
        return seen === wanted;
      }, 'the server at the smaller area\u2019s size in device pixels', 8000).catch(() => assert.fail(`after resizing, the server is ${seen}, the session area ${wanted} device pixels`));
      await page.getByRole('button', { name: /^Disconnect/ }).first().click();
    });

    await withBrowser({ width: 900, height: 640 }, async ({ page }) => {
      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'As before', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      let seen = '';
      let wanted = '';
      await waitFor(async () => {
        const { area } = await sizes(page);
        wanted = `${Math.floor(area.width)}x${Math.floor(area.height)}`;
        seen = await serverSize(server);
        return seen === wanted;
      }, 'the server at the area\u2019s size in CSS pixels', 8000).catch(() => assert.fail(`without the option the server is ${seen}, the session area ${wanted} CSS pixels`));
      const [w, h] = seen.split('x').map(Number) as [number, number];
      await waitForCanvasColour(page, w - 3, h - 3, hexColour('#225533'));
      const shown = await sizes(page);
      assert.deepEqual({ width: shown.box.width, height: shown.box.height }, { width: w, height: h }, 'one remote pixel per CSS pixel, as before');
      // Each remote pixel is 2x2 device pixels: the same screenshot is not the pattern.
      await waitForCanvasColour(page, PATTERN.left + 1, PATTERN.top, [0, 0, 0]);
      await assert.rejects(assertPatternSharp(page), /device pixels differ from the remote pattern/);
    });
  } finally {
    await stopProcess(viewer);
    await disposeXvnc(server);
  }
});

test('VNC "1:1" at device scale 2 with "Optimise for high-resolution displays": the canvas\u2019s CSS size is half its pixel size, and a click lands on the remote pixel under it; "Fit to window" keeps that, and shrinks the desktop only where it is larger than the area in device pixels', async () => {
  const server = await startXvnc({ width: 1024, height: 768, background: '#553322', xterm: false });
  try {
    await withBrowser({ width: 900, height: 640 }, async ({ page }) => {
      await newVncConnection(page, 'Actual', server.port, { actual: true, highDpi: true });
      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Actual', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      await waitForCanvasColour(page, 1020, 760, hexColour('#553322'));
      const shown = await sizes(page);
      assert.deepEqual(shown.pixels, { width: 1024, height: 768 });
      assert.deepEqual({ width: shown.box.width, height: shown.box.height }, { width: 512, height: 384 }, 'one remote pixel per device pixel');
      await clickLandsAt(page, vncPointer(server), { x: shown.box.x + 300.25, y: shown.box.y + 200.25 }, { x: 600, y: 400 });
      // The toolbar's "Fit to window" keeps device pixels: the 1024x768 desktop fits 900x640 CSS px at 2 as it is.
      await sessionView(page).getByRole('combobox', { name: /^Scaling/ }).selectOption({ label: 'Fit to window' });
      const fitted = await sizes(page);
      assert.deepEqual({ width: fitted.box.width, height: fitted.box.height }, { width: 512, height: 384 }, 'fit never enlarges');
      await clickLandsAt(page, vncPointer(server), { x: fitted.box.x + 10.25, y: fitted.box.y + 380.75 }, { x: 20, y: 761 });
      // A window smaller than the desktop even in device pixels: shrunk into the area, and clicks still land.
      await page.setViewportSize({ width: 480, height: 360 });
      await waitFor(async () => {
        const { area, box } = await sizes(page);
        return box.width <= area.width + 0.5 && box.height <= area.height + 0.5 && box.width < 480;
      }, 'the desktop shrunk into the smaller area').catch(async () => assert.fail(`in a 480x360 window the desktop is shown as ${JSON.stringify(await sizes(page))}`));
      const shrunk = await sizes(page);
      const perRemote = shrunk.box.width / shrunk.pixels.width;
      await clickLandsAt(page, vncPointer(server), { x: shrunk.box.x + 600.5 * perRemote, y: shrunk.box.y + 400.5 * perRemote }, { x: 600, y: 400 });
    });
  } finally {
    await disposeXvnc(server);
  }
});

test('VNC "Fit the window" with "Optimise for high-resolution displays" follows devicePixelRatio as it changes (the window moved to another screen): 2, then 1.5, then 1 (CSS pixels, as without the option)', async () => {
  const server = await startXvnc({ width: 1024, height: 768, background: '#335522', xterm: false });
  try {
    await withBrowser({ width: 900, height: 640 }, async ({ page, context }) => {
      await newVncConnection(page, 'Moves', server.port, { fitWindow: true, highDpi: true });
      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Moves', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      const cdp = await context.newCDPSession(page);
      for (const ratio of [2, 1.5, 1]) {
        // What the browser sees when its window moves to a screen of that density, the window's CSS size the same.
        // Headless Chromium re-evaluates media queries after an emulated density only with the next media change (a
        // real screen change does so at once): an unrelated one, so the page's "(resolution: …)" query hears of it.
        if (ratio !== 2) {
          await cdp.send('Emulation.setDeviceMetricsOverride', { width: 900, height: 640, deviceScaleFactor: ratio, mobile: false });
          await page.emulateMedia({ reducedMotion: ratio === 1 ? 'no-preference' : 'reduce' });
        }
        assert.equal(await page.evaluate(() => devicePixelRatio), ratio);
        let seen = '';
        let wanted = '';
        await waitFor(async () => {
          const { area } = await sizes(page);
          wanted = `${Math.floor(area.width * ratio + 1e-3)}x${Math.floor(area.height * ratio + 1e-3)}`;
          seen = await serverSize(server);
          return seen === wanted;
        }, `the server at the area\u2019s size in device pixels at ${ratio}`, 8000).catch(() => assert.fail(`at ${ratio} the server is ${seen}, the session area ${wanted} device pixels`));
        await waitFor(async () => {
          const shown = await sizes(page).catch(() => null);
          return shown !== null && `${shown.pixels.width}x${shown.pixels.height}` === seen && Math.abs(shown.box.width * ratio - shown.pixels.width) < 0.02 && Math.abs(shown.box.height * ratio - shown.pixels.height) < 0.02;
        }, `the canvas at one remote pixel per device pixel at ${ratio}`, 8000).catch(async () => assert.fail(`at ${ratio}, a ${seen} desktop shown as ${JSON.stringify(await sizes(page))}`));
      }
    });
  } finally {
    await disposeXvnc(server);
  }
});

test('RDP (xrdp) "Fit the window" at device scale 2 with "Optimise for high-resolution displays": the session\u2019s desktop is the window\u2019s size in device pixels, shown at half its pixel size in CSS pixels, also after a resize; a click lands on the remote pixel under it', async () => {
  const server = await startXrdpFor(cleanups, { background: '#2e4f6b' });
  await withBrowser({ width: 1000, height: 700 }, async ({ page }) => {
    await connectToXrdp(page, server, 'Sharp RDP', { highDpi: true });
    await waitForCanvasColour(page, 600, 400, hexColour('#2e4f6b'), 15_000);
    for (const viewport of [null, { width: 860, height: 620 }]) {
      if (viewport) await page.setViewportSize(viewport);
      let seen = { width: 0, height: 0 };
      let wanted = { width: 0, height: 0 };
      await waitFor(async () => {
        const { area } = await sizes(page);
        // Even widths and heights (as RDP's display control wants them), rounded down.
        wanted = { width: Math.floor(area.width) * 2, height: Math.floor(area.height) * 2 };
        seen = await server.screenSize();
        return Math.abs(seen.width - wanted.width) <= 2 && Math.abs(seen.height - wanted.height) <= 2;
      }, 'the session at the area\u2019s size in device pixels', 15_000).catch(() => assert.fail(`the session is ${JSON.stringify(seen)}, the area ${JSON.stringify(wanted)} device pixels`));
      await waitFor(async () => {
        const shown = await sizes(page);
        return shown.pixels.width === seen.width && shown.pixels.height === seen.height && shown.box.width * 2 === seen.width && shown.box.height * 2 === seen.height;
      }, 'the canvas at the session\u2019s size, shown at half of it in CSS pixels', 8000).catch(async () => assert.fail(`a ${JSON.stringify(seen)} session shown as ${JSON.stringify(await sizes(page))}`));
      const { box } = await sizes(page);
      for (const remote of [{ x: 301, y: 203 }, { x: seen.width - 13, y: seen.height - 9 }]) {
        // IronRDP rounds the position to the nearest pixel edge: within one pixel.
        await clickLandsAt(page, xrdpPointer(server), { x: box.x + (remote.x + 0.5) / 2, y: box.y + (remote.y + 0.5) / 2 }, remote, 1);
      }
    }
  });
});

test('RDP (xrdp) "1:1" with a fixed size at device scale 2 with "Optimise for high-resolution displays": the canvas\u2019s CSS size is half its pixel size, and a click lands on the remote pixel under it; at 1.5 two thirds, at 1 its pixel size', async () => {
  const server = await startXrdpFor(cleanups, { background: '#6b2e4f' });
  await withBrowser({ width: 1000, height: 700 }, async ({ page, context }) => {
    await connectToXrdp(page, server, 'Sharp fixed RDP', { highDpi: true, fixedSize: { width: 1280, height: 800 }, scaling: '1:1 (scrollbars)' });
    await waitForCanvasColour(page, 1200, 700, hexColour('#6b2e4f'), 15_000);
    assert.deepEqual(await server.screenSize(), { width: 1280, height: 800 });
    await waitFor(async () => {
      const shown = await sizes(page);
      return shown.box.width === 640 && shown.box.height === 400;
    }, 'the canvas shown at 640x400 CSS px', 8000).catch(async () => assert.fail(`a 1280x800 session shown as ${JSON.stringify(await sizes(page))}`));
    const { box } = await sizes(page);
    const remote = { x: 1001, y: 703 };
    await clickLandsAt(page, xrdpPointer(server), { x: box.x + (remote.x + 0.5) / 2, y: box.y + (remote.y + 0.5) / 2 }, remote, 1);

    // The window moved to a screen of 1.5, then of 1 (as in the VNC test above): shown at 1280/1.5 CSS px, then as IronRDP shows it, 1:1 in CSS pixels.
    const cdp = await context.newCDPSession(page);
    for (const ratio of [1.5, 1]) {
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1000, height: 700, deviceScaleFactor: ratio, mobile: false });
      await page.emulateMedia({ reducedMotion: ratio === 1 ? 'no-preference' : 'reduce' });
      await waitFor(async () => {
        const shown = await sizes(page);
        return Math.abs(shown.box.width * ratio - 1280) < 0.02 && Math.abs(shown.box.height * ratio - 800) < 0.02;
      }, `the canvas at one remote pixel per device pixel at ${ratio}`, 8000).catch(async () => assert.fail(`at ${ratio}, the 1280x800 session is shown as ${JSON.stringify(await sizes(page))}`));
    }
  });
});

test('RDP (xrdp) at device scale 2 with "Optimise for high-resolution displays": the session\u2019s pointer is shown one remote pixel per device pixel, acting at its hotspot', async () => {
  const server = await startXrdpFor(cleanups, { background: '#4f2e6b' });
  await withBrowser({ width: 1000, height: 700 }, async ({ page }) => {
    await connectToXrdp(page, server, 'Sharp cursor RDP', { highDpi: true, fixedSize: { width: 1280, height: 800 }, scaling: '1:1 (scrollbars)' });
    execFileSync('xsetroot', await knownCursorArgs(server.home), { env: await server.sessionEnv() });
    await assertKnownCursorShown(page, 2, 'the cursor at 2 image pixels per CSS pixel');
  });
});

/** The size a SPICE session asks the guest agent for, from an area's size in device pixels: widths in eights, heights even. */
function spiceAskedSize(width: number, height: number): string {
  return `${Math.max(640, Math.floor(width / 8) * 8)}x${Math.max(480, Math.floor(height / 2) * 2)}`;
}

/** Opens a saved connection and waits for its desktop (a new tab). */
async function openConnection(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name, exact: true }).dblclick();
  await waitForState(page, 'Connected');
}

/** Ends the visible session and closes its tab. */
async function closeSession(page: Page): Promise<void> {
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close', exact: true }).click();
}

test('SPICE with the guest agent at device scale 2 with "Optimise for high-resolution displays": "Fit the window" asks the guest for the window\u2019s size in device pixels, drawn one remote pixel per device pixel, a click lands on the remote pixel under it, and a change of ratio is followed; a fixed size at "1:1" is shown at half its pixel size; without the option, the size in CSS pixels', async () => {
  // One server for all of it (a SPICE server with its agent is slow to start).
  const server = await startSpiceServer({ background: '#2f5a44', xterm: false, agent: true });
  const picture = path.join(server.workDir, 'pattern.xwd');
  await writeFile(picture, writeXwd(PATTERN.width, PATTERN.height, patternColour));
  const viewer = spawnGroup('xwud', ['-in', picture, '-geometry', `+${PATTERN.left}+${PATTERN.top}`], { env: server.env, stdio: 'ignore' });
  try {
    await withBrowser({ width: 900, height: 640 }, async ({ page, context }) => {
      // The option is offered for SPICE too, off unless asked.
      await page.getByRole('button', { name: 'New connection' }).click();
      await page.getByLabel('Name', { exact: true }).fill('SPICE as before');
      await page.getByLabel('Protocol', { exact: true }).selectOption({ label: 'SPICE' });
      await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
      await page.getByLabel('Port', { exact: true }).fill(String(server.port));
      assert.equal(await page.getByLabel(/^Optimise for high-resolution displays/).isChecked(), false, 'off unless asked');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'SPICE as before', exact: true }).waitFor();
      await createProfile(page, { name: 'Sharp SPICE', protocol: 'SPICE', port: server.port, highDpi: true });
      await createProfile(page, { name: 'Sharp fixed SPICE', protocol: 'SPICE', port: server.port, highDpi: true, fixedSize: { width: 1280, height: 800 }, scaling: '1:1 (scrollbars)' });

      await openConnection(page, 'Sharp SPICE');
      await waitForCanvasColour(page, 10, 10, hexColour('#2f5a44'));
      let seen = '';
      let wanted = '';
      const followsArea = async (ratio: number, what: string): Promise<void> => {
        // A read taken while the guest or the canvas is being resized may fail (no canvas for a moment, xdpyinfo
        // refused): that round is a miss, not the test's end, which only the deadline is.
        await waitFor(async () => {
          try {
            const { area } = await sizes(page);
            wanted = spiceAskedSize(Math.floor(area.width * ratio + 1e-3), Math.floor(area.height * ratio + 1e-3));
            seen = await serverSize(server);
            return seen === wanted;
          } catch {
            return false;
          }
        }, what, 10_000).catch(() => assert.fail(`at ${ratio} the guest is ${seen}, the session area ${wanted} device pixels (as asked: widths in eights)`));
        await waitFor(async () => {
          const shown = await sizes(page).catch(() => null);
          return shown !== null && `${shown.pixels.width}x${shown.pixels.height}` === seen && Math.abs(shown.box.width * ratio - shown.pixels.width) < 0.02 && Math.abs(shown.box.height * ratio - shown.pixels.height) < 0.02;
        }, `the canvas at one remote pixel per device pixel at ${ratio}`, 8000).catch(async () => assert.fail(`at ${ratio}, a ${seen} desktop shown as ${JSON.stringify(await sizes(page))}`));
      };
      await followsArea(2, 'the guest at the area\u2019s size in device pixels');
      const [w, h] = seen.split('x').map(Number) as [number, number];
      await waitForCanvasColour(page, w - 3, h - 3, hexColour('#2f5a44'));
      await waitForCanvasColour(page, PATTERN.left + 1, PATTERN.top, [0, 0, 0]);
      await assertPatternSharp(page);
      const shown = await sizes(page);
      // CSS (100.25, 50.75) from the canvas's corner is device pixel (200.5, 101.5): remote pixel 200,101.
      await clickLandsAt(page, vncPointer(server), { x: shown.box.x + 100.25, y: shown.box.y + 50.75 }, { x: 200, y: 101 });
      await clickLandsAt(page, vncPointer(server), { x: shown.box.x + 401, y: shown.box.y + 301.5 }, { x: 802, y: 603 });

      // The window made smaller: asked for again, in device pixels.
      await page.setViewportSize({ width: 820, height: 600 });
      await followsArea(2, 'the guest at the smaller area\u2019s size in device pixels');

      // The window moved to a screen of 1.5, then of 1 (as the VNC test does it): followed, at 1 in CSS pixels.
      const cdp = await context.newCDPSession(page);
      for (const ratio of [1.5, 1]) {
        await cdp.send('Emulation.setDeviceMetricsOverride', { width: 820, height: 600, deviceScaleFactor: ratio, mobile: false });
        await page.emulateMedia({ reducedMotion: ratio === 1 ? 'no-preference' : 'reduce' });
        assert.equal(await page.evaluate(() => devicePixelRatio), ratio);
        await followsArea(ratio, `the guest at the area\u2019s size in device pixels at ${ratio}`);
      }
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 820, height: 600, deviceScaleFactor: 2, mobile: false });
      await page.emulateMedia({ reducedMotion: 'reduce' });
      assert.equal(await page.evaluate(() => devicePixelRatio), 2);
      await followsArea(2, 'the guest at the area\u2019s size in device pixels at 2 again');
      await closeSession(page);

      // A fixed size at "1:1": the guest takes the profile's pixels, shown at half of them in CSS pixels, sharp.
      await openConnection(page, 'Sharp fixed SPICE');
      await waitFor(async () => (seen = await serverSize(server)) === '1280x800', 'the guest at the profile\u2019s 1280x800', 10_000).catch(() => assert.fail(`the guest is ${seen}, not 1280x800`));
      await waitForCanvasColour(page, 1270, 790, hexColour('#2f5a44'));
      await waitFor(async () => {
        const fixed = await sizes(page);
        return fixed.pixels.width === 1280 && fixed.box.width === 640 && fixed.box.height === 400;
      }, 'the canvas shown at 640x400 CSS px', 8000).catch(async () => assert.fail(`a 1280x800 desktop shown as ${JSON.stringify(await sizes(page))}`));
      await assertPatternSharp(page);
      const fixed = await sizes(page);
      await clickLandsAt(page, vncPointer(server), { x: fixed.box.x + 500.75, y: fixed.box.y + 351.25 }, { x: 1001, y: 702 });
      // "Fit to window" in a window smaller than the desktop even in device pixels: shrunk into the area, clicks still land.
      await sessionView(page).getByRole('combobox', { name: /^Scaling/ }).selectOption({ label: 'Fit to window' });
      await page.setViewportSize({ width: 560, height: 420 });
      await waitFor(async () => {
        const { area, box } = await sizes(page);
        return box.width <= area.width + 0.5 && box.height <= area.height + 0.5 && box.width < 560;
      }, 'the desktop shrunk into the smaller area').catch(async () => assert.fail(`in a 560x420 window the desktop is shown as ${JSON.stringify(await sizes(page))}`));
      const shrunk = await sizes(page);
      const perRemote = shrunk.box.width / shrunk.pixels.width;
      await clickLandsAt(page, vncPointer(server), { x: shrunk.box.x + 600.5 * perRemote, y: shrunk.box.y + 400.5 * perRemote }, { x: 600, y: 400 });
      await page.setViewportSize({ width: 820, height: 600 });
      await closeSession(page);

      // Without the option: the window's size in CSS pixels, each remote pixel 2x2 device pixels, as before.
      await openConnection(page, 'SPICE as before');
      await waitFor(async () => {
        const [width, height] = await sessionView(page).getByTestId('session-surface').evaluate((s: HTMLElement) => [s.clientWidth, s.clientHeight]);
        wanted = spiceAskedSize(width!, height!);
        seen = await serverSize(server);
        return seen === wanted;
      }, 'the guest at the area\u2019s size in CSS pixels', 10_000).catch(() => assert.fail(`without the option the guest is ${seen}, the session area ${wanted} CSS pixels`));
      const [cw, ch] = seen.split('x').map(Number) as [number, number];
      await waitForCanvasColour(page, cw - 3, ch - 3, hexColour('#2f5a44'));
      const before = await sizes(page);
      assert.deepEqual({ width: before.box.width, height: before.box.height }, { width: cw, height: ch }, 'one remote pixel per CSS pixel, as before');
      await waitForCanvasColour(page, PATTERN.left + 1, PATTERN.top, [0, 0, 0]);
      await assert.rejects(assertPatternSharp(page), /device pixels differ from the remote pattern/);
      await closeSession(page);
    });
  } finally {
    await stopProcess(viewer);
    await disposeSpiceServer(server);
  }
});

/**
 * Waits until the session shows the remote cursor at `scale` image pixels per CSS pixel (at the display's ratio, one
 * remote pixel per device pixel; at 1, one per CSS pixel as before), its pixels those of the known cursor, and the
 * device pixel the pointer acts at (the hotspot in CSS pixels × the scale) its hotspot.
 */
async function assertKnownCursorShown(page: Page, scale: number, what: string): Promise<ShownCursor> {
  let shown: ShownCursor | null = null;
  const right = (): boolean => {
    const at = shown && knownCursorAt(shown);
    return !!shown && !!at && shown.scale === scale && shown.hotspot.x * scale - at.x === KNOWN_CURSOR.hotspot.x && shown.hotspot.y * scale - at.y === KNOWN_CURSOR.hotspot.y;
  };
  // The pointer over the desktop, where a user sees the cursor (and moves it: some servers send it then).
  const { box } = await sizes(page);
  let step = 0;
  await waitFor(async () => {
    await page.mouse.move(box.x + 100 + (step++ % 2), box.y + 80);
    shown = await shownCursor(page);
    return right();
  }, what, 8000).catch(() => {
    const s = shown as ShownCursor | null;
    assert.fail(`${what}: the cursor shown is ${s ? `${s.value}… at ${s.scale} image pixels per CSS pixel, hotspot ${s.hotspot.x},${s.hotspot.y} CSS px, the known cursor's pixels at ${JSON.stringify(knownCursorAt(s))} in\n${s.rows.join('\n')}` : 'not an image'}`);
  });
  return shown!;
}

test('VNC at device scale 2 with "Optimise for high-resolution displays": the server\u2019s cursor is shown one remote pixel per device pixel, the pointer acting at its hotspot, also after the ratio changes to 1.5; at 1, and without the option, as noVNC shows it (one remote pixel per CSS pixel)', async () => {
  const server = await startXvnc({ width: 1024, height: 768, background: '#224455', xterm: false });
  try {
    await server.x('xsetroot', await knownCursorArgs(server.workDir));
    await withBrowser({ width: 900, height: 640 }, async ({ page, context }) => {
      await newVncConnection(page, 'Sharp cursor', server.port, { actual: true, highDpi: true });
      await newVncConnection(page, 'Cursor as before', server.port, { actual: true, highDpi: false });
      await openConnection(page, 'Sharp cursor');
      const sharp = await assertKnownCursorShown(page, 2, 'the cursor at 2 image pixels per CSS pixel');
      assert.match(sharp.value, /^image-set\(url\("data:/);
      // The hotspot (5, 3) is odd: the image starts with a transparent column and row, so that whole CSS pixels reach it.
      assert.deepEqual(sharp.hotspot, { x: 3, y: 2 });

      const cdp = await context.newCDPSession(page);
      for (const ratio of [1.5, 1]) {
        // As the ratio test above: another screen's density, and an unrelated media change so the page hears of it.
        await cdp.send('Emulation.setDeviceMetricsOverride', { width: 900, height: 640, deviceScaleFactor: ratio, mobile: false });
        await page.emulateMedia({ reducedMotion: ratio === 1 ? 'no-preference' : 'reduce' });
        const shown = await assertKnownCursorShown(page, ratio, `the cursor at ${ratio} image pixels per CSS pixel`);
        if (ratio === 1) assert.deepEqual({ value: shown.value.slice(0, 9), hotspot: shown.hotspot, at: knownCursorAt(shown) }, { value: 'url("data', hotspot: KNOWN_CURSOR.hotspot, at: { x: 0, y: 0 } }, 'noVNC\u2019s own cursor');
      }
      await closeSession(page);
    });
    await withBrowser({ width: 900, height: 640 }, async ({ page }) => {
      await openConnection(page, 'Cursor as before');
      const before = await assertKnownCursorShown(page, 1, 'without the option, the cursor as noVNC sets it');
      assert.match(before.value, /^url\("data:/);
      assert.deepEqual({ hotspot: before.hotspot, at: knownCursorAt(before) }, { hotspot: KNOWN_CURSOR.hotspot, at: { x: 0, y: 0 } });
    });
  } finally {
    await disposeXvnc(server);
  }
});

test('SPICE at device scale 2 with "Optimise for high-resolution displays": the guest\u2019s cursor is shown one remote pixel per device pixel, acting at its hotspot, also after the ratio changes to 1.5; without the option, as spice-html5 shows it', async () => {
  const server = await startSpiceServer({ background: '#6b4f2e', xterm: false });
  try {
    // spice-html5 does not read the cursor the cursor channel starts with (SPICE_MSG_CURSOR_INIT), only later ones:
    // the known cursor is set once each session is connected, after another.
    const known = await knownCursorArgs(server.workDir);
    const changeCursor = async (): Promise<void> => {
      await server.x('xsetroot', ['-cursor_name', 'left_ptr']);
      await server.x('xsetroot', known);
    };
    await withBrowser({ width: 900, height: 640 }, async ({ page, context }) => {
      await createProfile(page, { name: 'Sharp cursor SPICE', protocol: 'SPICE', port: server.port, highDpi: true });
      await createProfile(page, { name: 'SPICE cursor as before', protocol: 'SPICE', port: server.port, highDpi: false });
      await openConnection(page, 'Sharp cursor SPICE');
      await waitForCanvasColour(page, 10, 10, hexColour('#6b4f2e'));
      await changeCursor();
      const sharp = await assertKnownCursorShown(page, 2, 'the cursor at 2 image pixels per CSS pixel');
      assert.match(sharp.value, /^image-set\(url\("data:/);
      // Another screen's density (as the VNC test above): followed.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 900, height: 640, deviceScaleFactor: 1.5, mobile: false });
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await assertKnownCursorShown(page, 1.5, 'the cursor at 1.5 image pixels per CSS pixel');
      await closeSession(page);
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 900, height: 640, deviceScaleFactor: 2, mobile: false });
      await openConnection(page, 'SPICE cursor as before');
      await waitForCanvasColour(page, 10, 10, hexColour('#6b4f2e'));
      await changeCursor();
      const before = await assertKnownCursorShown(page, 1, 'without the option, the cursor as spice-html5 sets it');
      assert.match(before.value, /^url\("data:/);
      assert.deepEqual({ hotspot: before.hotspot, at: knownCursorAt(before) }, { hotspot: KNOWN_CURSOR.hotspot, at: { x: 0, y: 0 } });
      await closeSession(page);
    });
  } finally {
    await disposeSpiceServer(server);
  }
});
