// What the xrdp end-to-end tests share: a server stopped when the file's tests end, the session's clipboard as
// xclip reads it, and a profile connected through the UI.
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { startXrdp, type XrdpServer } from '../servers/xrdp';
import { createProfile, type ProfileInput, trustCertificate, waitForState } from './ui';

/** An xrdp server that stops with the file's `cleanups` (its log printed first with DESKBRIDGE_TEST_VERBOSE). */
export async function startXrdpFor(cleanups: (() => Promise<void>)[], options: Parameters<typeof startXrdp>[0]): Promise<XrdpServer> {
  const server = await startXrdp(options);
  cleanups.push(async () => {
    if (process.env.DESKBRIDGE_TEST_VERBOSE) console.log(await server.logs());
    await server.stop();
  });
  return server;
}

/** The text on the clipboard of the xrdp session whose environment this is (empty if none). */
export function sessionClipboard(env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync('xclip', ['-o', '-selection', 'clipboard'], { env, encoding: 'utf8', timeout: 2000 });
  } catch {
    return '';
  }
}

/** A profile for the server's test user, connected with its certificate trusted once. */
export async function connectToXrdp(page: Page, server: XrdpServer, name: string, extra: Partial<ProfileInput> = {}): Promise<void> {
  await createProfile(page, { name, protocol: 'RDP', port: server.port, username: server.user, password: server.password, ...extra });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust once');
  await waitForState(page, 'Connected', 20_000);
}
