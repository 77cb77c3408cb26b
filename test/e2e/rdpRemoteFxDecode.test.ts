// RemoteFX decoded by the page's own decoder (renderer/protocols/rdp/remoteFxDecoder.ts,
// WebAssembly on a worker) against a real freerdp-shadow, in Chromium under
// the gateway's CSP: the canvas must be the server's picture, a detailed one
// and then a changed one, and the gateway must say (in its log, as an IT
// person reading the diagnostics would see it) that the page was sent the
// session's RemoteFX and nothing made it fall back to IronRDP.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFreerdpShadow } from '../servers/freerdpShadow';
import { closedPort } from '../servers/network';
import { messageFor } from '../../shared/errors/errorCodes';
import { spawnGroup, stopProcess, waitForWindow } from '../servers/processes';
import { hexColour, writeXwd } from '../servers/xwd';
import { logLines, startAppWithBrowser } from '../support/app';
import { canvasPixels, createProfile, sessionView, trustCertificate, waitFor, waitForCanvasColour, waitForState } from '../support/ui';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const LEFT = 130;
const TOP = 90;
const WIDTH = 420;
const HEIGHT = 300;

/** What a desktop shows: gradients, flat areas, sharp edges, small text-like strokes, colour. */
function picture(seed: number): (x: number, y: number) => [number, number, number] {
  return (x, y) => {
    if (y > 40 && y < 70 && x > 30 && x < 390) return (x >> 1) % 6 < 2 && (y >> 1) % 5 < 3 ? [20, 20, 20] : [245, 245, 240];
    if (x > 250 && y > 150) return seed === 1 ? [200, 60, 40] : [40, 160, 90];
    return [(x * 255) / WIDTH, (y * 255) / HEIGHT, seed === 1 ? 180 : 60];
  };
}

const POINTS: [number, number][] = [];
for (let y = 3; y < HEIGHT - 3; y += 5) for (let x = 2; x < WIDTH - 2; x += 6) POINTS.push([x, y]);

/** Mean difference per colour channel between the canvas and the server's own screen over the picture. */
async function differenceFromServer(page: Parameters<typeof canvasPixels>[0], server: Awaited<ReturnType<typeof startFreerdpShadow>>): Promise<number> {
  const onScreen = POINTS.map(([x, y]) => [LEFT + x, TOP + y] as [number, number]);
  const [shown, screen] = await Promise.all([canvasPixels(page, onScreen), server.screen()]);
  let sum = 0;
  onScreen.forEach(([x, y], i) => {
    const want = screen.pixel(x, y);
    for (let c = 0; c < 3; c++) sum += Math.abs(shown[i]![c]! - want[c]!);
  });
  return sum / (onScreen.length * 3);
}

async function settledDifference(page: Parameters<typeof canvasPixels>[0], server: Awaited<ReturnType<typeof startFreerdpShadow>>): Promise<number> {
  let difference = Infinity;
  // The server sends a changed area lossy first; wait for the picture to settle.
  for (let i = 0; i < 20 && difference > 4; i++) {
    await new Promise((r) => setTimeout(r, 300));
    difference = await differenceFromServer(page, server);
  }
  return difference;
}

test('RemoteFX decoded by the page: the canvas is the server\u2019s detailed picture, it follows a change, and the log says so', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699', xterm: false });
  cleanups.push(() => server.stop());
  const files = await Promise.all(
    [1, 2].map(async (seed) => {
      const file = path.join(server.dir, `picture-${seed}.xwd`);
      await writeFile(file, writeXwd(WIDTH, HEIGHT, picture(seed)));
      return file;
    }),
  );
  const first = spawnGroup('xwud', ['-in', files[0]!, '-geometry', `+${LEFT}+${TOP}`], { env: server.env, stdio: 'ignore' });
  cleanups.push(() => stopProcess(first));
  await waitForWindow(server.env, ['--name', 'deskbridge-test']);

  const { app, browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Shadow RemoteFX', protocol: 'RDP', port: server.port, username: 'ann', password: 'unused' });
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const expected = Math.min(4, Math.max(1, cores));
  const decoders = () => page.workers().filter((worker) => worker.url().includes('remoteFxWorker'));
  // The library's idle-time warm-up loads the RDP adapter and its tile decoder but starts no threads:
  // idle ones would hold memory. (Threads would start right after the tile decoder compiles.)
  const tileDecoderLoaded = () => page.evaluate(() => performance.getEntriesByType('resource').some((entry) => /\/assets\/remoteFx-[^/]*\.wasm$/.test(entry.name)));
  await waitFor(tileDecoderLoaded, 'the RDP adapter and its tile decoder loaded before Connect', 5000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(decoders().length, 0, 'no decoding threads before Connect');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  // The decoding threads start at Connect, alongside the gateway's work (here: fetching the
  // certificate to ask about), not after it: they are there while the question is.
  const question = page.getByRole('dialog', { name: /server.s identity/ });
  await question.waitFor({ timeout: 15_000 });
  await waitFor(async () => decoders().length === expected, `${expected} decoding threads started while the certificate question is shown`, 5000);
  // Refused, the connect ends: its threads end with it, not 30 s later when unused ones expire.
  await question.getByRole('button', { name: 'Cancel' }).click();
  await sessionView(page).getByRole('alert').getByText(messageFor('certificate-rejected')).waitFor();
  await waitFor(async () => decoders().length === 0, 'no decoding threads left once the certificate was refused', 3000);
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await question.waitFor({ timeout: 15_000 });
  await waitFor(async () => decoders().length === expected, `${expected} decoding threads started again for the new connect`, 5000);
  // Disconnect while the question is open ends the connect the same way, and the question with it.
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await question.waitFor({ state: 'detached', timeout: 3000 });
  await waitFor(async () => decoders().length === 0, 'no decoding threads left after Disconnect during the certificate question', 3000);
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await question.waitFor({ timeout: 15_000 });
  await waitFor(async () => decoders().length === expected, `${expected} decoding threads started for the third connect`, 5000);
  await trustCertificate(page, 'Trust once');
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 900, 700, hexColour('#336699'), 15_000);
  const still = await settledDifference(page, server);
  assert.ok(still <= 4, `canvas differs from the server's picture by ${still.toFixed(2)} per colour channel on average`);
  // Decoded by one thread per core (up to four), each a share of the tiles: the picture above is their work
  // together. The threads started at Connect are the session's: none more were started, none left idle.
  assert.equal(decoders().length, expected, `decoding threads for ${cores} cores`);

  // A change: a second picture over the first.
  const second = spawnGroup('xwud', ['-in', files[1]!, '-geometry', `+${LEFT}+${TOP}`], { env: server.env, stdio: 'ignore' });
  cleanups.push(() => stopProcess(second));
  const changed = await settledDifference(page, server);
  assert.ok(changed <= 4, `after the change the canvas differs by ${changed.toFixed(2)}`);

  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  const line = (await logLines(app, 'RemoteFX decoded by the page'))[0] ?? '';
  assert.ok(line, 'the gateway logs what it decoded when the session ends');
  const messages = Number(/ messages=(\d+)/.exec(line)?.[1]);
  assert.ok(messages >= 2, `RemoteFX messages sent to the page: ${messages}`);
  assert.match(line, / stoppedBecause=null/);

  // A connect whose session request fails (nothing listens on the port) ends the threads started for it too.
  let started = 0;
  page.on('worker', (worker) => {
    if (worker.url().includes('remoteFxWorker')) started++;
  });
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Nobody there', protocol: 'RDP', port: await closedPort(), username: 'ann', password: 'unused' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await sessionView(page).getByRole('alert').getByText(messageFor('host-refused')).waitFor({ timeout: 10_000 });
  await waitFor(async () => started === expected && decoders().length === 0, `the ${expected} decoding threads started for the failed connect ended (started ${started})`, 3000);
  assert.deepEqual(browser.cspViolations, []);
});
