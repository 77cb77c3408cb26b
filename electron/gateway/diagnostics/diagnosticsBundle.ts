// The diagnostics bundle for IT (menu and `--diagnostics FOLDER`): a folder
// with the app version and platform, the effective policy, recent logs and
// the last connection errors. INVARIANT: no secret goes in — not the secrets
// file, not its key, not a password, a cookie or a ticket (logs never carry
// them either).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONNECTION_ERRORS_FILE, type ConnectionErrorRecord } from './connectionErrorLog';
import { LOG_DIR, LOG_FILE } from '../logging/fileLog';
import { policyWarnings } from '../policy/policyProblems';
import type { ManagedPolicy, PolicySummary } from '../../../shared/policy/policySchema';

export interface DiagnosticsInput {
  dataDir: string;
  outDir: string;
  version: string;
  policy: ManagedPolicy;
  policySummary: PolicySummary;
  secretsBackend: string;
  /**
   * Where the saved-password store could not be opened (the encrypted file's key damaged or unreadable): why, and
   * the key file's path. Said even where policy keeps passwords out of that file: IT may lift the rule.
   */
  secretsUnopened?: { reason: string; keyFile: string | null } | null;
  /** The connections the user is shown (IT's and, where policy allows them, the user's own). */
  profileCount: number;
  /** IT's connections (policy file and provisioning) and the user's own, counted apart. */
  managedProfileCount?: number;
  userProfileCount?: number;
  /** What the app shows the user at start (a connections file set aside, an invalid policy …). */
  notices?: string[];
  /** The offline run's own log lines (it writes nothing to the data folder's log). */
  runLog?: string[];
  /**
   * The running gateway's own list of connection errors. Its file is written in
   * the background, so right after a failure it may not hold that failure yet;
   * without a running gateway (offline) the file is read instead.
   */
  connectionErrors?: ConnectionErrorRecord[];
}

/** Writes the bundle and returns the files written (relative to outDir). */
export async function writeDiagnostics(input: DiagnosticsInput): Promise<string[]> {
  await fs.mkdir(input.outDir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const put = async (name: string, content: string) => {
    await fs.writeFile(path.join(input.outDir, name), content, { mode: 0o600 });
    written.push(name);
  };
  await put(
    'about.json',
    JSON.stringify(
      {
        app: 'DeskBridge',
        version: input.version,
        createdAt: new Date().toISOString(),
        platform: `${process.platform} ${os.release()} ${process.arch}`,
        node: process.versions.node,
        electron: process.versions.electron ?? null,
        secretsBackend: input.secretsBackend,
        secretsStoreUnopened: input.secretsUnopened ?? null,
        profiles: input.profileCount,
        managedProfiles: input.managedProfileCount ?? null,
        userProfiles: input.userProfileCount ?? null,
      },
      null,
      2,
    ),
  );
  // The public key and CA certificates are public; the policy holds no secret by design.
  // Warnings: the policy's rules that contradict each other (a managed profile outside allowedHosts …), for IT to fix.
  await put('effective-policy.json', JSON.stringify({ summary: input.policySummary, warnings: policyWarnings(input.policy), policy: input.policy }, null, 2));
  if (input.connectionErrors) {
    await put('last-connection-errors.json', JSON.stringify(input.connectionErrors, null, 2));
  } else {
    try {
      await put('last-connection-errors.json', await fs.readFile(path.join(input.dataDir, CONNECTION_ERRORS_FILE), 'utf8'));
    } catch {
      await put('last-connection-errors.json', '[]\n');
    }
  }
  await put('notices.json', JSON.stringify(input.notices ?? [], null, 2) + '\n');
  if (input.runLog) await put('diagnostics-run.log', input.runLog.join('\n') + (input.runLog.length > 0 ? '\n' : ''));
  for (const name of [`${LOG_FILE}.1`, LOG_FILE]) {
    try {
      await put(name, await fs.readFile(path.join(input.dataDir, LOG_DIR, name), 'utf8'));
    } catch {
      // Not written yet.
    }
  }
  return written;
}

/**
 * The bundle without a running app (`deskbridge --diagnostics FOLDER`): reads the policy, the profiles and the
 * rest as the app would, and changes nothing in the data folder: a damaged connections file is not set aside, no
 * secrets key is created, no last valid policy kept, no provisioning downloaded. What it met is in the bundle's
 * `diagnostics-run.log` (the data folder's log is not written).
 */
export async function collectDiagnostics(options: {
  dataDir: string;
  outDir: string;
  version: string;
  policyFile: string | null;
  machinePolicyFile: string;
}): Promise<string[]> {
  const { createLogger } = await import('../logging/logger');
  const { ManagedPolicyStore } = await import('../policy/managedPolicy');
  const { ManagedOverrides } = await import('../policy/managedOverrides');
  const { ProvisioningClient } = await import('../policy/provisioning');
  const { ProfileStore } = await import('../profiles/profileStore');
  const { ProfileLibrary } = await import('../profiles/profileLibrary');
  const { secretsBackendInUse } = await import('../secrets/secretStore');
  const runLog: string[] = [];
  const logger = createLogger({ sink: (line) => runLog.push(line), level: 'debug' });
  const policy = new ManagedPolicyStore({ machineFile: options.machinePolicyFile, commandLineFile: options.policyFile, cacheDir: options.dataDir, readOnly: true }, logger.child('policy'));
  await policy.load();
  const profiles = await ProfileStore.open(options.dataDir, logger.child('profiles'), { readOnly: true });
  const { backend, unopened } = await secretsBackendInUse({ logger: logger.child('secrets'), dataDir: options.dataDir });
  if (unopened) logger.warn('saved passwords cannot be read: the store does not open', { reason: unopened.reason, keyFile: unopened.keyFile });
  const provisioningConfig = policy.policy.provisioning;
  const provisioning = provisioningConfig ? new ProvisioningClient(provisioningConfig, options.dataDir, () => policy.policy.trustedCaCertificates, logger.child('provisioning')) : null;
  if (provisioning) {
    try {
      await provisioning.loadCached();
    } catch (error) {
      policy.addProblem(`The provisioning settings in the policy are unusable (${(error as Error).message}).`);
    }
  }
  // Never asked for a password here: the library only lists and counts.
  const noSecrets = {
    backend,
    description: '',
    weaker: backend === 'file',
    get: async () => null,
    set: async () => {
      throw new Error('diagnostics saves nothing');
    },
    delete: async () => {
      throw new Error('diagnostics saves nothing');
    },
  };
  const library = new ProfileLibrary(profiles, policy, await ManagedOverrides.open(options.dataDir), noSecrets, logger.child('library'), provisioning);
  const counts = library.counts();
  logger.info('diagnostics collected offline', { dataDir: options.dataDir, managed: counts.managed, user: counts.user, secrets: backend });
  return writeDiagnostics({
    dataDir: options.dataDir,
    outDir: options.outDir,
    version: options.version,
    policy: policy.policy,
    policySummary: policy.summary(),
    secretsBackend: backend,
    secretsUnopened: unopened,
    profileCount: library.list().length,
    managedProfileCount: counts.managed,
    userProfileCount: counts.user,
    notices: library.notices,
    runLog,
  });
}
