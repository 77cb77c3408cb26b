// TigerVNC's Xvnc on loopback with known content: a solid background and an
// xterm at a fixed place with fixed colours, running bash in a known folder.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeDisplay, freePort, spawnGroup, stopProcess, waitForDisplay, waitForPort } from './processes';
import { onDisplay, showKnownContent } from './knownContent';
import { captureScreen, type Screen } from './xwd';

export interface XvncOptions {
  /** VncAuth with this password; none when absent. */
  password?: string;
  /** Xvnc's -SecurityTypes: with a password VncAuth when absent, e.g. TigerVNC's default "VeNCrypt,TLSVnc,VncAuth"; without, None when absent (TLSNone: anonymous TLS, no password). */
  securityTypes?: string;
  background?: string;
  width?: number;
  height?: number;
  xterm?: boolean;
  /** Listen on this port (to start "the same server" again). */
  port?: number;
  /** A self-signed certificate for VeNCrypt's X509 types (made here with openssl, CN=localhost), e.g. securityTypes "X509Vnc". */
  x509?: boolean;
  /**
   * TigerVNC's blacklist on (off otherwise): after `threshold` failures from one address it refuses the next
   * connections from it for `timeoutSeconds`, doubling after each further failure, with "Too many security failures".
   * Measured with Xvnc 1.12: every connection from the address that ends without signing in counts as a failure,
   * the check that its port listens (at start) included, so `threshold` is one more than the wrong passwords wanted.
   */
  blacklist?: { threshold: number; timeoutSeconds: number };
}

export interface XvncServer {
  port: number;
  display: string;
  /** A folder the remote shell runs in (the xterm's working folder). */
  workDir: string;
  env: NodeJS.ProcessEnv;
  screen(): Promise<Screen>;
  /** Runs an X client command on the server's display. */
  x(command: string, args: string[], input?: string): Promise<string>;
  /** Stops the X server only (the port closes); startAgain() brings it back on the same port. */
  stop(): Promise<void>;
  startAgain(): Promise<void>;
  /** The Xvnc process now running (none while stopped): for measuring what the server costs. */
  pid(): number | undefined;
  /** With `x509`: its certificate's SHA-256 fingerprint, as DeskBridge shows it (AA:BB:…). */
  certificateFingerprint?: string;
}

export { XTERM_BG, XTERM_GEOMETRY } from './knownContent';

export async function startXvnc(options: XvncOptions = {}): Promise<XvncServer> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-xvnc-'));
  let displayNumber = freeDisplay();
  let display = `:${displayNumber}`;
  let port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display };
  const children: ChildProcess[] = [];
  let server: ChildProcess | null = null;
  const security: string[] = [];
  if (options.password) {
    const passwordFile = path.join(workDir, 'passwd');
    execFileSync('sh', ['-c', `vncpasswd -f > '${passwordFile}'`], { input: `${options.password}\n` });
    security.push('-SecurityTypes', options.securityTypes ?? 'VncAuth', '-PasswordFile', passwordFile);
  } else {
    security.push('-SecurityTypes', options.securityTypes ?? 'None');
  }
  let certificateFingerprint: string | undefined;
  if (options.x509) {
    const cert = path.join(workDir, 'cert.pem');
    const key = path.join(workDir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    certificateFingerprint = new X509Certificate(readFileSync(cert)).fingerprint256;
    security.push('-X509Cert', cert, '-X509Key', key);
  }

  /** Starts Xvnc on the current display and port; rejects (and leaves nothing running) if it exits first. */
  const launchServer = async () => {
    const args = [
      display,
      '-rfbport', String(port),
      '-interface', '127.0.0.1',
      '-nolisten', 'tcp',
      '-geometry', `${options.width ?? 1024}x${options.height ?? 768}`,
      '-depth', '24',
      '-AlwaysShared',
      ...(options.blacklist ? [`-BlacklistThreshold=${options.blacklist.threshold}`, `-BlacklistTimeout=${options.blacklist.timeoutSeconds}`] : ['-UseBlacklist=0']),
      '-noreset',
      ...security,
    ];
    const child = spawnGroup('Xvnc', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-2000)));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`Xvnc ${display} on port ${port} exited (${code ?? signal}):\n${log}`))),
    );
    exited.catch(() => undefined);
    try {
      // INVARIANT: the display socket alone proves nothing (another run may own it); our port listening does.
      await Promise.race([exited, (async () => {
        await waitForDisplay(displayNumber);
        await waitForPort(port);
      })()]);
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
    server = child;
  };

  /** The known content: a solid background and the xterm (knownContent.ts). */
  const addContent = async () => {
    children.push(...(await showKnownContent(env, workDir, options)));
  };
  const start = async () => {
    await launchServer();
    await addContent();
  };
  const stopAll = async () => {
    for (const child of children.splice(0)) await stopProcess(child);
    await stopProcess(server);
    server = null;
  };

  try {
    // Another run may take the same display or port between our check and Xvnc's bind: then try the next ones.
    for (let attempt = 1; ; attempt++) {
      try {
        await launchServer();
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
        displayNumber = freeDisplay();
        display = `:${displayNumber}`;
        env.DISPLAY = display;
        if (options.port === undefined) port = await freePort();
      }
    }
    await addContent();
  } catch (error) {
    await stopAll();
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    display,
    workDir,
    env,
    ...(certificateFingerprint ? { certificateFingerprint } : {}),
    screen: () => captureScreen(display),
    x: onDisplay(env),
    async stop() {
      await stopAll();
    },
    async startAgain() {
      await start();
    },
    pid: () => server?.pid,
  };
}

/** Stops the server and removes its folder. */
export async function disposeXvnc(server: XvncServer | undefined): Promise<void> {
  if (!server) return;
  await server.stop();
  await rm(server.workDir, { recursive: true, force: true });
}
