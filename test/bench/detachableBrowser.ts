// Chromium for the bench's web clients, which Playwright can leave while a
// run is measured.
//
// Playwright enables DevTools' Network domain on every page it drives, and
// Chromium then copies each WebSocket frame the page receives, base64-coded,
// through its DevTools pipe to Playwright's Node process. A user's browser
// pays none of that, but here it is CPU taken from the client, the server and
// the frame clock sharing 2 cores: with a page receiving 5 MB/s, Chromium
// took 0.20-0.26 CPU s/s with Playwright attached (by its pipe or over CDP)
// against 0.05-0.06 without a DevTools client, and Playwright's process
// 0.11-0.13 against 0.01 (docs/performance-history.md, "Playwright leaves
// the page while it is measured"). So the bench starts Chromium
// itself, with a DevTools port on loopback, drives the page through
// Playwright connected over CDP (open, connect, wait for the first frame),
// disconnects for the measured window, the page running on with the probe
// recording in it, and connects again to read the record.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { spawnGroup, stopProcess } from '../servers/processes';

/**
 * What Playwright's own launch adds that changes how a page runs or draws:
 * no throttling of timers or of a renderer it thinks hidden, colours in sRGB
 * (the canvas's pixels, which the probe reads), no IPC flooding protection.
 */
const AS_PLAYWRIGHT_LAUNCHES = [
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-ipc-flooding-protection',
  '--disable-hang-monitor',
  '--force-color-profile=srgb',
  '--disable-features=PaintHolding',
  '--hide-scrollbars',
  '--mute-audio',
  '--no-default-browser-check',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--password-store=basic',
  '--use-mock-keychain',
];

export interface DetachableBrowser {
  /** The browser's process (its tree holds the renderer and GPU processes). */
  pid: number;
  context: BrowserContext;
  /** The page, as of the last attach. */
  page: Page;
  /** Disconnects Playwright: the page runs on with no DevTools client. */
  detach(): Promise<void>;
  /** Connects Playwright again; resolves with the same page. */
  attach(): Promise<Page>;
  /**
   * How many of Chromium's pages have a DevTools client attached, as Chromium
   * itself tells it (Target.getTargets asked over a connection of its own to
   * the browser, which attaches to no page).
   */
  pagesWithDevToolsClient(): Promise<number | null>;
  /**
   * Starts sampling the page's main thread (every `intervalUs`) through a
   * DevTools connection of the bench's own that enables only the Profiler
   * domain, so Playwright can stay away: resolves with a stop function that
   * returns the profile (a .cpuprofile's JSON) and closes that connection.
   */
  profilePage(intervalUs: number): Promise<() => Promise<unknown>>;
  close(): Promise<void>;
}

/** Starts Chromium with `args` and one page whose inner size is `viewport`, Playwright attached. */
export async function launchDetachableBrowser(args: string[], viewport: { width: number; height: number }): Promise<DetachableBrowser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-bench-chromium-'));
  const child = spawnGroup(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', [
    ...args,
    ...AS_PLAYWRIGHT_LAUNCHES,
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    `--window-size=${viewport.width},${viewport.height}`,
    'about:blank',
  ]);
  let browser: Browser | null = null;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    await stopProcess(child);
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const endpoint = await devToolsEndpoint(profile, () => child.exitCode !== null);
    const connect = async () => {
      browser = await chromium.connectOverCDP(endpoint);
      const context = browser.contexts()[0];
      const page = context?.pages()[0];
      if (!context || !page) throw new Error('Chromium has no page to drive');
      return { context, page };
    };
    const { context, page } = await connect();
    await sizeWindow(context, page, viewport);
    const handle: DetachableBrowser = {
      pid: child.pid!,
      context,
      page,
      async detach() {
        await browser?.close();
        browser = null;
      },
      async attach() {
        Object.assign(handle, await connect());
        return handle.page;
      },
      async pagesWithDevToolsClient() {
        // Asked up to three times: on a machine the measured case keeps full, Chromium's
        // browser process once took over 5 s to answer. Unknown (null) rather than a lost run.
        for (let attempt = 1; attempt <= 3; attempt++) {
          try {
            const targets = await browserTargets(endpoint);
            return targets.filter((t) => t.type === 'page' && t.attached).length;
          } catch (error) {
            console.error(`  DevTools targets not read (attempt ${attempt} of 3): ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        return null;
      },
      profilePage: (intervalUs) => profilePage(endpoint, intervalUs),
      close,
    };
    return handle;
  } catch (error) {
    await close();
    throw error;
  }
}

/** A DevTools connection to the browser that answers commands by id (sessions flattened); each step given up after `timeoutMs`. */
async function devToolsConnection(endpoint: string, timeoutMs = 30_000) {
  const socket = new WebSocket(endpoint, { maxPayload: 1 << 30 });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no DevTools connection')), timeoutMs);
      socket.once('open', () => (clearTimeout(timer), resolve()));
      socket.once('error', (error) => (clearTimeout(timer), reject(error)));
    });
  } catch (error) {
    socket.terminate();
    throw error;
  }
  let nextId = 1;
  const waiting = new Map<number, { resolve: (result: any) => void; reject: (error: Error) => void }>();
  const failAll = (error: Error) => {
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  };
  socket.on('error', failAll);
  socket.on('close', () => failAll(new Error('the DevTools connection closed')));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const entry = message.id === undefined ? undefined : waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id!);
    if (message.error) entry.reject(new Error(message.error.message));
    else entry.resolve(message.result);
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no answer to ${method}`));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (result) => (clearTimeout(timer), resolve(result)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  return { send, close: () => socket.close() };
}

/** See DetachableBrowser.profilePage: the page's target, attached to with the Profiler domain only. */
async function profilePage(endpoint: string, intervalUs: number): Promise<() => Promise<unknown>> {
  const connection = await devToolsConnection(endpoint);
  try {
    const { targetInfos } = (await connection.send('Target.getTargets')) as { targetInfos: { type: string; targetId: string }[] };
    const target = targetInfos.find((t) => t.type === 'page');
    if (!target) throw new Error('no page to profile');
    const { sessionId } = (await connection.send('Target.attachToTarget', { targetId: target.targetId, flatten: true })) as { sessionId: string };
    await connection.send('Profiler.enable', {}, sessionId);
    await connection.send('Profiler.setSamplingInterval', { interval: intervalUs }, sessionId);
    await connection.send('Profiler.start', {}, sessionId);
    return async () => {
      try {
        const { profile } = (await connection.send('Profiler.stop', {}, sessionId)) as { profile: unknown };
        return profile;
      } finally {
        connection.close();
      }
    };
  } catch (error) {
    connection.close();
    throw error;
  }
}

/** The browser's targets, asked over a DevTools connection of its own (closed again). */
async function browserTargets(endpoint: string, timeoutMs = 10_000): Promise<{ type: string; attached: boolean }[]> {
  const connection = await devToolsConnection(endpoint, timeoutMs);
  try {
    return ((await connection.send('Target.getTargets')) as { targetInfos: { type: string; attached: boolean }[] }).targetInfos;
  } finally {
    connection.close();
  }
}

/** The DevTools WebSocket address Chromium writes into its profile (DevToolsActivePort) once it listens. */
async function devToolsEndpoint(profile: string, exited: () => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path.join(profile, 'DevToolsActivePort'), 'utf8').catch(() => '');
    const [port, target] = text.split('\n');
    if (port && target) return `ws://127.0.0.1:${port.trim()}${target.trim()}`;
    if (exited()) throw new Error('Chromium exited before it opened its DevTools port');
    if (Date.now() > deadline) throw new Error('Chromium did not open its DevTools port within 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Sets the window so the page's inner size is `viewport`: the size of the
 * window itself, not an emulation, which would end when Playwright disconnects.
 * Chromium applies new bounds after it answers, and on a busy machine the page
 * has been seen to report its old size just after (a CI run: 1424x825, the size
 * it starts at, where 1424x968 was asked), so the size is read until it is
 * right, and the same bounds asked again every few seconds until then.
 */
export async function sizeWindow(context: BrowserContext, page: Page, viewport: { width: number; height: number }, timeoutMs = 10_000): Promise<void> {
  const inner = () => page.evaluate(() => ({ width: window.innerWidth, height: window.innerHeight }));
  const right = (size: { width: number; height: number }) => size.width === viewport.width && size.height === viewport.height;
  let now = await inner();
  if (right(now)) return;
  const deadline = Date.now() + timeoutMs;
  const cdp = await context.newCDPSession(page);
  try {
    const { windowId, bounds } = await cdp.send('Browser.getWindowForTarget');
    const wanted = { width: bounds.width! + viewport.width - now.width, height: bounds.height! + viewport.height - now.height };
    for (let attempt = 1; ; attempt++) {
      await cdp.send('Browser.setWindowBounds', { windowId, bounds: wanted });
      const askAgainAt = Math.min(deadline, Date.now() + timeoutMs / 3);
      do {
        now = await inner();
        if (right(now)) return;
        await new Promise((r) => setTimeout(r, 50));
      } while (Date.now() < askAgainAt);
      if (Date.now() >= deadline) {
        throw new Error(`the page is ${now.width}x${now.height}, not the ${viewport.width}x${viewport.height} asked for (window bounds asked ${attempt} times in ${timeoutMs / 1000} s)`);
      }
    }
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}
