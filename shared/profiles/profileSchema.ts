// The connection profile: one schema, used by the gateway to validate what it
// stores and by the renderer to validate what the user types.
// INVARIANT: a profile never carries a password. Secrets live in the secrets
// store of the gateway, keyed by profile id.
import { z } from 'zod';
import { KEYBOARD_LAYOUT_TAGS } from './keyboardLayouts';
import { PROXY_TARGET_PATTERN, parseHttpProxy } from './spiceProxy';

export const PROTOCOLS = ['vnc', 'rdp', 'spice'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const DEFAULT_PORTS: Record<Protocol, number> = { vnc: 5900, rdp: 3389, spice: 5900 };

export const SCALING_MODES = ['fit', 'actual'] as const;
export type ScalingMode = (typeof SCALING_MODES)[number];

/** RDP security: negotiate lets the server choose NLA or TLS; nla and tls insist on one. */
export const RDP_SECURITY = ['negotiate', 'nla', 'tls'] as const;
/** SPICE: the server's plain port, or its TLS port (every channel inside TLS, the certificate checked first). */
export const SPICE_SECURITY = ['plain', 'tls'] as const;
export type SpiceSecurity = (typeof SPICE_SECURITY)[number];
export type RdpSecurity = (typeof RDP_SECURITY)[number];

/** RDP desktop size: follow the window (with dynamic resolution where the server has it), or fixed. */
export const DESKTOP_SIZE_MODES = ['fit-window', 'fixed'] as const;
/** VNC: the server's own size (as noVNC and Remmina keep it), or the window's, asked for as it changes (ExtendedDesktopSize; TigerVNC's viewer does so). */
export const VNC_DESKTOP_SIZES = ['server', 'fit-window'] as const;

/** Keyboard input: scancodes (as a physical keyboard, default) or Unicode characters where the server supports them. */
export const KEYBOARD_MODES = ['scancode', 'unicode'] as const;

/**
 * VNC picture quality, Remmina's four presets (its .remmina `quality` key: 9, 2, 1, 0).
 * A trade of sharpness during motion against data and work per frame; what each
 * asks the server for is in renderer/protocols/vnc/pictureQuality.ts.
 */
export const VNC_QUALITIES = ['best', 'good', 'medium', 'poor'] as const;
export type VncQuality = (typeof VNC_QUALITIES)[number];

const fingerprintSchema = z.string({ error: 'A SHA-256 fingerprint is 32 hex bytes separated by colons.' }).regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'A SHA-256 fingerprint is 32 hex bytes separated by colons.');

/** Host names and IP literals; no scheme, no path, no spaces. */
const HOST_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|[0-9a-fA-F:]+)$/;

/**
 * An international host name ("café.example", as mstsc and a Windows-1252 .rdp may hold it) in the ASCII form a
 * name lookup needs ("xn--caf-dma.example", the WHATWG URL parser's IDNA, in Node and the browser alike); anything
 * else as it is, for the pattern to judge.
 */
function asciiHostName(host: string): string {
  if (!/[^\x00-\x7f]/.test(host) || !/^[\p{L}\p{M}\p{N}.-]+$/u.test(host)) return host;
  try {
    // Node and the browser both have URL; this project's shared code is typed for neither.
    const WhatwgUrl = (globalThis as unknown as { URL: new (input: string) => { hostname: string } }).URL;
    return new WhatwgUrl(`http://${host}/`).hostname;
  } catch {
    return host;
  }
}

/**
 * The start program's text: the Client Info PDU holds each in 512 bytes of UTF-16 with its NUL (MS-RDPBCGR
 * 2.2.1.11.1.1), so 255 characters, and a NUL or a line break (which no .rdp line can hold) would cut it short.
 */
function startTextSchema(what: 'program' | 'folder') {
  return z
    .string({ error: `Write the start ${what} as text.` })
    .trim()
    .max(255, `The start ${what} is too long (255 characters at most).`)
    .refine((text) => !/[\0\r\n]/.test(text), `Write the start ${what} on one line.`);
}

/**
 * Fields the user edits. The gateway adds id and timestamps.
 * Every field says in words what is wrong with it, however it fails (the wrong type, NaN from a number field holding
 * text, too long, too many): zod's own messages ("Invalid input: expected int, received number") would reach the form
 * and the gateway's answers as they are. A unit test walks the fields with bad values to hold that.
 */
export const profileDraftSchema = z.object({
  name: z.string({ error: 'Enter a name for this connection.' }).trim().min(1, 'Enter a name for this connection.').max(200, 'The name is too long (200 characters at most).'),
  protocol: z.enum(PROTOCOLS, { message: 'Choose VNC, RDP or SPICE.' }),
  host: z
    .string({ error: 'Enter the host name or address of the remote computer.' })
    .trim()
    .min(1, 'Enter the host name or address of the remote computer.')
    .max(253, 'The host name is too long.')
    .transform(asciiHostName)
    // A proxy's ticket too (PROXY_TARGET_PATTERN); hostProblem() allows it only with a SPICE proxy.
    .refine((host) => HOST_PATTERN.test(host) || PROXY_TARGET_PATTERN.test(host), 'Enter a host name or IP address only, without spaces, "://" or a path.'),
  port: z
    .number({ message: 'Enter a port number from 1 to 65535.' })
    .int('Enter a port number from 1 to 65535.')
    .min(1, 'Enter a port number from 1 to 65535.')
    .max(65535, 'Enter a port number from 1 to 65535.'),
  username: z.string({ error: 'Write the user name as text.' }).max(256, 'The user name is too long.').default(''),
  scaling: z.enum(SCALING_MODES, { message: 'Choose "Fit to window" or "1:1".' }).default('fit'),
  /**
   * VNC, RDP and SPICE on a high-resolution display (devicePixelRatio above 1): one remote pixel per device pixel, the
   * window's size asked for in device pixels (as TigerVNC's viewer and "Optimize for Retina displays" do). Sharper;
   * the remote text is smaller unless the server scales it. Off: the desktop in CSS pixels, enlarged by the display.
   */
  highDpi: z.boolean({ error: 'Turn "Optimise for high-resolution displays" on or off.' }).default(false),
  viewOnly: z.boolean({ error: 'Turn "View only" on or off.' }).default(false),
  /**
   * Open the session in full screen when connecting, as mstsc does for an .rdp's "screen mode id:i:2" (its default)
   * and Remmina for a full-screen viewmode. Leaving full screen works as for any session.
   */
  fullscreen: z.boolean({ error: 'Turn "Start in full screen" on or off.' }).default(false),
  /** Share the clipboard with the remote computer (.rdp redirectclipboard, Remmina disableclipboard inverted); the policy may allow less. */
  shareClipboard: z.boolean({ error: 'Turn "Share the clipboard" on or off.' }).default(true),
  /** Folder path, nested with "/" (e.g. "Finance/Traders"); empty for the top level. */
  folder: z
    .string({ error: 'Write the folder as text, such as Finance/Traders.' })
    .max(500, 'The folder is too long (500 characters at most).')
    .transform((f) => f.split('/').map((part) => part.trim()).filter(Boolean).join('/'))
    .default(''),
  favourite: z.boolean({ error: 'Turn "Favourite" on or off.' }).default(false),
  tags: z
    .array(z.string({ error: 'Write the tags as text, separated by commas.' }).max(100, 'A tag is too long (100 characters at most).'), { error: 'Write the tags as text, separated by commas.' })
    .max(50, 'There are too many tags (50 at most).')
    .default([]),
  // RDP; ignored by other protocols.
  domain: z.string({ error: 'Write the domain as text.' }).max(256, 'The domain is too long.').default(''),
  rdpSecurity: z.enum(RDP_SECURITY, { message: 'Choose Negotiate, NLA only or TLS only.' }).default('negotiate'),
  desktopSize: z.enum(DESKTOP_SIZE_MODES, { message: 'Choose "Fit the window" or "Fixed size".' }).default('fit-window'),
  desktopWidth: z.number({ error: 'Enter the width as a whole number of pixels, 200 to 8192.' }).int('Enter the width as a whole number of pixels, 200 to 8192.').min(200, 'The width must be 200 to 8192 pixels.').max(8192, 'The width must be 200 to 8192 pixels.').default(1280),
  desktopHeight: z.number({ error: 'Enter the height as a whole number of pixels, 200 to 8192.' }).int('Enter the height as a whole number of pixels, 200 to 8192.').min(200, 'The height must be 200 to 8192 pixels.').max(8192, 'The height must be 200 to 8192 pixels.').default(800),
  /**
   * RDP keyboard layout the server maps scancodes with (see keyboardLayouts.ts); "local": this computer's, as mstsc
   * sends it (the default); "auto": the server's default.
   */
  keyboardLayout: z.enum(KEYBOARD_LAYOUT_TAGS, { message: 'Choose a keyboard layout from the list.' }).default('local'),
  keyboardMode: z.enum(KEYBOARD_MODES, { message: 'Choose physical keys or characters.' }).default('scancode'),
  /**
   * A program the server starts in place of the desktop's shell, as IT gives a session host's users one application
   * (an .rdp's "alternate shell", Remmina's "exec"); empty for the whole desktop. A RemoteApp ("||alias") is not this.
   */
  startProgram: startTextSchema('program').default(''),
  /** The folder the start program starts in (an .rdp's "shell working directory", Remmina's "execpath"); empty for the server's default. */
  startFolder: startTextSchema('folder').default(''),
  // SPICE; ignored by other protocols.
  spiceSecurity: z.enum(SPICE_SECURITY, { message: 'Choose plain or TLS.' }).default('plain'),
  /** An HTTP proxy every channel goes through (virt-viewer's `proxy`; Proxmox VE's spiceproxy): "http://host:port", or empty. */
  spiceProxy: z
    .string({ error: 'Write the proxy address as text, such as http://host:3128.' })
    .trim()
    .max(300, 'The proxy address is too long.')
    .superRefine((text, context) => {
      if (text === '') return;
      const parsed = parseHttpProxy(text);
      if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.reason });
    })
    .default(''),
  // VNC; ignored by other protocols.
  vncQuality: z.enum(VNC_QUALITIES, { message: 'Choose Best, Good, Medium or Poor.' }).default('good'),
  vncDesktopSize: z.enum(VNC_DESKTOP_SIZES, { message: 'Choose the server\'s size or the window\'s.' }).default('server'),
  /**
   * Certificate authorities (PEM) trusted for this server's certificate besides the system's and policy's:
   * a virt-viewer file's `ca` (oVirt's and Proxmox's own CA). Any TLS protocol.
   */
  caCertificate: z
    .string({ error: 'Paste the CA certificates in PEM form (-----BEGIN CERTIFICATE-----).' })
    .max(65_536, 'The CA certificates are too long (64 KB at most).')
    .refine((pem) => pem.trim() === '' || /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem), 'Paste the CA certificates in PEM form (-----BEGIN CERTIFICATE-----).')
    .default(''),
  /**
   * The subject the server's certificate must carry, checked instead of the host name (virt-viewer's
   * `host-subject`, e.g. "O=corp.example,CN=host1"): for a host reached by an address its certificate does not name.
   */
  certificateSubject: z.string({ error: 'Write the certificate subject as text, such as O=corp.example,CN=host1.' }).max(1024, 'The certificate subject is too long.').default(''),
  /**
   * A server whose certificate cannot be verified (not trusted, or not the one trusted before): 'ask' shows it
   * with Trust once / Trust always; 'refuse' does not connect (mstsc's "authentication level:i:1", or IT's choice).
   */
  untrustedCertificate: z.enum(['ask', 'refuse'], { message: 'Choose "Ask me" or "Do not connect".' }).default('ask'),
  /** SHA-256 fingerprint of a server certificate the user chose to trust always for this profile. */
  pinnedCertificate: fingerprintSchema.nullable().default(null),
  /** Settings from an imported file that the app cannot honour yet (RD Gateway, RemoteApp, …): connecting refuses rather than ignoring them. */
  unsupportedFeatures: z
    .array(z.string({ error: 'A setting not supported yet is named in text.' }).max(200, 'A setting not supported yet has too long a name (200 characters at most).'), {
      error: 'The settings not supported yet are a list of names.',
    })
    .max(20, 'There are too many settings not supported yet (20 at most).')
    .default([]),
});
export type ProfileDraft = z.infer<typeof profileDraftSchema>;
export type ProfileDraftInput = z.input<typeof profileDraftSchema>;

export const profileSchema = profileDraftSchema.extend({
  id: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** When a session was last opened with this profile: "recent connections". */
  lastConnectedAt: z.string().nullable().default(null),
});
export type Profile = z.infer<typeof profileSchema>;

export const PROFILE_FILE_SCHEMA_VERSION = 2;

export const profileFileSchema = z.object({
  schemaVersion: z.literal(PROFILE_FILE_SCHEMA_VERSION),
  profiles: z.array(profileSchema),
});
export type ProfileFile = z.infer<typeof profileFileSchema>;

/** Field name -> first message, for showing next to the field. */
export type FieldErrors = Partial<Record<keyof ProfileDraft, string>>;

/**
 * What the field schema cannot see alone: a host that is a proxy's ticket
 * (Proxmox's "pvespiceproxy:…") only makes sense with a SPICE proxy to
 * resolve it.
 */
/**
 * A host the system's resolver reads as an IPv4 address in another form than four plain decimal numbers: its
 * last label a number, as in "010.0.0.1" (octal: 8.0.0.1), "0x0a.0.0.1", "167772161" or "10.1" (both 10.0.0.1).
 * Such a host would go somewhere other than it seems to a reader and to the policy's IPv4 ranges.
 */
export function isAmbiguousIpv4(host: string): boolean {
  if (host.includes(':')) return false; // IPv6 (an IPv4-mapped one too)
  const last = host.replace(/\.$/, '').split('.').pop() ?? '';
  return /^(\d+|0x[0-9a-f]*)$/i.test(last) && !CANONICAL_IPV4.test(host.replace(/\.$/, ''));
}

/** Four numbers from 0 to 255, without leading zeros. */
const CANONICAL_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * A host typed with its port, as mstsc's and Remmina's address fields take it: "desk:3390", "[fe80::1]:5901",
 * and for VNC a display number ("desk:1" is port 5901, as vncviewer and Remmina read it; "desk::5901", TigerVNC's
 * way of saying a port). Null where the text is a host alone (an IPv6 address included) or not of that shape.
 */
export function splitHostAndPort(text: string, protocol: Protocol): { host: string; port: number } | null {
  const typed = text.trim();
  const match = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(typed) ?? /^([^\s:/[\]]+)(::?)(\d{1,5})$/.exec(typed);
  if (!match) return null;
  const [host, separator, digits] = match.length === 3 ? [match[1] as string, ':', match[2] as string] : [match[1] as string, match[2] as string, match[3] as string];
  // "fe80::1" is an IPv6 address, not TigerVNC's host::port.
  if (separator === '::' && /^[0-9A-Fa-f]*$/.test(host)) return null;
  const number = Number(digits);
  const port = protocol === 'vnc' && separator === ':' && number < 100 ? 5900 + number : number;
  return port >= 1 && port <= 65535 ? { host, port } : null;
}

export function hostProblem(draft: Pick<ProfileDraft, 'host' | 'protocol' | 'spiceProxy'>): string | null {
  if (isAmbiguousIpv4(draft.host)) return 'Write an IPv4 address as four numbers from 0 to 255 without leading zeros, such as 10.0.0.1.';
  if (HOST_PATTERN.test(draft.host)) return null;
  if (draft.protocol === 'spice' && draft.spiceProxy) return null;
  return 'Enter a host name or IP address only, without spaces, "://" or a path.';
}

/**
 * A start program in a connection its file made a RemoteApp ("RemoteApp (…)" among unsupportedFeatures): the two
 * cannot go together. RemoteApp shows one published program, a start program replaces a desktop's shell; a file
 * written with both would be one or the other (mstsc opens the RemoteApp, or, with RemoteApp turned off, a desktop
 * DeskBridge still refuses as RemoteApp), so the connection and its file would disagree. Returns the RemoteApp in
 * words ("the RemoteApp program Excel"), for the caller's sentence, or null where there is no such pair.
 */
export function remoteAppWithStartProgram(draft: Pick<ProfileDraft, 'protocol' | 'startProgram' | 'unsupportedFeatures'>): string | null {
  if (draft.protocol !== 'rdp' || draft.startProgram === '') return null;
  const remoteApp = draft.unsupportedFeatures.find((label) => label === 'RemoteApp' || label.startsWith('RemoteApp ('));
  if (!remoteApp) return null;
  const named = /^RemoteApp \((.*)\)$/.exec(remoteApp)?.[1];
  return named ? `the RemoteApp program ${named}` : 'a RemoteApp program';
}

export function validateProfileDraft(input: unknown): { ok: true; value: ProfileDraft } | { ok: false; errors: FieldErrors } {
  const result = profileDraftSchema.safeParse(input);
  if (result.success) {
    const problem = hostProblem(result.data);
    if (problem) return { ok: false, errors: { host: problem } };
    const remoteApp = remoteAppWithStartProgram(result.data);
    if (remoteApp) return { ok: false, errors: { startProgram: `This connection opens ${remoteApp} from its file, and a start program cannot go with a RemoteApp: leave this empty.` } };
    return { ok: true, value: result.data };
  }
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (typeof field === 'string' && !(field in errors)) errors[field as keyof ProfileDraft] = issue.message;
  }
  return { ok: false, errors };
}

/** Whether a connection's data path has no encryption between gateway and host, as far as its settings tell (VNC's VeNCrypt is found out while connecting). */
export function isUnencrypted(profile: { protocol: Protocol; spiceSecurity?: SpiceSecurity }): boolean {
  return profile.protocol === 'vnc' || (profile.protocol === 'spice' && profile.spiceSecurity !== 'tls');
}
