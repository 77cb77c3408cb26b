// Measuring a native client (TigerVNC vncviewer, xfreerdp): it runs full
// screen on an Xvfb display of its own, the size of the remote desktop, and
// xcapture reads the code row off that display's root; its lines are decoded
// here with the same decoder the page uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freeDisplay, stopProcess, waitForDisplay } from '../servers/processes';
import { FrameNumberUnwrapper, decodeCode, stampTime, type SeenFrame } from './frameCode';

export interface ClientDisplay {
  display: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startClientDisplay(width: number, height: number): Promise<ClientDisplay> {
  const n = freeDisplay();
  const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'], { detached: true, stdio: 'ignore' });
  await waitForDisplay(n);
  return { display: `:${n}`, pid: xvfb.pid!, stop: () => stopProcess(xvfb) };
}

export interface CaptureLoop {
  /** Frames seen so far (new frame numbers only). */
  frames: SeenFrame[];
  /** Wall ms of each key press sent through XTEST. */
  keysSent: number[];
  /** Wall ms of each torn read (after the first valid one). */
  tornAt: number[];
  pid: number;
  /** Sends one key press and release to the focused window of the client display. */
  pressKey(): void;
  /** Stops the loop; resolves with its own figures (samples/s, CPU s). */
  stop(): Promise<{ samples: number; seconds: number; rate: number; cpuSeconds: number }>;
}

export function startCapture(binary: string, display: string, options: { intervalUs: number; x?: number; y?: number }): CaptureLoop {
  const args = ['--interval-us', String(options.intervalUs), '--x', String(options.x ?? 0), '--y', String(options.y ?? 0), '--keys'];
  const child: ChildProcess = spawn(binary, args, { env: { ...process.env, DISPLAY: display }, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  const frames: SeenFrame[] = [];
  const keysSent: number[] = [];
  const tornAt: number[] = [];
  let anyValid = false;
  let last = -Infinity;
  const unwrap = new FrameNumberUnwrapper();
  let resolveStats: (s: { samples: number; seconds: number; rate: number; cpuSeconds: number }) => void = () => undefined;
  const stats = new Promise<{ samples: number; seconds: number; rate: number; cpuSeconds: number }>((resolve) => (resolveStats = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [kind, a, b] = line.split(' ');
    if (kind === 'F') {
      const stamp = decodeCode(Buffer.from(a!, 'hex'));
      if (!stamp) {
        if (anyValid) tornAt.push(Number(b));
        return;
      }
      anyValid = true;
      const seenAt = Number(b);
      const frame = unwrap.next(stamp.frame);
      if (frame <= last) return;
      last = frame;
      frames.push({ frame, seenAt, latencyMs: seenAt - stampTime(stamp.timeLow, seenAt), keys: stamp.keys });
    } else if (kind === 'K') keysSent.push(Number(a));
    else if (kind === 'S') {
      const field = (name: string) => Number(new RegExp(`${name}=([\\d.]+)`).exec(line)?.[1]);
      resolveStats({ samples: field('samples'), seconds: field('seconds'), rate: field('rate'), cpuSeconds: field('cpu_s') });
    }
  });
  return {
    frames,
    keysSent,
    tornAt,
    pid: child.pid!,
    pressKey: () => child.stdin!.write('key\n'),
    async stop() {
      const timer = setTimeout(() => resolveStats({ samples: 0, seconds: 0, rate: 0, cpuSeconds: 0 }), 3000);
      child.kill('SIGTERM');
      const result = await stats;
      clearTimeout(timer);
      await stopProcess(child);
      return result;
    },
  };
}
