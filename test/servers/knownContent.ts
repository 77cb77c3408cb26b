// What every X test server shows, so tests know what to expect on the remote
// screen: a solid background and an xterm at a fixed place with fixed colours,
// running bash in a known folder; and X client commands run on its display.
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { spawnGroup } from './processes';

const run = promisify(execFile);

export const XTERM_GEOMETRY = { x: 0, y: 0, cols: 80, rows: 24 };
export const XTERM_BG = '#ffffff';

/** Sets the background and (unless `xterm` is false) starts the xterm in `workDir`; returns what it started, for the caller to stop. */
export async function showKnownContent(env: NodeJS.ProcessEnv, workDir: string, options: { background?: string; xterm?: boolean }): Promise<ChildProcess[]> {
  execFileSync('xsetroot', ['-solid', options.background ?? '#336699'], { env });
  if (options.xterm === false) return [];
  const xterm = spawnGroup(
    'xterm',
    ['-geometry', `${XTERM_GEOMETRY.cols}x${XTERM_GEOMETRY.rows}+${XTERM_GEOMETRY.x}+${XTERM_GEOMETRY.y}`, '-bg', XTERM_BG, '-fg', '#000000', '-fa', 'DejaVu Sans Mono', '-fs', '10', '-e', 'bash', '--norc', '--noprofile'],
    { env: { ...env, PS1: '$ ' }, cwd: workDir },
  );
  // The xterm is up when its window exists.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { stdout } = await run('xdotool', ['search', '--onlyvisible', '--class', 'xterm'], { env }).catch(() => ({ stdout: '' }));
    if (stdout.trim()) break;
    if (Date.now() > deadline) {
      xterm.kill('SIGKILL');
      throw new Error('the xterm did not appear');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return [xterm];
}

/** Runs an X client command on the display `env` names; resolves with its standard output. */
export function onDisplay(env: NodeJS.ProcessEnv): (command: string, args: string[], input?: string) => Promise<string> {
  return (command, args, input) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(command, args, { env, timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
      if (input !== undefined) child.stdin?.end(input);
    });
}
