// In-page timing on animation frames, shared by the figures tests.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Starts watching, in the page, for the first animation frame on which a NEW
 * session canvas shows `rgb` at (x, y); resolves with the ms since the call.
 * Playwright locators pierce shadow roots, querySelector does not, so the
 * canvas is looked for in open shadow roots too (IronRDP draws in one).
 */
export function watchFirstFrame(page: Page, x: number, y: number, rgb: [number, number, number], timeoutMs = 20_000): Promise<number> {
  return page.evaluate(
    ({ x, y, rgb, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const canvases = () => {
          const found: HTMLCanvasElement[] = [];
          for (const surface of document.querySelectorAll('.session-tab:not([hidden]) [data-testid="session-surface"]')) {
            found.push(...surface.querySelectorAll('canvas'));
            for (const host of surface.querySelectorAll('*')) if (host.shadowRoot) found.push(...host.shadowRoot.querySelectorAll('canvas'));
          }
          return found;
        };
        const old = new Set(canvases());
        const check = () => {
          for (const canvas of canvases()) {
            if (old.has(canvas) || canvas.width < x) continue;
            const d = canvas.getContext('2d', { willReadFrequently: true })?.getImageData(x, y, 1, 1).data;
            if (d && Math.abs(d[0]! - rgb[0]) < 10 && Math.abs(d[1]! - rgb[1]) < 10 && Math.abs(d[2]! - rgb[2]) < 10) return resolve(performance.now() - started);
          }
          if (performance.now() - started > timeoutMs) reject(new Error('no first frame'));
          else requestAnimationFrame(check);
        };
        check();
      }),
    { x, y, rgb, timeoutMs },
  );
}

/** Resolves with the ms from now until a region of the visible session canvas changes (a keystroke's echo). */
export async function watchRegionChange(page: Page, region: { x: number; y: number; w: number; h: number }): Promise<() => Promise<number>> {
  await page.evaluate((r) => {
    const surface = document.querySelector('.session-tab:not([hidden]) [data-testid="session-surface"]');
    let canvas = surface?.querySelector('canvas') ?? null;
    if (!canvas) for (const host of surface?.querySelectorAll('*') ?? []) canvas = canvas ?? host.shadowRoot?.querySelector('canvas') ?? null;
    const context = canvas?.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('no canvas');
    const before = context.getImageData(r.x, r.y, r.w, r.h).data;
    const w = window as unknown as { __regionChanged: Promise<number>; __regionStart: number };
    w.__regionStart = performance.now();
    w.__regionChanged = new Promise<number>((resolve) => {
      const check = () => {
        const now = context.getImageData(r.x, r.y, r.w, r.h).data;
        for (let i = 0; i < now.length; i += 4) if (Math.abs(now[i]! - before[i]!) > 40) return resolve(performance.now() - w.__regionStart);
        requestAnimationFrame(check);
      };
      check();
    });
  }, region);
  return () =>
    page.evaluate(() => {
      const w = window as unknown as { __regionChanged: Promise<number>; __regionStart: number };
      return w.__regionChanged;
    });
}

/** Marks the moment the key is sent, in page time, so the latency excludes the watch set-up. */
export async function restartRegionClock(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __regionStart: number }).__regionStart = performance.now();
  });
}

/**
 * Text scrolling in a remote xterm: 20 new numbered lines every 50 ms, from a
 * script written into the xterm's folder; returns the command to type there
 * (letters only, so RDP's scancodes carry it as typed: Playwright sends `$` or
 * `{` without Shift). Not `yes`: under an endless flood xterm keeps reading and
 * repaints only now and then (a screen sampled every 100 ms without any client
 * changed once in 5 s), so the frames a client could show came in bursts with
 * whole seconds of none. Numbered, because identical lines scrolled leave an
 * identical screen and the server sends nothing.
 */
export async function writeScrollingScript(dir: string): Promise<string> {
  await writeFile(path.join(dir, 'scroll.sh'), 'i=0; while :; do i=$((i+1)); printf "deskbridge scrolling line $i.%s 0123456789 abcdefghijklmnopqrstuvwxyz\\n" {1..20}; sleep 0.05; done\n');
  return 'bash scroll.sh';
}
