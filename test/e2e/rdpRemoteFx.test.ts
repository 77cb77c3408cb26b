// RemoteFX tiles IronRDP already has are left out by the gateway
// (electron/gateway/bridges/rdp/remoteFxTiles.ts), against a real
// freerdp-shadow, drawn by IronRDP in Chromium. freerdp-shadow sends every
// tile in the rectangle around all that changed, so a small window that jumps
// between two corners over a detailed picture makes it send the picture's
// unchanged tiles too: those must be left out (the gateway's log says how
// many, as an IT person reading the diagnostics sees it), and the canvas must
// still be the server's screen: the picture, both corners, and a second small
// window that moves in the middle at the same moment (a change inside the
// rectangle, which must not be taken for one IronRDP already has).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFreerdpShadow, type ShadowServer } from '../servers/freerdpShadow';
import { spawnGroup, stopProcess, waitForWindow } from '../servers/processes';
import { hexColour, writeXwd } from '../servers/xwd';
import { logLines, startAppWithBrowser } from '../support/app';
import type { TestBrowser } from '../support/browser';
import { canvasPixels, createProfile, sessionView, trustCertificate, waitForCanvasColour, waitForState } from '../support/ui';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** What a desktop shows: gradients, flat areas, sharp edges, small text-like strokes, colour. */
function picture(x: number, y: number): [number, number, number] {
  if (y > 40 && y < 70 && x > 30 && x < 390) return (x >> 1) % 6 < 2 && (y >> 1) % 5 < 3 ? [20, 20, 20] : [245, 245, 240];
  if (x > 250 && y > 150) return [200, 60, 40];
  return [(x * 255) / 420, (y * 255) / 300, 180];
}

/** The whole screen, every 8 pixels: mean difference per colour channel, and how many points differ by more than 40. */
async function differenceFromServer(page: TestBrowser['page'], server: ShadowServer): Promise<{ mean: number; far: number }> {
  const points: [number, number][] = [];
  for (let y = 4; y < 768; y += 8) for (let x = 4; x < 1024; x += 8) points.push([x, y]);
  const [shown, screen] = await Promise.all([canvasPixels(page, points), server.screen()]);
  let sum = 0;
  let far = 0;
  points.forEach(([x, y], i) => {
    const want = screen.pixel(x, y);
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(shown[i]![c]! - want[c]!);
      sum += d;
      worst = Math.max(worst, d);
    }
    if (worst > 40) far++;
  });
  return { mean: sum / (points.length * 3), far };
}

/** The server sends a changed area lossy first and refines it: wait for the canvas to settle near the server's screen. */
async function settled(page: TestBrowser['page'], server: ShadowServer): Promise<{ mean: number; far: number }> {
  let result = { mean: Infinity, far: Infinity };
  for (let i = 0; i < 20 && (result.mean > 3 || result.far > 10); i++) {
    await new Promise((r) => setTimeout(r, 300));
    result = await differenceFromServer(page, server);
  }
  return result;
}

test('RemoteFX tiles IronRDP already has are left out: the canvas stays the server\u2019s screen while a window jumps between corners over a detailed picture', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699', xterm: false });
  cleanups.push(() => server.stop());
  const pictureFile = path.join(server.dir, 'picture.xwd');
  const markFile = path.join(server.dir, 'mark.xwd');
  const middleFile = path.join(server.dir, 'middle.xwd');
  await writeFile(pictureFile, writeXwd(420, 300, picture));
  await writeFile(markFile, writeXwd(40, 40, () => [250, 200, 0]));
  await writeFile(middleFile, writeXwd(40, 40, (x) => (x < 20 ? [0, 220, 90] : [120, 0, 200])));
  const big = spawnGroup('xwud', ['-in', pictureFile, '-geometry', '+300+230'], { env: server.env, stdio: 'ignore' });
  cleanups.push(() => stopProcess(big));
  const bigWindow = await waitForWindow(server.env, ['--name', 'deskbridge-test']);
  const small = spawnGroup('xwud', ['-in', markFile, '-geometry', '+20+20'], { env: server.env, stdio: 'ignore' });
  cleanups.push(() => stopProcess(small));
  const mark = await waitForWindow(server.env, ['--name', 'deskbridge-test'], [bigWindow]);
  const second = spawnGroup('xwud', ['-in', middleFile, '-geometry', '+480+360'], { env: server.env, stdio: 'ignore' });
  cleanups.push(() => stopProcess(second));
  const middle = await waitForWindow(server.env, ['--name', 'deskbridge-test'], [bigWindow, mark]);

  const { app, browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Shadow tiles', protocol: 'RDP', port: server.port, username: 'ann', password: 'unused' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust once');
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 1000, 740, hexColour('#336699'), 15_000);
  const first = await settled(page, server);
  assert.ok(first.mean <= 3 && first.far <= 10, `before: canvas differs from the server's screen by ${first.mean.toFixed(2)} on average, ${first.far} points far off`);

  // The mark jumps between the top-left and the bottom-right corner (each jump changes both corners at
  // once), and in the same xdotool call the middle window steps sideways over the picture.
  for (let i = 0; i < 8; i++) {
    const [x, y] = i % 2 === 0 ? [960, 700] : [20, 20];
    execFileSync('xdotool', ['windowmove', mark, String(x), String(y), 'windowmove', middle, String(480 + (i % 4) * 70), '360'], { env: server.env });
    await new Promise((r) => setTimeout(r, 400));
  }
  const after = await settled(page, server);
  assert.ok(after.mean <= 3 && after.far <= 10, `after: canvas differs from the server's screen by ${after.mean.toFixed(2)} on average, ${after.far} points far off`);

  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  const line = (await logLines(app, 'RemoteFX tiles left out'))[0] ?? '';
  assert.ok(line, 'the gateway logs the tiles it left out when the session ends');
  const tiles = Number(/ tiles=(\d+)/.exec(line)?.[1]);
  const dropped = Number(/ dropped=(\d+)/.exec(line)?.[1]);
  // Each jump sends the rectangle between the corners (most of the screen, 192 tiles); all but a few are unchanged.
  console.log(`canvas against the server's screen: before ${first.mean.toFixed(2)} (${first.far} far off), after ${after.mean.toFixed(2)} (${after.far}); tiles left out ${dropped} of ${tiles}`);
  assert.ok(dropped >= 100 && dropped <= tiles, `tiles left out: ${dropped} of ${tiles}`);
  assert.match(line, / stoppedBecause=null/);
  assert.deepEqual(browser.cspViolations, []);
});
