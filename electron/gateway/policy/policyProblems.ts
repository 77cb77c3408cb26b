// What is wrong with a policy file, in words IT can act on: every problem,
// each naming where it is, a managed profile by IT's own id rather than only
// its zero-based place in the list. And warnings: rules of a valid policy that
// contradict each other. They do not make it invalid: each already fails
// closed (the gateway refuses that one connection with its reason), while an
// invalid file would block every connection, or freeze an older policy, over
// one profile that cannot be used.
import type { z } from 'zod';
import { hostAllowed, namesManagedProfile, policySchema, type ManagedPolicy, type ManagedProfile } from '../../../shared/policy/policySchema';
import { isUnencrypted } from '../../../shared/profiles/profileSchema';
import { spiceProxyOf } from '../bridges/httpConnectTunnel';

/**
 * "profile “lab” (profiles.0): port: Enter a port number from 1 to 65535."; outside profiles, "allowedHosts.0: …".
 * A wrong type in words, from the value in the file: "\"allowUnencrypted\" must be true or false, not the string \"no\"".
 */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const [head, index, ...rest] = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const what = issue.path.length === 0 ? 'a policy setting' : head === 'profiles' || head === 'profileDefaults' ? 'a connection setting' : 'one of its settings';
    const said = unknownSettingsMessage(issue.keys, settingsAt(issue.path), what);
    if (head === 'profiles' && typeof index === 'number') return `${profileLabel(raw, index)}: ${rest.length > 0 ? `${rest.join('.')}: ` : ''}${said}`;
    return issue.path.length > 0 ? `${issue.path.join('.')}: ${said}` : said;
  }
  // A connection's fields (a managed profile's, or the defaults) carry the app form's words for a wrong type ("Enter a
  // name for this connection."), written for someone who types no type: in a policy file, JSON's terms say more.
  const formWords = (head === 'profiles' && typeof index === 'number' && rest.length === 1 && rest[0] !== 'id') || (head === 'profileDefaults' && index !== undefined);
  const wrongType = issue.code === 'invalid_type' ? wrongTypeMessage(issue, raw, formWords) : null;
  if (head === 'profiles' && typeof index === 'number') {
    if (wrongType !== null) return `${profileLabel(raw, index)}: ${rest.length > 0 ? `"${rest.join('.')}"` : 'it'} ${wrongType}`;
    return `${profileLabel(raw, index)}: ${rest.length > 0 ? `${rest.join('.')}: ` : ''}${issue.message}`;
  }
  if (wrongType !== null) return `${issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the file'} ${wrongType}`;
  return `${issue.path.join('.') || 'the file'}: ${issue.message}`;
}

/**
 * '"shareClipbaord" is not a connection setting (did you mean "shareClipboard"?)': a typo named, since a
 * misspelt rule would otherwise be read as absent.
 */
function unknownSettingsMessage(keys: readonly string[], known: readonly string[], what: string): string {
  return keys
    .map((key) => {
      const near = nearestName(key, known);
      return `"${key}" is not ${what}${near === null ? '' : ` (did you mean "${near}"?)`}`;
    })
    .join('; ');
}

/** The settings the policy's schema takes at `path` (an object's keys), walking through lists, defaults and optionals. */
function settingsAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = unwrapped(policySchema);
  for (const key of path) {
    const def: z.core.$ZodTypeDef | undefined = schema?._zod.def;
    if (def?.type === 'object') schema = unwrapped((def as z.core.$ZodObjectDef).shape[String(key)]);
    else if (def?.type === 'array') schema = unwrapped((def as z.core.$ZodArrayDef).element);
    else return [];
  }
  const def = schema?._zod.def;
  return def?.type === 'object' ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

function unwrapped(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else break;
  }
  return current;
}

/** The known name a typo most likely meant: the same but for case, or at most two letters off (added, missing, changed or swapped). */
export function nearestName(typed: string, known: readonly string[]): string | null {
  const lower = typed.toLowerCase();
  const sameButCase = known.find((name) => name.toLowerCase() === lower);
  if (sameButCase !== undefined) return sameButCase;
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance <= Math.min(2, Math.floor(name.length / 3)) && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each count 1. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * zod's own wording for a wrong type; a schema's message of its own (a managed profile's id) is kept as written,
 * but for the connection form's words (`formWords`).
 */
const ZOD_WRONG_TYPE = /^Invalid input: expected \w+, received \w+$/;

/**
 * `must be true or false, not the string "no"`: what the file should hold there and what it holds, in words,
 * from zod's expectation and the value in the file; null where zod's message is a schema's own, or says more.
 */
function wrongTypeMessage(issue: z.core.$ZodIssueInvalidType, raw: unknown, formWords: boolean): string | null {
  if (!formWords && !ZOD_WRONG_TYPE.test(issue.message)) return null;
  const expected = EXPECTED_IN_WORDS[issue.expected];
  if (expected === undefined) return null;
  const found = valueAt(raw, issue.path);
  if (!found.present) return `is missing: it must be ${expected}`;
  return `must be ${expected}, not ${issue.expected === 'int' && typeof found.value === 'number' ? found.value : valueInWords(found.value)}`;
}

const EXPECTED_IN_WORDS: Partial<Record<string, string>> = {
  boolean: 'true or false',
  number: 'a number',
  int: 'a whole number',
  string: 'a string in double quotes',
  array: 'a list in square brackets [ ]',
  object: 'an object in braces { }',
  record: 'an object in braces { }',
  null: 'null',
};

function valueAt(raw: unknown, path: readonly PropertyKey[]): { present: true; value: unknown } | { present: false } {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) return { present: false };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value };
}

function valueInWords(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}\u2026` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'an object';
}

/** A policy file that cannot be read, as the CLI says it of any file it is given (describeFileError). */
export function unreadableProblem(code: string): string {
  if (code === 'ENOENT') return 'there is no such file';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'ENOTDIR') return 'a part of its path is a file, not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'you do not have permission to read it';
  return `it cannot be read (${code})`;
}

/**
 * A policy file's text as Windows tools save it, too: a UTF-8 byte order mark
 * (Notepad, PowerShell 7's `-Encoding utf8BOM`) is dropped, and UTF-16 with a
 * byte order mark (Windows PowerShell 5.1's `Out-File` and `>`) is decoded, as
 * Chrome and Edge read their policy files. Anything else is read as UTF-8.
 */
export function policyFileText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * A JSON syntax error by line and column, which an editor shows, rather than the engine's offset ("position 14").
 * The engine's wording varies between versions and some of its messages give no offset, so the spot is found here.
 */
export function jsonSyntaxProblem(text: string): string {
  if (text.trim() === '') return 'it is empty: it must hold a JSON object ({ "schemaVersion": 1, \u2026 })';
  if (text.charCodeAt(0) === 0xfeff) return 'it starts with a byte order mark (BOM); save it as UTF-8 without one';
  const error = jsonSyntaxError(text);
  if (!error) return 'it is not valid JSON';
  const before = text.slice(0, error.at);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return `it is not valid JSON: ${error.at >= text.length ? 'it ends too early, at ' : ''}line ${line}, column ${column}: ${error.says}`;
}

/** The first spot where `text` stops being JSON (RFC 8259, as JSON.parse reads it), and what is wrong there. */
function jsonSyntaxError(text: string): { at: number; says: string } | null {
  let at = 0;
  class Stop {
    constructor(readonly says: string) {}
  }
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at += 1;
  };
  const take = (pattern: RegExp, says: string) => {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new Stop(says);
    at += match[0].length;
  };
  const string = (says: string) => {
    if (text.charAt(at) !== '"') throw new Stop(says);
    at += 1;
    for (;;) {
      if (at >= text.length) throw new Stop('a string is not closed with "');
      const c = text.charCodeAt(at);
      if (c === 0x22) break;
      if (c < 0x20) throw new Stop('a line break or tab inside a string must be written \\n or \\t');
      if (c === 0x5c) take(/\\(["\\/bfnrt]|u[0-9A-Fa-f]{4})/y, 'a \\ in a string starts one of \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits');
      else at += 1;
    }
    at += 1;
  };
  const value = (): void => {
    space();
    const c = text.charAt(at);
    if (c === '{') return members('}', () => {
      string('expected a property name in double quotes');
      space();
      take(/:/y, 'expected a ":" after the property name');
      value();
    });
    if (c === '[') return members(']', value);
    if (c === '"') return string('expected a value');
    take(/-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?(?![\w.])|true\b|false\b|null\b/y, 'expected a value: a string in double quotes, a number, true, false, null, an object { } or a list [ ]');
  };
  const members = (close: string, member: () => void) => {
    at += 1;
    space();
    if (text.charAt(at) === close) return void (at += 1);
    for (;;) {
      space();
      member();
      space();
      if (text.charAt(at) === close) return void (at += 1);
      take(/,/y, `expected "," or "${close}"`);
      space();
      if (text.charAt(at) === close) throw new Stop(`JSON allows no "," after the last item, before "${close}"`);
    }
  };
  try {
    value();
    space();
    if (at < text.length) throw new Stop('more text after the end of the JSON');
    return null;
  } catch (stop) {
    // Anything else (nesting too deep for this reader's stack): no spot to name.
    return stop instanceof Stop ? { at, says: stop.says } : null;
  }
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
