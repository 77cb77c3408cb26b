// The browser shell's Chromium profile as Chromium reads it (a real Chromium on a profile prepared by
// prepareBrowserProfile): the app's origin of this start may read the clipboard without Chromium asking at every
// start (the port is new each time), and no other origin may.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { prepareBrowserProfile } from '../../electron/cli/shellLaunch';

async function listen(): Promise<{ origin: string; close: () => void }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>page</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('Chromium on the prepared profile lets the app\'s origin read the clipboard unasked, and another local port not', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-chromium-profile-'));
  const app = await listen();
  const other = await listen();
  t.after(async () => {
    app.close();
    other.close();
    await rm(dir, { recursive: true, force: true });
  });
  prepareBrowserProfile(dir, app.origin);
  const context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const clipboardRead = async (origin: string) => {
      await page.goto(`${origin}/`);
      return page.evaluate(async () => (await navigator.permissions.query({ name: 'clipboard-read' as PermissionName })).state);
    };
    assert.equal(await clipboardRead(app.origin), 'granted');
    assert.equal(await clipboardRead(other.origin), 'prompt', 'another local web server gets nothing');
  } finally {
    await context.close();
  }
});
