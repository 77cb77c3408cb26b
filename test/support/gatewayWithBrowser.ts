// The gateway started in this process, serving the page as built (dist/renderer), and a browser on it: for an
// e2e test that needs a gateway option the command line rightly does not offer (a short undo window). Both are
// as they ship; only how the gateway is started differs from startApp().
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGateway, createLogger, type RunningGateway } from '../../electron/gateway/index';
import { openBrowser, type TestBrowser } from './browser';
import { ROOT } from './app';

export interface GatewayWithBrowser {
  gateway: RunningGateway;
  /** The data folder (profiles.json and the rest). */
  dataDir: string;
  browser: TestBrowser;
}

/** Stopped by the caller's cleanups (pushed here, run in reverse by its `after`). */
export async function startGatewayWithBrowser(cleanups: (() => Promise<void>)[], options: { undoDeleteMs?: number } = {}): Promise<GatewayWithBrowser> {
  // The gateway reads it as it starts: put back as it was once the test's cleanups run.
  const secretsBefore = process.env.DESKBRIDGE_SECRETS;
  process.env.DESKBRIDGE_SECRETS = 'file';
  cleanups.push(async () => {
    if (secretsBefore === undefined) delete process.env.DESKBRIDGE_SECRETS;
    else process.env.DESKBRIDGE_SECRETS = secretsBefore;
  });
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-gw-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const gateway = await startGateway({
    port: 0,
    dataDir,
    shell: 'browser',
    rendererDir: path.join(ROOT, 'dist', 'renderer'),
    secretsKeyDir: path.join(root, 'keys'),
    // None there: this computer's own machine-wide policy, if it has one, stays out of the test.
    machinePolicyFile: path.join(root, 'machine-policy.json'),
    logger: createLogger({ level: 'warn' }),
    ...(options.undoDeleteMs !== undefined ? { undoDeleteMs: options.undoDeleteMs } : {}),
  });
  cleanups.push(() => gateway.close());
  const browser = await openBrowser({ origin: gateway.origin });
  cleanups.push(() => browser.close());
  await browser.page.goto(gateway.startUrl());
  return { gateway, dataDir, browser };
}
