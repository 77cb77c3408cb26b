// The remote pointer's shape in an RDP session, against xrdp 0.9 (xorgxrdp forwards the X server's cursor as
// fast-path pointer updates). The IronRDP build we ship drops every pointer update (its web client is built with
// enable_server_pointer false), so the gateway reads them and the page shows them on IronRDP's canvas
// (electron/gateway/bridges/rdp/serverPointer.ts, renderer/protocols/rdp/remotePointer.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { KNOWN_CURSOR, knownCursorArgs } from '../servers/knownCursor';
import { startAppWithBrowser } from '../support/app';
import { knownCursorAt, shownCursor, type ShownCursor } from '../support/shownCursor';
import { pagePointFor, waitFor } from '../support/ui';
import { connectToXrdp, startXrdpFor } from '../support/xrdpSession';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Moves the pointer over the desktop (a pixel to and fro) until `right` holds for the cursor the canvas shows. */
async function waitForCursor(page: Page, right: (shown: ShownCursor) => boolean, what: string): Promise<ShownCursor> {
  const at = await pagePointFor(page, 300, 200);
  let shown: ShownCursor | null = null;
  let step = 0;
  await waitFor(async () => {
    await page.mouse.move(at.x + (step++ % 2), at.y);
    shown = await shownCursor(page);
    return right(shown);
  }, what, 10_000).catch(() => {
    const s = shown as ShownCursor | null;
    assert.fail(`${what}: the canvas's cursor is ${s ? `${s.value}…, hotspot ${s.hotspot.x},${s.hotspot.y}${s.rows.length ? ` in\n${s.rows.join('\n')}` : ''}` : 'not read'}`);
  });
  return shown!;
}

test('xrdp: the session\u2019s pointer is shown on the canvas as the server sets it (a known cursor, its pixels and hotspot), and changes with it (the X I-beam)', async () => {
  const server = await startXrdpFor(cleanups, { background: '#4f6b2e' });
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectToXrdp(page, server, 'Pointer');
  const env = await server.sessionEnv();

  execFileSync('xsetroot', await knownCursorArgs(server.home), { env });
  const known = await waitForCursor(page, (s) => {
    const at = knownCursorAt(s);
    return s.value.startsWith('url("data:image/png') && !!at && s.hotspot.x - at.x === KNOWN_CURSOR.hotspot.x && s.hotspot.y - at.y === KNOWN_CURSOR.hotspot.y;
  }, 'the known cursor, pixel for pixel, with its hotspot');

  // Another shape: X's I-beam (xterm), an image that is not the known one.
  execFileSync('xsetroot', ['-cursor_name', 'xterm'], { env });
  await waitForCursor(page, (s) => s.value.startsWith('url("data:image/png') && s.rows.length > 0 && knownCursorAt(s) === null && s.rows.join('') !== known.rows.join(''), 'the I-beam, another image');
});
