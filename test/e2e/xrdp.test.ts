// RDP against a real Linux session host: xrdp 0.9 + sesman + Xorg (xorgxrdp)
// with a PAM user, Debian's default xrdp settings, through the real UI.
//
// The IronRDP build we ship draws a bitmap whose rows are padded past its
// rectangle with the wrong stride (sheared); xrdp's own sign-in screen is
// made of such bitmaps, at 16 and at 32 bpp alike. The gateway therefore
// sets auto-logon in the client's Client Info PDU (the sign-in screen is never
// shown when the profile has the password), asks for 32 bpp, announces the
// profile's keyboard layout (electron/gateway/bridges/rdp/clientSettings.ts),
// and tells the user when padded bitmaps arrive anyway (serverStreamWatch.ts).
// A password xrdp refuses there is not a sign-in screen either: xrdp draws its
// own window instead of the session's, which the gateway sees and ends the
// attempt as a refused password (serverStreamWatch.ts, 6).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { XrdpServer } from '../servers/xrdp';
import { close, hexColour } from '../servers/xwd';
import { logLines, startAppWithBrowser } from '../support/app';
import type { Page } from 'playwright-core';
import type { TestBrowser } from '../support/browser';
import { messageFor } from '../../shared/errors/errorCodes';
import { ALT_KEYS, assertSendKeysReachXterm, canvasPixels, createProfile, pagePointFor, sessionView, trustCertificate, waitFor, waitForCanvasColour, waitForState } from '../support/ui';
import { connectToXrdp as connect, startXrdpFor } from '../support/xrdpSession';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});
const startServer = (options: Parameters<typeof startXrdpFor>[1]) => startXrdpFor(cleanups, options);

/** Compares a grid of points on the canvas with the session's own screen (RemoteFX is lossy: a small tolerance). */
async function mismatchesWithServer(page: TestBrowser['page'], server: XrdpServer): Promise<{ mismatches: [number, number][]; total: number; width: number; height: number }> {
  const screen = await server.screen();
  const points: [number, number][] = [];
  for (let x = 13; x < screen.width; x += 37) for (let y = 11; y < screen.height; y += 29) points.push([x, y]);
  const shown = await canvasPixels(page, points);
  const mismatches = points.filter((p, i) => !close(shown[i]!, screen.pixel(p[0], p[1]), 40));
  return { mismatches, total: points.length, width: screen.width, height: screen.height };
}

async function waitForMatch(page: TestBrowser['page'], server: XrdpServer, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await mismatchesWithServer(page, server);
    if (result.mismatches.length <= result.total * 0.01) return result;
    if (Date.now() > deadline) {
      assert.fail(`canvas differs from the xrdp session's screen (${result.width}x${result.height}) at ${result.mismatches.length} of ${result.total} points, e.g. ${JSON.stringify(result.mismatches.slice(0, 6))}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('xrdp with Debian\u2019s defaults: signs in with the profile, the desktop matches the server\u2019s screen, typing and a click reach it', async () => {
  const server = await startServer({ background: '#2e6b4f', xterm: true });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connect(page, server, 'xrdp');
  // Signed in with the profile's credentials: a session exists (no xrdp login dialog).
  await server.sessionDisplay();
  await waitForCanvasColour(page, 900, 600, hexColour('#2e6b4f'), 15_000);
  // The xterm's edge and the text area, not sheared: every sampled point agrees.
  await waitForMatch(page, server);

  const into = await pagePointFor(page, 200, 150);
  await page.mouse.click(into.x, into.y);
  await page.keyboard.type('echo xrdp-typed-', { delay: 20 });
  await page.keyboard.down('Shift');
  await page.keyboard.press('KeyW');
  await page.keyboard.press('Period');
  await page.keyboard.up('Shift');
  await page.keyboard.type(' typed.txt', { delay: 20 });
  await page.keyboard.press('Enter');
  let content = '';
  for (let i = 0; i < 50 && !content; i++) {
    content = await readFile(path.join(server.home, 'typed.txt'), 'utf8').catch(() => '');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(content, 'xrdp-typed-W\n');
  // What was typed is on the canvas as on the server.
  await waitForMatch(page, server);
  // "Send keys": the shortcuts this computer would keep for itself reach the xterm as the keys do.
  // (xrdp's X server keeps Ctrl+Alt+F1…F12 for itself, as any X server does with its console switches.)
  await assertSendKeysReachXterm(page, server.home, ALT_KEYS);

  const target = await pagePointFor(page, 801, 433);
  await page.mouse.move(target.x, target.y);
  await new Promise((r) => setTimeout(r, 300));
  const location = execFileSync('xdotool', ['getmouselocation'], { env: await server.sessionEnv(), encoding: 'utf8' });
  const [, x, y] = /x:(\d+) y:(\d+)/.exec(location) ?? [];
  assert.ok(Math.abs(Number(x) - 801) <= 2 && Math.abs(Number(y) - 433) <= 2, `pointer at ${x},${y}`);

  // No picture warning: nothing the client draws wrong was sent.
  assert.equal(await sessionView(page).locator('.session-warning').count(), 0);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  assert.equal(await sessionView(page).getByRole('alert').count(), 0);
  assert.deepEqual(browser.cspViolations, []);
});

test('xrdp: the desktop follows the window (display control): the server\u2019s display takes the new size', async () => {
  const server = await startServer({ background: '#4f2e6b' });
  const { browser } = await startAppWithBrowser(cleanups, { width: 1280, height: 860 });
  const { page } = browser;
  await connect(page, server, 'xrdp resize');
  await waitForCanvasColour(page, 500, 400, hexColour('#4f2e6b'), 15_000);
  const surfaceSize = () =>
    sessionView(page)
      .getByTestId('session-surface')
      .evaluate((el) => ({ width: Math.floor(el.clientWidth), height: Math.floor(el.clientHeight) }));
  const before = await server.screenSize();
  const surfaceBefore = await surfaceSize();
  assert.ok(Math.abs(before.width - surfaceBefore.width) <= 2 && Math.abs(before.height - surfaceBefore.height) <= 2, `session ${JSON.stringify(before)} for a surface of ${JSON.stringify(surfaceBefore)}`);

  await page.setViewportSize({ width: 1000, height: 700 });
  const surfaceAfter = await surfaceSize();
  const deadline = Date.now() + 15_000;
  let after = before;
  while (Date.now() < deadline) {
    after = await server.screenSize();
    if (after.width !== before.width || after.height !== before.height) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // Display control sends even widths; the server's display takes the window's size.
  assert.ok(Math.abs(after.width - surfaceAfter.width) <= 2 && Math.abs(after.height - surfaceAfter.height) <= 2, `after resizing the window to a ${JSON.stringify(surfaceAfter)} surface, the server's display is ${JSON.stringify(after)}`);
  // And the picture still matches at the new size.
  await waitForMatch(page, server);
  // Idle past two probe periods: xrdp answers the gateway's probe; nothing reconnects.
  await new Promise((r) => setTimeout(r, 10_000));
  assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Connected');
  assert.equal(((await server.logs()).match(/xrdp_wm_log_msg: login successful/g) ?? []).length, 1, 'the idle session was taken for dead and signed in again');
});

/** The canvas's size in pixels and the box it is shown in on the page (CSS pixels). */
function canvasGeometry(page: TestBrowser['page']) {
  return sessionView(page)
    .locator('[data-testid="session-surface"] canvas')
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const r = c.getBoundingClientRect();
      return { width: c.width, height: c.height, box: { x: r.x, y: r.y, width: r.width, height: r.height } };
    });
}

test('xrdp: after each window resize the canvas takes the server\u2019s new desktop size, shown pixel for pixel, and a click near its bottom-right corner lands there', async () => {
  const server = await startServer({ background: '#2e4f6b' });
  const { app, browser } = await startAppWithBrowser(cleanups, { width: 1280, height: 760 });
  const { page } = browser;
  await connect(page, server, 'xrdp follows');
  await waitForCanvasColour(page, 600, 400, hexColour('#2e4f6b'), 15_000);
  let previous = await server.screenSize();
  // Larger than the first size (the picture stretched and blurred, the pointer short of the edges), then smaller.
  for (const viewport of [{ width: 1640, height: 1060 }, { width: 1100, height: 700 }]) {
    await page.setViewportSize(viewport);
    let screen = previous;
    await waitFor(async () => {
      screen = await server.screenSize();
      return screen.width !== previous.width || screen.height !== previous.height;
    }, `the server's display to leave ${previous.width}x${previous.height} for a ${viewport.width}x${viewport.height} window`, 15_000);
    previous = screen;
    // The canvas holds the server's new desktop in its own pixels (xrdp answers within about a second).
    await waitFor(async () => {
      const shown = await canvasGeometry(page);
      return shown.width === screen.width && shown.height === screen.height;
    }, `the canvas to take the server's ${screen.width}x${screen.height}`, 8000).catch(async (error: Error) => {
      assert.fail(`${error.message}: the canvas is ${JSON.stringify(await canvasGeometry(page))}`);
    });
    // Shown 1:1, not stretched to the window by CSS.
    const shown = await canvasGeometry(page);
    assert.ok(Math.abs(shown.box.width - shown.width) <= 0.5 && Math.abs(shown.box.height - shown.height) <= 0.5, `a ${shown.width}x${shown.height} canvas shown in a ${shown.box.width}x${shown.box.height} box`);
    await waitForMatch(page, server);
    // A click near the bottom-right corner of the desktop, pointed at on the page 1:1, lands there on the server.
    const remote = { x: screen.width - 12, y: screen.height - 9 };
    await page.mouse.click(shown.box.x + remote.x + 0.5, shown.box.y + remote.y + 0.5);
    await waitFor(async () => {
      const [, x, y] = /x:(\d+) y:(\d+)/.exec(execFileSync('xdotool', ['getmouselocation'], { env: await server.sessionEnv(), encoding: 'utf8' })) ?? [];
      return Math.abs(Number(x) - remote.x) <= 1 && Math.abs(Number(y) - remote.y) <= 1;
    }, `the pointer at ${remote.x},${remote.y} on the ${screen.width}x${screen.height} desktop`, 3000).catch(async (error: Error) => {
      assert.fail(`${error.message}: xdotool says ${execFileSync('xdotool', ['getmouselocation'], { env: await server.sessionEnv(), encoding: 'utf8' }).trim()}`);
    });
  }
  // The same connection throughout: the size changed in the session, not by connecting again.
  assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Connected');
  assert.equal((await logLines(app, 'session created', 1, 0)).length, 1, 'the app connected again');
  assert.equal(((await server.logs()).match(/xrdp_wm_log_msg: login successful/g) ?? []).length, 1, 'the session was signed in again');
});

test('xrdp: a fixed desktop size in the profile is the session\u2019s size, whatever the window', async () => {
  const server = await startServer({ background: '#6b4f2e' });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connect(page, server, 'xrdp fixed', { fixedSize: { width: 1100, height: 700 } });
  await waitForCanvasColour(page, 600, 400, hexColour('#6b4f2e'), 15_000);
  assert.deepEqual(await server.screenSize(), { width: 1100, height: 700 });
  // Fixed means fixed: a smaller window scales the picture, the session keeps its size.
  await page.setViewportSize({ width: 900, height: 650 });
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await server.screenSize(), { width: 1100, height: 700 });
  // Scaled down whole, its proportions kept (not stretched to the window's); the canvas keeps the session's pixels.
  const shown = await canvasGeometry(page);
  assert.deepEqual({ width: shown.width, height: shown.height }, { width: 1100, height: 700 });
  assert.ok(shown.box.width <= 900 && Math.abs(shown.box.width / shown.box.height - 1100 / 700) < 0.01, `a 1100x700 desktop shown in a ${shown.box.width}x${shown.box.height} box`);
  await waitForMatch(page, server);
});

test('xrdp: the profile\u2019s start program runs in place of the desktop, in its folder (an .rdp\u2019s alternate shell)', async () => {
  // The server's own desktop (its window manager script) paints #2e6b4f; the start program paints #aa3366 and
  // writes where it started. xrdp runs a program with arguments through sh -c, as sesman does for any client's.
  const server = await startServer({ background: '#2e6b4f' });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connect(page, server, 'xrdp start program', {
    startProgram: `xsetroot -solid '#aa3366'; pwd > "$HOME/started-in"; exec sleep infinity`,
    startFolder: '/usr/share',
  });
  await waitForCanvasColour(page, 600, 400, hexColour('#aa3366'), 15_000);
  let folder = '';
  for (let i = 0; i < 50 && !folder; i++) {
    folder = await readFile(path.join(server.home, 'started-in'), 'utf8').catch(() => '');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(folder, '/usr/share\n');
  assert.match(await server.logs(), /Starting user requested window manager/);
  await waitForMatch(page, server);
  // The form shows them again as saved.
  assert.equal(await page.getByLabel('Start program', { exact: true }).inputValue(), `xsetroot -solid '#aa3366'; pwd > "$HOME/started-in"; exec sleep infinity`);
  assert.equal(await page.getByLabel('Start in (folder)', { exact: true }).inputValue(), '/usr/share');
});

test('xrdp: the profile\u2019s keyboard layout reaches the server (German: the key labelled Y on a US keyboard types z)', async () => {
  const server = await startServer({ xterm: true });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connect(page, server, 'xrdp German', { keyboardLayout: 'German' });
  await assertServerMapsKeysAsGerman(page, server);
});

/** The keys labelled Y and Z on a US keyboard, typed into the session's xterm, make z and y: the server's layout is German. */
async function assertServerMapsKeysAsGerman(page: Page, server: XrdpServer): Promise<void> {
  const env = await server.sessionEnv();
  await waitForCanvasColour(page, 5, 300, hexColour('#ffffff'), 15_000);
  const into = await pagePointFor(page, 200, 150);
  await page.mouse.click(into.x, into.y);
  // Physical keys (scancodes): "touch " is the same on both layouts; KeyY and KeyZ swap on a German one.
  for (const code of ['KeyT', 'KeyO', 'KeyU', 'KeyC', 'KeyH', 'Space', 'KeyY', 'KeyZ', 'Enter']) await page.keyboard.press(code);
  let files: string[] = [];
  for (let i = 0; i < 50; i++) {
    files = (await readdir(server.home)).filter((name) => name === 'zy' || name === 'yz');
    if (files.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(files, ['zy'], 'typed Y Z on the German layout should make the file "zy" ("yz" means the server mapped them as US)');
  const query = execFileSync('setxkbmap', ['-query'], { env, encoding: 'utf8' });
  assert.match(query, /layout:\s+de\b/, `setxkbmap -query on the session:\n${query}`);
}

/**
 * This computer's keyboard as German, where the page reads it: what Chromium's navigator.keyboard.getLayoutMap()
 * gives on a German desktop (the headless test browser has a US one, and no OS layout to switch).
 */
const GERMAN_KEYBOARD_HERE = `(() => {
  const keys = {};
  for (const letter of 'abcdefghijklmnopqrstuvwxyz') keys['Key' + letter.toUpperCase()] = letter;
  Object.assign(keys, { KeyY: 'z', KeyZ: 'y', Digit1: '1', Minus: 'ß', Semicolon: 'ö', Quote: 'ä', BracketLeft: 'ü', Backslash: '#' });
  navigator.keyboard.getLayoutMap = async () => new Map(Object.entries(keys));
})();`;

test('xrdp: a new connection sends this computer\u2019s keyboard layout, as mstsc does (a German keyboard here: the server maps the keys as German)', async () => {
  const server = await startServer({ xterm: true });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await page.addInitScript(GERMAN_KEYBOARD_HERE);
  await page.reload();
  await connect(page, server, 'xrdp here');
  await assertServerMapsKeysAsGerman(page, server);
  // The connection's form says which layout "this computer's" is here.
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'xrdp here', exact: true }).click();
  const layout = page.getByLabel('Keyboard layout', { exact: true });
  await waitFor(async () => (await layout.locator('option:checked').textContent()) === "This computer's layout (German)", 'the layout found here named in the form', 5000);
});

test('xrdp: resizing the window while the desktop paints, which xrdp 0.9 at times answers by ending the connection: the session comes back by itself', async () => {
  const server = await startServer({ xterm: true });
  const { app, browser } = await startAppWithBrowser(cleanups, { width: 1280, height: 860 });
  const { page } = browser;
  await connect(page, server, 'xrdp resizes');
  const ended = sessionView(page).getByText(messageFor('session-ended'));
  for (let i = 0; i < 6; i++) {
    await page.setViewportSize({ width: 1000 + (i % 2) * 200, height: 700 + (i % 3) * 60 });
    // Typing paints the xterm while xrdp resizes: what xrdp 0.9's shared-memory race needs (reconnectPolicy.ts).
    for (let k = 0; k < 10; k++) {
      await page.keyboard.type('x');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    // Connected, or reconnecting: never "The session was ended".
    await waitForState(page, 'Connected', 20_000).catch(async (error: Error) => {
      assert.fail(`after resize ${i + 1}: ${error.message}; the view says ${JSON.stringify(await sessionView(page).innerText())}`);
    });
    assert.equal(await ended.count(), 0);
  }
  const drops = ((await server.logs()).match(/Can't attach to shared memory/g) ?? []).length;
  const reconnects = (await logLines(app, 'session created', 10)).length - 1;
  console.log(`xrdp resizes: xrdp failed ${drops} of 6 resizes; the session was reconnected ${reconnects} times`);
  assert.ok(reconnects >= drops, `xrdp ended ${drops} resizes, and only ${reconnects} reconnects followed`);
});

test('xrdp: a wrong saved password is said as refused (never "Connected", no sign-in screen of xrdp\u2019s) in the prompt asking for it again at once: the right one, remembered, signs in and replaces it', async () => {
  const server = await startServer({ background: '#6b4f2e', xterm: true });
  const { app, browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'xrdp wrong', protocol: 'RDP', port: server.port, username: server.user, password: 'nope-wrong' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust once');
  const trusted = Date.now();
  // xrdp keeps the connection open and draws its own "login failed" window: the gateway tells that from what it
  // draws and ends the attempt as a refused password, before the page ever says "Connected"; the password is asked
  // for again at once, saying so, with the connection's user name.
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  const refusal = dialog.getByText('The password was not accepted. Try again.');
  const states = new Set<string>();
  while (!(await refusal.isVisible())) {
    assert.ok(Date.now() - trusted < 10_000, `no refusal shown within 10 s (states seen: ${[...states].join(', ')})`);
    states.add((await sessionView(page).getByTestId('session-state').textContent()) ?? '');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(!states.has('Connected'), `the session said "Connected" on the way (states seen: ${[...states].join(', ')})`);
  await waitForState(page, 'Disconnected');
  assert.equal(await dialog.getByLabel('User name').inputValue(), server.user);
  // No picture warning: nothing of xrdp's own window reached the page.
  assert.equal(await sessionView(page).locator('.session-warning').count(), 0);

  // The saved password is not tried again: the right one typed signs in.
  await dialog.getByLabel('Password', { exact: true }).fill(server.password);
  await dialog.getByLabel('Remember password').check();
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await waitForState(page, 'Connected', 20_000);
  await server.sessionDisplay();
  await waitForCanvasColour(page, 900, 600, hexColour('#6b4f2e'), 15_000);
  // The xterm's edge and the text area: the session's own desktop, every sampled point agrees.
  await waitForMatch(page, server);
  assert.equal(((await server.logs()).match(/xrdp_wm_log_msg: login successful/g) ?? []).length, 1);

  // The remembered password replaced the refused one: the next connect signs in with it, asking nothing.
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected', 20_000);
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0);
  await waitForMatch(page, server);
  // The gateway's reading of each attempt: xrdp's own window first, then the session's picture (RemoteFX) twice.
  const outcomes = await logLines(app, 'auto-logon outcome', 3);
  assert.deepEqual(outcomes.map((line) => /signedIn=(\w+)/.exec(line)?.[1]), ['false', 'true', 'true'], outcomes.join('\n'));
  assert.deepEqual(browser.cspViolations, []);
});

test('xrdp: Ctrl+Alt+Home takes the keyboard to the toolbar, and the remote side is left with neither Home nor Ctrl and Alt held', async () => {
  const server = await startServer({ xterm: true });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connect(page, server, 'xrdp keyboard back');
  await waitForCanvasColour(page, 5, 300, hexColour('#ffffff'), 15_000);
  await waitForMatch(page, server);
  const into = await pagePointFor(page, 200, 150);
  await page.mouse.click(into.x, into.y);
  await page.keyboard.type('echo a', { delay: 20 });
  await page.keyboard.press('Control+Alt+Home');
  await page.waitForFunction(() => document.activeElement?.closest('.session-toolbar') !== null, undefined, { timeout: 2000 });
  await page.mouse.click(into.x, into.y);
  // The ">" as Shift and the key under it (RDP sends physical keys).
  await page.keyboard.type('b ', { delay: 20 });
  await page.keyboard.down('Shift');
  await page.keyboard.press('Period');
  await page.keyboard.up('Shift');
  await page.keyboard.type(' home.txt', { delay: 20 });
  await page.keyboard.press('Enter');
  const typed = () => readFile(path.join(server.home, 'home.txt'), 'utf8').catch(() => '');
  await waitFor(async () => (await typed()) === 'ab\n', 'the line typed around the key, whole', 10_000).catch(async (error: Error) => assert.fail(`${error.message}: home.txt holds ${JSON.stringify(await typed())}`));
});

test('xrdp: signing out in the session ends it for good: "The session was ended", and no reconnect signs the user back in', async () => {
  const server = await startServer({ xterm: true });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connect(page, server, 'xrdp sign out');
  await waitForCanvasColour(page, 5, 300, hexColour('#ffffff'), 15_000);
  // The picture settled (as the typing test waits before it types).
  await waitForMatch(page, server);
  const into = await pagePointFor(page, 200, 150);
  await page.mouse.click(into.x, into.y);
  // The session's desktop is this terminal: "exit" signs out (xrdp then ends the connection).
  // The file tells a failure here apart: the keys never reached the shell, or the end was not reported.
  await page.keyboard.type('touch exit-typed; exit', { delay: 20 });
  await page.keyboard.press('Enter');
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor({ timeout: 15_000 }).catch(async (error: Error) => {
    const typed = await readFile(path.join(server.home, 'exit-typed')).then(() => true, () => false);
    assert.fail(`no alert after signing out (${error.message.split('\n')[0]}); ${typed ? 'the shell ran the typed command' : 'the typed keys never reached the shell'}; state: ${await sessionView(page).getByTestId('session-state').textContent()}`);
  });
  assert.ok(((await alert.textContent()) ?? '').includes(messageFor('session-ended')), `showed: ${await alert.textContent()}`);
  // What the server said is for IT, under "Details": not in the user's way.
  const evidence = alert.getByText(/Disconnect Provider Ultimatum/);
  assert.equal(await evidence.isVisible(), false, 'the protocol words show at once');
  await alert.getByText('Details', { exact: true }).click();
  await evidence.waitFor();
  // Longer than the first retry's backoff: still ended, and the server saw one sign-in only.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Disconnected');
  const logs = await server.logs();
  assert.equal((logs.match(/Session started successfully/g) ?? []).length, 1, 'a reconnect signed the user back in');
});

test('xrdp: the same user connects from a second device, which takes the session over: the first is told it ended and does not fight back', async () => {
  const server = await startServer({ xterm: true });
  const first = (await startAppWithBrowser(cleanups)).browser.page;
  await connect(first, server, 'xrdp here');
  await waitForCanvasColour(first, 5, 300, hexColour('#ffffff'), 15_000);
  const second = (await startAppWithBrowser(cleanups)).browser.page;
  await connect(second, server, 'xrdp there');
  const alert = sessionView(first).getByRole('alert');
  await alert.waitFor({ timeout: 15_000 });
  assert.ok(((await alert.textContent()) ?? '').includes(messageFor('session-ended')), `showed: ${await alert.textContent()}`);
  // Past several retry intervals: the second device keeps the session; the first never took it back.
  await new Promise((r) => setTimeout(r, 4000));
  await waitForState(second, 'Connected', 1000);
  assert.equal(await sessionView(first).getByTestId('session-state').textContent(), 'Disconnected');
  const logs = await server.logs();
  assert.equal((logs.match(/xrdp_wm_log_msg: login successful/g) ?? []).length, 2, 'the first device signed in again');
});
