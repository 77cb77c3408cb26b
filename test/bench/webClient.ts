// Measuring a client that draws the remote desktop into a canvas of a
// Playwright page (noVNC's pages, DeskBridge's session view): the page probe
// reads the code row on every animation frame; this side turns its record
// into frames seen, latency and key-to-screen times.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { FrameNumberUnwrapper, stampTime, type SeenFrame } from './frameCode';
import type { ProbeRecord } from './pageProbe';

const here = path.dirname(fileURLToPath(import.meta.url));
let probeSource: Promise<string> | null = null;

/** The probe as one classic script (no module syntax), built once per bench run. */
export function pageProbeScript(): Promise<string> {
  probeSource ??= build({ entryPoints: [path.join(here, 'pageProbe.ts')], bundle: true, format: 'iife', target: 'es2022', write: false, logLevel: 'warning' }).then(
    (result) => result.outputFiles[0]!.text,
  );
  return probeSource;
}

/** Puts the probe into the page now (idempotent). Use before connecting to time the first frame. */
export async function injectProbe(page: Page): Promise<void> {
  await page.evaluate(await pageProbeScript());
}

export async function startProbe(page: Page, canvasSelector: string): Promise<void> {
  await injectProbe(page);
  await page.evaluate((selector) => (window as any).__frameProbe.start(selector), canvasSelector);
}

export async function stopProbe(page: Page): Promise<ProbeRecord> {
  return page.evaluate(() => (window as any).__frameProbe.stop() as ProbeRecord);
}

/** Waits until the probe has seen a valid frame; returns the wall ms it was seen. */
export async function waitForFirstFrame(page: Page, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const first = await page.evaluate(() => (window as any).__frameProbe.peek().first as [number, number, number, number] | null);
    if (first) return first[3];
    if (Date.now() > deadline) throw new Error('the page showed no frame of the frame clock');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Frames as seen, with unwrapped numbers and latency. */
export function seenFrames(record: ProbeRecord): SeenFrame[] {
  const unwrap = new FrameNumberUnwrapper();
  const frames: SeenFrame[] = [];
  let last = -Infinity;
  for (const [frame16, timeLow, keys, seenAt] of record.frames) {
    const frame = unwrap.next(frame16);
    if (frame <= last) continue;
    last = frame;
    frames.push({ frame, seenAt, latencyMs: seenAt - stampTime(timeLow, seenAt), keys });
  }
  return frames;
}

/**
 * For each key sent at `sentAt` (wall ms): the time until the first frame seen
 * whose key count differs from the one shown when the key was sent.
 */
export function keyLatencies(frames: SeenFrame[], sentAt: number[]): number[] {
  const result: number[] = [];
  for (const t of sentAt) {
    const before = [...frames].reverse().find((f) => f.seenAt <= t);
    if (!before) continue;
    const after = frames.find((f) => f.seenAt > t && f.keys !== before.keys);
    if (after) result.push(after.seenAt - t);
  }
  return result;
}
