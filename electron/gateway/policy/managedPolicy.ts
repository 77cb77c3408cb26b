// Loads the effective managed policy. Precedence (ARCHITECTURE.md): the
// machine-wide file always wins; --policy FILE applies only where no
// machine-wide file exists, so an employee cannot escape IT's policy from the
// command line. An invalid file keeps the last valid copy; with none, the most
// restrictive behaviour, never "no policy". The machine-wide file's last valid
// copy is kept only in this process (IT's mistake while the app runs): a copy
// in the user's data folder is the user's to edit, and would turn IT's
// broken file into the user's own policy at the next start. --policy's is
// cached there (that file is the user's choice anyway).
// INVARIANT: the machine-wide path comes from the OS, or from code (tests),
// never from an environment variable or an option a user can pass.
import { existsSync, promises as fs, unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import path from 'node:path';
import { LOCKDOWN_POLICY, NO_POLICY, crossFieldIssuesOfRaw, policySchema, type ManagedPolicy, type PolicySummary } from '../../../shared/policy/policySchema';
import type { Logger } from '../logging/logger';
import { writeFileAtomic } from '../profiles/profileStore';
import { describeIssue, jsonSyntaxProblem, policyFileText, policyWarnings, unreadableProblem } from './policyProblems';

export function machinePolicyPath(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.join(process.env.ProgramData ?? 'C:\\ProgramData', 'DeskBridge', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/DeskBridge/policy.json';
  return '/etc/deskbridge/policy.json';
}

/** How often a policy path whose folder does not exist is looked at (watchSource): a policy deployed later applies within seconds. */
export const POLICY_POLL_MS = 2000;

export interface PolicySources {
  /** The machine-wide file; machinePolicyPath() unless a test sets another. */
  machineFile: string;
  /** --policy FILE, used only when the machine-wide file does not exist. */
  commandLineFile: string | null;
  /** Where the last valid copy of --policy's file is kept (the machine-wide one's is not written anywhere). */
  cacheDir: string;
  /** Read the files, write nothing (no last valid copy kept or removed): `deskbridge --diagnostics`. */
  readOnly?: boolean;
}

/** A parsed policy file, or every problem found in it (at least one). */
export type PolicyParse = { ok: true; policy: ManagedPolicy } | { ok: false; problems: string[] };

export function parsePolicy(text: string): PolicyParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problems: [jsonSyntaxProblem(text)] };
  }
  const parsed = policySchema.safeParse(raw);
  if (parsed.success) return { ok: true, policy: { ...parsed.data, profileDefaults: writtenDefaults(parsed.data.profileDefaults, raw) } };
  // The schema's own duplicate-id and kiosk checks run only on a file it accepts; these read the raw file instead.
  const seen = new Set(parsed.error.issues.map((issue) => `${issue.path.join('.')}\n${issue.message}`));
  const crossField = crossFieldIssuesOfRaw(raw).filter((issue) => !seen.has(`${issue.path.join('.')}\n${issue.message}`));
  const problems = [...parsed.error.issues, ...crossField.map((issue) => ({ code: 'custom' as const, input: undefined, ...issue }))].map((issue) => describeIssue(issue, raw));
  return { ok: false, problems: problems.length > 0 ? problems : ['it does not match the policy format'] };
}

/**
 * Only the profileDefaults the file writes: zod fills every built-in default into the partial schema too, which
 * would make --check-policy's outline, /api/state and the diagnostics bundle read as if IT had set them all.
 * (Where they apply, the built-in defaults come to the same thing.)
 */
function writtenDefaults(defaults: ManagedPolicy['profileDefaults'], raw: unknown): ManagedPolicy['profileDefaults'] {
  const written = (raw as { profileDefaults?: unknown }).profileDefaults;
  if (typeof written !== 'object' || written === null) return {};
  // In the file's order, as IT reads it back.
  return Object.fromEntries(Object.keys(written).filter((key) => Object.hasOwn(defaults, key)).map((key) => [key, (defaults as Record<string, unknown>)[key]])) as ManagedPolicy['profileDefaults'];
}

/** The problems of an invalid file in one banner: the first, and how many more `--check-policy` lists. */
function problemsInBrief(problems: string[]): string {
  const more = problems.length - 1;
  return more === 0 ? (problems[0] as string) : `${problems[0]}; and ${more} more problem${more === 1 ? '' : 's'}, listed by deskbridge --check-policy FILE`;
}

export class ManagedPolicyStore {
  private current: ManagedPolicy = NO_POLICY;
  private source: PolicySummary['source'] = 'none';
  private problems: string[] = [];
  private invalidFile: PolicySummary['invalidFile'] = null;
  /** The machine-wide file's last valid policy, read by this process. */
  private lastValidMachine: ManagedPolicy | null = null;
  private readonly watchers = new Set<FSWatcher>();
  /** Stops the polling of a policy path whose folder does not exist (watchSource). */
  private readonly polled = new Set<() => void>();
  private reloadTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  /** "--policy ignored" was logged: once a process, not at every reload while the machine-wide file stays. */
  private toldCommandLineIgnored = false;

  constructor(
    private readonly sources: PolicySources,
    private readonly logger: Logger,
  ) {}

  get policy(): ManagedPolicy {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  summary(): PolicySummary {
    const p = this.current;
    return {
      source: this.source,
      problems: [...this.problems],
      invalidFile: this.invalidFile,
      passwordSaving: p.passwords.save,
      allowUserProfiles: p.allowUserProfiles,
      allowUnencrypted: p.allowUnencrypted,
      allowedHosts: p.allowedHosts ? [...p.allowedHosts] : null,
      clipboard: p.clipboard,
      allowFileTransfer: p.allowFileTransfer,
      kiosk: p.kiosk ? { enabled: p.kiosk.enabled, profile: p.kiosk.profile ?? null, onSessionEnd: p.kiosk.onSessionEnd } : null,
      reconnectMaxDelayMs: p.reconnect.maxDelaySeconds * 1000,
    };
  }

  /** Reports problems from elsewhere (provisioning) beside the file's own. */
  addProblem(problem: string): void {
    this.problems.push(problem);
  }

  async load(): Promise<void> {
    const machine = await readPolicyFile(this.sources.machineFile);
    let file: string;
    let source: PolicySummary['source'];
    let read: Exclude<FileRead, { kind: 'missing' }>;
    if (machine.kind !== 'missing') {
      [file, source, read] = [this.sources.machineFile, 'machine', machine];
      if (this.sources.commandLineFile && !this.toldCommandLineIgnored) {
        this.toldCommandLineIgnored = true;
        this.logger.warn('--policy ignored: a machine-wide policy exists', { machine: this.sources.machineFile });
      }
    } else if (this.sources.commandLineFile) {
      // Said again should a machine-wide file come (back) later.
      this.toldCommandLineIgnored = false;
      const given = await readPolicyFile(this.sources.commandLineFile);
      if (given.kind === 'missing') {
        this.apply(LOCKDOWN_POLICY, 'command-line', [`The policy file ${this.sources.commandLineFile} given with --policy does not exist. Connections are blocked until it is fixed.`], 'blocked');
        return;
      }
      [file, source, read] = [this.sources.commandLineFile, 'command-line', given];
    } else {
      this.apply(NO_POLICY, 'none', []);
      return;
    }
    const parsed = parseRead(read);
    const cache = path.join(this.sources.cacheDir, 'policy-last-valid-command-line.json');
    if (parsed.ok) {
      this.apply(parsed.policy, source, []);
      if (source === 'command-line') {
        if (!this.sources.readOnly) {
          await fs.mkdir(this.sources.cacheDir, { recursive: true, mode: 0o700 });
          await writeFileAtomic(cache, JSON.stringify(parsed.policy));
        }
      } else {
        // Versions before 2026-12-03 cached it in the data folder; such a copy is never read. Removed once a process.
        if (!this.lastValidMachine && !this.sources.readOnly) await fs.rm(path.join(this.sources.cacheDir, 'policy-last-valid-machine.json'), { force: true });
        this.lastValidMachine = parsed.policy;
      }
      return;
    }
    const previous = source === 'machine' ? this.lastValidMachine : await readCachedPolicy(cache);
    if (previous) {
      this.apply(previous, source, [`The policy file ${file} is invalid (${problemsInBrief(parsed.problems)}). The last valid policy stays in force. Tell your IT department.`], 'last-valid-kept');
    } else {
      this.apply(LOCKDOWN_POLICY, source, [`The policy file ${file} is invalid (${problemsInBrief(parsed.problems)}) and no earlier valid policy is known, so connections are blocked. Tell your IT department.`], 'blocked');
    }
  }

  /**
   * Reloads when either policy file changes, so a fix or a mistake by IT, or a policy deployed while the app
   * runs, is seen without a restart. Both sources are watched whichever is in force now: the machine-wide
   * file wins as soon as it appears (load() decides again each time), and --policy applies again if it goes.
   */
  watch(): void {
    const files = [this.sources.machineFile, ...(this.sources.commandLineFile ? [this.sources.commandLineFile] : [])];
    for (const file of new Set(files)) this.watchSource(file);
  }

  /**
   * The file's folder, so a file replaced by a rename (as editors and deployment tools write) is still seen; only
   * that file's changes count (another file there, a log written beside it, would reload in a loop). Where the
   * folder does not exist (no policy deployed yet: /etc/deskbridge is created with it) or goes away, the path is
   * polled instead (fs.watchFile works for a missing path) until the file appears, then its folder is watched.
   */
  private watchSource(file: string): void {
    const name = path.basename(file);
    const watchFolder = (): boolean => {
      if (this.closed) return true;
      const folder = path.dirname(file);
      let watcher: FSWatcher;
      // The folder went away (IT removed the policy with it): reload (a removed file is "no policy", or --policy again) and poll.
      const gone = (): void => {
        watcher.close();
        this.watchers.delete(watcher);
        this.scheduleReload();
        poll();
      };
      try {
        watcher = watch(folder, { persistent: false }, (_event, changed) => {
          // Linux reports the watched folder's own removal under the folder's name.
          if (changed === path.basename(folder) && !existsSync(folder)) return gone();
          if (changed !== null && changed !== name) return;
          this.scheduleReload();
        });
      } catch {
        return false;
      }
      watcher.on('error', gone);
      this.watchers.add(watcher);
      return true;
    };
    const poll = (): void => {
      if (this.closed) return;
      const listener = (current: Stats, previous: Stats): void => {
        if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.nlink === previous.nlink) return;
        this.scheduleReload();
        if (current.nlink > 0 && watchFolder()) {
          unwatchFile(file, listener);
          this.polled.delete(stop);
        }
      };
      const stop = () => unwatchFile(file, listener);
      watchFile(file, { interval: POLICY_POLL_MS, persistent: false }, listener);
      this.polled.add(stop);
    };
    if (!watchFolder()) poll();
  }

  private scheduleReload(): void {
    if (this.closed) return;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      this.load()
        .then(() => this.listeners.forEach((l) => l()))
        .catch((error: unknown) => this.logger.error('policy reload failed', { error: (error as Error).message }));
    }, 200);
  }

  close(): void {
    this.closed = true;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers.clear();
    for (const stop of this.polled) stop();
    this.polled.clear();
  }

  private apply(policy: ManagedPolicy, source: PolicySummary['source'], problems: string[], invalidFile: PolicySummary['invalidFile'] = null): void {
    this.current = policy;
    this.source = source;
    this.problems = problems;
    this.invalidFile = invalidFile;
    for (const problem of problems) this.logger.error('policy problem', { problem });
    if (problems.length === 0 && source !== 'none') this.logger.info('policy loaded', { source, managedProfiles: policy.profiles.length });
    for (const warning of policyWarnings(policy)) this.logger.warn('policy warning', { warning });
  }
}

type FileRead = { kind: 'missing' } | { kind: 'text'; text: string } | { kind: 'unreadable'; code: string };

/**
 * 'missing' only when the file does not exist. A file that exists but cannot
 * be read is never mistaken for "no machine-wide policy", which would let
 * --policy apply instead.
 */
async function readPolicyFile(file: string): Promise<FileRead> {
  try {
    return { kind: 'text', text: policyFileText(await fs.readFile(file)) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable', code };
  }
}

/** A policy cached by an earlier run (--policy's last valid copy), or null. */
async function readCachedPolicy(file: string): Promise<ManagedPolicy | null> {
  const cached = await readPolicyFile(file);
  const parsed = cached.kind === 'text' ? parsePolicy(cached.text) : null;
  return parsed?.ok ? parsed.policy : null;
}

function parseRead(read: Exclude<FileRead, { kind: 'missing' }>): PolicyParse {
  return read.kind === 'text' ? parsePolicy(read.text) : { ok: false, problems: [unreadableProblem(read.code)] };
}
