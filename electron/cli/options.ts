// The command line of both shells: `deskbridge --help` is generated from here.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machinePolicyPath } from '../gateway/policy/managedPolicy';
import { DEFAULT_LIBRARY_SORT, LIBRARY_SORT_CHOICES, isLibrarySort, type LibrarySort } from '../../shared/profiles/libraryOrder';

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
                            whether IT manages it, whether a password is saved (yes/no, or ? where the
                            keychain could not be read; never the password) and its id.
  --json                    With --list: print a JSON array instead, one object per connection with the
                            fields name, protocol, host, port, folder, managed, passwordSaved (null
                            where unknown) and id.
  --sort name|recent|host   With --list: order each folder's connections, after its favourites, by name
                            (the default), by when they were last opened (those never opened last, by
                            name) or by host (10.0.0.9 before 10.0.0.10). Without it always by name,
                            whatever the app's "Sort by" keeps, so that a script's output does not change.
  --import FILE...          Add the connections in .rdp, .vv or .remmina files to the library and exit
                            (several files, or a shell glob: one line per file; a file refused does not
                            stop the others, and the exit status is 1 if any was). A .vv's one-time
                            password is not kept; its delete-this-file is honoured. A file imported
                            before, or a .vv for a connection already saved (a broker's next ticket),
                            adds nothing.
  --export NAME_OR_ID FILE  Write a saved connection as .rdp or .remmina (by FILE's extension) and exit.
                            Never includes a password.
  --save-password NAME_OR_ID
                            Save the password of a saved connection (IT's managed ones included: a
                            kiosk's, which no policy can carry) in the keychain, as policy allows, and
                            exit. The password is read from standard input (one line; not echoed on a
                            terminal), never from the command line.
  FILE                      Open the connection in an .rdp, .vv or .remmina file once, without saving
                            it (what an OS file association runs). virt-viewer's delete-this-file is honoured.
                            An .rdp or .remmina asks before it connects, its clipboard and full screen unticked.
  --diagnostics FOLDER      Write a diagnostics bundle for IT (version, effective policy,
                            recent logs, last connection errors; never a password) and exit.
  --version                 Print the version and exit.
  -h, --help                Print this help and exit.

--check-policy, --list, --import, --export, --save-password and --diagnostics each do one
thing and exit: give one at a time (--import with --export imports, then exports), without
--connect, --kiosk, --on-session-end or a file to open.

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
  /** --list: print the library and exit; `json`: as a JSON array (--json); `sort`: the order in each folder (--sort). */
  list: { json: boolean; sort: LibrarySort } | null;
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
  sort: { type: 'string' },
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
      tokens: true,
      options: OPTIONS,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals, tokens } = parsed;
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
  let exportFileToken: (typeof tokens)[number] | undefined;
  if (values.export !== undefined) {
    // --export NAME_OR_ID FILE: the file is the argument right after the name (so that --import's files, a shell
    // glob's, may come before or after it).
    let at = -1;
    tokens.forEach((token, index) => {
      if (token.kind === 'option' && token.name === 'export') at = index;
    });
    const fileToken = tokens[at + 1];
    exportFileToken = fileToken;
    if (fileToken?.kind !== 'positional') throw new UsageError('--export takes a connection\'s name or id and a file: --export NAME_OR_ID FILE.');
    rest = tokens.filter((token) => token.kind === 'positional' && token !== fileToken).map((token) => (token as { value: string }).value);
    if (values.import === undefined && rest.length > 0) throw new UsageError(`--export takes a connection's name or id and one file: --export NAME_OR_ID FILE (${rest[0]} was given too).`);
    if (!/\.(rdp|remmina)$/i.test(fileToken.value)) throw new UsageError('--export writes .rdp or .remmina files; give the file one of those extensions.');
    exportProfile = { nameOrId: values.export, file: path.resolve(fileToken.value) };
  }
  // --import FILE...: the files after it (a shell glob's) are imported too, not opened (--export's file aside), and a
  // file before it as well: all in the order given.
  const importFiles: string[] = [];
  if (values.import !== undefined) {
    for (const token of tokens) {
      if (token === exportFileToken) continue;
      if (token.kind === 'option' && token.name === 'import' && token.value !== undefined) importFiles.push(token.value);
      else if (token.kind === 'positional') importFiles.push(token.value);
    }
    rest = [];
  }
  if (values.json && !values.list) throw new UsageError('--json goes with --list: deskbridge --list --json.');
  // --sort is the script's to give: the page's kept "Sort by" is one person's taste and would change a script's output.
  const sort = values.sort ?? DEFAULT_LIBRARY_SORT;
  if (values.sort !== undefined && !values.list) throw new UsageError(`--sort goes with --list: deskbridge --list --sort ${isLibrarySort(sort) ? sort : 'host'}.`);
  if (!isLibrarySort(sort)) throw new UsageError(`--sort must be ${LIBRARY_SORT_CHOICES}, not "${sort}".`);
  if (values.list) {
    if (importFiles.length > 0 || exportProfile || values['save-password'] !== undefined) throw new UsageError('--list goes alone: run --import, --export or --save-password first, then --list.');
    if (rest.length > 0) throw new UsageError(`--list takes no file (${rest[0]} was given).`);
  }
  commandsAlone(values, rest);
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
    list: values.list ? { json: values.json, sort } : null,
    importFiles: importFiles.map((file) => path.resolve(file)),
    exportProfile,
    savePassword: values['save-password'] ?? null,
  };
}

/**
 * The options that do one thing and exit (they start no app) go one at a time, and not with what only a started app
 * uses (--connect, --kiosk, a file to open): silently doing one of two asked-for things would leave a script believing
 * both were done. --import and --export together are one run (import, then export). --help and --version win over all.
 */
function commandsAlone(values: Record<string, unknown>, rest: string[]): void {
  if (values.help || values.version) return;
  const commands = [
    values['check-policy'] !== undefined ? '--check-policy' : null,
    values.diagnostics !== undefined ? '--diagnostics' : null,
    values['save-password'] !== undefined ? '--save-password' : null,
    values.list ? '--list' : null,
    values.import !== undefined ? '--import' : values.export !== undefined ? '--export' : null,
  ].filter((name): name is string => name !== null);
  if (commands.length > 1) throw new UsageError(`${commands[0]} and ${commands[1]} each run on their own and exit: run one, then the other.`);
  const [command] = commands;
  if (!command) return;
  const appOnly = [values.connect !== undefined ? '--connect' : null, values.kiosk ? '--kiosk' : null, values['on-session-end'] !== undefined ? '--on-session-end' : null].filter((name): name is string => name !== null);
  if (appOnly.length > 0) throw new UsageError(`${command} exits without starting the app, so ${appOnly[0]} would do nothing: leave it out, or run the two apart.`);
  if (rest.length > 0) throw new UsageError(`${command} takes no file to open (${rest[0]} was given).`);
}
