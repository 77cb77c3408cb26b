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
  profileCount: number;
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
        profiles: input.profileCount,
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
 * The bundle without a running app (`deskbridge --diagnostics FOLDER`): loads
 * the policy and profile store as the app would, read-only.
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
  const { ProfileStore } = await import('../profiles/profileStore');
  const { openSecretStore } = await import('../secrets/secretStore');
  const quiet = createLogger({ sink: () => undefined });
  const policy = new ManagedPolicyStore({ machineFile: options.machinePolicyFile, commandLineFile: options.policyFile, cacheDir: options.dataDir }, quiet);
  await policy.load();
  const profiles = await ProfileStore.open(options.dataDir, quiet);
  const secrets = await openSecretStore({ dataDir: options.dataDir, logger: quiet });
  return writeDiagnostics({
    dataDir: options.dataDir,
    outDir: options.outDir,
    version: options.version,
    policy: policy.policy,
    policySummary: policy.summary(),
    secretsBackend: secrets.backend,
    profileCount: profiles.list().length,
  });
}
