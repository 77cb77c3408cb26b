// What a client costs, read from /proc and ss: CPU time and peak RSS of a
// process tree, and the bytes on the server's TCP connections.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function allStats(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is ProcStat => s !== null);
}

/** The process and all its descendants, alive now. */
export function processTree(roots: number[]): number[] {
  const stats = allStats();
  const found = new Set<number>(roots.filter((pid) => stats.some((s) => s.pid === pid)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) if (!found.has(s.pid) && found.has(s.ppid)) (found.add(s.pid), (grew = true));
  }
  return [...found];
}

/**
 * CPU seconds the whole machine has spent busy so far (every process, kernel
 * included: all but idle and iowait in /proc/stat), summed over cores: over a
 * window, its rate is how many cores were busy.
 */
export function machineBusySeconds(): number {
  const fields = /^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const busy = fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]! + fields[7]!;
  return busy / TICKS_PER_SECOND;
}

/** CPU seconds (user + system) used so far by these processes. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/** Sum of the peak resident set (VmHWM) of these processes, in bytes (shared pages counted in each). */
export function peakRssBytes(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb * 1024;
}

/**
 * Bytes both ways on the established connections whose local port is the
 * server's: from the kernel's counters (ss -ti), so no relay sits in the path.
 */
export function serverTcpBytes(port: number): number {
  const out = execFileSync('ss', ['-tinH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  let total = 0;
  for (const match of out.matchAll(/bytes_acked:(\d+)|bytes_received:(\d+)/g)) total += Number(match[1] ?? match[2]);
  return total;
}

/** What a process is, for splitting a client's CPU: the relay (our gateway, websockify), Chromium's parts, or other. */
export function processRole(pid: number): string {
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'gone';
  }
  if (/cli\.mjs|deskbridge/.test(cmdline) && /node/.test(cmdline)) return 'gateway';
  if (/websockify/.test(cmdline)) return 'gateway';
  const type = /--type=([a-z-]+)/.exec(cmdline)?.[1];
  if (/chrom/.test(cmdline)) return type === 'renderer' ? 'renderer' : type === 'gpu-process' ? 'gpu' : type ? 'chromium-other' : 'browser';
  return 'other';
}

/** CPU ticks of each process now, to take a difference later. */
export function ticksByPid(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) out.set(pid, stat.ticks);
  }
  return out;
}

/** CPU seconds per second by role between two readings (processes that ended in between are left out). */
export function cpuByRole(before: Map<number, number>, after: Map<number, number>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, ticks] of after) {
    const role = processRole(pid);
    out[role] = (out[role] ?? 0) + (ticks - (before.get(pid) ?? 0)) / TICKS_PER_SECOND / seconds;
  }
  return out;
}
