// An idle xrdp session and the gateway's dead-link probe, end to end: xrdp 0.9 + xorgxrdp
// (RemoteFX) behind a fault-injection relay, a desktop that never changes (no xterm, no clock).
//
// xorgxrdp answers a Refresh Rect only with the 64x64 tiles whose checksum changed since it last
// sent them, and for a partly asked tile the checksum covers the asked rectangles: the same probe
// area twice in a row is answered the first time only. A probe that asked for the same pixel every
// time was left unanswered from the second on, and every idle xrdp session was taken for dead and
// reconnected about every 14 s. The idle session must stay the same session; a black-holed link
// must still be found about as fast as with freerdp-shadow (rdp.test.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { startFaultRelay } from '../servers/faultRelay';
import { hexColour } from '../servers/xwd';
import { logLines, startAppWithBrowser } from '../support/app';
import { canvasPixels, sessionView, waitForCanvasColour, waitForState } from '../support/ui';
import { connectToXrdp, startXrdpFor } from '../support/xrdpSession';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Refresh Rect requests xorgxrdp was handed ("invalidate" lines of its log, in the session user's home). */
async function invalidations(dir: string): Promise<number> {
  let count = 0;
  // Xorg's -logfile .xorgxrdp.N.log, relative: in the home or, by the version, under ~/.local/share/xrdp.
  for (const logs of [path.join(dir, 'home'), path.join(dir, 'home', '.local', 'share', 'xrdp')]) {
    const names = (await readdir(logs).catch(() => [])).filter((name) => name.includes('xorgxrdp') && name.endsWith('.log'));
    for (const name of names) count += (await readFile(path.join(logs, name), 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('rdpClientConProcessMsgClientInput: invalidate')).length;
  }
  return count;
}

test('xrdp: an idle session stays the same session for 35 s (xrdp answers every probe); a black-holed link is still found and the session comes back', async (t) => {
  const colour = hexColour('#5f2d6b');
  const server = await startXrdpFor(cleanups, { background: '#5f2d6b', xterm: false });
  const relay = await startFaultRelay(server.port);
  cleanups.push(() => relay.close());
  const { app, browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectToXrdp(page, server, 'Idle xrdp', { port: relay.port });
  await waitForCanvasColour(page, 900, 600, colour, 15_000);
  // The picture everywhere, the probe's corner (the top left) included.
  const points: [number, number][] = [[2, 2], [20, 20], [40, 40], [63, 63], [500, 300], [900, 600]];
  const samePicture = async () => (await canvasPixels(page, points)).every((pixel) => pixel.every((v, i) => Math.abs(v - (colour[i] ?? 0)) <= 8));
  assert.ok(await samePicture(), 'the desktop is on the canvas before the idle time');

  const connections = relay.connections.length;
  const created = (await logLines(app, 'session created', 1, 0)).length;
  const probesBefore = await invalidations(server.dir);
  const idleFrom = Date.now();
  // Longer than the old cycle (about 14 s) more than twice over, with nothing on the desktop changing.
  await new Promise((r) => setTimeout(r, 35_000));
  const probes = (await invalidations(server.dir)) - probesBefore;
  t.diagnostic(`xrdp idle ${Date.now() - idleFrom} ms: ${probes} Refresh Rect probes reached xorgxrdp, bytes from the server ${relay.connections.at(-1)!.bytesToClient}`);
  const endedWhileIdle = await logLines(app, 'RDP session ended', 1, 0);
  for (const line of endedWhileIdle) t.diagnostic(line);
  assert.deepEqual(endedWhileIdle, [], 'an idle session was ended');
  assert.equal(relay.connections.length, connections, 'an idle session was taken for dead and reconnected');
  assert.equal(relay.connections.at(-1)!.closed, false);
  assert.equal((await logLines(app, 'session created', 1, 0)).length, created, 'a new gateway session was made');
  assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Connected');
  assert.ok(await samePicture(), 'the desktop is still on the canvas, the probed corner included');
  assert.ok(probes >= 3, `the gateway probed the quiet link (${probes} probes reached xorgxrdp)`);

  // Packets black-holed, the TCP connection still "up" (the relay acknowledges): only the probe can tell.
  const blackHoled = Date.now();
  relay.blackHole(true);
  await page.getByText(/Reconnecting… \(attempt \d+(?: of \d+)?\)/).waitFor({ timeout: 20_000 });
  const detected = Date.now() - blackHoled;
  t.diagnostic(`xrdp: black-holed link detected in ${detected} ms`);
  assert.ok(detected < 12_000, `detected after ${detected} ms`);
  const [ended] = await logLines(app, 'RDP session ended', 1, 3000);
  assert.match(ended ?? '', /connection-lost/);
  // How the idle time went: every probe answered at the first ask (askedAgain counts the black-holed one).
  const [summary] = await logLines(app, 'RDP dead-link probes', 1, 3000);
  t.diagnostic(summary ?? '(no probe summary)');
  relay.blackHole(false);
  relay.cutAll();
  await waitForState(page, 'Connected', 30_000);
  await waitForCanvasColour(page, 900, 600, colour, 15_000);
});
