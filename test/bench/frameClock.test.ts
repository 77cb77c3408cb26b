// The frame clock's phase steps (frameclock.c --phase-steps), read as the bench
// reads a native client: the code row off a real Xvfb by xcapture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCapture, startClientDisplay } from './nativeClient';
import { startFrameClock } from './servers';

const here = path.dirname(fileURLToPath(import.meta.url));
const PERIOD_MS = 1000 / 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The clock's phase in [0, PERIOD_MS): the circular mean of each frame's time less its number's place on the pace. */
function phaseOf(frames: Array<{ frame: number; time: number }>): number {
  let x = 0;
  let y = 0;
  for (const { frame, time } of frames) {
    const angle = (((time - frame * PERIOD_MS) % PERIOD_MS) / PERIOD_MS) * 2 * Math.PI;
    x += Math.cos(angle);
    y += Math.sin(angle);
  }
  const mean = (Math.atan2(y, x) / (2 * Math.PI)) * PERIOD_MS;
  return (mean + PERIOD_MS) % PERIOD_MS;
}

test('each phase step draws the next frames a quarter interval later, at the same pace', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deskbridge-frameclock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const frameclock = path.join(dir, 'frameclock');
  const xcapture = path.join(dir, 'xcapture');
  execFileSync('cc', ['-O2', '-o', frameclock, path.join(here, 'frameclock.c'), '-lX11']);
  execFileSync('cc', ['-O2', '-o', xcapture, path.join(here, 'xcapture.c'), '-lX11', '-lXtst']);

  const display = await startClientDisplay(1024, 768);
  let before: Array<{ frame: number; time: number }>;
  let after: typeof before;
  let clockLine = '';
  try {
    const clock = await startFrameClock(frameclock, display.display, 'region', 60, 4);
    try {
      const capture = startCapture(xcapture, display.display, { intervalUs: 500 });
      try {
        const window = async () => {
          const from = capture.frames.length;
          await sleep(1500);
          return capture.frames.slice(from).map((f) => ({ frame: f.frame, time: f.seenAt - f.latencyMs }));
        };
        await sleep(300);
        before = await window();
        clock.shiftPhase();
        await sleep(200);
        after = await window();
      } finally {
        await capture.stop();
      }
    } finally {
      clockLine = await clock.stop();
    }
  } finally {
    await display.stop();
  }

  assert.ok(before.length > 60 && after.length > 60, `frames seen: ${before.length} before, ${after.length} after`);
  // The times in the frames are whole milliseconds, so a phase reads to a fraction of one.
  const shift = (phaseOf(after) - phaseOf(before) + PERIOD_MS) % PERIOD_MS;
  // (A clock that fell behind starts its pace anew: its own line counts such frames as "late".)
  assert.ok(Math.abs(shift - PERIOD_MS / 4) < 1.5, `phase moved ${shift.toFixed(2)} ms, not ${(PERIOD_MS / 4).toFixed(2)} (${clockLine})`);
  // The pace is unchanged: 60 frames a second on either side of the step.
  const rate = (frames: typeof before) => ((frames.at(-1)!.frame - frames[0]!.frame) / (frames.at(-1)!.time - frames[0]!.time)) * 1000;
  assert.ok(Math.abs(rate(before) - 60) < 1 && Math.abs(rate(after) - 60) < 1, `pace ${rate(before).toFixed(2)} and ${rate(after).toFixed(2)} frames/s (${clockLine})`);
});
