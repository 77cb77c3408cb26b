// Remmina connection profiles (.remmina): a GLib key file with a [remmina]
// group. Key names and values are those of Remmina's own sources
// (src/remmina_file.c, plugins/rdp|vnc|spice), which are the only reference:
// - group: folder path, nested with "/" (remmina_file_manager_add_group splits
//   on "/"; a "\" is an ordinary character there, and stays one here).
// - labels: comma-separated (the editor's hint is "Label1,Label2"; the main
//   window's filter splits on ",").
// - server: host[:port], IPv6 in brackets; for VNC a port below 100 is a
//   display number (":1" means 5901), as the VNC plugin reads it.
// - password and the other secret keys hold either "." (kept in the keyring by
//   Remmina's secret plugin) or text encrypted with a key in remmina.pref, so
//   neither can be imported.
import type { ProfileDraft, Protocol } from '../profiles/profileSchema';
import {
  baseName,
  emptySettings,
  featureLabel,
  fileError,
  hostForAddress,
  ignoredSettingsNote,
  splitHostPort,
  startProgramOnlyLabelled,
  startTextTooLong,
  START_TEXT_MAX,
  unsupportedFeaturesNote,
  validateImportedDraft,
  type FieldSources,
  type FileFailure,
  type ImportedSettings,
} from './fileResult';
import { emptyKeyFile, keyFileGroup, keyFileValue, parseKeyFileDocument, setKeyFileValue, writeKeyFileDocument, type KeyFileDocument } from './keyFile';

export const REMMINA_GROUP = 'remmina';

export const ENCRYPTED_REMMINA_PASSWORD_NOTE = "Remmina's saved password is encrypted with a key only Remmina has; it was not imported.";
export const KEYRING_REMMINA_PASSWORD_NOTE = "Remmina keeps this connection's password in the system keyring, where DeskBridge cannot read it; it was not imported.";

const PROTOCOLS: Record<string, Protocol> = { RDP: 'rdp', VNC: 'vnc', SPICE: 'spice' };
const DEFAULT_PORTS: Record<Protocol, number> = { rdp: 3389, vnc: 5900, spice: 5900 };
/** Plugin names Remmina users will recognise, for the "unsupported protocol" message. */
const OTHER_PROTOCOLS: Record<string, string> = { SSH: 'SSH', SFTP: 'SFTP', VNCI: 'incoming VNC', X2GO: 'X2Go', NX: 'NX', XDMCP: 'XDMCP', WWW: 'web', EXEC: 'command', KWIN: 'KWin', GVNC: 'GVNC' };
/** Keys Remmina encrypts or hands to the keyring (remmina_plugin_manager_is_encrypted_setting). */
const SECRET_KEYS = ['password', 'ssh_tunnel_password', 'ssh_tunnel_passphrase', 'ssh_password', 'ssh_passphrase', 'gateway_password'];

const QUALITY: Record<string, ImportedSettings['quality']> = { '0': 'poor', '1': 'medium', '2': 'good', '9': 'best' };
const QUALITY_VALUES = { poor: '0', medium: '1', good: '2', best: '9' } as const;

export interface RemminaImport {
  ok: true;
  format: 'remmina';
  /** Validated by profileDraftSchema. */
  draft: ProfileDraft;
  /** The draft's fields the file itself set (the others are built-in defaults, which IT's profileDefaults replace). */
  fileFields: (keyof ProfileDraft)[];
  settings: ImportedSettings;
  notes: string[];
  /** Holds Remmina's encrypted password if there was one (useless outside Remmina); export blanks it. */
  document: KeyFileDocument;
}

/** Local devices a Remmina profile can share that DeskBridge does not; only keys that ask (a 1, a folder) count. */
function ignoredRemminaSettings(get: (key: string) => string | undefined): string[] {
  const asked: string[] = [];
  if (get('sharefolder')) asked.push(`share the folder ${get('sharefolder')} (sharefolder)`);
  if (remminaFlag(get('shareprinter'))) asked.push('share printers (shareprinter)');
  if (remminaFlag(get('sharesmartcard'))) asked.push('share smart cards (sharesmartcard)');
  if (remminaFlag(get('multimon'))) asked.push('use all monitors (multimon)');
  // microphone and usb are FreeRDP option text in Remmina's RDP plugin ("sys:pulse", "auto"); "0" or nothing asks nothing.
  if (asksFor(get('microphone'))) asked.push('send the microphone (microphone)');
  if (asksFor(get('usb'))) asked.push('share USB devices (usb)');
  if (get('precommand')) asked.push(`run ${shortened(get('precommand') as string)} before connecting (precommand)`);
  if (get('postcommand')) asked.push(`run ${shortened(get('postcommand') as string)} after disconnecting (postcommand)`);
  return asked;
}

function asksFor(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '' && (remminaFlag(value) || !/^\s*[-+]?\d/.test(value) && !/^\s*f/i.test(value));
}

function shortened(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function parseInt10(value: string | undefined): number | null {
  return value !== undefined && /^\s*-?\d+\s*$/.test(value) ? Number(value) : null;
}

/**
 * A Remmina boolean as Remmina reads it (remmina_file_get_int): a value that
 * starts with "t" (true) is on, otherwise its leading number (atoi), so "1",
 * "true" and "True" are on and "0", "false" or nothing are off.
 */
function remminaFlag(value: string | undefined): boolean {
  if (value === undefined) return false;
  const text = value.trim();
  if (/^t/i.test(text)) return true;
  const number = /^[+-]?\d+/.exec(text);
  return number !== null && Number(number[0]) !== 0;
}

/** The custom desktop size a Remmina RDP file asks for (see importRemminaDocument), or null for the window's or the screen's. */
function remminaCustomSize(get: (key: string) => string | undefined): { width: number; height: number } | null {
  const width = parseInt10(get('resolution_width'));
  const height = parseInt10(get('resolution_height'));
  if (width === null || height === null || width <= 0 || height <= 0) return null;
  const mode = parseInt10(get('resolution_mode'));
  return mode === null || mode === 0 ? { width, height } : null;
}

export function parseRemminaFile(bytes: Uint8Array, options: { fileName?: string } = {}): RemminaImport | FileFailure {
  const parsed = parseKeyFileDocument(bytes);
  return parsed.ok ? importRemminaDocument(parsed.document, options) : parsed;
}

/** parseRemminaFile for a document already split into lines (an export compares the profile with what its original says). */
export function importRemminaDocument(document: KeyFileDocument, options: { fileName?: string } = {}): RemminaImport | FileFailure {
  const entries = keyFileGroup(document, REMMINA_GROUP);
  if (!entries) return fileError('missing-value', null, 'this is not a Remmina connection file: it has no [remmina] section.');
  const get = (key: string) => entries.get(key)?.value.trim();
  const lineOf = (key: string) => entries.get(key)?.line ?? null;
  const source = (key: string) => ({ line: lineOf(key) as number, key });
  const sources: FieldSources = {};
  const notes: string[] = [];

  const protocolName = get('protocol') ?? '';
  if (!protocolName) return fileError('missing-value', lineOf('protocol'), "the [remmina] section has no 'protocol', so it is not clear whether this is RDP, VNC or SPICE.");
  const protocol = PROTOCOLS[protocolName.toUpperCase()];
  if (!protocol) {
    const known = OTHER_PROTOCOLS[protocolName.toUpperCase()] ?? `'${protocolName}'`;
    return fileError('unsupported-protocol', lineOf('protocol'), `this is a Remmina ${known} connection; DeskBridge opens only RDP, VNC and SPICE connections.`);
  }
  sources.protocol = source('protocol');

  const server = splitHostPort(get('server') ?? '');
  if (!server || !server.host) return fileError('missing-value', lineOf('server'), "the [remmina] section has no 'server', so there is no computer to connect to.");
  if (server.portText !== null && server.port === null) {
    return fileError('invalid-value', lineOf('server'), `'server' has the port '${server.portText}'; a port is a number from 1 to 65535.`);
  }
  sources.host = source('server');
  sources.port = source('server');
  let port = server.port ?? DEFAULT_PORTS[protocol];
  if (protocol === 'vnc' && port < 100) port += 5900;

  for (const key of SECRET_KEYS) {
    const value = get(key);
    if (!value) continue;
    const note = value === '.' ? KEYRING_REMMINA_PASSWORD_NOTE : ENCRYPTED_REMMINA_PASSWORD_NOTE;
    if (!notes.includes(note)) notes.push(note);
  }

  const unsupported: string[] = [];
  /** A start program too long to send, left out and labelled (startTextTooLong): in `unsupported`, with a note of its own. */
  const startLeftOut: string[] = [];
  // Remmina's SSH tunnel carries the connection through an SSH server; going
  // straight to the host instead would reach something else, or nothing.
  // Remmina before 1.4 wrote ssh_enabled and ssh_server; its loader
  // (upgrade_sshkeys_202001) turns a file's ssh_enabled, whatever else it
  // holds, into ssh_tunnel_enabled, and ssh_server into ssh_tunnel_server.
  const legacySsh = entries.has('ssh_enabled');
  if (remminaFlag(get(legacySsh ? 'ssh_enabled' : 'ssh_tunnel_enabled'))) {
    unsupported.push(featureLabel('SSH tunnel', (legacySsh && get('ssh_server')) || get('ssh_tunnel_server') || get('ssh_server') || ''));
  }
  if (protocol === 'rdp') {
    if (get('gateway_server')) unsupported.push(featureLabel('RD Gateway', get('gateway_server') as string));
    if (get('loadbalanceinfo')) unsupported.push('Connection broker load-balance info');
  }
  // VNC's "proxy" is a repeater (UltraVNC style); SPICE's is an HTTP proxy.
  if (protocol === 'vnc' && get('proxy')) unsupported.push(featureLabel('VNC repeater', get('proxy') as string));
  if (protocol === 'spice' && get('proxy')) unsupported.push(featureLabel('SPICE proxy', get('proxy') as string));
  // Remmina's SPICE with usetls connects to the server's port as its TLS port.
  const spiceTls = protocol === 'spice' && remminaFlag(get('usetls'));
  if (spiceTls && get('cacert')) {
    notes.push(`The CA file this connection names (${get('cacert')}) is not read: DeskBridge checks the server's certificate against this computer's and your organisation's authorities, and otherwise asks you.`);
  }

  const input: Record<string, unknown> = {
    name: get('name') || baseName(options.fileName, '.remmina') || server.host,
    protocol,
    host: server.host,
    port,
    // Only what the file sets (fileFields; Remmina writes empty keys for what was never chosen): the rest takes IT's profileDefaults when saved.
    ...(get('username') ? { username: get('username') } : {}),
    ...(get('group') ? { folder: get('group') } : {}),
    ...(get('labels')
      ? {
          tags: (get('labels') ?? '')
            .split(',')
            .map((label) => label.trim())
            .filter(Boolean),
        }
      : {}),
    unsupportedFeatures: unsupported,
    ...(spiceTls ? { spiceSecurity: 'tls' } : {}),
  };
  if (get('name')) sources.name = source('name');
  if (entries.has('username')) sources.username = source('username');
  if (entries.has('group')) sources.folder = source('group');
  if (entries.has('labels')) sources.tags = source('labels');

  // scale: 0 none (1:1), 1 scaled to the window, 2 dynamic resolution (RDP).
  const scale = parseInt10(get('scale'));
  if (scale !== null) input.scaling = scale === 0 ? 'actual' : 'fit';
  if (protocol === 'rdp') {
    if (get('domain')) input.domain = get('domain');
    if (entries.has('domain')) sources.domain = source('domain');
    // resolution_mode: 0 custom (resolution_width × resolution_height), 1 the
    // client's screen, 2 the initial window size (RES_USE_* in Remmina's
    // remmina_protocol_widget.h). Without a mode, Remmina takes a size above 0
    // as custom and otherwise the window's. Only a custom size fixes the
    // desktop: Remmina writes resolution_width=0 (or leaves an old size) in
    // the other modes, which says nothing.
    const size = remminaCustomSize(get);
    if (size) {
      input.desktopWidth = size.width;
      input.desktopHeight = size.height;
      sources.desktopWidth = source('resolution_width');
      sources.desktopHeight = source('resolution_height');
    }
    if (size || scale === 2) input.desktopSize = scale !== 2 && size ? 'fixed' : 'fit-window';
    // security: "" negotiate (Remmina's automatic: not a choice, so IT's default applies), "nla", "tls", "rdp" (legacy), "ext" (NLA extended).
    const security = (get('security') ?? '').toLowerCase();
    if (security) input.rdpSecurity = security === 'tls' ? 'tls' : security === 'nla' || security === 'ext' ? 'nla' : 'negotiate';
    if (security === 'rdp') notes.push("This connection asked for the old 'RDP' security layer; DeskBridge negotiates TLS or NLA instead.");
    // exec and execpath: Remmina's "Start-up program" and "Start-up path", which its RDP plugin sends as the alternate shell and its folder.
    for (const [field, key, what] of [['startProgram', 'exec', 'program'], ['startFolder', 'execpath', 'folder']] as const) {
      const value = get(key);
      if (!value) continue;
      if (value.length > START_TEXT_MAX) {
        const tooLong = startTextTooLong(what, value, source(key));
        notes.push(tooLong.note);
        if (tooLong.label) {
          startLeftOut.push(tooLong.label);
          unsupported.push(tooLong.label);
        }
        continue;
      }
      input[field] = value;
      sources[field] = source(key);
    }
  } else {
    if (get('viewonly')?.trim()) input.viewOnly = remminaFlag(get('viewonly'));
  }
  // viewmode: 0 Remmina's default (its preferences say), 1 scrolled window, 2 fullscreen, 3 scrolled fullscreen,
  // 4 viewport fullscreen (remmina_pref.h): the three full-screen ones start in full screen here.
  const viewmode = parseInt10(get('viewmode'));
  if (viewmode !== null && viewmode >= 1 && viewmode <= 4) {
    input.fullscreen = viewmode !== 1;
    sources.fullscreen = source('viewmode');
  }
  if (get('disableclipboard')?.trim()) input.shareClipboard = !remminaFlag(get('disableclipboard'));
  // quality: 9 best, 2 good, 1 medium, 0 poor; for VNC it becomes the profile's picture quality.
  const quality = QUALITY[get('quality') ?? ''] ?? null;
  if (protocol === 'vnc' && quality !== null) {
    input.vncQuality = quality;
    sources.vncQuality = source('quality');
  }

  const validated = validateImportedDraft(input, sources);
  if (!validated.ok) return validated;
  notes.push(...unsupportedFeaturesNote(unsupported.filter((label) => !startLeftOut.includes(label))));
  notes.push(...ignoredSettingsNote(ignoredRemminaSettings(get)));

  const depth = parseInt10(get('colordepth'));
  const settings: ImportedSettings = {
    ...emptySettings(),
    // 99 (and 0) mean "automatic" in Remmina's RDP plugin.
    colorDepth: depth !== null && [8, 15, 16, 24, 32].includes(depth) ? depth : null,
    quality,
  };
  return { ok: true, format: 'remmina', draft: validated.draft, fileFields: validated.fileFields, settings, notes, document };
}

/**
 * Writes a profile as a .remmina file. Given the document the profile was
 * imported from, every line stays as it was (unknown keys, mapped keys the
 * user did not change); a key the profile changed is written in place, or
 * added after the group's last line where the file had none. Secret keys from
 * the original are blanked (an encrypted password is useless without the
 * Remmina that wrote it, and an export never carries one). Without an
 * original, every mapped key is written.
 *
 * Lossy where Remmina has no word for it: tags containing "," split into two;
 * a VNC port below 100 reads back as a display number.
 */
export function exportRemminaFile(
  draft: ProfileDraft,
  options: { original?: KeyFileDocument | null; settings?: Partial<ImportedSettings>; gateway?: string | null } = {},
): Uint8Array {
  const original = options.original ?? null;
  let document = original ?? emptyKeyFile(REMMINA_GROUP);
  const settings = options.settings ?? {};
  const set = (key: string, value: string | null) => {
    document = setKeyFileValue(document, REMMINA_GROUP, key, value);
  };
  const originalEntries = original ? keyFileGroup(original, REMMINA_GROUP) : null;
  const had = (key: string) => originalEntries?.has(key) ?? false;
  // Over an original, a key is written only where the profile now differs from what the file
  // says: "scale=2" or "resolution_mode=2" added with DeskBridge's default changes how Remmina behaves.
  // (A file with no "name" reads back named after its host, the file's own name being unknown here.)
  const before = original ? importRemminaDocument(original) : null;
  const was = before?.ok ? before.draft : null;
  const wasSettings = before?.ok ? before.settings : null;
  const changed = (...fields: (keyof ProfileDraft)[]) => was === null || fields.some((field) => JSON.stringify(draft[field]) !== JSON.stringify(was[field]));
  const settingChanged = (key: 'colorDepth' | 'quality') => settings[key] != null && (wasSettings === null || settings[key] !== wasSettings[key]);

  if (changed('name')) set('name', draft.name);
  if (changed('folder')) set('group', draft.folder);
  if (changed('tags')) set('labels', draft.tags.join(','));
  if (changed('protocol')) set('protocol', draft.protocol.toUpperCase());
  if (changed('host', 'port')) {
    const address = hostForAddress(draft.host);
    set('server', draft.port === DEFAULT_PORTS[draft.protocol] ? address : `${address}:${draft.port}`);
  }
  if (changed('username')) set('username', draft.username);
  if (draft.protocol === 'rdp') {
    if (changed('domain') && (draft.domain || had('domain'))) set('domain', draft.domain);
    if (changed('rdpSecurity')) set('security', draft.rdpSecurity === 'negotiate' ? '' : draft.rdpSecurity);
    // A connection imported before start programs were taken holds its program only as a label: its lines stay.
    const startKept = startProgramOnlyLabelled(draft.unsupportedFeatures);
    // An original whose exec was too long to take (left out and labelled, so `was` says '' as a cleared field does):
    // where the draft's label has gone (a program entered, maybe cleared since), the draft always differs from the
    // file's line, so a cleared program is written empty rather than the old one kept.
    const tooLongProgram = !startKept && was !== null && startProgramOnlyLabelled(was.unsupportedFeatures);
    const programChanged = tooLongProgram || changed('startProgram');
    if (!startKept && programChanged && (draft.startProgram || had('exec'))) set('exec', draft.startProgram);
    if (!startKept && changed('startFolder') && (draft.startFolder || had('execpath'))) set('execpath', draft.startFolder);
    // An RD Gateway from an .rdp file: Remmina goes through gateway_server whenever it is set.
    if (options.gateway && !keyFileValue(document, REMMINA_GROUP, 'gateway_server')) set('gateway_server', options.gateway);
    // scale: 0 none, 1 scaled to the window, 2 dynamic resolution (which makes the desktop follow the window).
    const scale = draft.scaling === 'fit' ? (draft.desktopSize === 'fixed' ? '1' : '2') : '0';
    if (draft.desktopSize === 'fixed') {
      if (changed('desktopSize')) set('resolution_mode', '0');
      if (changed('desktopSize', 'desktopWidth', 'desktopHeight')) {
        set('resolution_width', String(draft.desktopWidth));
        set('resolution_height', String(draft.desktopHeight));
      }
      // A file that fitted the window through scale=2 is fixed only once its scale is not 2.
      if (changed('desktopSize', 'scaling')) set('scale', scale);
    } else {
      if (changed('desktopSize')) set('resolution_mode', '2');
      if (changed('desktopSize', 'scaling')) set('scale', scale);
      // A file that fitted the window only through scale=2 (with a custom size) needs another mode without it.
      const now = (key: string) => keyFileValue(document, REMMINA_GROUP, key) ?? undefined;
      if (parseInt10(now('scale')) !== 2 && remminaCustomSize(now)) set('resolution_mode', '2');
    }
  } else {
    if (changed('scaling')) set('scale', draft.scaling === 'fit' ? '1' : '0');
    if (changed('viewOnly')) set('viewonly', draft.viewOnly ? '1' : '0');
    if (draft.protocol === 'vnc' && changed('vncQuality')) set('quality', QUALITY_VALUES[draft.vncQuality]);
    if (draft.protocol === 'spice' && changed('spiceSecurity') && (draft.spiceSecurity === 'tls' || had('usetls'))) set('usetls', draft.spiceSecurity === 'tls' ? '1' : '0');
  }
  // Full screen is written as Remmina's viewport full screen (4); a file's own full-screen mode (2 or 3) stays while the connection stays full screen.
  if (changed('fullscreen') && (draft.fullscreen || had('viewmode') || was === null)) set('viewmode', draft.fullscreen ? '4' : '1');
  if (changed('shareClipboard') && (!draft.shareClipboard || had('disableclipboard'))) set('disableclipboard', draft.shareClipboard ? '0' : '1');
  if (settingChanged('colorDepth')) set('colordepth', String(settings.colorDepth));
  if (settingChanged('quality') && draft.protocol !== 'vnc') set('quality', QUALITY_VALUES[settings.quality as keyof typeof QUALITY_VALUES]);
  // INVARIANT: an export never carries a password, encrypted or not.
  for (const key of SECRET_KEYS) if (had(key)) set(key, '');
  return writeKeyFileDocument(document);
}
