// The bench's own server side, beside test/servers/: freerdp-shadow on an Xvfb
// of any size (test/servers/freerdpShadow.ts is fixed at 1024x768),
// websockify for the noVNC pages, and the frame clock on a display.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { writeSamFile } from '../servers/freerdpShadow';
import { freeDisplay, freePort, stopProcess, waitForDisplay, waitForPort } from '../servers/processes';

export interface ShadowAtSize {
  port: number;
  display: string;
  pids: () => number[];
  stop(): Promise<void>;
}

/** freerdp-shadow on its own Xvfb: TLS without sign-in, or with `nla` NLA against a SAM file holding that one account. */
export async function startShadow(width: number, height: number, options: { nla?: { user: string; password: string } } = {}): Promise<ShadowAtSize> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-bench-shadow-'));
  const n = freeDisplay();
  const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'], { detached: true, stdio: 'ignore' });
  let shadow: ChildProcess | null = null;
  try {
    await waitForDisplay(n);
    const port = await freePort();
    const log = openSync(path.join(dir, 'shadow.log'), 'a');
    const security = options.nla ? ['/sec:nla', '+auth', `/sam-file:${await writeSamFile(dir, options.nla.user, options.nla.password)}`] : ['/sec:tls', '-auth'];
    shadow = spawn('freerdp-shadow-cli', ['/bind-address:127.0.0.1', `/port:${port}`, ...security], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, DISPLAY: `:${n}`, XDG_CONFIG_HOME: path.join(dir, 'config') },
    });
    try {
      await waitForPort(port);
    } catch (error) {
      throw new Error(`${(error as Error).message}; freerdp-shadow said:\n${(await readFile(path.join(dir, 'shadow.log'), 'utf8').catch(() => '')).slice(-2000)}`);
    }
    const started = shadow;
    return {
      port,
      display: `:${n}`,
      pids: () => [xvfb.pid!, started.pid!],
      async stop() {
        await stopProcess(started);
        await stopProcess(xvfb);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopProcess(shadow);
    await stopProcess(xvfb);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface Websockify {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** websockify on 127.0.0.1 serving `webDir`, relaying to the VNC server. */
export async function startWebsockify(webDir: string, targetPort: number): Promise<Websockify> {
  const port = await freePort();
  const child = spawn('websockify', ['--web', webDir, `127.0.0.1:${port}`, `127.0.0.1:${targetPort}`], { detached: true, stdio: 'ignore' });
  await waitForPort(port);
  return { port, pid: child.pid!, stop: () => stopProcess(child) };
}

export interface FrameClock {
  pid: number;
  /** Moves the pace's phase on by 1/`phaseSteps` of a frame interval (frameclock.c `--phase-steps`). */
  shiftPhase(): void;
  /** Stops it; resolves with its own line of figures (frames drawn, fps reached, CPU). */
  stop(): Promise<string>;
}

/** `phaseSteps` > 1: shiftPhase() moves the clock's phase on by that fraction of a frame interval. */
export async function startFrameClock(binary: string, display: string, scenario: string, fps: number, phaseSteps = 0): Promise<FrameClock> {
  const args = ['--scenario', scenario, '--fps', String(fps), ...(phaseSteps > 1 ? ['--phase-steps', String(phaseSteps)] : [])];
  const child = spawn(binary, args, { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`frameclock did not start: ${stderr}`)), 10_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') (clearTimeout(timer), resolve());
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`frameclock exited (${code}): ${stderr}`))));
  });
  return {
    pid: child.pid!,
    shiftPhase() {
      if (phaseSteps > 1 && child.exitCode === null) child.kill('SIGUSR1');
    },
    async stop() {
      await stopProcess(child);
      return stderr.trim();
    },
  };
}
