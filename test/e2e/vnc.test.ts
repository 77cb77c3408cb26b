// VNC end to end: the real UI in Chromium, the real gateway, a real Xvnc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { close, hexColour, writeXwd } from '../servers/xwd';
import { spawnGroup, stopProcess } from '../servers/processes';
import { startApp, removeDataDir, type RunningApp } from '../support/app';
import { openBrowser, type TestBrowser } from '../support/browser';
import { assertSendKeysReachXterm, CTRL_ALT_FUNCTION_KEYS, canvasPixels, createProfile, pagePointFor, sessionView, waitFor, waitForCanvasColour, waitForState } from '../support/ui';

let server: XvncServer;
let app: RunningApp;

before(async () => {
  server = await startXvnc({ background: '#336699' });
  app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
});

after(async () => {
  await app?.stop();
  if (app) await removeDataDir(app.dataDir);
  await disposeXvnc(server);
});

async function withBrowser<T>(
  options: { deviceScaleFactor?: number; viewport?: { width: number; height: number }; initScript?: string },
  work: (b: TestBrowser) => Promise<T>,
): Promise<T> {
  // Each browser needs a fresh start address: a start code works once.
  const url = await freshStartUrl();
  const browser = await openBrowser({ origin: app.origin, ...options });
  try {
    if (options.initScript) await browser.page.addInitScript(options.initScript);
    await browser.page.goto(url);
    return await work(browser);
  } finally {
    await browser.close();
  }
}

/** Restarts the app on the same data folder to get a new one-time start address. */
async function freshStartUrl(): Promise<string> {
  if (!usedFirstUrl) {
    usedFirstUrl = true;
    return app.url;
  }
  await app.stop();
  app = await startApp({ dataDir: app.dataDir, env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
  return app.url;
}
let usedFirstUrl = false;

/** Notes each WebSocket the page opens, in order, and each fetch: `window.__opened`. */
const RECORD_CONNECTIONS = `
  window.__opened = [];
  const OwnWebSocket = window.WebSocket;
  window.WebSocket = new Proxy(OwnWebSocket, { construct(target, args) { window.__opened.push('ws ' + new URL(String(args[0])).pathname); return Reflect.construct(target, args); } });
  const ownFetch = window.fetch;
  window.fetch = function (input, init) { window.__opened.push((init?.method ?? 'GET') + ' ' + new URL(String(input?.url ?? input), location.href).pathname); return ownFetch.apply(this, arguments); };
`;

test('create a profile in the UI, connect, and see the remote desktop as the server shows it', async () => {
  await withBrowser({ initScript: RECORD_CONNECTIONS }, async ({ page, cspViolations }) => {
    await createProfile(page, { name: 'Desk', port: server.port });
    // The VNC adapter (noVNC) loads in idle time once the library has a VNC profile, so Connect does not wait for it.
    const adapterLoaded = () => page.evaluate(() => performance.getEntriesByType('resource').some((entry) => /\/assets\/vncSession-[^/]*\.js$/.test(entry.name)));
    await waitFor(adapterLoaded, 'the VNC adapter loaded before Connect', 5000);
    await page.evaluate(() => ((window as unknown as { __opened: string[] }).__opened.length = 0));
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
    // What the first picture waits for goes first: the session's own connection before the
    // gateway's report channel (Chromium opens one WebSocket to a host at a time), and the
    // library's refresh (the profile's new "last connected" time) not before either.
    const opened = await page.evaluate(() => (window as unknown as { __opened: string[] }).__opened);
    assert.deepEqual(opened.slice(0, 3), ['POST /api/sessions', 'ws /ws/relay', 'ws /ws/control'], `opened: ${opened.join(', ')}`);
    await assertCanvasMatchesServer(page);
    await assert.doesNotReject(sessionView(page).getByText('Not encrypted').waitFor());
    // Nothing changes on this desktop now: the readout says so in words, not "0 frames/s".
    await sessionView(page).getByTestId('session-stats').filter({ hasText: /^idle · [\d.]+ (kB|B)\/s$/ }).waitFor({ timeout: 5000 });
    // The picture's container is a compositor layer of its own (one flat colour), so the
    // compositor does not redraw the page's tiles under the canvas on every frame.
    const layers = await compositorLayersOf(page, '.session-tab:not([hidden]) .session-surface > *');
    assert.equal(layers.length, 1, 'the element holding the remote picture has a compositor layer of its own');
    assert.match(layers[0]!.reasons.join(' '), /will-change/);
    // The CSP: neither the app nor noVNC needed anything it refuses, and a style sheet injected into the page (as
    // markup slipped in by a bug would bring one) is refused: what the user sees stays the remote desktop.
    assert.deepEqual(cspViolations, []);
    const desktopPoint = await pagePointFor(page, 917, 736);
    assert.ok(close(await screenPixel(page, desktopPoint), hexColour('#336699'), 8), 'the desktop is on the screen');
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<style>body, body * { background: rgb(255, 0, 0) !important; } canvas { opacity: 0 !important; }</style>'));
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const shown = await screenPixel(page, desktopPoint);
    assert.ok(close(shown, hexColour('#336699'), 8), `the desktop is still what the screen shows, not the injected style: rgb(${shown})`);
    await waitFor(async () => cspViolations.some((v) => /style-src/.test(v)), 'the CSP reported the style sheet it refused', 3000);
  });
});

/** The colour the page shows at a point (a screenshot of that CSS pixel, decoded by the page: PNG is lossless). */
async function screenPixel(page: Parameters<typeof canvasPixels>[0], at: { x: number; y: number }): Promise<[number, number, number]> {
  const png = await page.screenshot({ clip: { x: Math.floor(at.x), y: Math.floor(at.y), width: 1, height: 1 }, animations: 'disabled', caret: 'hide' });
  return page.evaluate(async (base64: string) => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: 'image/png' }), { colorSpaceConversion: 'none' });
    const context = new OffscreenCanvas(1, 1).getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const [r, g, b] = context.getImageData(0, 0, 1, 1).data;
    return [r!, g!, b!] as [number, number, number];
  }, png.toString('base64'));
}

/** The compositor layers painted by the element `selector` names, and why each is one (CDP LayerTree). */
async function compositorLayersOf(page: Parameters<typeof canvasPixels>[0], selector: string): Promise<{ reasons: string[] }[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    assert.ok(nodeId, `no element ${selector}`);
    const { node } = await cdp.send('DOM.describeNode', { nodeId });
    const tree = new Promise<{ layerId: string; backendNodeId?: number }[]>((resolve) =>
      cdp.on('LayerTree.layerTreeDidChange', (event) => event.layers && resolve(event.layers)),
    );
    await cdp.send('LayerTree.enable');
    const mine = (await tree).filter((layer) => layer.backendNodeId === node.backendNodeId);
    return await Promise.all(
      mine.map(async (layer) => ({ reasons: (await cdp.send('LayerTree.compositingReasons', { layerId: layer.layerId })).compositingReasons ?? [] })),
    );
  } finally {
    await cdp.detach();
  }
}

async function assertCanvasMatchesServer(page: Parameters<typeof canvasPixels>[0]) {
  // A grid over the whole screen, compared with the server's own framebuffer.
  const points: [number, number][] = [];
  for (let x = 8; x < 1024; x += 101) for (let y = 6; y < 768; y += 73) points.push([x, y]);
  await new Promise((r) => setTimeout(r, 300));
  const [shown, screen] = await Promise.all([canvasPixels(page, points), server.screen()]);
  const mismatches = points.filter((p, i) => !close(shown[i]!, screen.pixel(p[0], p[1]), 24));
  assert.ok(mismatches.length <= 2, `canvas differs from the server at ${JSON.stringify(mismatches.slice(0, 5))}`);
  // And the known content: the background, and the white xterm at the top left.
  assert.ok(close(shown[points.findIndex(([x, y]) => x === 917 && y === 736)]!, hexColour('#336699'), 8));
  const [xtermPixel] = await canvasPixels(page, [[300, 200]]);
  assert.ok(close(xtermPixel!, [255, 255, 255], 8), `xterm area is rgb(${xtermPixel})`);
}

test('a photo-like picture (sent as JPEG) is drawn where the server shows it, decoded off the page\'s main thread', async () => {
  // Smooth gradients in many colours: TigerVNC's Tight encoder sends these as JPEG
  // at the quality noVNC asks for. Shown with xwud beside the xterm.
  const [left, top, width, height] = [520, 340, 400, 300];
  const picture = path.join(server.workDir, 'photo.xwd');
  await writeFile(picture, writeXwd(width, height, (x, y) => [(x * 255) / width, (y * 255) / height, ((x + y) * 255) / (width + height)]));
  // Counts the pictures WebCodecs decodes for the page (ImageDecoder works off the main thread).
  const countDecodes = `{ const Original = window.ImageDecoder; window.__imageDecodes = 0;
    if (Original) window.ImageDecoder = class extends Original { constructor(init) { super(init); window.__imageDecodes++; } }; }`;
  const viewer = spawnGroup('xwud', ['-in', picture, '-geometry', `+${left}+${top}`], { env: server.env, stdio: 'ignore' });
  try {
    await withBrowser({ initScript: countDecodes }, async ({ page }) => {
      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      await waitForCanvasAsServer(page, grid(left + 5, left + width, 37, top + 5, top + height, 29), 16, 'the picture on the canvas as on the server');
      const decodes = await page.evaluate(() => (window as unknown as { __imageDecodes: number }).__imageDecodes);
      assert.ok(decodes > 0, 'the picture came as JPEG and was decoded with WebCodecs, off the main thread');
    });
  } finally {
    await stopProcess(viewer);
  }
});

test('while pictures are still being decoded, the server\'s pacing fences wait for them to be drawn (so the server slows down instead of queuing stale frames)', async () => {
  // TigerVNC follows each update with a fence flagged BlockBefore ("answer once
  // everything before has been processed") and sends no more while answers are
  // outstanding. Here every JPEG takes 400 ms to decode; the page records, for
  // each fence answer (ClientFence, type 248) it sends, how many pictures were
  // still waiting to be decoded and drawn.
  const slowDecodes = `{ const Original = window.ImageDecoder; window.__waiting = 0; window.__decoded = 0; window.__fenceAnswers = [];
    if (Original) window.ImageDecoder = class extends Original {
      decode(options) {
        window.__waiting++;
        return super.decode(options).then((result) => new Promise((resolve) => setTimeout(() => {
          window.__waiting--; window.__decoded++; resolve(result);
        }, 400)));
      }
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
      if (bytes && bytes[0] === 248) window.__fenceAnswers.push(window.__waiting);
      return send.call(this, data);
    }; }`;
  const [left, top, width, height] = [520, 340, 400, 300];
  const picture = path.join(server.workDir, 'photo-fences.xwd');
  await writeFile(picture, writeXwd(width, height, (x, y) => [(y * 255) / height, (x * 255) / width, ((x * y) % 256)]));
  await withBrowser({ initScript: slowDecodes }, async ({ page }) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
    // The picture appears and goes three times: each time an update with JPEG rectangles, then a fence.
    for (let shown = 0; shown < 3; shown++) {
      const viewer = spawnGroup('xwud', ['-in', picture, '-geometry', `+${left}+${top}`], { env: server.env, stdio: 'ignore' });
      try {
        await waitFor(async () => {
          const [pixel] = await canvasPixels(page, [[left + width / 2, top + height / 2]]);
          return !close(pixel!, hexColour('#336699'), 16);
        }, 'the picture on the canvas', 10_000);
      } finally {
        await stopProcess(viewer);
      }
      await waitForCanvasColour(page, left + width / 2, top + height / 2, hexColour('#336699'));
    }
    const { answers, decoded } = await page.evaluate(() => {
      const w = window as unknown as { __fenceAnswers: number[]; __decoded: number };
      return { answers: w.__fenceAnswers, decoded: w.__decoded };
    });
    assert.ok(decoded >= 3, `the pictures came as JPEG (${decoded} decoded)`);
    assert.ok(answers.length >= 3, `the server sent fences (${answers.length} answered)`);
    const early = answers.filter((waiting) => waiting > 0).length;
    assert.equal(early, 0, `${early} of ${answers.length} fences were answered while pictures were still being decoded`);
  });
});

test('fit to window and 1:1 at device scale 2: a click lands on the remote point under it', async () => {
  await withBrowser({ deviceScaleFactor: 2, viewport: { width: 900, height: 640 } }, async ({ page }) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
    const scaling = sessionView(page).getByRole('combobox', { name: /^Scaling/ });
    await scaling.selectOption({ label: 'Fit to window' });
    const fitted = await canvasBox(page);
    // A 1024x768 desktop in a 900x640 window: fit must shrink it, or this test proves nothing about scaling.
    assert.ok(fitted.width < 900 && fitted.height < 640, `fit to window shows the desktop at ${fitted.width}x${fitted.height} CSS px`);
    await assertClicksLand(page, [
      [700, 500],
      [1000, 40],
      [613, 711],
    ]);

    await scaling.selectOption({ label: '1:1 (scrollbars)' });
    await waitFor(async () => Math.abs((await canvasBox(page)).width - 1024) <= 1, 'the desktop at 1:1');
    // Scroll to the far corner inside the session, then click there: catches offsets that ignore scrolling.
    await sessionView(page).getByTestId('session-surface').evaluate((surface: HTMLElement) => {
      for (const element of [surface, ...surface.querySelectorAll<HTMLElement>('*')]) {
        if (element.scrollWidth > element.clientWidth) element.scrollLeft = element.scrollWidth;
        if (element.scrollHeight > element.clientHeight) element.scrollTop = element.scrollHeight;
      }
    });
    await assertClicksLand(page, [
      [1000, 740],
      [950, 700],
    ]);
  });
});

test('fit to window never enlarges: a smaller desktop stays pixel for pixel, and shrinks once the window becomes smaller than it', async () => {
  await withBrowser({ viewport: { width: 1400, height: 1000 } }, async ({ page }) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
    assert.equal(await sessionView(page).getByRole('combobox', { name: /^Scaling/ }).inputValue(), 'fit');
    const surface = await sessionView(page).getByTestId('session-surface').evaluate((el: HTMLElement) => ({ width: el.clientWidth, height: el.clientHeight }));
    assert.ok(surface.width > 1024 && surface.height > 768, `the window must be larger than the desktop here (${JSON.stringify(surface)})`);
    const unscaled = await canvasBox(page);
    assert.ok(Math.abs(unscaled.width - 1024) <= 1 && Math.abs(unscaled.height - 768) <= 1, `a 1024x768 desktop in a larger window shows at ${unscaled.width}x${unscaled.height}`);
    await page.setViewportSize({ width: 900, height: 640 });
    await waitFor(async () => (await canvasBox(page)).width < 900, 'the desktop shrunk to the smaller window');
    await assertClicksLand(page, [[700, 500]]);
  });
});

/** Points from x0 (inclusive) to x1 (exclusive) every dx, likewise in y. */
function grid(x0: number, x1: number, dx: number, y0: number, y1: number, dy: number): [number, number][] {
  const points: [number, number][] = [];
  for (let x = x0; x < x1; x += dx) for (let y = y0; y < y1; y += dy) points.push([x, y]);
  return points;
}

/** Waits until every point of the canvas shows what the server's framebuffer has there (within a tolerance). */
async function waitForCanvasAsServer(page: Parameters<typeof canvasPixels>[0], points: [number, number][], tolerance: number, what: string): Promise<void> {
  let mismatches: [number, number][] = [];
  await waitFor(async () => {
    const [shown, screen] = await Promise.all([canvasPixels(page, points), server.screen()]);
    mismatches = points.filter((p, i) => !close(shown[i]!, screen.pixel(p[0], p[1]), tolerance));
    return mismatches.length === 0;
  }, what, 10_000).catch(() => assert.fail(`canvas differs from the server at ${JSON.stringify(mismatches.slice(0, 5))}`));
}

async function canvasBox(page: Parameters<typeof canvasPixels>[0]): Promise<{ width: number; height: number }> {
  return sessionView(page)
    .locator('[data-testid="session-surface"] canvas')
    .first()
    .evaluate((c: HTMLCanvasElement) => ({ width: c.getBoundingClientRect().width, height: c.getBoundingClientRect().height }));
}

async function assertClicksLand(page: Parameters<typeof canvasPixels>[0], points: [number, number][]): Promise<void> {
  const viewport = page.viewportSize()!;
  for (const [rx, ry] of points) {
    const point = await pagePointFor(page, rx, ry);
    assert.ok(point.x >= 0 && point.y >= 0 && point.x < viewport.width && point.y < viewport.height, `remote ${rx},${ry} is off the page at ${point.x},${point.y}`);
    await page.mouse.click(point.x, point.y);
    let location = '';
    await waitFor(async () => {
      location = await server.x('xdotool', ['getmouselocation']);
      const [, x, y] = /x:(\d+) y:(\d+)/.exec(location) ?? [];
      return Math.abs(Number(x) - rx) <= 1 && Math.abs(Number(y) - ry) <= 1;
    }, `the remote pointer at ${rx},${ry} (it is at ${location})`, 3000).catch(() => assert.fail(`clicked remote ${rx},${ry}; the pointer is at ${location}`));
  }
}

/** Opens the saved "Desk" session and clicks into the remote xterm, so typing goes to its shell. */
async function connectAndFocusXterm(page: Parameters<typeof canvasPixels>[0]): Promise<void> {
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
  const point = await pagePointFor(page, 200, 150);
  await page.mouse.click(point.x, point.y);
}

test('typing reaches the remote xterm', async () => {
  await withBrowser({}, async ({ page }) => {
    await connectAndFocusXterm(page);
    await page.keyboard.type('echo typed-by-deskbridge_42 > out.txt', { delay: 15 });
    await page.keyboard.press('Enter');
    const file = path.join(server.workDir, 'out.txt');
    const deadline = Date.now() + 5000;
    let content = '';
    while (Date.now() < deadline) {
      content = await readFile(file, 'utf8').catch(() => '');
      if (content) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(content, 'typed-by-deskbridge_42\n');
  });
});

test('a connection already open is shown again, not opened twice; its tab picked with the mouse gives the desktop the keys', async () => {
  await withBrowser({}, async ({ page }) => {
    await connectAndFocusXterm(page);
    const file = path.join(server.workDir, 'tabs.txt');
    const typed = async (line: string, lines: string) => {
      await page.keyboard.type(`echo ${line} >> tabs.txt`, { delay: 15 });
      await page.keyboard.press('Enter');
      await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')) === lines, `the remote xterm to have written ${JSON.stringify(lines)}`, 5000);
    };
    // Double-clicked again in Connections: the open tab is shown, its desktop taking the keys, as Microsoft's client does.
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await page.getByRole('tab', { name: 'Desk', selected: true }).waitFor();
    assert.deepEqual(await page.getByRole('tab').allTextContents(), ['Connections', 'Desk']);
    await typed('shown-again', 'shown-again\n');
    // Back to it by its tab, with the mouse: typing goes on in the desktop, not on the tab button.
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('tab', { name: 'Desk' }).click();
    await typed('tab-clicked', 'shown-again\ntab-clicked\n');
    // With the keyboard the focus stays on the tabs, where the arrow keys move between them.
    await page.getByRole('tab', { name: 'Desk' }).press('ArrowLeft');
    await page.getByRole('tab', { name: 'Connections', selected: true }).waitFor();
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("role")'), 'tab');
  });
});

test('a host typed with its port ("127.0.0.1:PORT", as mstsc and Remmina take it) connects: the port goes to Port', async () => {
  await withBrowser({}, async ({ page }) => {
    await page.getByRole('button', { name: 'New connection' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Typed with its port');
    await page.getByLabel('Protocol', { exact: true }).selectOption({ label: 'VNC' });
    await page.getByLabel('Host', { exact: true }).fill(`127.0.0.1:${server.port}`);
    // Straight to Connect, without leaving the field: the port is taken from the host all the same.
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
    await page.getByRole('tab', { name: 'Connections' }).click();
    assert.equal(await page.getByLabel('Host', { exact: true }).inputValue(), '127.0.0.1');
    assert.equal(await page.getByLabel('Port', { exact: true }).inputValue(), String(server.port));
  });
});

test('closing the window (Ctrl+W) or reloading while a session is open asks first; with none open it does not', async () => {
  await withBrowser({}, async ({ page }) => {
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.type());
      void dialog.dismiss();
    });
    await connectAndFocusXterm(page);
    // Reloading is refused by the answer "stay": the session is still there.
    await page.reload({ timeout: 2000 }).catch(() => undefined);
    await waitFor(async () => asked.includes('beforeunload'), 'the browser to ask before leaving', 3000);
    await waitForState(page, 'Connected');
    await sessionView(page).getByRole('button', { name: 'Disconnect', exact: true }).click();
    await sessionView(page).getByText('You ended the session.').waitFor();
    asked.length = 0;
    await page.reload();
    await page.getByRole('tab', { name: 'Connections' }).waitFor();
    assert.deepEqual(asked, []);
  });
});

test('a narrow window: the toolbar still shows the connection\'s name and state, and Disconnect; at 900 px without scrolling', async () => {
  await withBrowser({ viewport: { width: 900, height: 600 } }, async ({ page }) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await waitForState(page, 'Connected');
    const toolbar = sessionView(page).getByRole('toolbar', { name: 'Session' });
    for (const width of [900, 760]) {
      await page.setViewportSize({ width, height: 600 });
      await page.waitForTimeout(200);
      const layout = await toolbar.evaluate((bar) => {
        const box = (selector: string) => bar.querySelector(selector)!.getBoundingClientRect();
        const disconnect = [...bar.querySelectorAll('button')].find((b) => b.textContent === 'Disconnect')!.getBoundingClientRect();
        return { scrolls: bar.scrollWidth > bar.clientWidth, overflow: bar.scrollWidth - bar.clientWidth, controls: [...bar.children].map((c) => Math.round(c.getBoundingClientRect().width)), title: box('.session-title').width, state: box('.session-state').right, info: box('.session-info').right, disconnect: disconnect.right, window: innerWidth };
      });
      // Narrower still, it may scroll sideways, with Disconnect kept at its end.
      if (width >= 900) assert.equal(layout.scrolls, false, `the toolbar scrolls at ${width} px: ${JSON.stringify(layout)}`);
      assert.ok(layout.title >= 40, `the name is cut to nothing at ${width} px: ${JSON.stringify(layout)}`);
      assert.ok(layout.state <= layout.info, `the state is cut off at ${width} px: ${JSON.stringify(layout)}`);
      assert.ok(layout.disconnect <= layout.window, `Disconnect is cut off at ${width} px: ${JSON.stringify(layout)}`);
    }
    await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
    await waitForState(page, 'Disconnected');
  });
});

test('Ctrl+Alt+Home takes the keyboard from the desktop to the toolbar; the remote side sees neither Home nor Ctrl and Alt held', async () => {
  await withBrowser({}, async ({ page }) => {
    await connectAndFocusXterm(page);
    const inToolbar = () => page.evaluate(() => document.activeElement?.closest('.session-toolbar') !== null);
    await page.keyboard.type('echo a', { delay: 15 });
    await page.keyboard.press('Control+Alt+Home');
    await waitFor(inToolbar, 'the focus on the toolbar', 2000);
    // From there the keyboard moves through the toolbar as anywhere else.
    await page.keyboard.press('Tab');
    assert.equal(await inToolbar(), true);
    const point = await pagePointFor(page, 200, 150);
    await page.mouse.click(point.x, point.y);
    await page.keyboard.type('b > home.txt', { delay: 15 });
    await page.keyboard.press('Enter');
    const typed = () => readFile(path.join(server.workDir, 'home.txt'), 'utf8').catch(() => '');
    await waitFor(async () => (await typed()) === 'ab\n', 'the line typed around the key on the remote, whole', 5000).catch(async (error: Error) => assert.fail(`${error.message}: home.txt holds ${JSON.stringify(await typed())}`));
  });
});

test('keyboard only: Tab from the toolbar reaches the named desktop, Tab there goes to the remote, Ctrl+Alt+Home is a round trip, and Enter on the tab gives the desktop the keys', async () => {
  await withBrowser({}, async ({ page }) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await waitForState(page, 'Connected');
    await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
    // The remote pointer over the xterm (no window manager: the keys go to the window under it); this page's mouse is not used from here on.
    await server.x('xdotool', ['mousemove', '200', '150']);
    const file = path.join(server.workDir, 'keyboard.txt');
    const typed = async (line: string, lines: string) => {
      await page.keyboard.type(`echo ${line} >> keyboard.txt`, { delay: 15 });
      await page.keyboard.press('Enter');
      await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')) === lines, `the remote xterm to have written ${JSON.stringify(lines)}`, 5000).catch(async (error: Error) => assert.fail(`${error.message}: keyboard.txt holds ${JSON.stringify(await readFile(file, 'utf8').catch(() => ''))}`));
    };
    const where = () => page.evaluate(() => {
      const active = document.activeElement;
      if (active?.closest('[data-testid="session-surface"]')) return 'desktop';
      if (active?.closest('.session-toolbar')) return 'toolbar';
      return active?.getAttribute('role') ?? active?.tagName ?? 'none';
    });
    /** Tab until the focus leaves the toolbar: where it went. */
    const tabOutOfToolbar = async () => {
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press('Tab');
        const now = await where();
        if (now !== 'toolbar') return now;
      }
      return 'toolbar';
    };
    // The desktop has a name a screen reader says, on an element that passes the keys through.
    await page.getByRole('application', { name: 'Remote desktop of Desk' }).first().waitFor();
    // Ctrl+Alt+Home: to the toolbar; Tab through it goes on to the desktop (not to the page's body or the tabs).
    await page.keyboard.press('Control+Alt+Home');
    await waitFor(async () => (await where()) === 'toolbar', 'the focus on the toolbar', 2000);
    assert.equal(await tabOutOfToolbar(), 'desktop');
    const focusedName = await page.evaluate(() => document.activeElement?.closest('[role="application"]')?.getAttribute('aria-label'));
    assert.equal(focusedName, 'Remote desktop of Desk');
    await typed('tabbed-in', 'tabbed-in\n');
    // Tab pressed in the desktop goes to the remote computer (cat writes it as it comes), and the focus stays there.
    await page.keyboard.type('cat > tab.txt', { delay: 15 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    await page.keyboard.type('a', { delay: 15 });
    await page.keyboard.press('Tab');
    await page.keyboard.type('b', { delay: 15 });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+d');
    const tabFile = path.join(server.workDir, 'tab.txt');
    await waitFor(async () => (await readFile(tabFile, 'utf8').catch(() => '')) === 'a\tb\n', 'a Tab typed in the desktop on the remote', 5000).catch(async (error: Error) => assert.fail(`${error.message}: tab.txt holds ${JSON.stringify(await readFile(tabFile, 'utf8').catch(() => ''))}`));
    assert.equal(await where(), 'desktop');
    // Round trip again, and back by Shift+Tab to the tab; to Connections and back with the arrows, then Enter on the tab.
    await page.keyboard.press('Control+Alt+Home');
    await waitFor(async () => (await where()) === 'toolbar', 'the focus on the toolbar', 2000);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await where(), 'tab');
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('tab', { name: 'Connections', selected: true }).waitFor();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'Desk', selected: true }).waitFor();
    assert.equal(await where(), 'tab');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await where()) === 'desktop', 'the desktop to take the keys after Enter on its tab', 2000);
    await typed('entered', 'tabbed-in\nentered\n');
  });
});

test('a middle click on a connected session\'s tab asks before disconnecting; on an ended session\'s tab it closes it at once', async () => {
  await withBrowser({}, async ({ page }) => {
    const open = async () => {
      await page.getByRole('tab', { name: 'Connections' }).click();
      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
      await waitForState(page, 'Connected');
    };
    await open();
    const tab = page.getByRole('tab', { name: 'Desk' });
    const dialog = page.getByRole('dialog', { name: 'Disconnect from “Desk”?' });
    // Cancelled: the session goes on.
    await tab.click({ button: 'middle' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForTimeout(300);
    assert.deepEqual(await page.getByRole('tab').allTextContents(), ['Connections', 'Desk']);
    await waitForState(page, 'Connected');
    // Agreed: it ends, and its tab closes.
    await tab.click({ button: 'middle' });
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('tab', { name: 'Connections', selected: true }).waitFor();
    assert.deepEqual(await page.getByRole('tab').allTextContents(), ['Connections']);
    // A session already ended: its tab closes with no question.
    await open();
    await sessionView(page).getByRole('button', { name: 'Disconnect', exact: true }).click();
    await waitForState(page, 'Disconnected');
    await tab.click({ button: 'middle' });
    await page.getByRole('tab', { name: 'Connections', selected: true }).waitFor();
    assert.deepEqual(await page.getByRole('tab').allTextContents(), ['Connections']);
    assert.equal(await page.getByRole('dialog').count(), 0);
  });
});

test('full screen: the session fills the screen, typing still reaches the desktop, and the button says how to leave', async () => {
  await withBrowser({}, async ({ page }) => {
    await connectAndFocusXterm(page);
    const view = sessionView(page);
    await view.getByRole('button', { name: 'Full screen', exact: true }).click();
    await page.waitForFunction(() => document.fullscreenElement?.classList.contains('session-view') === true, undefined, { timeout: 5000 });
    const leave = view.getByRole('button', { name: 'Exit full screen', exact: true });
    await leave.waitFor({ timeout: 5000 });
    await page.keyboard.type('echo in-full-screen > full.txt', { delay: 15 });
    await page.keyboard.press('Enter');
    await waitFor(async () => (await readFile(path.join(server.workDir, 'full.txt'), 'utf8').catch(() => '')) === 'in-full-screen\n', 'the typed line on the remote', 5000);
    // The whole screen is the desktop's: at the top right, where a remote window's close button would be, the
    // pointer is on the desktop, not on a toolbar lying faintly over it.
    const onToolbarAt = (x: string, y: number) => page.evaluate(`document.elementFromPoint(${x}, ${y})?.closest('.session-toolbar') !== null`);
    await page.mouse.move(300, 300);
    await waitFor(async () => (await onToolbarAt('innerWidth - 20', 12)) === false && (await onToolbarAt('innerWidth - 20', 2)) === false, 'the top right of the screen to be the desktop\'s', 3000);
    // The pointer on the handle at the top centre brings the toolbar down; leaving it, the toolbar goes back up.
    await page.locator('.fullscreen-handle').hover();
    await waitFor(async () => ((await leave.boundingBox())?.y ?? -1) >= 0, 'the toolbar to come down', 3000);
    await page.mouse.move(300, 400);
    await waitFor(async () => (await onToolbarAt('innerWidth - 20', 12)) === false, 'the toolbar to go back up', 3000);
    await page.locator('.fullscreen-handle').hover();
    await leave.click();
    await page.waitForFunction(() => document.fullscreenElement === null, undefined, { timeout: 5000 });
    await view.getByRole('button', { name: 'Full screen', exact: true }).waitFor({ timeout: 5000 });
  });
});

test('"Send keys" sends what this computer would take for itself (Ctrl+Alt+F2, Ctrl+Alt+F12, Ctrl+Alt+Del), with their modifiers, and typing goes on in the desktop', async () => {
  await withBrowser({}, async ({ page }) => {
    await connectAndFocusXterm(page);
    // Ctrl+Alt+Del too: the toolbar's button is also there, as a narrow window hides the button.
    await assertSendKeysReachXterm(page, server.workDir, [...CTRL_ALT_FUNCTION_KEYS, { label: 'Ctrl+Alt+Del', keys: 'Control+Alt+Delete', xterm: /^\^\[\[3;[2-9]~$/ }]);
  });
});

test('text scrolling in the remote xterm (sent as CopyRect) is drawn as the server shows it, and never as a canvas drawing onto itself', async () => {
  // A canvas drawn onto itself costs Chromium a copy of the whole back buffer on
  // its next write (docs/performance-history.md); copies go through a scratch canvas.
  // The page counts both kinds of draw between canvases that are not on screen.
  const countCopies = `{ window.__selfDraws = 0; window.__offscreenDraws = 0;
    const draw = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (image, ...args) {
      if (image === this.canvas) window.__selfDraws++;
      else if (image instanceof HTMLCanvasElement && !image.isConnected && !this.canvas.isConnected) window.__offscreenDraws++;
      return draw.call(this, image, ...args);
    }; }`;
  await withBrowser({ initScript: countCopies }, async ({ page }) => {
    await connectAndFocusXterm(page);
    // A line at a time, as a person reads a log: xterm scrolls each one with a copy.
    await page.keyboard.type('for i in $(seq 80); do echo "scrolled line $i"; sleep 0.03; done; echo done > scrolled.txt', { delay: 10 });
    await page.keyboard.press('Enter');
    await waitFor(async () => (await readFile(path.join(server.workDir, 'scrolled.txt'), 'utf8').catch(() => '')) !== '', 'the remote shell finished scrolling', 15_000);
    // The xterm's text, compared with the server's own framebuffer on a grid.
    await waitForCanvasAsServer(page, grid(6, 500, 23, 6, 330, 11), 24, 'the scrolled xterm on the canvas as on the server');
    const { selfDraws, offscreenDraws } = await page.evaluate(() => {
      const w = window as unknown as { __selfDraws: number; __offscreenDraws: number };
      return { selfDraws: w.__selfDraws, offscreenDraws: w.__offscreenDraws };
    });
    assert.ok(selfDraws + offscreenDraws >= 2, `the server sent copies (${selfDraws} + ${offscreenDraws} drawn)`);
    assert.equal(selfDraws, 0, `${selfDraws} copies were drawn by a canvas onto itself`);
  });
});

test('clipboard: non-ASCII text from the remote arrives, and text from the client reaches the remote, again once reading it is allowed again', async () => {
  const fromRemote = '€ 日本 ü';
  const fromClient = 'Grüße 日本 € from DeskBridge';
  await withBrowser({}, async ({ page, context }) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await waitForState(page, 'Connected');
    await sessionView(page).getByRole('button', { name: 'Clipboard' }).click();
    // Remote → client: xclip owns the remote clipboard; Xvnc forwards it.
    await setRemoteClipboard(server, fromRemote);
    const panel = sessionView(page).getByLabel('Remote clipboard');
    await panel.waitFor();
    await waitFor(async () => (await panel.inputValue()) === fromRemote, 'the remote clipboard text in the panel');
    await page.bringToFront();
    await waitFor(async () => (await page.evaluate(() => navigator.clipboard.readText())) === fromRemote, 'the remote text on the local clipboard');
    // Client → remote, through the paste panel.
    await panel.fill(fromClient);
    await sessionView(page).getByRole('button', { name: 'Send to remote' }).click();
    await waitFor(async () => (await server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '')) === fromClient, 'the client text on the remote clipboard');
    // …and stays there: the local clipboard (unchanged since) is not sent over it.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => ''), fromClient, 'the panel\'s text stays on the remote clipboard');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), fromRemote, 'this computer\'s clipboard is as it was');
    // And automatically, from the local clipboard while the session has focus.
    const automatic = 'automatisch ü 日本';
    await page.evaluate((t) => navigator.clipboard.writeText(t), automatic);
    await waitFor(async () => (await server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '')) === automatic, 'the local clipboard on the remote');
    // Reading the clipboard refused in the browser's settings, then allowed again: it resumes, with no reconnect.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Browser.setPermission', { permission: { name: 'clipboard-read' }, setting: 'denied', origin: app.origin });
    const copiedMeanwhile = 'kopiert, während es verboten war';
    await page.evaluate((t) => navigator.clipboard.writeText(t), copiedMeanwhile);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => ''), automatic, 'nothing read while refused');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.origin });
    await waitFor(async () => (await server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '')) === copiedMeanwhile, 'the local clipboard on the remote once reading is allowed again');
    await cdp.detach();
  });
});

test('clipboard: text copied on the remote while the window is away reaches this computer when it comes back, and is not overwritten by the older local text; a later local copy wins', async () => {
  await withBrowser({}, async ({ page, context }) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk', exact: true }).dblclick();
    await waitForState(page, 'Connected');
    const remoteText = async () => server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '');
    await page.evaluate((t) => navigator.clipboard.writeText(t), 'local, older');
    await waitFor(async () => (await remoteText()) === 'local, older', 'the local text on the remote');
    // The window loses the focus (another page in front; Playwright's focus emulation off, so the page knows).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    const away = async (meanwhile: (other: typeof page) => Promise<void>) => {
      const other = await context.newPage();
      await other.bringToFront();
      await waitFor(async () => !(await page.evaluate(() => document.hasFocus())), 'the window lost the focus');
      await meanwhile(other);
      await page.bringToFront();
      await other.close();
      const into = await pagePointFor(page, 300, 300);
      await page.mouse.click(into.x, into.y);
    };
    // Copied on the remote computer while away: on this computer's clipboard once back, and still on the remote's.
    await away(async () => {
      await setRemoteClipboard(server, 'remote, copied while away');
      await sessionView(page).getByRole('button', { name: 'Clipboard' }).click();
      await waitFor(async () => (await sessionView(page).getByLabel('Remote clipboard').inputValue()) === 'remote, copied while away', 'the remote text arrived');
      await sessionView(page).getByRole('button', { name: 'Clipboard' }).click();
      await new Promise((r) => setTimeout(r, 1500));
    });
    await waitFor(async () => (await page.evaluate(() => navigator.clipboard.readText())) === 'remote, copied while away', 'the remote text on the local clipboard');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await remoteText(), 'remote, copied while away', 'the older local text was not sent over it');
    // Copied on the remote, then copied here (later) while away: the later local copy goes to the remote.
    await away(async (other) => {
      await setRemoteClipboard(server, 'remote, earlier');
      await new Promise((r) => setTimeout(r, 1500));
      // Copied in another window of this computer (a page of the same origin, so the browser lets it write).
      await other.goto(`${app.origin}/not-the-app`);
      await other.evaluate((t) => navigator.clipboard.writeText(t), 'local, copied later');
    });
    await waitFor(async () => (await remoteText()) === 'local, copied later', 'the later local copy on the remote');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'local, copied later');
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    await cdp.detach();
  });
});

test('a connection with "Share the clipboard" off: nothing crosses either way, and the panel says why', async () => {
  await withBrowser({}, async ({ page }) => {
    await createProfile(page, { name: 'Desk unshared', port: server.port, shareClipboard: false });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitForState(page, 'Connected');
    await sessionView(page).getByRole('button', { name: 'Clipboard' }).click();
    await sessionView(page).getByText('"Share the clipboard" is off in this connection\'s settings', { exact: false }).waitFor();
    await page.bringToFront();
    await setRemoteClipboard(server, 'remote only');
    await page.evaluate(() => navigator.clipboard.writeText('local only'));
    await sessionView(page).getByTestId('session-surface').click();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'local only');
    assert.equal(await server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => ''), 'remote only');
    // Saved so: the editor shows it unticked.
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Desk unshared', exact: true }).click();
    assert.equal(await page.getByLabel('Share the clipboard', { exact: true }).isChecked(), false);
  });
});

test('two sessions at once, each showing its own desktop', async () => {
  const second = await startXvnc({ background: '#993322', xterm: false });
  try {
    await withBrowser({}, async ({ page }) => {
      await createProfile(page, { name: 'Second', port: second.port });
      const list = page.getByRole('navigation', { name: 'Connections' });
      await list.getByRole('button', { name: 'Desk', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      await page.getByRole('tab', { name: 'Connections' }).click();
      await list.getByRole('button', { name: 'Second', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      await waitForCanvasColour(page, 500, 400, hexColour('#993322'));
      await page.getByRole('tab', { name: 'Desk' }).click();
      await waitForCanvasColour(page, 900, 700, hexColour('#336699'));
      const [a] = await canvasPixels(page, [[900, 700]]);
      assert.ok(close(a!, hexColour('#336699'), 8));
      // The other one is still connected underneath.
      await page.getByRole('tab', { name: 'Second' }).click();
      await waitForState(page, 'Connected');
      const [b] = await canvasPixels(page, [[500, 400]]);
      assert.ok(close(b!, hexColour('#993322'), 8));
    });
  } finally {
    await disposeXvnc(second);
  }
});

test('"Desktop size: Fit the window": the server\u2019s desktop takes the size of the session\u2019s area, and follows the window as it is resized', async () => {
  const resizable = await startXvnc({ width: 1024, height: 768, background: '#225533', xterm: false });
  try {
    await withBrowser({ viewport: { width: 1280, height: 900 } }, async ({ page }) => {
      await page.getByRole('button', { name: 'New connection' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Follows the window');
      await page.getByLabel('Protocol', { exact: true }).selectOption({ label: 'VNC' });
      await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
      await page.getByLabel('Port', { exact: true }).fill(String(resizable.port));
      assert.equal(await page.getByLabel('Desktop size', { exact: true }).inputValue(), 'server', 'the server\u2019s size unless asked');
      await page.getByLabel('Desktop size', { exact: true }).selectOption({ label: 'Fit the window (follows resizing)' });
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await waitForState(page, 'Connected');
      const serverSize = async () => /dimensions:\s+(\d+)x(\d+)/.exec(await resizable.x('xdpyinfo', []))?.slice(1, 3).map(Number).join('x') ?? '';
      const areaSize = async () => (await page.evaluate('(() => { const r = document.querySelector(".session-tab:not([hidden]) .session-surface").getBoundingClientRect(); return Math.floor(r.width) + "x" + Math.floor(r.height); })()')) as string;
      const follows = async (what: string) => {
        let seen = '';
        let area = '';
        await waitFor(async () => {
          [seen, area] = [await serverSize(), await areaSize()];
          return seen === area;
        }, `the server's desktop at the session area's size (${what})`, 8000).catch(() => assert.fail(`${what}: the server is ${seen}, the area ${area}`));
        // Drawn 1:1 at that size: the canvas as large as the server's desktop, and the server's colour at its far corner.
        const [w, h] = seen.split('x').map(Number) as [number, number];
        await waitForCanvasColour(page, w - 3, h - 3, hexColour('#225533'));
      };
      await follows('at 1280x900');
      assert.notEqual(await serverSize(), '1024x768');
      await page.setViewportSize({ width: 1000, height: 700 });
      await follows('after the window became 1000x700');
    });
  } finally {
    await disposeXvnc(resizable);
  }
});

async function setRemoteClipboard(target: XvncServer, text: string): Promise<void> {
  // xclip forks into the background and owns the selection until another client takes it
  // (or the X server stops); its output goes nowhere so that this call returns.
  await target.x('sh', ['-c', `printf '%s' "$0" | xclip -selection clipboard -i >/dev/null 2>&1`, text]);
}

