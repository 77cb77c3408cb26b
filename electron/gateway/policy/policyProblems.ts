// What is wrong with a policy file, in words IT can act on: every problem,
// each naming where it is, a managed profile by IT's own id rather than only
// its zero-based place in the list.
import type { z } from 'zod';

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
