// Hosts that fail in the three ways users meet: a closed port, a listener
// that accepts and never speaks, and a host that drops packets (an iptables
// DROP rule on loopback for one port, removed again also on failure).
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { freePort } from './processes';

export async function closedPort(): Promise<number> {
  return freePort();
}

export async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const RULE_TAG = 'deskbridge-test';

function dropRule(port: number, pid: number): string[] {
  return ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '-m', 'comment', '--comment', `${RULE_TAG} pid=${pid}`, '-j', 'DROP'];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes DROP rules that an earlier test run added and could not remove (it was killed): only ours, only of dead runs. */
function removeStaleRules(iptables: string): void {
  let listing = '';
  try {
    listing = execFileSync(iptables, ['-w', '-S', 'INPUT'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return;
  }
  for (const line of listing.split('\n')) {
    const match = new RegExp(`--dport (\\d+) .*--comment "?${RULE_TAG} pid=(\\d+)"?`).exec(line);
    if (!match) continue;
    const pid = Number(match[2]);
    if (alive(pid)) continue;
    try {
      execFileSync(iptables, ['-w', '-D', ...dropRule(Number(match[1]), pid)], { stdio: 'ignore' });
    } catch {
      // removed meanwhile
    }
  }
}

/** True when a connect to the port neither succeeds nor is refused within the time: its packets vanish. */
function connectHangs(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(true);
    }, ms);
    const settle = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(false);
    };
    socket.once('connect', settle);
    socket.once('error', settle);
  });
}

/**
 * A loopback port whose SYNs vanish, so a connect hangs as it does to a host
 * that is down: an iptables DROP rule for that port on `lo`, tagged with our
 * PID and removed by close() (callers do so in a finally). Needs root and
 * netfilter; iptables-nft first, then iptables-legacy, each checked to work.
 */
export async function droppingPort(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const rule = dropRule(port, process.pid);
  const problems: string[] = [];
  for (const iptables of ['iptables', 'iptables-legacy']) {
    removeStaleRules(iptables);
    try {
      execFileSync(iptables, ['-w', '-A', ...rule], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      problems.push(`${iptables}: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`);
      continue;
    }
    const remove = () => {
      try {
        execFileSync(iptables, ['-w', '-D', ...rule], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    };
    if (await connectHangs(port, 400)) return { port, close: async () => remove() };
    remove();
    problems.push(`${iptables}: the rule was added but a connect to 127.0.0.1:${port} did not hang`);
  }
  throw new Error(`cannot make a loopback port drop packets (root and netfilter are needed):\n${problems.join('\n')}`);
}
