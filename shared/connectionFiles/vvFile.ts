// virt-viewer connection files (.vv), read by remote-viewer: a GLib key file
// with a mandatory [virt-viewer] group and "type" key (remote-viewer(1),
// section CONNECTION FILE). Brokers such as oVirt and Proxmox VE hand them out
// as one-shot tickets: a password valid for a minute or two and
// delete-this-file=1. So the password is returned apart from the draft, as
// `oneTimeSecret`, and is never part of it; other groups ([ovirt]) are kept.
import type { ProfileDraft } from '../profiles/profileSchema';
import {
  baseName,
  emptySettings,
  featureLabel,
  fileError,
  ignoredSettingsNote,
  parsePort,
  unsupportedFeaturesNote,
  validateImportedDraft,
  type FieldSources,
  type FileFailure,
  type ImportedSettings,
} from './fileResult';
import { emptyKeyFile, keyFileGroup, parseKeyFileDocument, setKeyFileValue, writeKeyFileDocument, type KeyFileDocument } from './keyFile';

export const VV_GROUP = 'virt-viewer';
const DEFAULT_PORT = 5900;

export interface VvImport {
  ok: true;
  format: 'vv';
  /** Validated by profileDraftSchema; protocol 'spice' or 'vnc'. Never holds the password. */
  draft: ProfileDraft;
  /** The draft's fields the file itself set (the others are built-in defaults, which IT's profileDefaults replace). */
  fileFields: (keyof ProfileDraft)[];
  /** The ticket's password, for this one connection; never store it. */
  oneTimeSecret: { password: string } | null;
  /** virt-viewer's delete-this-file: the broker asks that the file be removed once read. */
  deleteThisFile: boolean;
  settings: ImportedSettings;
  notes: string[];
  /** INVARIANT: holds the password (and oVirt tokens); keep it in memory only, never with a saved profile. */
  document: KeyFileDocument;
}

/** virt-viewer documents its flags as ints (0 or 1); GLib's booleans (true/false) are read too. */
function readFlag(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const lower = value.trim().toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  return null;
}

/**
 * oVirt titles carry "%d" (replaced by the monitor number) and a reminder of the
 * release-cursor keys, e.g. "Finance VM:%d - Press SHIFT+F12 to Release Cursor";
 * neither belongs in a profile name.
 */
/** delete-this-file read as virt-viewer reads it, an integer (any but 0 asks), GLib's true read too. */
function deletionAsked(value: string | undefined): boolean {
  const trimmed = (value ?? '').trim();
  return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) !== 0 : trimmed.toLowerCase() === 'true';
}

/**
 * Whether these bytes are a virt-viewer file that asks to be deleted once read (a broker's ticket, with its
 * password): the command line honours it whether the file is opened or imported. Anything else, a file virt-viewer
 * could not read included, asks nothing.
 */
export function vvAsksToBeDeleted(bytes: Uint8Array): boolean {
  const parsed = parseKeyFileDocument(bytes);
  return parsed.ok && deletionAsked(keyFileGroup(parsed.document, VV_GROUP)?.get('delete-this-file')?.value);
}

function nameFromTitle(title: string): string {
  return title
    .replace(/\s*-\s*Press .* to Release Cursor\s*$/i, '')
    .replace(/:?%d/g, '')
    .trim()
    .slice(0, 200);
}

export function parseVvFile(bytes: Uint8Array, options: { fileName?: string } = {}): VvImport | FileFailure {
  const parsed = parseKeyFileDocument(bytes);
  if (!parsed.ok) return parsed;
  const document = parsed.document;
  const entries = keyFileGroup(document, VV_GROUP);
  if (!entries) return fileError('missing-value', null, 'this is not a virt-viewer file: it has no [virt-viewer] section.');
  const get = (key: string) => entries.get(key)?.value.trim();
  const lineOf = (key: string) => entries.get(key)?.line ?? null;
  const sources: FieldSources = {};
  const notes: string[] = [];

  const type = get('type');
  if (type === undefined || type === '') return fileError('missing-value', lineOf('type'), "the [virt-viewer] section has no 'type', so it is not clear whether this is SPICE or VNC.");
  const protocol = type.toLowerCase();
  if (protocol !== 'spice' && protocol !== 'vnc') {
    return fileError('unsupported-protocol', lineOf('type'), `this virt-viewer file is of type '${type}'; DeskBridge opens virt-viewer files only for SPICE or VNC.`);
  }
  sources.protocol = { line: lineOf('type') as number, key: 'type' };

  const host = get('host');
  if (!host) return fileError('missing-value', lineOf('host'), "the [virt-viewer] section has no 'host', so there is no computer to connect to.");
  sources.host = { line: lineOf('host') as number, key: 'host' };

  // oVirt writes port=-1 when the console has no plain port.
  const readPort = (key: string): number | null | 'bad' => {
    const text = get(key);
    if (text === undefined || text === '' || text === '-1') return null;
    return parsePort(text) ?? 'bad';
  };
  const plainPort = readPort('port');
  const tlsPort = readPort('tls-port');
  if (plainPort === 'bad') return fileError('invalid-value', lineOf('port'), `'port' should be a port number from 1 to 65535, but is '${get('port')}'.`);
  if (tlsPort === 'bad') return fileError('invalid-value', lineOf('tls-port'), `'tls-port' should be a port number from 1 to 65535, but is '${get('tls-port')}'.`);
  let port = plainPort;
  if (plainPort !== null) sources.port = { line: lineOf('port') as number, key: 'port' };
  // SPICE with a TLS port: every channel inside TLS there (the server takes any channel on it), checked
  // against the file's CA and host subject (virt-viewer's ca, host-subject), whatever secure-channels lists.
  const spiceTls = protocol === 'spice' && tlsPort !== null;
  if (spiceTls) {
    port = tlsPort;
    sources.port = { line: lineOf('tls-port') as number, key: 'tls-port' };
    if (plainPort !== null) notes.push(`DeskBridge connects to this SPICE console's TLS port (${tlsPort}) for every channel, not its plain port (${plainPort}).`);
  }
  const ca = spiceTls ? get('ca') ?? '' : '';
  const hostSubject = spiceTls ? get('host-subject') ?? '' : '';
  if (ca) sources.caCertificate = { line: lineOf('ca') as number, key: 'ca' };
  if (hostSubject) sources.certificateSubject = { line: lineOf('host-subject') as number, key: 'host-subject' };

  // A SPICE proxy (Proxmox VE's spiceproxy) is an HTTP proxy that is asked to
  // CONNECT to "host"; then "host" is often not a resolvable name but a ticket
  // the proxy checks ("pvespiceproxy:…"). A VNC console's proxy is not done.
  const unsupported: string[] = [];
  const proxy = get('proxy') ?? '';
  if (proxy && protocol === 'spice') sources.spiceProxy = { line: lineOf('proxy') as number, key: 'proxy' };
  if (proxy && protocol !== 'spice') unsupported.push(featureLabel('VNC through a proxy', proxy));

  const title = get('title') ?? '';
  const validated = validateImportedDraft(
    {
      name: nameFromTitle(title) || baseName(options.fileName, '.vv') || host,
      protocol,
      host,
      port: port ?? DEFAULT_PORT,
      // Only what the file sets (fileFields): the rest takes IT's profileDefaults when saved.
      ...(get('username') ? { username: get('username') } : {}),
      ...(spiceTls ? { spiceSecurity: 'tls' as const } : {}),
      ...(ca ? { caCertificate: ca } : {}),
      ...(hostSubject ? { certificateSubject: hostSubject } : {}),
      ...(proxy && protocol === 'spice' ? { spiceProxy: proxy } : {}),
      // virt-viewer's fullscreen=1 opens the console full screen.
      ...(readFlag(get('fullscreen')) === null ? {} : { fullscreen: readFlag(get('fullscreen')) }),
      unsupportedFeatures: unsupported,
    },
    sources,
  );
  if (!validated.ok) return validated;
  notes.push(...unsupportedFeaturesNote(unsupported));
  // virt-viewer's USB and smart-card redirection: SPICE channels DeskBridge does not open.
  const asked: string[] = [];
  if (readFlag(get('enable-usbredir')) === true) asked.push('share USB devices (enable-usbredir)');
  if (readFlag(get('enable-smartcard')) === true) asked.push('share smart cards (enable-smartcard)');
  if (readFlag(get('enable-usb-autoshare')) === true) asked.push('share USB devices as they are plugged in (enable-usb-autoshare)');
  notes.push(...ignoredSettingsNote(asked));

  const password = entries.get('password')?.value;
  return {
    ok: true,
    format: 'vv',
    draft: validated.draft,
    fileFields: validated.fileFields,
    oneTimeSecret: password ? { password } : null,
    deleteThisFile: deletionAsked(get('delete-this-file')),
    settings: emptySettings(),
    notes,
    document,
  };
}

/**
 * Writes a profile as a .vv file: over the document it came from, if any, so
 * other keys and groups stay. The password is written only when the caller
 * passes one explicitly; the ticket's password and oVirt's session tokens from
 * the original are always left out.
 */
export function exportVvFile(
  draft: ProfileDraft,
  options: { original?: KeyFileDocument | null; settings?: Partial<ImportedSettings>; password?: string | null } = {},
): Uint8Array {
  if (draft.protocol !== 'spice' && draft.protocol !== 'vnc') throw new RangeError('A .vv file holds only SPICE or VNC connections.');
  let document = options.original ?? emptyKeyFile(VV_GROUP);
  const set = (key: string, value: string | null, group = VV_GROUP) => {
    document = setKeyFileValue(document, group, key, value);
  };
  set('type', draft.protocol);
  // virt-viewer's host is the bare name or address, IPv6 without brackets.
  set('host', draft.host.replace(/^\[|\]$/g, ''));
  const originalGroup = options.original ? keyFileGroup(options.original, VV_GROUP) : null;
  if (draft.protocol === 'spice' && draft.spiceSecurity === 'tls') {
    // The port is the TLS port; a plain port the original had stays as it was (port=-1 / none for a TLS-only console).
    set('tls-port', String(draft.port));
    const hasOwn = (key: string) => originalGroup?.has(key) === true;
    set('ca', draft.caCertificate.trim() ? draft.caCertificate : hasOwn('ca') ? '' : null);
    set('host-subject', draft.certificateSubject.trim() ? draft.certificateSubject : hasOwn('host-subject') ? '' : null);
  } else {
    set('port', String(draft.port));
  }
  if (draft.protocol === 'spice') set('proxy', draft.spiceProxy ? draft.spiceProxy : originalGroup?.has('proxy') ? '' : null);
  set('title', draft.name);
  set('username', draft.username || (options.original && keyFileGroup(options.original, VV_GROUP)?.has('username') ? '' : null));
  // A file's own way of saying it ("true") stays while it says the same.
  if (readFlag(originalGroup?.get('fullscreen')?.value) !== draft.fullscreen) set('fullscreen', draft.fullscreen ? '1' : originalGroup?.has('fullscreen') ? '0' : null);
  set('password', options.password ? options.password : null);
  if (keyFileGroup(document, 'ovirt')) {
    set('sso-token', null, 'ovirt');
    set('jsessionid', null, 'ovirt');
  }
  return writeKeyFileDocument(document);
}
