// freerdp-shadow-cli sharing an Xvfb display: a real RDP server on loopback
// (TLS without login, or NLA against a SAM file). See ../shared/TESTBED.md.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeDisplay, freePort, spawnGroup, stopProcess, waitForDisplay, waitForPort, waitForWindow } from './processes';
import { captureScreen, type Screen } from './xwd';

export { freePort, waitForPort } from './processes';

export interface ShadowOptions {
  security: 'tls' | 'nla';
  /** For NLA: the one account the SAM file knows. */
  user?: string;
  password?: string;
  /** Solid background colour of the shared display. */
  background?: string;
  /** Reuse a port (to restart "the same server", e.g. with a new certificate). */
  port?: number;
  /** An xterm at the top left, running bash in `dir`, to type into. */
  xterm?: boolean;
  /** The shared display's size (1024×768 unless said). */
  size?: { width: number; height: number };
}

export interface ShadowServer {
  port: number;
  display: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  screen(): Promise<Screen>;
  /** Stops the shadow server and starts it again on the same port and display; `newCertificate` deletes its key first. */
  restart(options?: { newCertificate?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** A SAM file in `dir` holding one account (FreeRDP's NTLM user database, for `/sam-file:`); returns its path. */
export async function writeSamFile(dir: string, user: string, password: string): Promise<string> {
  const sam = path.join(dir, 'sam.txt');
  await writeFile(sam, execFileSync('winpr-hash', ['-u', user, '-p', password, '-f', 'sam'], { encoding: 'utf8' }));
  return sam;
}

export async function startFreerdpShadow(options: ShadowOptions): Promise<ShadowServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-shadow-'));
  const displayNumber = freeDisplay();
  const display = `:${displayNumber}`;
  const xvfb = spawnGroup('Xvfb', [display, '-screen', '0', `${options.size?.width ?? 1024}x${options.size?.height ?? 768}x24`, '-nolisten', 'tcp', '-noreset']);
  let shadow: ChildProcess | null = null;
  let xterm: ChildProcess | null = null;
  try {
    await waitForDisplay(displayNumber);
    execFileSync('xsetroot', ['-solid', options.background ?? '#336699'], { env: { ...process.env, DISPLAY: display } });
    if (options.xterm) {
      xterm = spawnGroup('xterm', ['-geometry', '80x24+0+0', '-bg', '#ffffff', '-fg', '#000000', '-fa', 'DejaVu Sans Mono', '-fs', '10', '-e', 'bash', '--norc', '--noprofile'], {
        env: { ...process.env, DISPLAY: display, PS1: '$ ' },
        cwd: dir,
      });
      await waitForWindow({ ...process.env, DISPLAY: display }, ['--class', 'xterm']);
    }
    const port = options.port ?? (await freePort());
    const args = ['/bind-address:127.0.0.1', `/port:${port}`];
    if (options.security === 'tls') args.push('/sec:tls', '-auth');
    else {
      args.push('/sec:nla', '+auth', `/sam-file:${await writeSamFile(dir, options.user ?? 'ann', options.password ?? 'Secret-123')}`);
    }
    const start = async () => {
      // It writes its certificate under $XDG_CONFIG_HOME; keep that in our own folder.
      const log = openSync(path.join(dir, 'shadow.log'), 'a');
      shadow = spawnGroup('freerdp-shadow-cli', args, {
        stdio: ['ignore', log, log],
        env: { ...process.env, DISPLAY: display, XDG_CONFIG_HOME: path.join(dir, 'config') },
      });
      try {
        await waitForPort(port);
      } catch (error) {
        const log = await readFile(path.join(dir, 'shadow.log'), 'utf8').catch(() => '');
        throw new Error(`${(error as Error).message}; freerdp-shadow said:\n${log.slice(-2000)}`);
      }
    };
    await start();
    return {
      port,
      display,
      dir,
      env: { ...process.env, DISPLAY: display },
      screen: () => captureScreen(display),
      async restart(restartOptions = {}) {
        await stopProcess(shadow);
        if (restartOptions.newCertificate) await rm(path.join(dir, 'config'), { recursive: true, force: true });
        await start();
      },
      async stop() {
        await stopProcess(shadow);
        await stopProcess(xterm);
        await stopProcess(xvfb);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopProcess(shadow);
    await stopProcess(xterm);
    await stopProcess(xvfb);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
