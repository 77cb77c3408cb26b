// Starts DeskBridge as it ships: `node dist/cli.mjs --shell browser --no-open`,
// and reads the start address from its first line.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnGroup, stopProcess } from '../servers/processes';
import { openBrowser, type TestBrowser } from './browser';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunningApp {
  url: string;
  origin: string;
  pid: number;
  dataDir: string;
  stderr: () => string;
  stop(): Promise<void>;
}

export interface AppOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Run the build in this checkout's dist/ (the bench's --compare) instead of this one's. */
  appRoot?: string;
}

export async function startApp(options: AppOptions = {}): Promise<RunningApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'deskbridge-data-')));
  const env = { ...(options.env ?? process.env), DESKBRIDGE_SECRETS_KEY_DIR: path.join(dataDir, '..', `${path.basename(dataDir)}-keys`) };
  const args = [path.join(options.appRoot ?? ROOT, 'dist', 'cli.mjs'), '--shell', 'browser', '--no-open', '--port', '0', '--data-dir', dataDir, ...(options.args ?? [])];
  // Once on CI the app's process wrote nothing at all for 15 s (no line on stderr, which comes
  // in ~0.3 s, no address), a stall before our code ran. Such a start is said on stderr and
  // tried once more; an app that hangs in its own start-up hangs again and fails.
  for (let attempt = 1; ; attempt++) {
    const outcome = await launch(args, env, dataDir);
    if ('url' in outcome) return outcome;
    if (!outcome.silent || attempt === 2) throw outcome.error;
    process.stderr.write(`startApp: ${outcome.error.message}; trying once more\n`);
  }
}

/** One start of the app: running, or stopped again with what it printed. */
async function launch(args: string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<RunningApp | { error: Error; silent: boolean }> {
  const child: ChildProcess = spawnGroup(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let err = '';
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const started = Date.now();
  let timedOut = false;
  const printed = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`the app printed no address within 15 s`));
    }, 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(out.split('\n')[0] ?? '');
      if (match && out.includes('\n')) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code ?? signal})`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`the app could not be started (${error.message})`));
    });
  });
  let url: string;
  try {
    url = await printed;
  } catch (error) {
    // Stop what was started even when it never became ready, and say what it did get to.
    await stopProcess(child);
    return {
      error: new Error(`${(error as Error).message} (pid ${child.pid ?? 'none'}, ${Date.now() - started} ms after the spawn); stdout:\n${out}\nstderr:\n${err}\nthe last lines of its log:\n${await logTail({ dataDir }, 20)}`),
      silent: timedOut && out === '' && err === '',
    };
  }
  return {
    url,
    origin: new URL(url).origin,
    pid: child.pid as number,
    dataDir,
    stderr: () => err,
    stop: () => stopProcess(child),
  };
}

/** The app's log file in its data folder. */
function logFile(dataDir: string): string {
  return path.join(dataDir, 'logs', 'deskbridge.log');
}

/**
 * The lines of the app's log that contain `text`, once there are at least
 * `count` of them (the gateway writes a session's summary as it ends); what
 * there is after `timeoutMs`, possibly none.
 */
export async function logLines(app: { dataDir: string }, text: string, count = 1, timeoutMs = 3000): Promise<string[]> {
  const file = logFile(app.dataDir);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes(text));
    if (lines.length >= count || Date.now() >= deadline) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The gateway log's last `count` lines, for a failure message. */
export async function logTail(app: { dataDir: string }, count: number): Promise<string> {
  const lines = (await readFile(logFile(app.dataDir), 'utf8').catch(() => '(no log file)')).trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await rm(path.join(dataDir, '..', `${path.basename(dataDir)}-keys`), { recursive: true, force: true });
}

/**
 * The app (secrets in the file store) and a browser on its page, both stopped
 * by the caller's cleanups (pushed here, run in reverse by its `after`).
 */
export async function startAppWithBrowser(
  cleanups: (() => Promise<void>)[],
  viewport?: { width: number; height: number },
  /** A managed policy (its schemaVersion added), given to the app as --policy. */
  policy?: object,
): Promise<{ app: RunningApp; browser: TestBrowser }> {
  const args: string[] = [];
  if (policy) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-policy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'policy.json');
    await writeFile(file, JSON.stringify({ schemaVersion: 1, ...policy }));
    args.push('--policy', file);
  }
  const app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' }, args });
  cleanups.push(async () => {
    await app.stop();
    await removeDataDir(app.dataDir);
  });
  const browser = await openBrowser({ origin: app.origin, ...(viewport ? { viewport } : {}) });
  cleanups.push(() => browser.close());
  await browser.page.goto(app.url);
  return { app, browser };
}
