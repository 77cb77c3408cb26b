// A far VNC server's updates (renderer/protocols/vnc/farUpdates.ts): streamed
// while the page keeps up, asked for one at a time while large pictures take
// the page much longer than a round trip to draw, streaming tried again after
// a while, streamed again when they are small. Real Xvnc at 1920×1080 ≈12 ms away (a relay holding every chunk 6 ms
// each way), the bench's frame clock drawing on it (the whole screen every
// frame, then a small box), the real UI in Chromium. What the page asked for
// is read on the wire, in the bytes the relay saw; the picture on the canvas.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startFaultRelay, type FaultRelay } from '../servers/faultRelay';
import { startFrameClock, type FrameClock } from '../bench/servers';
import { decodeCode, readStrip, STRIP } from '../bench/frameCode';
import { ROOT, startAppWithBrowser } from '../support/app';
import type { TestBrowser } from '../support/browser';
import { enableContinuousUpdates, occurrences as count, updateRequest } from '../support/rfbWire';
import { createProfile, sessionView, waitFor, waitForState } from '../support/ui';

let server: XvncServer;
let browser: TestBrowser;
let frameClockBinary: string;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-frameclock-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  frameClockBinary = path.join(dir, 'frameclock');
  execFileSync('cc', ['-O2', '-o', frameClockBinary, path.join(ROOT, 'test', 'bench', 'frameclock.c'), '-lX11']);
  server = await startXvnc({ width: 1920, height: 1080, background: '#336699' });
  cleanups.push(() => disposeXvnc(server));
  ({ browser } = await startAppWithBrowser(cleanups));
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const CONTINUOUS_OFF = enableContinuousUpdates(false, 1920, 1080);
const CONTINUOUS_ON = enableContinuousUpdates(true, 1920, 1080);
const UPDATE_REQUEST = updateRequest(1920, 1080);

// The relay's 12 ms there and back, and more: the handshake's figure in both wordings.
/** The relay's 6 ms each way makes a 12 ms round trip; a handshake timed above this was slowed by the machine. */
const MOST_RELAY_ROUND_TRIP_MS = 20;
const STREAMED = /^Round trip to the server (1[2-9]|[2-9]\d)\.\d ms \(timed while connecting\): pictures streamed by the server \(continuous updates\)\.$/;
const ASKED = /^Round trip to the server (1[2-9]|[2-9]\d)\.\d ms \(timed while connecting\): each picture asked for once the last is drawn, while large pictures take longer to draw than the round trip \(streamed otherwise\)\.$/;

test('a far server streams, is asked for one picture at a time while its full-screen pictures take the page long to draw, is tried streaming again later, and streams again for small changes', async (t) => {
  const { page } = browser;
  const relay: FaultRelay = await startFaultRelay(server.port, '127.0.0.1', { delayMs: 6 });
  let clock: FrameClock | null = null;
  try {
    await createProfile(page, { name: 'Far desktop', port: relay.port });
    const readout = sessionView(page).getByTestId('session-stats');
    const title = async () => (await readout.getAttribute('title')) ?? '';
    // The choice is judged against the handshake's round trip: one timed far slower than the relay makes it (the
    // machine busy while connecting; CI once timed 61 ms, and the page then rightly kept up streaming) is
    // connected again, up to twice, with a fresh relay record, as vncUpdates.test.ts does for a near server.
    for (let attempt = 1; ; attempt++) {
      await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Far desktop', exact: true }).dblclick();
      await waitForState(page, 'Connected');
      await waitFor(async () => STREAMED.test(await title()), 'the readout naming streamed pictures', 10_000);
      const timed = Number(/^Round trip to the server (\d+\.\d) ms/.exec(await title())?.[1] ?? Number.NaN);
      if (attempt >= 3 || !(timed > MOST_RELAY_ROUND_TRIP_MS)) break;
      console.log(`attempt ${attempt}: the handshake was timed at ${timed} ms (busy machine); connecting again`);
      await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
      await sessionView(page).getByRole('button', { name: 'Close tab' }).click();
      relay.connections.splice(0);
    }
    const sent = () => Buffer.concat(relay.connections.flatMap((connection) => connection.fromClient));
    assert.equal(count(sent(), CONTINUOUS_OFF), 0);

    // Video-like: the whole screen changes 60 times a second.
    clock = await startFrameClock(frameClockBinary, server.display, 'full', 60);
    await waitFor(async () => ASKED.test(await title()), `the readout naming pictures asked for (it says "${await title()}")`, 20_000);
    const askedAt = Date.now();
    // noVNC turns continuous updates on as it starts (here twice); each time again counts from here.
    const onAtStart = count(sent(), CONTINUOUS_ON);
    assert.equal(count(sent(), CONTINUOUS_OFF), 1, 'continuous updates turned off once');
    const requestsBefore = count(sent(), UPDATE_REQUEST);

    // The picture keeps following: the frame clock's number on the canvas advances.
    const frameOnCanvas = async () => {
      const pixels = await sessionView(page)
        .locator('[data-testid="session-surface"] canvas')
        .first()
        .evaluate((canvas: HTMLCanvasElement, strip) => Array.from(canvas.getContext('2d', { willReadFrequently: true })!.getImageData(strip.x, strip.y, strip.width, strip.height).data), STRIP);
      return decodeCode(readStrip(pixels, STRIP.width * 4))?.frame ?? null;
    };
    let first: number | null = null;
    await waitFor(async () => (first = await frameOnCanvas()) !== null, 'a frame number readable on the canvas', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    let second: number | null = null;
    await waitFor(async () => (second = await frameOnCanvas()) !== null, 'a frame number readable on the canvas', 5_000);
    const shown = (second! - first! + 0x10000) & 0xffff;
    // Two seconds of a 60-frames/s clock: at least a few frames a second came through asking.
    assert.ok(shown >= 6, `the canvas moved on ${shown} frames in 2 s`);
    const requests = count(sent(), UPDATE_REQUEST) - requestsBefore;
    t.diagnostic(`asking: the clock on the canvas moved on ${shown} frames in 2 s, with ${requests} update requests (pictures)`);
    assert.ok(requests >= 6, `${requests} update requests in those 2 s: one per picture`);

    // Streaming is tried again after a while (5 s), and the page, still behind, asks again.
    await waitFor(async () => count(sent(), CONTINUOUS_ON) > onAtStart, 'continuous updates turned on again to try streaming', 15_000);
    const triedAfter = Date.now() - askedAt;
    assert.ok(triedAfter >= 4_000, `streaming tried again ${triedAfter} ms after the switch to asking, not before 5 s`);
    await waitFor(async () => count(sent(), CONTINUOUS_OFF) >= 2 && ASKED.test(await title()), `asking again after the try (the readout says "${await title()}")`, 10_000);
    t.diagnostic(`streaming tried again ${triedAfter} ms after the switch; asking again ${Date.now() - askedAt - triedAfter} ms later`);
    await clock.stop();
    clock = null;

    // Typing-like: a small box changes; the server streams again.
    clock = await startFrameClock(frameClockBinary, server.display, 'region', 60);
    await waitFor(async () => STREAMED.test(await title()), `the readout naming streamed pictures again (it says "${await title()}")`, 20_000);
    assert.equal(count(sent(), CONTINUOUS_ON), onAtStart + 2, 'continuous updates turned on again (once for the try, once now)');
  } finally {
    await clock?.stop();
    await sessionView(page).getByRole('button', { name: 'Disconnect' }).click().catch(() => undefined);
    await sessionView(page).getByRole('button', { name: 'Close tab' }).click().catch(() => undefined);
    await relay.close();
  }
});
