// A Secret Service (gnome-keyring) on a private D-Bus session bus, as a desktop
// session would have, for tests that check the app's keychain use. The app and
// `secret-tool` in the test talk to the same bus.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnGroup, stopProcess } from './processes';

export interface KeyringSession {
  /** Environment for processes that should see this keyring (DBUS_SESSION_BUS_ADDRESS, HOME). */
  env: NodeJS.ProcessEnv;
  home: string;
  /** The dbus-daemon and gnome-keyring-daemon process ids (each leads its own process group). */
  pids: number[];
  lookup(attributes: Record<string, string>): Promise<string | null>;
  /** Locks the login keyring, as a screen lock or the user would: with no desktop to ask, a write then fails. */
  lock(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKeyring(): Promise<KeyringSession> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-home-'));
  const busPath = path.join(home, 'bus');
  const address = `unix:path=${busPath}`;
  const children: ChildProcess[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: home };
  delete env.DISPLAY;
  try {
    const bus = spawnGroup('dbus-daemon', ['--session', '--nofork', `--address=${address}`, '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'], env });
    children.push(bus);
    await new Promise<void>((resolve, reject) => {
      bus.stdout?.once('data', () => resolve());
      bus.once('exit', () => reject(new Error('dbus-daemon exited')));
    });
    const keyring = spawnGroup('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { stdio: ['pipe', 'ignore', 'ignore'], env });
    children.push(keyring);
    keyring.stdin?.end('test-keyring-password');
    // Ready when the Secret Service answers.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => execFile('secret-tool', ['search', 'probe', 'x'], { env, timeout: 3000 }, (error) => resolve(!error || (error as { code?: number }).code === 1)));
      if (ok) break;
      if (Date.now() > deadline) throw new Error('gnome-keyring did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    for (const child of children.reverse()) await stopProcess(child);
    await rm(home, { recursive: true, force: true });
    throw error;
  }
  return {
    env,
    home,
    pids: children.map((child) => child.pid as number),
    lookup: (attributes) =>
      new Promise((resolve) =>
        execFile('secret-tool', ['lookup', ...Object.entries(attributes).flat()], { env, timeout: 5000 }, (error, stdout) => resolve(error ? null : stdout)),
      ),
    lock: () =>
      new Promise((resolve, reject) =>
        execFile(
          'dbus-send',
          ['--session', '--dest=org.freedesktop.secrets', '--type=method_call', '--print-reply', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'],
          { env, timeout: 5000 },
          (error) => (error ? reject(error) : resolve()),
        ),
      ),
    async stop() {
      for (const child of children.reverse()) await stopProcess(child);
      await rm(home, { recursive: true, force: true });
    },
  };
}
