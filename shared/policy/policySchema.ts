// Managed policy from IT (ARCHITECTURE.md, "Profiles, policy, secrets").
// One schema, validated by the gateway when it loads the machine-wide file,
// the --policy file or a provisioned document; the renderer only reads the
// effective result to hide what is forbidden. Enforcement is in the gateway.
import { z } from 'zod';
import { DEFAULT_PORTS, hostProblem, isAmbiguousIpv4, profileDraftSchema } from '../profiles/profileSchema';

export const POLICY_SCHEMA_VERSION = 1;

/** Fields of a managed profile that IT may leave open for the user to fill in. */
export const OPENABLE_FIELDS = ['username', 'domain', 'scaling', 'desktopSize', 'desktopWidth', 'desktopHeight', 'keyboardLayout', 'keyboardMode', 'vncQuality', 'vncDesktopSize', 'highDpi', 'fullscreen'] as const;
export type OpenableField = (typeof OPENABLE_FIELDS)[number];
/** Fields of a managed profile that are the user's own, whatever IT writes (as a favourite in Horizon's or Citrix's launcher). */
export const USER_CHOICE_FIELDS = ['favourite'] as const;

export const managedProfileSchema = profileDraftSchema
  .extend({
    /** Stable id chosen by IT, so the same profile keeps its saved password and user choices across updates. */
    id: z.string({ message: 'Give each managed profile an id: 1 to 64 letters, digits, "-" or "_".' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'A managed profile id is 1 to 64 letters, digits, "-" or "_".'),
    /** Left out: the protocol's usual port (DEFAULT_PORTS), as the editor starts a new connection with. */
    port: profileDraftSchema.shape.port.optional(),
    openFields: z.array(z.enum(OPENABLE_FIELDS)).default([]),
  })
  // A misspelt setting ("shareClipbaord": false) must not be dropped silently, leaving the default in force.
  .strict()
  // The same rule as for the user's own: a proxy's ticket as the host only with a SPICE proxy to resolve it.
  .superRefine((profile, context) => {
    const problem = hostProblem(profile);
    if (problem) context.addIssue({ code: 'custom', path: ['host'], message: problem });
  })
  .transform((profile) => ({ ...profile, port: profile.port ?? DEFAULT_PORTS[profile.protocol] }));
export type ManagedProfile = z.infer<typeof managedProfileSchema>;

export const SESSION_END_ACTIONS = ['reconnect', 'launcher', 'quit'] as const;

/**
 * Which way text may cross the clipboard, as Horizon's and Citrix's clipboard
 * redirection policies put it: both ways, only from this computer to the
 * remote one, only from the remote one to this computer, or not at all.
 */
export const CLIPBOARD_POLICIES = ['both', 'to-remote-only', 'to-local-only', 'none'] as const;
export type ClipboardPolicy = (typeof CLIPBOARD_POLICIES)[number];

export const kioskPolicySchema = z.object({
  enabled: z.boolean().default(false),
  /** Name or id of the profile to open at start. */
  profile: z.string().min(1).optional(),
  onSessionEnd: z.enum(SESSION_END_ACTIONS).default('reconnect'),
}).strict();

/** Host patterns: "desk-12.corp.example", "*.corp.example" (any subdomain), "10.1.0.0/16" (IPv4 range). */
export const hostPatternSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9.-]+$|^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^\[?[0-9A-Fa-f:]+\]?$/, 'Use a host name, "*.domain", an IPv4 range like 10.0.0.0/8, or an IPv6 address.');

export const policySchema = z
  .object({
    schemaVersion: z.literal(POLICY_SCHEMA_VERSION, { message: `This version of DeskBridge reads policy files with "schemaVersion": ${POLICY_SCHEMA_VERSION}.` }),
    profiles: z.array(managedProfileSchema).max(10_000).default([]),
    passwords: z
      .object({
        /** allowed: keychain or the weaker file fallback; keychain-only: never the file; never: no saved passwords at all. */
        save: z.enum(['allowed', 'keychain-only', 'never']).default('allowed'),
      })
      .strict()
      .default({ save: 'allowed' }),
    /** When present, connections go only to hosts matching one of these patterns. */
    allowedHosts: z.array(hostPatternSchema).max(1000).optional(),
    allowUserProfiles: z.boolean().default(true),
    allowUnencrypted: z.boolean().default(true),
    /** Which way the clipboard is shared with remote computers (data-loss prevention). */
    clipboard: z.enum(CLIPBOARD_POLICIES).default('both'),
    /** Whether files may be copied (SPICE: to the remote computer, dropped on the desktop or "Send files…"; RDP: both ways through the clipboard, each way text may go). */
    allowFileTransfer: z.boolean().default(true),
    /**
     * An .rdp or .remmina file opened from outside the app (double-clicked, given on the command line) asks the user
     * before it connects, what it asks to share unticked (mstsc's dialog since April 2026). false: it connects straight,
     * sharing what it asks, for fleets whose files come from IT alone.
     */
    confirmOpenedFiles: z.boolean().default(true),
    /** SHA-256 fingerprints per host; a policy pin beats any user choice. */
    certificatePins: z.record(z.string(), z.array(z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/))).default({}),
    /** PEM CA certificates to trust in addition to the system's (an enterprise's internal CA). */
    trustedCaCertificates: z.array(z.string().includes('-----BEGIN CERTIFICATE-----')).max(100).default([]),
    /** Defaults for new profiles the user creates. */
    profileDefaults: profileDraftSchema.partial().strict().default({}),
    kiosk: kioskPolicySchema.optional(),
    /** The cap on the wait between reconnect attempts, so a fleet does not stampede a server that comes back. */
    reconnect: z.object({ maxDelaySeconds: z.number().min(1).max(600).default(4) }).strict().default({ maxDelaySeconds: 4 }),
    provisioning: z
      .object({
        url: z.string().url().refine((u) => u.startsWith('https://'), 'The provisioning URL must use https://.'),
        /** Ed25519 public key (SPKI PEM, or the raw 32 bytes in base64) that must sign the documents. */
        publicKey: z.string().min(40),
        refreshMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((policy, context) => {
    for (const issue of [...duplicateIdIssues(policy.profiles), ...kioskProfileIssues(policy)]) context.addIssue({ code: 'custom', ...issue });
  });
export type ManagedPolicy = z.infer<typeof policySchema>;

type PolicyIssue = { path: (string | number)[]; message: string };

/** What a cross-field check reads of a managed profile: a parsed one, or whatever a raw file holds in its place. */
type ProfileIdentity = { readonly id?: unknown; readonly name?: unknown };

/** Two managed profiles with one id would be one row to the library: selecting either shows both, opening one opens the other. */
export function duplicateIdIssues(profiles: readonly (ProfileIdentity | null | undefined)[]): PolicyIssue[] {
  const first = new Map<string, number>();
  return profiles.flatMap((profile, index) => {
    const id = profile?.id;
    if (typeof id !== 'string') return [];
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    return earlier === undefined ? [] : [{ path: ['profiles', index, 'id'], message: `profiles.${earlier} has this id too; give each managed profile an id of its own.` }];
  });
}

/**
 * The kiosk opens its profile by IT's id or by name (ProfileLibrary.find); one naming none of this file's profiles
 * would leave a thin client on an error. With provisioning the profile may come from there, so that is left to the app.
 */
function kioskProfileIssues(policy: { profiles: readonly (ProfileIdentity | null | undefined)[]; kiosk?: { profile?: unknown } | null | undefined; provisioning?: unknown }): PolicyIssue[] {
  const wanted = policy.kiosk?.profile;
  if (typeof wanted !== 'string' || wanted === '' || policy.provisioning !== undefined || policy.profiles.some((p) => p != null && namesManagedProfile(wanted, p))) return [];
  return [{ path: ['kiosk', 'profile'], message: `No managed profile in this policy has the id or name \u201c${wanted}\u201d; name one of its profiles.` }];
}

/**
 * The duplicate-id and kiosk checks on a policy file as parsed from JSON, whatever its shape, for a file the schema
 * refuses: its superRefine never runs then, and IT should see every problem in one --check-policy, not these only
 * once the rest is fixed. Only what can be read is checked: profiles that are objects, ids and names that are strings.
 */
export function crossFieldIssuesOfRaw(raw: unknown): PolicyIssue[] {
  const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
  const policy = record(raw);
  if (!policy) return [];
  const profiles = Array.isArray(policy.profiles) ? (policy.profiles as unknown[]).map(record) : [];
  return [...duplicateIdIssues(profiles), ...kioskProfileIssues({ profiles, kiosk: record(policy.kiosk), provisioning: policy.provisioning })];
}

export function namesManagedProfile(nameOrId: string, profile: ProfileIdentity): boolean {
  return (
    (typeof profile.id === 'string' && (nameOrId === profile.id || nameOrId === `managed-${profile.id}`)) ||
    (typeof profile.name === 'string' && nameOrId.toLocaleLowerCase() === profile.name.toLocaleLowerCase())
  );
}
export type ManagedPolicyInput = z.input<typeof policySchema>;

/** No policy file at all: everything is the user's choice. */
export const NO_POLICY: ManagedPolicy = policySchema.parse({ schemaVersion: POLICY_SCHEMA_VERSION });

/**
 * An invalid policy and no earlier valid one: the most restrictive behaviour,
 * never "no policy". Nothing can be connected or saved until IT fixes the file.
 */
export const LOCKDOWN_POLICY: ManagedPolicy = policySchema.parse({
  schemaVersion: POLICY_SCHEMA_VERSION,
  passwords: { save: 'never' },
  allowedHosts: [],
  allowUserProfiles: false,
  allowUnencrypted: false,
  clipboard: 'none',
  allowFileTransfer: false,
});

/** A host or pattern as compared: lower case, an IPv6 address without brackets, a fully qualified name without its final dot. */
export function comparableHost(host: string): string {
  return host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/** Does a host match one of the policy's patterns? Case-insensitive; IPv4 ranges by prefix. */
export function hostAllowed(host: string, patterns: readonly string[] | undefined): boolean {
  if (patterns === undefined) return true;
  const h = comparableHost(host);
  // "010.0.0.1" connects to 8.0.0.1: no pattern vouches for an address written so that it reads as another.
  if (isAmbiguousIpv4(h)) return false;
  return patterns.some((raw) => {
    const pattern = comparableHost(raw);
    if (pattern.startsWith('*.')) return h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1;
    const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(pattern);
    if (cidr) {
      const ip = ipv4ToNumber(h);
      const base = ipv4ToNumber(cidr[1] as string);
      const bits = Number(cidr[2]);
      if (ip === null || base === null || bits > 32) return false;
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return (ip & mask) >>> 0 === (base & mask) >>> 0;
    }
    return h === pattern;
  });
}

function ipv4ToNumber(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** What the renderer needs to know of the effective policy. No secrets, no CA bundles. */
export interface PolicySummary {
  source: 'none' | 'machine' | 'command-line';
  /** Problems the user must see (an invalid file, a failed provisioning refresh). */
  problems: string[];
  /**
   * The policy file cannot be used (invalid, unreadable, or --policy's file missing): 'last-valid-kept' when
   * an earlier valid copy stays in force, 'blocked' when LOCKDOWN_POLICY does; null when the file is fine.
   * Messages that would otherwise blame the policy's rules (no connections set up, none may be added) say this instead.
   */
  invalidFile: 'last-valid-kept' | 'blocked' | null;
  passwordSaving: 'allowed' | 'keychain-only' | 'never';
  allowUserProfiles: boolean;
  allowUnencrypted: boolean;
  /** The hosts connections may go to (hostAllowed's patterns); null: any host. The editor says so beside the host. */
  allowedHosts: string[] | null;
  clipboard: ClipboardPolicy;
  allowFileTransfer: boolean;
  kiosk: { enabled: boolean; profile: string | null; onSessionEnd: (typeof SESSION_END_ACTIONS)[number] } | null;
  reconnectMaxDelayMs: number;
}

export type SessionEndAction = (typeof SESSION_END_ACTIONS)[number];

/** What a session may carry besides the desktop, from the policy: told to the page with the session, and enforced by the gateway where the protocol lets it. */
export interface SessionRedirection {
  /** Text copied on this computer may reach the remote clipboard. */
  clipboardToRemote: boolean;
  /** Text copied on the remote computer may reach this computer's clipboard. */
  clipboardToLocal: boolean;
  /** Files may be copied: to the remote computer (SPICE), or each way the clipboard goes (RDP, whose files go through it). */
  fileTransfer: boolean;
}

export function sessionRedirection(policy: Pick<ManagedPolicy, 'clipboard' | 'allowFileTransfer'>): SessionRedirection {
  return {
    clipboardToRemote: policy.clipboard === 'both' || policy.clipboard === 'to-remote-only',
    clipboardToLocal: policy.clipboard === 'both' || policy.clipboard === 'to-local-only',
    fileTransfer: policy.allowFileTransfer,
  };
}
