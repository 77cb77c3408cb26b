// Starting and stopping the real programs the tests run: free ports and X
// displays, waiting for a listener, and stopping by process group, also on failure.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

let nextDisplay = 40 + (process.pid % 50);
/** A free X display number: no socket and no lock file for it. */
export function freeDisplay(): number {
  for (let tries = 0; tries < 400; tries++) {
    const n = nextDisplay++;
    if (nextDisplay > 400) nextDisplay = 40;
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display');
}

export async function waitForDisplay(n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(`/tmp/.X11-unix/X${n}`)) {
    if (Date.now() > deadline) throw new Error(`X display :${n} did not appear`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Process groups this test process started and has not yet seen end. Tests
 * stop what they start in after-hooks; this is the net under them for when
 * the test process itself is ended (a timeout of the whole run, Ctrl+C):
 * then every group still running is killed on the way out.
 */
const runningGroups = new Set<number>();

function killRunningGroups(): void {
  for (const pid of runningGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  runningGroups.clear();
}

process.once('exit', killRunningGroups);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killRunningGroups();
    // Ours was the only handler: end as the signal would have.
    if (process.listenerCount(signal) === 0) process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/** Spawns in its own process group, so stopping it stops its children too. */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', ...options, detached: true });
  const pid = child.pid;
  if (pid !== undefined) {
    runningGroups.add(pid);
    child.once('exit', () => runningGroups.delete(pid));
  }
  return child;
}

export async function stopProcess(child: ChildProcess | null | undefined, timeoutMs = 3000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }, timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Waits for a visible X window matching `xdotool search` arguments (e.g.
 * `['--class', 'xterm']`, `['--name', 'title']`) on the display of `env`, one
 * not among `notAmong`; resolves with its id.
 */
export async function waitForWindow(env: NodeJS.ProcessEnv, match: string[], notAmong: string[] = [], timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ids: string[] = [];
    try {
      ids = execFileSync('xdotool', ['search', '--onlyvisible', ...match], { env, encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      // xdotool exits 1 when nothing matches yet.
    }
    const id = ids.find((candidate) => !notAmong.includes(candidate));
    if (id) return id;
    if (Date.now() > deadline) throw new Error(`no window ${match.join(' ')} appeared within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
