// `deskbridge --check-policy FILE`: IT checks a policy file before deploying
// it, with the same parser the app loads it with, so "valid" here means the
// app will apply it as written (not the lockdown an invalid file brings).
import { promises as fs } from 'node:fs';
import type { ManagedPolicy } from '../../../shared/policy/policySchema';
import { parsePolicy } from './managedPolicy';
import { policyFileText, policyWarnings, unreadableProblem } from './policyProblems';

export type PolicyCheck = { valid: true; outline: string; warnings: string[] } | { valid: false; problems: string[]; missing?: true };

export async function checkPolicyFile(file: string): Promise<PolicyCheck> {
  let text: string;
  try {
    text = policyFileText(await fs.readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { valid: false, problems: [unreadableProblem(code)], ...(code === 'ENOENT' ? { missing: true as const } : {}) };
  }
  const parsed = parsePolicy(text);
  return parsed.ok ? { valid: true, outline: policyOutline(parsed.policy), warnings: policyWarnings(parsed.policy) } : { valid: false, problems: parsed.problems };
}

/** What a valid policy sets, on one line: what IT would look for first. */
export function policyOutline(policy: ManagedPolicy): string {
  return [
    managedProfilesOutline(policy),
    policy.kiosk?.enabled ? `kiosk on \u201c${policy.kiosk.profile ?? '(none named)'}\u201d (then ${policy.kiosk.onSessionEnd})` : 'no kiosk',
    policy.allowedHosts === undefined ? 'any host' : `allowed hosts: ${policy.allowedHosts.join(', ') || 'none'}`,
    policy.allowUserProfiles ? 'user connections allowed' : 'no user connections',
    policy.allowUnencrypted ? 'unencrypted allowed' : 'encrypted only',
    `saved passwords: ${policy.passwords.save}`,
    `clipboard: ${policy.clipboard}`,
    policy.allowFileTransfer ? 'file transfer allowed' : 'no file transfer',
    ...(policy.confirmOpenedFiles ? [] : ['.rdp and .remmina files opened from outside connect without asking']),
    ...profileDefaultsOutline(policy),
    ...certificatesOutline(policy),
    ...(policy.provisioning ? [`provisioning from ${policy.provisioning.url}`] : []),
  ].join('; ');
}

/** IT's defaults for new and imported connections, each as the file writes it; nothing where there are none. */
function profileDefaultsOutline(policy: ManagedPolicy): string[] {
  const entries = Object.entries(policy.profileDefaults).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return [];
  return [`connection defaults: ${entries.map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(', ')}`];
}

/** Certificate pins (by host, and how many) and IT's own CAs; nothing where there are none. */
function certificatesOutline(policy: ManagedPolicy): string[] {
  const hosts = Object.entries(policy.certificatePins).filter(([, pins]) => pins.length > 0);
  const pins = hosts.reduce((sum, [, list]) => sum + list.length, 0);
  const names = hosts.map(([host]) => host);
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, \u2026` : names.join(', ');
  const cas = policy.trustedCaCertificates.length;
  return [
    ...(pins > 0 ? [`${pins} certificate pin${pins === 1 ? '' : 's'} for ${names.length} host${names.length === 1 ? '' : 's'} (${shown})`] : []),
    ...(cas > 0 ? [`${cas} trusted CA certificate${cas === 1 ? '' : 's'}`] : []),
  ];
}

function managedProfilesOutline(policy: ManagedPolicy): string {
  const ids = policy.profiles.map((p) => p.id);
  if (ids.length === 0) return 'no managed profiles';
  const shown = ids.length > 5 ? `${ids.slice(0, 5).join(', ')}, \u2026` : ids.join(', ');
  return `${ids.length} managed profile${ids.length === 1 ? '' : 's'} (${shown})`;
}
