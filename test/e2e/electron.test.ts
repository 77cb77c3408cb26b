// The Electron shell through Playwright's Electron support. It runs wherever an
// Electron binary is installed; npm install never downloads one (it is not
// reachable on every machine), so elsewhere this says why it was skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { ROOT } from '../support/app';

process.env.DESKBRIDGE_CLI_NO_MAIN = '1';
const { findElectronBinary } = await import('../../electron/cli/deskbridge');
const binary = findElectronBinary(ROOT);
const skip = binary ? false : 'no Electron binary is installed here (npm install never downloads it; run `npx electron --version` where the internet is reachable)';

for (const kiosk of [false, true]) {
  test(`the Electron window is hardened${kiosk ? ' and in kiosk mode' : ''}, and shows the app`, { skip }, async (t) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-electron-'));
    const app = await electron.launch({ executablePath: binary as string, args: [path.join(ROOT, 'dist', 'main.mjs'), '--', '--data-dir', dataDir, ...(kiosk ? ['--kiosk'] : [])], env: { ...process.env, DESKBRIDGE_SECRETS: 'file' } });
    t.after(async () => {
      await app.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    });
    const window = await app.firstWindow();
    assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isKiosk()), kiosk);
    // Sandboxed, isolated, no Node in the page: neither require nor process exists there.
    assert.equal(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
    assert.equal(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process), 'undefined');
    assert.equal(await window.evaluate(() => (window as unknown as { deskbridge?: { shell: string } }).deskbridge?.shell), 'electron');
    if (!kiosk) await window.getByRole('button', { name: 'New connection' }).waitFor();
    else await window.getByRole('alert').waitFor(); // no kiosk profile configured: says so, and nothing else
  });
}
