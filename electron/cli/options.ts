// The command line of both shells: `deskbridge --help` is generated from here.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machinePolicyPath } from '../gateway/policy/managedPolicy';

export const USAGE = `Usage: deskbridge [options] [FILE]

Opens DeskBridge, a client for remote desktops over VNC, RDP and SPICE.

Options:
  --shell electron|browser  Which shell to start. Default: electron where an Electron
                            binary is installed, else browser (the system's Chromium or
                            Chrome in app mode).
  --no-open                 Browser shell: do not open a browser; only print the address.
  --port N                  Port of the local gateway on 127.0.0.1 (0 = any free port). Default 0.
  --data-dir DIR            Where profiles, logs and settings live. Default: ${defaultDataDir()}
  --connect NAME_OR_ID      Open this saved connection at start.
  --kiosk                   Kiosk mode: full screen, one session (--connect), no way out.
  --on-session-end ACTION   Kiosk: what happens when the session ends: reconnect (default),
                            launcher (a "Connect again" screen) or quit.
  --policy FILE             A policy file, used only where no machine-wide policy exists
                            (${machinePolicyPath()}).
  --check-policy FILE       Check a policy file before deploying it: print "valid" and what it sets,
                            or every problem in it, and exit (0 if valid, 1 if not).
  --list                    Print the library and exit: one line per connection, in the app's order
                            (folders, favourites, names), with its name, protocol, address, folder,
                            whether IT manages it, whether a password is saved (yes/no; never the
                            password) and its id.
  --json                    With --list: print a JSON array instead, one object per connection with the
                            fields name, protocol, host, port, folder, managed, passwordSaved and id.
  --import FILE...          Add the connections in .rdp, .vv or .remmina files to the library and exit
                            (several files, or a shell glob: one line per file; a file refused does not
                            stop the others, and the exit status is 1 if any was). A .vv's one-time
                            password is not kept; its delete-this-file is honoured.
  --export NAME_OR_ID FILE  Write a saved connection as .rdp or .remmina (by FILE's extension) and exit.
                            Never includes a password.
  --save-password NAME_OR_ID
                            Save the password of a saved connection (IT's managed ones included: a
                            kiosk's, which no policy can carry) in the keychain, as policy allows, and
                            exit. The password is read from standard input (one line; not echoed on a
                            terminal), never from the command line.
  FILE                      Open the connection in an .rdp, .vv or .remmina file once, without saving
                            it (what an OS file association runs). virt-viewer's delete-this-file is honoured.
                            An .rdp or .remmina asks before it connects, its clipboard sharing unticked.
  --diagnostics FOLDER      Write a diagnostics bundle for IT (version, effective policy,
                            recent logs, last connection errors; never a password) and exit.
  --version                 Print the version and exit.
  -h, --help                Print this help and exit.

In the browser shell the first line on standard output is "DeskBridge is running at"
and the address to open (log lines go to standard error). The address carries a
one-time start code: it works once, within a minute.`;

export interface CliOptions {
  shell: 'electron' | 'browser' | null;
  open: boolean;
  port: number;
  dataDir: string;
  connect: string | null;
  policy: string | null;
  checkPolicy: string | null;
  kiosk: boolean;
  onSessionEnd: 'reconnect' | 'launcher' | 'quit';
  diagnostics: string | null;
  /** --list: print the library and exit; `json`: as a JSON array (--json). */
  list: { json: boolean } | null;
  /** --import: the files to import, in the order given (empty: no import). */
  importFiles: string[];
  /** --export: the connection (its name or id) and the file to write. */
  exportProfile: { nameOrId: string; file: string } | null;
  /** --save-password: the connection whose password standard input gives. */
  savePassword: string | null;
  help: boolean;
  version: boolean;
  file: string | null;
}

export class UsageError extends Error {}

export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'DeskBridge');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'DeskBridge');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'DeskBridge');
}

/** Every option the parser takes; `--help` must describe each one (a unit test checks). */
export const OPTIONS = {
  shell: { type: 'string' },
  'no-open': { type: 'boolean', default: false },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  connect: { type: 'string' },
  policy: { type: 'string' },
  'check-policy': { type: 'string' },
  kiosk: { type: 'boolean', default: false },
  'on-session-end': { type: 'string' },
  diagnostics: { type: 'string' },
  list: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  import: { type: 'string', multiple: true },
  export: { type: 'string' },
  'save-password': { type: 'string' },
  version: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: OPTIONS,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  // An option given an empty value (a deployment script's unset variable: --policy "$POLICY") is a mistake, not the
  // option left out: read as absent it would fail open (no policy, the whole app started instead of a check).
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const value = (values as Record<string, unknown>)[name];
    if (spec.type === 'string' && (value === '' || (Array.isArray(value) && value.includes('')))) throw new UsageError(`--${name} was given an empty value; give it one, or leave the option out.`);
  }
  if (positionals.some((p) => p === '')) throw new UsageError('An empty file name was given; name the file to open.');
  const shell = values.shell ?? null;
  if (shell !== null && shell !== 'electron' && shell !== 'browser') throw new UsageError(`--shell must be "electron" or "browser", not "${shell}".`);
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}".`);
  }
  const onSessionEnd = values['on-session-end'] ?? 'reconnect';
  if (onSessionEnd !== 'reconnect' && onSessionEnd !== 'launcher' && onSessionEnd !== 'quit') {
    throw new UsageError(`--on-session-end must be reconnect, launcher or quit, not "${onSessionEnd}".`);
  }
  let exportProfile: CliOptions['exportProfile'] = null;
  let rest = positionals;
  if (values.export !== undefined) {
    // --export NAME_OR_ID FILE: the file is the one positional argument.
    if (positionals.length !== 1) throw new UsageError('--export takes a connection\'s name or id and a file: --export NAME_OR_ID FILE.');
    if (!/\.(rdp|remmina)$/i.test(positionals[0] as string)) throw new UsageError('--export writes .rdp or .remmina files; give the file one of those extensions.');
    exportProfile = { nameOrId: values.export, file: path.resolve(positionals[0] as string) };
    rest = [];
  }
  // --import FILE...: the files after it (a shell glob's) are imported too, not opened (--export's file aside).
  const importFiles = (values.import ?? []).slice();
  if (importFiles.length > 0) {
    importFiles.push(...rest);
    rest = [];
  }
  if (values.json && !values.list) throw new UsageError('--json goes with --list: deskbridge --list --json.');
  if (values.list) {
    if (importFiles.length > 0 || exportProfile || values['save-password'] !== undefined) throw new UsageError('--list goes alone: run --import, --export or --save-password first, then --list.');
    if (rest.length > 0) throw new UsageError(`--list takes no file (${rest[0]} was given).`);
  }
  if (rest.length > 1) throw new UsageError(`Give at most one file to open, not ${rest.length}.`);
  return {
    shell,
    open: !values['no-open'],
    port,
    dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()),
    connect: values.connect ?? null,
    policy: values.policy ? path.resolve(values.policy) : null,
    checkPolicy: values['check-policy'] ? path.resolve(values['check-policy']) : null,
    kiosk: values.kiosk,
    onSessionEnd,
    diagnostics: values.diagnostics ? path.resolve(values.diagnostics) : null,
    help: values.help,
    version: values.version,
    file: rest[0] ? path.resolve(rest[0]) : null,
    list: values.list ? { json: values.json } : null,
    importFiles: importFiles.map((file) => path.resolve(file)),
    exportProfile,
    savePassword: values['save-password'] ?? null,
  };
}

