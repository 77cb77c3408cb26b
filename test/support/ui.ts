// What a user does in the UI, as the tests do it: by labels and button names.
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ProfileInput {
  name: string;
  host?: string;
  port: number;
  protocol?: 'VNC' | 'RDP' | 'SPICE';
  username?: string;
  password?: string;
  /** RDP: the label of a keyboard layout in the editor's list. */
  keyboardLayout?: string;
  /** VNC: the label of a picture-quality preset in the editor's list. */
  pictureQuality?: string;
  /** The label of a scaling mode in the editor's list ("Fit to window" is the default). */
  scaling?: string;
  /** RDP, SPICE: a fixed desktop size instead of following the window. */
  fixedSize?: { width: number; height: number };
  /** false: "Share the clipboard" unticked. */
  shareClipboard?: boolean;
  /** RDP: "Start program" and "Start in (folder)". */
  startProgram?: string;
  startFolder?: string;
  /** "Optimise for high-resolution displays" ticked. */
  highDpi?: boolean;
}

export async function createProfile(page: Page, input: ProfileInput): Promise<void> {
  await page.getByRole('button', { name: 'New connection' }).click();
  await page.getByLabel('Name', { exact: true }).fill(input.name);
  if (input.protocol) await page.getByLabel('Protocol', { exact: true }).selectOption({ label: input.protocol });
  await page.getByLabel('Host', { exact: true }).fill(input.host ?? '127.0.0.1');
  await page.getByLabel('Port', { exact: true }).fill(String(input.port));
  if (input.username) await page.getByLabel('Username', { exact: true }).fill(input.username);
  if (input.password) await page.getByLabel('Password', { exact: true }).fill(input.password);
  if (input.pictureQuality) await page.getByLabel('Picture quality', { exact: true }).selectOption({ label: input.pictureQuality });
  if (input.scaling) await page.getByLabel('Scaling', { exact: true }).selectOption({ label: input.scaling });
  if (input.keyboardLayout) await page.getByLabel('Keyboard layout', { exact: true }).selectOption({ label: input.keyboardLayout });
  if (input.fixedSize) {
    await page.getByLabel('Desktop size', { exact: true }).selectOption({ label: 'Fixed size' });
    await page.getByLabel('Width', { exact: true }).fill(String(input.fixedSize.width));
    await page.getByLabel('Height', { exact: true }).fill(String(input.fixedSize.height));
  }
  if (input.shareClipboard === false) await page.getByLabel('Share the clipboard', { exact: true }).uncheck();
  if (input.highDpi) await page.getByLabel(/^Optimise for high-resolution displays/).check();
  if (input.startProgram) await page.getByLabel('Start program', { exact: true }).fill(input.startProgram);
  if (input.startFolder) await page.getByLabel('Start in (folder)', { exact: true }).fill(input.startFolder);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: input.name, exact: true }).waitFor();
}

/** The session view of the visible tab. */
export function sessionView(page: Page) {
  return page.locator('.session-tab:not([hidden]) .session-view');
}

/** A text file dropped on the session's desktop (a drop event carrying it, as the browser makes one). */
export async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const data = await page.evaluateHandle(([fileName, body]) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([body], fileName, { type: 'text/plain' }));
    return transfer;
  }, [name, text] as const);
  await sessionView(page).getByTestId('session-surface').dispatchEvent('drop', { dataTransfer: data });
}

export async function waitForState(page: Page, text: string, timeout = 15_000): Promise<void> {
  // Exactly: a substring match would take "Disconnected" for "Connected".
  const exactly = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await sessionView(page).getByTestId('session-state').filter({ hasText: exactly }).waitFor({ timeout });
}

/** Reads pixels of the remote desktop as the canvas holds them (remote coordinates). */
export async function canvasPixels(page: Page, points: [number, number][]): Promise<[number, number, number][]> {
  return sessionView(page)
    .locator('[data-testid="session-surface"] canvas')
    .first()
    .evaluate((canvas: HTMLCanvasElement, pts: [number, number][]) => {
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) throw new Error('no 2D context');
      return pts.map(([x, y]) => {
        const d = context.getImageData(x, y, 1, 1).data;
        return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0] as [number, number, number];
      });
    }, points);
}

/** Where a remote point is on the page (CSS pixels), through whatever scaling is on. */
export async function pagePointFor(page: Page, remoteX: number, remoteY: number): Promise<{ x: number; y: number }> {
  const canvas = sessionView(page).locator('[data-testid="session-surface"] canvas').first();
  const { box, width, height } = await canvas.evaluate((c: HTMLCanvasElement) => {
    const r = c.getBoundingClientRect();
    return { box: { x: r.x, y: r.y, width: r.width, height: r.height }, width: c.width, height: c.height };
  });
  return { x: box.x + ((remoteX + 0.5) * box.width) / width, y: box.y + ((remoteY + 0.5) * box.height) / height };
}

/** Waits until the canvas shows a colour at a point (the first frame has arrived). */
export async function waitForCanvasColour(page: Page, x: number, y: number, rgb: [number, number, number], timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const [pixel] = await canvasPixels(page, [[x, y]]);
      if (pixel && pixel.every((v, i) => Math.abs(v - (rgb[i] ?? 0)) <= 8)) return;
    } catch {
      // no canvas yet
    }
    if (Date.now() > deadline) throw new Error(`the canvas did not show rgb(${rgb}) at ${x},${y} within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Answers the RDP certificate prompt ("Verify the server's identity") with `choice`. */
export async function trustCertificate(page: Page, choice: 'Trust once' | 'Trust always'): Promise<void> {
  const dialog = page.getByRole('dialog', { name: /server.s identity/ });
  await dialog.waitFor({ timeout: 15_000 });
  await dialog.getByRole('button', { name: choice }).click();
}

/** Polls `check` every 100 ms until it holds; fails the test, naming `what`, after `timeout` ms. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeout = 8000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * With the remote xterm focused (its shell in `dir`): "Send keys" sends Ctrl+Alt+F2 and Ctrl+Alt+F12 with their
 * modifiers, exactly as pressing those keys does, and focus goes back to the desktop. `cat -v` writes each key's
 * bytes as xterm sends them to a file there.
 */
export async function assertSendKeysReachXterm(page: Page, dir: string, combos: readonly SentKeys[] = CTRL_ALT_FUNCTION_KEYS): Promise<void> {
  // "cat -v >keys.txt", the ">" as Shift and the key under it (RDP sends physical keys).
  await page.keyboard.type('cat -v ', { delay: 15 });
  await page.keyboard.down('Shift');
  await page.keyboard.press('Period');
  await page.keyboard.up('Shift');
  await page.keyboard.type('keys.txt', { delay: 15 });
  await page.keyboard.press('Enter');
  // Each combination from the menu, then the same keys pressed here, an x after each.
  const sendKeys = sessionView(page).getByRole('combobox', { name: 'Send keys' });
  for (const { label, keys } of combos) {
    await sendKeys.selectOption({ label });
    // Focus is back on the desktop: these keys reach the xterm, not the menu.
    await page.keyboard.press('KeyX');
    await page.keyboard.press(keys);
    await page.keyboard.press('KeyX');
  }
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+KeyD');
  const file = path.join(dir, 'keys.txt');
  let content = '';
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !content.endsWith('\n')) {
    content = await readFile(file, 'utf8').catch(() => '');
    await new Promise((r) => setTimeout(r, 100));
  }
  const parts = content.replace(/x\n$/, '').split('x');
  assert.equal(parts.length, 2 * combos.length, `keys.txt: ${JSON.stringify(content)}`);
  combos.forEach(({ label, xterm }, i) => {
    // With their modifiers, and as the keys themselves give.
    assert.match(parts[2 * i]!, xterm, `${label}: keys.txt: ${JSON.stringify(content)}`);
    assert.equal(parts[2 * i], parts[2 * i + 1], `${label} from the menu and pressed: keys.txt: ${JSON.stringify(content)}`);
  });
}

/** A "Send keys" entry, the same keys as Playwright presses them, and what xterm sends for them (as cat -v shows it). */
export interface SentKeys {
  label: string;
  keys: string;
  xterm: RegExp;
}

/** A function key with Ctrl+Alt is ESC [ … ; modifiers … (a plain F2 is ESC O Q). */
export const CTRL_ALT_FUNCTION_KEYS: readonly SentKeys[] = [
  { label: 'Ctrl+Alt+F2', keys: 'Control+Alt+F2', xterm: /^\^\[\[1;[2-9]Q$/ },
  { label: 'Ctrl+Alt+F12', keys: 'Control+Alt+F12', xterm: /^\^\[\[24;[2-9]~$/ },
];

/** Where the X server keeps Ctrl+Alt+F1…F12 for its console switches (Xorg, xrdp's): Alt with a function key, and Alt as Meta. */
export const ALT_KEYS: readonly SentKeys[] = [
  { label: 'Alt+F4', keys: 'Alt+F4', xterm: /^\^\[\[1;3S$/ },
  // The tab with its eighth bit set (as a byte, or as U+0089 in UTF-8), or ESC and the tab.
  { label: 'Alt+Tab', keys: 'Alt+Tab', xterm: /^(M-(BM-)?\^I|\^\[\t)$/ },
];

/** Where the keyboard focus is in a session view: 'desktop' (the remote desktop's canvas, inside a web component's shadow root too), 'toolbar', or what else has it. */
export function sessionFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    let active: Element | null = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    if (document.activeElement?.closest('[data-testid="session-surface"]')) return active?.tagName === 'CANVAS' ? 'desktop' : `surface ${active?.tagName}`;
    if (document.activeElement?.closest('.session-toolbar')) return 'toolbar';
    return document.activeElement?.getAttribute('role') ?? document.activeElement?.tagName ?? 'none';
  });
}

/**
 * Keyboard only: Ctrl+Alt+Home takes the keys to the toolbar, then Tab goes through it until the remote desktop has
 * them; a Tab pressed there goes to the remote computer and leaves the focus where it is.
 */
export async function tabBackToDesktop(page: Page): Promise<void> {
  await page.keyboard.press('Control+Alt+Home');
  await waitFor(async () => (await sessionFocus(page)) === 'toolbar', 'the focus on the toolbar', 2000);
  let now = 'toolbar';
  for (let i = 0; i < 20 && now === 'toolbar'; i++) {
    await page.keyboard.press('Tab');
    now = await sessionFocus(page);
  }
  if (now !== 'desktop') throw new Error(`Tab from the toolbar went to ${now}, not the remote desktop`);
  await page.keyboard.press('Tab');
  const after = await sessionFocus(page);
  if (after !== 'desktop') throw new Error(`a Tab in the remote desktop moved the focus to ${after}`);
}
