// What is wrong with a policy file, in words IT can act on: every problem,
// each naming where it is, a managed profile by IT's own id rather than only
// its zero-based place in the list. And warnings: rules of a valid policy that
// contradict each other. They do not make it invalid: each already fails
// closed (the gateway refuses that one connection with its reason), while an
// invalid file would block every connection, or freeze an older policy, over
// one profile that cannot be used.
import type { z } from 'zod';
import { hostAllowed, namesManagedProfile, type ManagedPolicy, type ManagedProfile } from '../../../shared/policy/policySchema';
import { isUnencrypted } from '../../../shared/profiles/profileSchema';
import { spiceProxyOf } from '../bridges/httpConnectTunnel';

/** "profile “lab” (profiles.0): port: Enter a port number from 1 to 65535."; outside profiles, "allowedHosts.0: …". */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const [head, index, ...rest] = issue.path;
  if (head === 'profiles' && typeof index === 'number') return `${profileLabel(raw, index)}: ${rest.length > 0 ? `${rest.join('.')}: ` : ''}${issue.message}`;
  return `${issue.path.join('.') || 'the file'}: ${issue.message}`;
}

/** A managed profile as IT knows it: its id (where it has a usable one) and its place in the file. */
export function profileLabel(raw: unknown, index: number): string {
  const id = profileIdAt(raw, index);
  return id === null ? `profiles.${index}` : `profile \u201c${id}\u201d (profiles.${index})`;
}

function profileIdAt(raw: unknown, index: number): string | null {
  const profiles = (raw as { profiles?: unknown } | null)?.profiles;
  const profile: unknown = Array.isArray(profiles) ? profiles[index] : undefined;
  const id = (profile as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id.trim() !== '' ? id : null;
}

/** Contradictions inside a valid policy (--check-policy, the diagnostics bundle, the log). */
export function policyWarnings(policy: ManagedPolicy): string[] {
  const warnings = policy.profiles.flatMap((profile, index) => profileWarnings(policy, profile).map((w) => `${profileLabel(policy, index)}: ${w}`));
  const kiosk = policy.kiosk?.profile;
  if (kiosk !== undefined && !policy.profiles.some((p) => namesManagedProfile(kiosk, p))) {
    warnings.push(`kiosk.profile: \u201c${kiosk}\u201d is none of this file's profiles, so it must come from provisioning; if it does not, the kiosk opens nothing.`);
  }
  return warnings;
}

function profileWarnings(policy: ManagedPolicy, profile: ManagedProfile): string[] {
  const warnings: string[] = [];
  // Through a SPICE proxy the proxy is the host checked, as ProfileLibrary.checkConnect does.
  const host = spiceProxyOf(profile)?.host ?? profile.host;
  if (!hostAllowed(host, policy.allowedHosts)) warnings.push(`${host} is outside the policy's own allowedHosts, so connecting to it is refused.`);
  if (!policy.allowUnencrypted && isUnencrypted(profile)) {
    warnings.push(
      profile.protocol === 'vnc'
        ? 'it is VNC and allowUnencrypted is false, so it connects only to a server that offers TLS (VeNCrypt); a plain VNC server is refused.'
        : 'it is plain SPICE and allowUnencrypted is false, so connecting to it is refused; set "spiceSecurity": "tls" and the TLS port.',
    );
  }
  return warnings;
}
