// A real SPICE server on loopback with known content: Xorg with the spiceqxl
// driver (what the Xspice wrapper runs), a solid background and the same
// xterm as xvnc.ts, running bash in a known folder.
//
// Xorg is run directly, not through the Xspice wrapper: the wrapper crashes with
// Debian's default config and deadlocks on SIGTERM. Xorg must run as root here
// (an absolute -config path is refused otherwise). It does not switch virtual
// terminals: the spiceqxl driver skips the console.
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeDisplay, freePort, spawnGroup, stopProcess, waitForDisplay, waitForPort } from './processes';
import { onDisplay, showKnownContent } from './knownContent';
import { captureScreen, type Screen } from './xwd';

const run = promisify(execFile);

const XORG = '/usr/lib/xorg/Xorg';

export interface SpiceServerOptions {
  /** SPICE ticket (password); none (SpiceDisableTicketing) when absent. */
  password?: string;
  background?: string;
  width?: number;
  height?: number;
  xterm?: boolean;
  /** Listen on this port (to start "the same server" again). */
  port?: number;
  /** A TLS port too, with a certificate for localhost/127.0.0.1 issued by a CA of its own (made here with openssl). */
  tls?: boolean;
  /**
   * The guest agent (spice-vdagentd and spice-vdagent, as Xspice --vdagent
   * runs them): the clipboard and the desktop's size. The driver's virtio
   * port stands in for a VM's; the daemon is told there is no session manager.
   */
  agent?: boolean;
  /**
   * Sound: the driver plays what is written to the FIFOs in a folder
   * (SpicePlaybackFIFODir: 16-bit stereo PCM at 48 kHz); `playTone` writes to one.
   */
  audio?: boolean;
}

export interface SpiceServer {
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
  /** The Xorg process now running (none while stopped): for measuring what the server costs. */
  pid(): number | undefined;
  /** With `tls`: the TLS port, its CA (PEM) and the server certificate's SHA-256 fingerprint as DeskBridge shows it (AA:BB:…). */
  tls?: { port: number; caPem: string; certificateFingerprint: string };
  /** With `tls`: a new key and certificate from the same CA, used from the next startAgain() (a server whose certificate changed). */
  replaceCertificate(): Promise<void>;
  /** With `agent`: the folder the agent saves files copied to the guest in. */
  receivedDir?: string;
  /** With `audio`: plays a sine tone of `hz` for `seconds` on the server's sound output (as a program in the session would). */
  playTone(hz: number, seconds: number): Promise<void>;
}

/** An Xorg config string: Xorg's parser has no escapes, so a quote or line break cannot be written. */
function quoted(value: string): string {
  if (/["\n\r]/.test(value)) throw new Error(`cannot put ${JSON.stringify(value)} in an Xorg config`);
  return `"${value}"`;
}

/**
 * The spiceqxl config. NumHeads 1 matters: with the driver's default of 4 heads
 * Xorg finds no connected output and crashes in xf86InitViewport (SIGSEGV).
 * The driver only knows a fixed list of modes (1000x700 would become 832x624),
 * so the size asked for comes as a Modeline of its own (60 Hz, short blanking).
 */
function xorgConfig(port: number, options: SpiceServerOptions, tls?: { port: number; dir: string }, agentDir?: string, audioDir?: string): string {
  const width = options.width ?? 1024;
  const height = options.height ?? 768;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 320 || height < 200 || width > 8192 || height > 8192) {
    throw new Error(`no X screen of ${width}x${height}`);
  }
  const [htotal, vtotal] = [width + 160, height + 30];
  const clock = ((htotal * vtotal * 60) / 1e6).toFixed(3);
  const modeline = `"${width}x${height}" ${clock} ${width} ${width + 48} ${width + 80} ${htotal} ${height} ${height + 3} ${height + 6} ${vtotal} +hsync -vsync`;
  const ticket = options.password
    ? `    Option "SpicePassword" ${quoted(options.password)}`
    : '    Option "SpiceDisableTicketing" "True"';
  return `Section "Device"
    Identifier "XSPICE"
    Driver "spiceqxl"
    Option "SpicePort" "${port}"
${tls ? `    Option "SpiceTlsPort" "${tls.port}"
    Option "SpiceCacertFile" ${quoted(path.join(tls.dir, 'ca-cert.pem'))}
    Option "SpiceX509CertFile" ${quoted(path.join(tls.dir, 'server-cert.pem'))}
    Option "SpiceX509KeyFile" ${quoted(path.join(tls.dir, 'server-key.pem'))}
` : ''}    Option "SpiceAddr" "127.0.0.1"
${ticket}
    Option "NumHeads" "1"
    Option "FrameBufferSize" "16"
    Option "SurfaceBufferSize" "128"
    Option "CommandBufferSize" "128"
${agentDir ? `    Option "SpiceVdagentEnabled" "True"
    Option "SpiceVdagentVirtioPath" ${quoted(path.join(agentDir, 'virtio'))}
    Option "SpiceVdagentUinputPath" ${quoted(path.join(agentDir, 'uinput'))}
` : ''}${audioDir ? `    Option "SpicePlaybackFIFODir" ${quoted(audioDir)}
    Option "SpicePlaybackCompression" "True"
` : ''}EndSection

Section "InputDevice"
    Identifier "XSPICE POINTER"
    Driver "xspice pointer"
EndSection

Section "InputDevice"
    Identifier "XSPICE KEYBOARD"
    Driver "xspice keyboard"
EndSection

Section "Monitor"
    Identifier "XSPICE Monitor"
    Modeline ${modeline}
EndSection

Section "Screen"
    Identifier "XSPICE Screen"
    Monitor "XSPICE Monitor"
    Device "XSPICE"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Modes "${width}x${height}"
    EndSubSection
EndSection

Section "ServerLayout"
    Identifier "XSPICE Layout"
    Screen "XSPICE Screen"
    InputDevice "XSPICE KEYBOARD" "CoreKeyboard"
    InputDevice "XSPICE POINTER" "CorePointer"
EndSection

Section "ServerFlags"
    Option "AutoAddDevices" "False"
EndSection
`;
}

export async function startSpiceServer(options: SpiceServerOptions = {}): Promise<SpiceServer> {
  xorgConfig(options.port ?? 5900, options); // throws now for a password the config cannot hold
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-spice-'));
  // Xorg's own files, out of the shell's folder.
  const xorgDir = path.join(workDir, '.xorg');
  const configFile = path.join(xorgDir, 'xorg.conf');
  const configDir = path.join(xorgDir, 'xorg.conf.d');
  let displayNumber = freeDisplay();
  let display = `:${displayNumber}`;
  let port = options.port ?? (await freePort());
  const tlsDir = path.join(xorgDir, 'tls');
  const audioDir = path.join(xorgDir, 'audio');
  let tones = 0;
  const receivedDir = path.join(workDir, 'received');
  let tlsPort = options.tls ? await freePort() : 0;
  const tlsInfo = options.tls ? { port: tlsPort, caPem: '', certificateFingerprint: '' } : undefined;
  // XSPICE_* variables override the driver's config options: none may leak in from the caller.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('XSPICE_')));
  env.DISPLAY = display;
  const children: ChildProcess[] = [];
  let server: ChildProcess | null = null;

  /** Starts Xorg on the current display and port; rejects (and leaves nothing running) if it exits first. */
  const launchServer = async () => {
    await writeFile(configFile, xorgConfig(port, options, options.tls ? { port: tlsPort, dir: tlsDir } : undefined, options.agent ? xorgDir : undefined, options.audio ? audioDir : undefined), { mode: 0o600 });
    const args = [
      '-config', configFile,
      // A folder of our own instead of /etc/X11/xorg.conf.d (Xorg complains about an empty one).
      '-configdir', configDir,
      '-logfile', path.join(xorgDir, `Xorg${display}.log`),
      '-noreset',
      '-nolisten', 'tcp',
      display,
    ];
    const child = spawnGroup(XORG, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => {
        // Xorg's stderr repeats its log; its errors and spice-server's warnings explain an exit.
        const errors = log
          .split('\n')
          .filter((line) => /\(EE\)|WARNING|CRITICAL|fail|Fatal|error/i.test(line))
          .filter((line) => !/^\(EE\)\s*(\d+:.*)?$|dbus|module|No input driver|Please also check|unw_get_proc_name|\(WW\) warning, \(EE\) error/i.test(line.trim()));
        reject(new Error(`Xorg (spiceqxl) ${display} on port ${port} exited (${code ?? signal}):\n${errors.slice(-30).join('\n')}`));
      }),
    );
    exited.catch(() => undefined);
    try {
      // INVARIANT: neither the display socket nor something listening on the port proves it is ours (another
      // run may own either). Xorg serves X clients only once the driver's SPICE server has bound the port (it
      // aborts when the bind fails), so an answering display, then the port, do.
      await Promise.race([exited, (async () => {
        await waitForDisplay(displayNumber);
        await run('xset', ['q'], { env, timeout: 10_000 });
        await waitForPort(port);
      })()]);
    } catch (error) {
      // A probe that failed because Xorg is going down: Xorg's own errors say why.
      const exitError = await Promise.race([exited.catch((e: unknown) => e), new Promise((r) => setTimeout(r, 1000, undefined))]);
      await stopProcess(child);
      throw exitError ?? error;
    }
    server = child;
  };

  /** The known content: a solid background and the xterm (knownContent.ts); and the agent if asked for. */
  const addContent = async () => {
    children.push(...(await showKnownContent(env, workDir, options)));
    if (options.agent) await startAgent();
  };

  /**
   * The daemon (on the driver's virtio port and uinput pipe), then the X
   * session's agent. Ready once the daemon has the session's agent (it passes
   * on the desktop's size) and has opened the port.
   */
  const startAgent = async () => {
    const socket = path.join(xorgDir, 'vdagent.sock');
    await rm(socket, { force: true });
    const daemon = spawnGroup('spice-vdagentd', ['-d', '-f', '-x', '-X', '-S', socket, '-s', path.join(xorgDir, 'virtio'), '-u', path.join(xorgDir, 'uinput')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(daemon);
    let log = '';
    daemon.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
    const until = async (what: string, done: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await done())) {
        if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`spice-vdagentd: no ${what}:\n${log}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await until('socket', () => readFile(socket).then(() => true, (e: NodeJS.ErrnoException) => e.code !== 'ENOENT'));
    await mkdir(receivedDir, { recursive: true });
    children.push(spawnGroup('spice-vdagent', ['-x', '-s', path.join(xorgDir, 'virtio'), '-S', socket, '-f', receivedDir, '-o', '0'], { env, stdio: 'ignore' }));
    await until('session agent', () => /received guest xorg resolution/.test(log) && /opening vdagent virtio channel/.test(log));
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

  /** The server's key and certificate (CN and SAN localhost, 127.0.0.1), issued by the CA made on the first call. */
  const makeCertificate = async () => {
    if (!tlsInfo) return;
    await mkdir(tlsDir, { recursive: true });
    const file = (name: string) => path.join(tlsDir, name);
    const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    if (!tlsInfo.caPem) {
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca-key.pem'), '-out', file('ca-cert.pem'), '-days', '2', '-subj', '/CN=DeskBridge test SPICE CA']);
      tlsInfo.caPem = await readFile(file('ca-cert.pem'), 'utf8');
    }
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server-key.pem'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
    await writeFile(file('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca-cert.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial', '-out', file('server-cert.pem'), '-days', '2', '-extfile', file('san.ext')]);
    tlsInfo.certificateFingerprint = new X509Certificate(await readFile(file('server-cert.pem'))).fingerprint256;
  };

  try {
    await mkdir(configDir, { recursive: true });
    await makeCertificate();
    await writeFile(path.join(configDir, '00-none.conf'), '# Nothing: keeps Xorg away from /etc/X11/xorg.conf.d.\n');
    if (options.audio) await mkdir(audioDir, { recursive: true });
    // Another run may take the same display or port between our check and Xorg's bind: then try the next ones.
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
        if (tlsInfo) tlsInfo.port = tlsPort = await freePort();
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
    screen: () => captureScreen(display),
    x: onDisplay(env),
    async stop() {
      await stopAll();
    },
    async startAgain() {
      await start();
    },
    pid: () => server?.pid,
    ...(tlsInfo ? { tls: tlsInfo } : {}),
    ...(options.agent ? { receivedDir } : {}),
    replaceCertificate: makeCertificate,
    async playTone(hz: number, seconds: number) {
      if (!options.audio) throw new Error('the server was started without audio');
      const rate = 48_000;
      const frames = Math.round(rate * seconds);
      const pcm = Buffer.alloc(frames * 4);
      for (let i = 0; i < frames; i++) {
        const sample = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 12_000);
        pcm.writeInt16LE(sample, i * 4);
        pcm.writeInt16LE(sample, i * 4 + 2);
      }
      // The driver opens a FIFO when it appears in the folder (inotify), and reads it at the pace it plays:
      // the write returns once all of it is taken.
      const fifo = path.join(audioDir, `tone-${++tones}.fifo`);
      execFileSync('mkfifo', [fifo]);
      try {
        await writeFile(fifo, pcm);
      } finally {
        await rm(fifo, { force: true });
      }
    },
  };
}

/** Stops the server and removes its folder. */
export async function disposeSpiceServer(server: SpiceServer | undefined): Promise<void> {
  if (!server) return;
  await server.stop();
  await rm(server.workDir, { recursive: true, force: true });
}
