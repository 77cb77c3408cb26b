// Debian's Chromium driven by playwright-core (never a downloaded browser).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations the page reported: tests assert there are none. */
  cspViolations: string[];
  close(): Promise<void>;
}

export async function openBrowser(options: { origin: string; deviceScaleFactor?: number; viewport?: { width: number; height: number } }): Promise<TestBrowser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 860 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  // Test code runs through tsx, whose esbuild wraps named functions in a __name() helper;
  // functions passed to page.evaluate carry that call into the page, so define it there.
  await context.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: options.origin });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return {
    context,
    page,
    cspViolations,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * An API call made from the app's page, as its own code makes one: the cookie, and the window key the page keeps
 * in sessionStorage (renderer/app/windowKey.ts), for a test that reaches past the UI.
 */
export async function apiFromPage(page: Page, method: 'GET' | 'DELETE', pathname: string): Promise<{ status: number; bytes: number[] }> {
  return page.evaluate(
    async ([m, p]) => {
      const key = sessionStorage.getItem('deskbridge.windowKey') ?? '';
      const response = await fetch(p, { method: m, headers: { 'x-deskbridge-key': key } });
      return { status: response.status, bytes: Array.from(new Uint8Array(await response.arrayBuffer())) };
    },
    [method, pathname] as const,
  );
}
