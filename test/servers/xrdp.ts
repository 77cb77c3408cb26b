// xrdp 0.9 + xrdp-sesman + Xorg (xorgxrdp): a real Linux session host with a
// PAM login, on loopback, started by the test and stopped by it.
//
// xrdp reads its configuration from the fixed /etc/xrdp and keeps state in
// /run/xrdp, and sesman authenticates against /etc/passwd and /etc/shadow
// through PAM. So everything runs in a mount + pid namespace of its own
// (`unshare`), where a private copy of /etc/xrdp, a temp /run/xrdp and copies
// of passwd/shadow/group with one extra test user are bind-mounted over the
// real ones: the machine's own files and users are never touched, and ending
// the namespace's first process ends every process in it (Xorg included).
// See ../shared/TESTBED.md. The server's settings are Debian's defaults
// (max_bpp=32, bitmap compression on, fast-path both) except for what a
// private instance needs: the listen address, fork=false, its own
// certificate, autorun=Xorg (no login screen) and the session's programs.
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeDisplay, freePort, spawnGroup, waitForPort } from './processes';
import { parseXwd, type Screen } from './xwd';

export interface XrdpOptions {
  user?: string;
  password?: string;
  /** Solid background colour of the session's desktop. */
  background?: string;
  /** An xterm at the top left running bash in the user's home, to type into. */
  xterm?: boolean;
}

export interface XrdpServer {
  port: number;
  user: string;
  password: string;
  /** The user's home: what the session's shell writes lands here. */
  home: string;
  dir: string;
  /** The X display of the (single) session, once a client has logged in. */
  sessionDisplay(timeoutMs?: number): Promise<string>;
  /** Environment for X tools run against the session's display. */
  sessionEnv(): Promise<NodeJS.ProcessEnv>;
  /** The session's own screen (xwd of its Xorg). */
  screen(): Promise<Screen>;
  /** The session display's size as `xdpyinfo` reports it. */
  screenSize(): Promise<{ width: number; height: number }>;
  /**
   * Runs a program as the session's user inside the server's mount namespace,
   * where xrdp-chansrv mounts the FUSE folder of files pasted from the client
   * (~/thinclient_drives/.clipboard; only its user can read it). Its output.
   */
  runAsUser(file: string, args: string[], timeoutMs?: number): string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

const TEST_UID = 47_311;

export async function startXrdp(options: XrdpOptions = {}): Promise<XrdpServer> {
  const user = options.user ?? 'deskbridge-rdp';
  const password = options.password ?? 'Secret-123';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-xrdp-'));
  // The session runs as the test user, which must reach its home below.
  await chmod(dir, 0o755);
  const etc = path.join(dir, 'etc');
  const conf = path.join(etc, 'xrdp');
  const run = path.join(dir, 'run');
  const home = path.join(dir, 'home');
  let namespace: ChildProcess | null = null;
  let displayFromLog: string | null = null;
  const port = await freePort();
  const sesmanPort = await freePort();
  const displayOffset = freeDisplay();

  const stop = async () => {
    // Every session's display, whether or not a test asked for it.
    const sesmanLog = await readFile(path.join(run, 'sesman.log'), 'utf8').catch(() => '');
    const displays = new Set([...sesmanLog.matchAll(/on display (\d+)/g)].map((m) => m[1]!));
    await stopNamespace(namespace);
    for (const n of displays) {
      // Xorg was killed with the namespace: its socket and lock stay behind.
      await rm(`/tmp/.X11-unix/X${n}`, { force: true });
      await rm(`/tmp/.X${n}-lock`, { force: true });
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await mkdir(etc, { recursive: true });
    await mkdir(run, { recursive: true });
    await mkdir(home, { recursive: true });
    await cp('/etc/xrdp', conf, { recursive: true, dereference: true });
    for (const name of ['passwd', 'shadow', 'group']) await copyFile(`/etc/${name}`, path.join(etc, name));
    const passwd = await readFile(path.join(etc, 'passwd'), 'utf8');
    if (passwd.split('\n').some((line) => line.startsWith(`${user}:`))) throw new Error(`user ${user} exists on this machine; pick another test user`);
    const hash = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: password, encoding: 'utf8' }).trim();
    await writeFile(path.join(etc, 'passwd'), `${passwd.replace(/\n?$/, '\n')}${user}:x:${TEST_UID}:${TEST_UID}:DeskBridge test:${home}:/bin/bash\n`);
    const shadow = await readFile(path.join(etc, 'shadow'), 'utf8');
    await writeFile(path.join(etc, 'shadow'), `${shadow.replace(/\n?$/, '\n')}${user}:${hash}:20000:0:99999:7:::\n`, { mode: 0o640 });
    const group = await readFile(path.join(etc, 'group'), 'utf8');
    await writeFile(path.join(etc, 'group'), `${group.replace(/\n?$/, '\n')}${user}:x:${TEST_UID}:\n`);
    await chown(home, TEST_UID, TEST_UID);

    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(conf, 'key.pem'), '-out', path.join(conf, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });

    const xterm = options.xterm
      ? `cd "$HOME" && PS1='$ ' exec xterm -geometry 80x24+0+0 -bg '#ffffff' -fg '#000000' -fa 'DejaVu Sans Mono' -fs 10 -e bash --norc --noprofile`
      : 'exec sleep infinity';
    await writeFile(path.join(conf, 'deskbridge-session.sh'), `#!/bin/sh\nxsetroot -solid '${options.background ?? '#2e6b4f'}'\n${xterm}\n`, { mode: 0o755 });

    // Only what a private instance needs; everything else stays as Debian ships it.
    await editIni(path.join(conf, 'xrdp.ini'), {
      port: `tcp://127.0.0.1:${port}`,
      fork: 'false',
      certificate: '/etc/xrdp/cert.pem',
      key_file: '/etc/xrdp/key.pem',
      autorun: 'Xorg',
      LogFile: '/run/xrdp/xrdp.log',
    });
    await editIni(path.join(conf, 'sesman.ini'), {
      ListenPort: String(sesmanPort),
      X11DisplayOffset: String(displayOffset),
      EnableUserWindowManager: 'false',
      DefaultWindowManager: '/etc/xrdp/deskbridge-session.sh',
      KillDisconnected: 'true',
      LogFile: '/run/xrdp/sesman.log',
    });

    // The namespace's first process: bind the private files, start sesman and
    // xrdp, and stay until stopped (ending it ends everything in the namespace).
    const script = path.join(dir, 'namespace.sh');
    await writeFile(
      script,
      [
        '#!/bin/sh',
        'set -e',
        `mount --bind '${conf}' /etc/xrdp`,
        'mkdir -p /run/xrdp',
        `mount --bind '${run}' /run/xrdp`,
        ...['passwd', 'shadow', 'group'].map((name) => `mount --bind '${path.join(etc, name)}' /etc/${name}`),
        'mkdir -p /run/xrdp/sockdir && chmod 1777 /run/xrdp/sockdir',
        'xrdp-sesman --nodaemon &',
        'xrdp --nodaemon &',
        'wait',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const log = openSync(path.join(dir, 'namespace.log'), 'a');
    namespace = spawnGroup('unshare', ['--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private', script], { stdio: ['ignore', log, log] });
    try {
      await waitForPort(port, 15_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}; xrdp said:\n${(await logsOf(dir)).slice(-3000)}`);
    }

    const sessionDisplay = async (timeoutMs = 20_000) => {
      if (displayFromLog) return displayFromLog;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await readFile(path.join(run, 'sesman.log'), 'utf8').catch(() => '');
        const found = /Session started successfully for user \S+ on display (\d+)/.exec(text);
        if (found) return (displayFromLog = `:${found[1]}`);
        if (Date.now() > deadline) throw new Error(`no xrdp session started within ${timeoutMs} ms; sesman said:\n${text.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const sessionEnv = async () => ({ ...process.env, DISPLAY: await sessionDisplay(), XAUTHORITY: path.join(home, '.Xauthority') });
    return {
      port,
      user,
      password,
      home,
      dir,
      sessionDisplay,
      sessionEnv,
      async screen() {
        const env = await sessionEnv();
        const data = await new Promise<Buffer>((resolve, reject) =>
          execFile('xwd', ['-root', '-silent'], { env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
        );
        return parseXwd(data);
      },
      async screenSize() {
        const env = await sessionEnv();
        const text = execFileSync('xdpyinfo', { env, encoding: 'utf8' });
        const found = /dimensions:\s+(\d+)x(\d+) pixels/.exec(text);
        if (!found) throw new Error('xdpyinfo printed no dimensions');
        return { width: Number(found[1]), height: Number(found[2]) };
      },
      runAsUser(file, args, timeoutMs = 15_000) {
        if (!namespace?.pid) throw new Error('xrdp is not running');
        return execFileSync('nsenter', ['--target', String(namespace.pid), '--mount', '--setuid', String(TEST_UID), '--setgid', String(TEST_UID), '--', file, ...args], { encoding: 'utf8', timeout: timeoutMs });
      },
      logs: () => logsOf(dir),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Sets the first `key=` line of each key (each must exist), and turns syslog off. */
async function editIni(file: string, settings: Record<string, string>): Promise<void> {
  let text = await readFile(file, 'utf8');
  for (const [key, value] of Object.entries(settings)) {
    const line = new RegExp(`^${key}=.*$`, 'm');
    if (!line.test(text)) throw new Error(`xrdp: no ${key}= in the packaged ${path.basename(file)}`);
    text = text.replace(line, `${key}=${value}`);
  }
  await writeFile(file, text.replace(/^EnableSyslog=.*$/gm, 'EnableSyslog=false'));
}

async function logsOf(dir: string): Promise<string> {
  // The session's own logs (xrdp-chansrv's, Xorg's) are in its user's home.
  const sessionLogs = path.join('home', '.local', 'share', 'xrdp');
  const sessionNames = (await readdir(path.join(dir, sessionLogs)).catch(() => [])).filter((name) => name.endsWith('.log')).map((name) => path.join(sessionLogs, name));
  const parts = await Promise.all(
    ['namespace.log', 'run/xrdp.log', 'run/sesman.log', ...sessionNames].map(async (name) => `--- ${name}\n${await readFile(path.join(dir, name), 'utf8').catch(() => '(none)')}`),
  );
  return parts.join('\n');
}

/**
 * `unshare --fork` ignores SIGTERM, and a namespace's first process only takes
 * the signals it handles: SIGTERM the whole group (xrdp and sesman end
 * cleanly), then SIGKILL the group, which takes the namespace's first process
 * and with it every process left inside (the session's Xorg among them).
 */
async function stopNamespace(child: ChildProcess | null): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // gone already
    }
  };
  signal('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
  signal('SIGKILL');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
}
