// Microsoft .rdp files, as written by Remote Desktop Connection (mstsc) and RD
// Web Access: one `name:type:value` setting per line, type s (text), i (whole
// number) or b (hex binary). Property names and values are documented in
// "Supported RDP properties" (https://learn.microsoft.com/windows-server/remote/
// remote-desktop-services/clients/rdp-files). mstsc saves UTF-16LE with a BOM
// and CRLF; UTF-8 files are read too.
//
// The document keeps EVERY line in order (settings DeskBridge does not know,
// blank lines, even lines that do not parse) with its own line ending, so that
// an unchanged document is written back byte for byte and an export of an
// imported profile changes only the settings it maps, in place.
import { remoteAppWithStartProgram, type ProfileDraft } from '../profiles/profileSchema';
import {
  baseName,
  decodingFailure,
  emptySettings,
  featureLabel,
  startProgramOnlyLabelled,
  startTextTooLong,
  START_TEXT_MAX,
  fileError,
  hostForAddress,
  ignoredSettingsNote,
  splitHostPort,
  unsupportedFeaturesNote,
  validateImportedDraft,
  type FieldSources,
  type FileFailure,
  type ImportedSettings,
} from './fileResult';
import {
  appendTextLines,
  decodeConnectionFileText,
  encodeConnectionFileText,
  joinTextLines,
  prevailingLineEnding,
  splitTextLines,
  type LineEnding,
  type TextEncodingName,
} from './textEncoding';

export type RdpValueType = 's' | 'i' | 'b';

export type RdpLine =
  | { kind: 'setting'; name: string; type: RdpValueType; value: string; text: string; eol: LineEnding }
  | { kind: 'blank'; text: string; eol: LineEnding }
  /** Kept verbatim so it is written back; `problem` says why it is not a setting. */
  | { kind: 'unparsed'; text: string; eol: LineEnding; problem: string };

export interface RdpDocument {
  encoding: TextEncodingName;
  lines: RdpLine[];
}

export const RDP_DEFAULT_PORT = 3389;

export const SIGNED_FILE_NOTE = 'This file is signed; changing it in DeskBridge will break the signature.';
export const ANSI_FILE_NOTE =
  "This file is not Unicode text; DeskBridge read it as Windows-1252 (Western European), as Remote Desktop Connection does on such a computer. If a name with accents looks wrong, save the file again from Remote Desktop Connection.";
export const ENCRYPTED_PASSWORD_NOTE = 'The file contains an encrypted password, which only Windows can read; it was not imported.';
export const LEGACY_SECURITY_NOTE =
  "This file turns off security negotiation (negotiate security layer:i:0), which asks for the old 'RDP' security layer; DeskBridge negotiates TLS or NLA instead.";
export const CLEAR_PASSWORD_NOTE = 'The file contains a password in plain text; it was not imported, and DeskBridge keeps no copy of it.';
export const GATEWAY_PASSWORD_NOTE = "The file contains the RD Gateway's password or access token; it was not imported, and DeskBridge keeps no copy of it.";

/** desktopscalefactor above 100: what DeskBridge does in its place (see importRdpDocument). */
export function scaleFactorNote(percent: number): string {
  return `This file asks for the remote desktop at a scale of ${percent} % (desktopscalefactor:i:${percent}). DeskBridge turned on “Optimise for high-resolution displays” instead, which scales it as this display is scaled (not at all on a display at 100 %).`;
}

/**
 * A line that holds a secret: mstsc's "password 51:b" (encrypted for one
 * Windows user), the plain "password:s:" and "gatewaypassword:s:" other
 * clients write, "gatewayaccesstoken:s:", and any other setting named for a
 * password. Such a line is
 * never written by an export, nor kept with an imported connection.
 */
export function isRdpSecretSetting(name: string): boolean {
  return /password|accesstoken/i.test(name);
}

/** The document without any secret line (isRdpSecretSetting); the same document when it has none. */
export function withoutRdpSecrets(document: RdpDocument): RdpDocument {
  // A line mstsc cannot read ("password:x:…") is kept verbatim elsewhere; a secret's goes all the same.
  const lines = document.lines.filter((line) => line.kind === 'blank' || !isRdpSecretSetting(line.kind === 'setting' ? line.name : (line.text.split(':')[0] ?? '')));
  return lines.length === document.lines.length ? document : { ...document, lines };
}

function describeLine(text: string): RdpLine | { problem: string } {
  const firstColon = text.indexOf(':');
  if (firstColon === -1) return { problem: `'${shorten(text.trim())}' is not a setting; each line must be name:type:value, e.g. 'full address:s:pc.example.com'.` };
  const name = text.slice(0, firstColon);
  if (!name.trim()) return { problem: 'the setting has no name before the first ":".' };
  const secondColon = text.indexOf(':', firstColon + 1);
  const type = secondColon === -1 ? null : text.slice(firstColon + 1, secondColon);
  if (type === null || type.length !== 1) {
    return { problem: `'${shorten(name.trim())}' has no type; a setting is written name:type:value, with type s (text), i (number) or b (binary).` };
  }
  const lower = type.toLowerCase();
  if (lower !== 's' && lower !== 'i' && lower !== 'b') return { problem: `'${shorten(name.trim())}' has the type '${type}', which is not s (text), i (number) or b (binary).` };
  return { kind: 'setting', name, type: lower, value: text.slice(secondColon + 1), text, eol: '' };
}

export function parseRdpText(text: string, encoding: TextEncodingName): RdpDocument {
  const lines: RdpLine[] = splitTextLines(text).map(({ text: raw, eol }) => {
    if (raw.trim() === '') return { kind: 'blank', text: raw, eol };
    const described = describeLine(raw);
    return 'problem' in described ? { kind: 'unparsed', text: raw, eol, problem: described.problem } : { ...described, eol };
  });
  return { encoding, lines };
}

/** Decodes and splits into lines. Fails only when the bytes are not text; lines that do not parse are kept. */
export function parseRdpDocument(bytes: Uint8Array): { ok: true; document: RdpDocument } | FileFailure {
  const decoded = decodeConnectionFileText(bytes, { ansiFallback: true });
  if (!decoded.ok) return decodingFailure(decoded);
  return { ok: true, document: parseRdpText(decoded.text, decoded.encoding) };
}

export function writeRdpText(document: RdpDocument): string {
  return joinTextLines(document.lines);
}

/** Writes the document in its own encoding: an unchanged document gives back the bytes it was read from. */
export function writeRdpDocument(document: RdpDocument): Uint8Array {
  return encodeConnectionFileText(writeRdpText(document), document.encoding);
}

/** mstsc matches names without regard to case or surrounding blanks. */
function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export interface RdpSetting {
  type: RdpValueType;
  value: string;
  /** 1-based line number. */
  line: number;
  name: string;
}

/** The setting's last occurrence (later lines override earlier ones, as in mstsc). */
export function getRdpSetting(document: RdpDocument, name: string): RdpSetting | null {
  for (let i = document.lines.length - 1; i >= 0; i--) {
    const line = document.lines[i] as RdpLine;
    if (line.kind === 'setting' && sameName(line.name, name)) return { type: line.type, value: line.value, line: i + 1, name: line.name.trim() };
  }
  return null;
}

/**
 * Sets a setting in place (its last occurrence, keeping the name's spelling),
 * or appends it. Returns a new document; the given one is not changed.
 */
export function setRdpSetting(document: RdpDocument, name: string, type: RdpValueType, value: string): RdpDocument {
  const clean = value.replace(/[\r\n]+/g, ' ');
  const eol = prevailingLineEnding(document.lines, '\r\n');
  for (let i = document.lines.length - 1; i >= 0; i--) {
    const line = document.lines[i] as RdpLine;
    if (line.kind === 'setting' && sameName(line.name, name)) {
      if (line.type === type && line.value === clean) return document;
      const lines = [...document.lines];
      lines[i] = { kind: 'setting', name: line.name, type, value: clean, text: `${line.name}:${type}:${clean}`, eol: line.eol };
      return { ...document, lines };
    }
  }
  const added: RdpLine = { kind: 'setting', name, type, value: clean, text: `${name}:${type}:${clean}`, eol };
  return { ...document, lines: appendTextLines(document.lines, [added], eol) };
}

export function removeRdpSetting(document: RdpDocument, name: string): RdpDocument {
  return { ...document, lines: document.lines.filter((line) => !(line.kind === 'setting' && sameName(line.name, name))) };
}

export interface RdpImport {
  ok: true;
  format: 'rdp';
  /** Validated by profileDraftSchema; protocol 'rdp'. */
  draft: ProfileDraft;
  /** The draft's fields the file itself set (the others are built-in defaults, which IT's profileDefaults replace). */
  fileFields: (keyof ProfileDraft)[];
  settings: ImportedSettings;
  /** What the user must be told: signature, ignored password, unsupported features. */
  notes: string[];
  /** Keep it with the profile (it holds no secret DeskBridge can read) to export with every unknown line intact. */
  document: RdpDocument;
}

/** Local devices and sign-in routes an .rdp file can ask for that DeskBridge does not provide; only lines that ask (a 1, a name) count. */
function ignoredRdpSettings(text: (name: string) => string, int: (name: string) => number | null): string[] {
  const asked: string[] = [];
  if (text('drivestoredirect')) asked.push(`share this computer's drives (drivestoredirect:s:${shorten(text('drivestoredirect'))})`);
  if (int('redirectprinters') === 1) asked.push('share printers (redirectprinters)');
  if (int('redirectsmartcards') === 1) asked.push('share smart cards (redirectsmartcards)');
  if (int('audiocapturemode') === 1) asked.push('send the microphone (audiocapturemode)');
  if (int('use multimon') === 1) asked.push('use all monitors (use multimon)');
  if (text('selectedmonitors')) asked.push(`use the chosen monitors (selectedmonitors:s:${shorten(text('selectedmonitors'))})`);
  if (text('kdcproxyname')) asked.push(`sign in through the KDC proxy ${shorten(text('kdcproxyname'))} (kdcproxyname)`);
  // DeskBridge plays no RDP sound, always asks for 32-bit colour and always reconnects a desktop that dropped; a
  // file asking otherwise is told so.
  if (int('audiomode') === 0) asked.push("play the remote computer's sound on this computer (audiomode:i:0)");
  if (int('audiomode') === 1) asked.push('play the sound on the remote computer (audiomode:i:1)');
  if (int('autoreconnection enabled') === 0) asked.push('not reconnect by itself when the connection drops (autoreconnection enabled:i:0)');
  const bpp = int('session bpp');
  if (bpp !== null && bpp !== 32) asked.push(`use ${bpp}-bit colour (session bpp:i:${bpp})`);
  return asked;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** Values mstsc would not use, by setting: outside these ranges they are passed over. */
const RANGES: Record<string, [number, number]> = {
  desktopwidth: [200, 8192],
  desktopheight: [200, 8192],
  'server port': [1, 65535],
  // The remote session's scale factor in per cent: MS-RDPBCGR's TS_UD_CS_CORE ignores one outside 100–500.
  desktopscalefactor: [100, 500],
};

/**
 * Settings that decide where the connection goes. Passing over one of these,
 * as mstsc would, could send DeskBridge straight to a host the file meant to
 * reach another way (or another host): such a line is refused instead.
 */
const ROUTING_SETTINGS = [
  'full address',
  'alternate full address',
  'server port',
  'gatewayhostname',
  'gatewayusagemethod',
  'remoteapplicationmode',
  'remoteapplicationprogram',
  'alternate shell',
  'loadbalanceinfo',
  'pcb',
];

/** Why mstsc would pass over this line, in words naming the setting, or null when it reads it. */
function unusableReason(line: RdpLine): string | null {
  if (line.kind === 'unparsed') return line.problem;
  if (line.kind !== 'setting') return null;
  const name = line.name.trim();
  const value = line.value.trim();
  if (line.type === 'i' && !/^-?\d+$/.test(value)) return value ? `'${name}' should be a whole number, but is '${shorten(value)}'.` : `'${name}' has no value.`;
  if (line.type === 'b' && !/^[0-9a-fA-F]*$/.test(value)) return `'${name}' should be hexadecimal data.`;
  const range = line.type === 'i' ? RANGES[name.toLowerCase()] : undefined;
  if (range && (Number(value) < range[0] || Number(value) > range[1])) return `'${name}' is ${value}, outside ${range[0]} to ${range[1]}.`;
  return null;
}

function lineName(line: RdpLine): string {
  return line.kind === 'blank' ? '' : line.text.split(':')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The document as mstsc reads it: lines it would pass over become unparsed
 * (so no setting is read from them), each listed for the note; a routing
 * setting among them is an error instead.
 */
function usableDocument(document: RdpDocument): { ok: true; usable: RdpDocument; skipped: number[] } | FileFailure {
  const skipped: number[] = [];
  const lines = document.lines.map((line, index): RdpLine => {
    const reason = unusableReason(line);
    if (reason === null || line.kind === 'blank') return line;
    skipped.push(index + 1);
    return { kind: 'unparsed', text: line.text, eol: line.eol, problem: reason };
  });
  for (const index of skipped) {
    const line = lines[index - 1] as Extract<RdpLine, { kind: 'unparsed' }>;
    if (ROUTING_SETTINGS.includes(lineName(line))) return fileError('malformed-line', index, line.problem);
  }
  if (!lines.some((line) => line.kind === 'setting')) {
    return document.lines.length === 0 || skipped.length === 0
      ? fileError('missing-value', null, 'the file is empty.')
      : fileError('unknown-format', null, 'this is not an .rdp file: none of its lines is a setting written name:type:value.');
  }
  return { ok: true, usable: { ...document, lines }, skipped };
}

/** One note for every line passed over, naming them, so nothing is skipped unsaid. */
function skippedLinesNote(skipped: readonly number[]): string[] {
  if (skipped.length === 0) return [];
  const shown = skipped.slice(0, 10).join(', ');
  const more = skipped.length > 10 ? ` and ${skipped.length - 10} more` : '';
  return [`DeskBridge passed over ${skipped.length === 1 ? 'line' : 'lines'} ${shown}${more} of this file, which it could not read or use, as Remote Desktop Connection does.`];
}

/**
 * Reads an .rdp file into a profile draft, as leniently as mstsc: a line that
 * is not a setting, or a value that cannot be used, is passed over with a note.
 * Strict where a silent guess would connect somewhere unintended: no usable
 * 'full address', or an unreadable line that decides where the connection
 * goes, is an error naming the line.
 */
export function parseRdpFile(bytes: Uint8Array, options: { fileName?: string } = {}): RdpImport | FileFailure {
  const parsed = parseRdpDocument(bytes);
  return parsed.ok ? importRdpDocument(parsed.document, options) : parsed;
}

/** parseRdpFile for a document already split into lines (an export compares the profile with what its original says). */
export function importRdpDocument(document: RdpDocument, options: { fileName?: string } = {}): RdpImport | FileFailure {
  const readable = usableDocument(document);
  if (!readable.ok) return readable;
  const usable = readable.usable;

  const text = (name: string) => getRdpSetting(usable, name)?.value.trim() ?? '';
  const int = (name: string): number | null => {
    const setting = getRdpSetting(usable, name);
    return setting && setting.type === 'i' ? Number(setting.value.trim()) : null;
  };
  const flag = (name: string): boolean | null => {
    const value = int(name);
    return value === null ? null : value !== 0;
  };
  const sources: FieldSources = {};
  const notes: string[] = document.encoding === 'windows-1252' ? [ANSI_FILE_NOTE] : [];
  notes.push(...skippedLinesNote(readable.skipped));

  const address = getRdpSetting(usable, 'full address');
  if (!address) return fileError('missing-value', null, "the file does not say which computer to connect to: it has no 'full address' line.");
  const hostPort = splitHostPort(address.value);
  if (!hostPort || !hostPort.host) return fileError('missing-value', address.line, "'full address' has no value.");
  if (hostPort.portText !== null && hostPort.port === null) {
    return fileError('invalid-value', address.line, `'full address' has the port '${shorten(hostPort.portText)}'; a port is a number from 1 to 65535.`);
  }
  sources.host = { line: address.line, key: 'full address' };
  let port = hostPort.port;
  sources.port = { line: address.line, key: 'full address' };
  const serverPort = getRdpSetting(usable, 'server port');
  if (port === null && serverPort) {
    port = int('server port');
    sources.port = { line: serverPort.line, key: 'server port' };
  }

  // "username:s:CORP\ann" carries the domain; a UPN (ann@corp.example) stays whole.
  let username = text('username');
  let domain = text('domain');
  const backslash = username.indexOf('\\');
  if (backslash !== -1) {
    domain = username.slice(0, backslash);
    username = username.slice(backslash + 1);
  }
  const userLine = getRdpSetting(usable, 'username');
  if (userLine) sources.username = { line: userLine.line, key: 'username' };
  const domainLine = backslash !== -1 ? userLine : getRdpSetting(usable, 'domain');
  if (domainLine) sources.domain = { line: domainLine.line, key: domainLine.name };

  // dynamic resolution:i:1 resizes the remote desktop with the window; otherwise
  // desktopwidth × desktopheight is the size asked for (200–8192 in the spec).
  const width = getRdpSetting(usable, 'desktopwidth');
  const height = getRdpSetting(usable, 'desktopheight');
  const dynamic = int('dynamic resolution');
  const sizeInput: Record<string, unknown> = {};
  if (width && height) {
    sizeInput.desktopWidth = int('desktopwidth');
    sizeInput.desktopHeight = int('desktopheight');
    sources.desktopWidth = { line: width.line, key: width.name };
    sources.desktopHeight = { line: height.line, key: height.name };
  }
  // Only where the file says something of the size: otherwise it is IT's default (profileDefaults), or the built-in one.
  if (dynamic !== null || (width && height)) sizeInput.desktopSize = dynamic === 1 || !(width && height) ? 'fit-window' : 'fixed';

  const smartSizing = int('smart sizing');
  // screen mode id: 1 in a window, 2 full screen (mstsc's default, which it writes in every file it saves).
  const screenLine = getRdpSetting(usable, 'screen mode id');
  const screenMode = int('screen mode id');
  if (screenLine) sources.fullscreen = { line: screenLine.line, key: screenLine.name };
  const credssp = int('enablecredsspsupport');
  // desktopscalefactor:i:N, the scale the remote session draws at (125, 150, 200 … up to 500; mstsc without it
  // follows this computer's display). Above 100 the file wants a desktop scaled for a high-resolution display:
  // DeskBridge's "Optimise for high-resolution displays" (highDpi), which scales by the display's own ratio, not by
  // N, and says so; 100 asks for no scaling, which is highDpi off. Without the line, IT's default or the built-in one.
  const scaleLine = getRdpSetting(usable, 'desktopscalefactor');
  const scaleFactor = int('desktopscalefactor');
  if (scaleLine) sources.highDpi = { line: scaleLine.line, key: scaleLine.name };
  if (scaleFactor !== null && scaleFactor > 100) notes.push(scaleFactorNote(scaleFactor));

  const unsupported: string[] = [];
  // gatewayusagemethod: 0 never, 1 always, 2 if a direct connection fails,
  // 3 the client's default, 4 never and bypass for local addresses. Anything
  // but 0 and 4 with a gateway named can route through it, so it is flagged.
  const gatewayHost = text('gatewayhostname');
  const gatewayUse = int('gatewayusagemethod');
  if (gatewayHost && gatewayUse !== 0 && gatewayUse !== 4) unsupported.push(featureLabel('RD Gateway', gatewayHost));
  // remoteapplicationmode:i:1 shows one program instead of a desktop; a plain
  // "alternate shell" starts a program in place of the shell ("||alias" is RemoteApp's form),
  // in "shell working directory": the profile's start program, sent in the Client Info PDU.
  const remoteAppProgram = text('remoteapplicationprogram') || text('alternate shell');
  const remoteApp = int('remoteapplicationmode') === 1 || text('alternate shell').startsWith('||');
  if (remoteApp) unsupported.push(featureLabel('RemoteApp', text('remoteapplicationname') || remoteAppProgram));
  const startInput: Record<string, unknown> = {};
  const startLeftOut: string[] = [];
  for (const [field, name, what] of [['startProgram', 'alternate shell', 'program'], ['startFolder', 'shell working directory', 'folder']] as const) {
    const line = getRdpSetting(usable, name);
    if (remoteApp || !line) continue;
    const source = { line: line.line, key: line.name };
    if (text(name).length > START_TEXT_MAX) {
      const tooLong = startTextTooLong(what, text(name), source);
      notes.push(tooLong.note);
      if (tooLong.label) startLeftOut.push(tooLong.label);
      continue;
    }
    startInput[field] = text(name);
    sources[field] = source;
  }
  if (text('loadbalanceinfo')) unsupported.push('Connection broker load-balance info');
  // pcb (preconnection blob) names the virtual machine a Hyper-V host (port 2179) or a broker hands the
  // connection to; without it the connection reaches the host itself, not that machine's console.
  if (text('pcb')) unsupported.push(featureLabel('Preconnection blob', text('pcb')));
  // mstsc connects to "alternate full address" when the file has one ("full address" is then only its name).
  const alternate = text('alternate full address');
  if (alternate && alternate.toLowerCase() !== address.value.trim().toLowerCase()) unsupported.push(featureLabel('Alternate address', alternate));
  notes.push(...unsupportedFeaturesNote(unsupported));
  // After the note above: a program left out has its own (startTextTooLong).
  unsupported.push(...startLeftOut);
  notes.push(...ignoredSettingsNote(ignoredRdpSettings(text, int)));

  // negotiate security layer:i:0 sends no security negotiation, which leaves Standard RDP Security.
  if (int('negotiate security layer') === 0) notes.push(LEGACY_SECURITY_NOTE);
  if (getRdpSetting(usable, 'signature') || getRdpSetting(usable, 'signscope')) notes.push(SIGNED_FILE_NOTE);
  if (text('password 51')) notes.push(ENCRYPTED_PASSWORD_NOTE);
  const secretLines = usable.lines.filter((line): line is Extract<RdpLine, { kind: 'setting' }> => line.kind === 'setting' && isRdpSecretSetting(line.name) && line.value.trim() !== '');
  const secretNames = secretLines.map((line) => line.name.trim().toLowerCase());
  if (secretNames.some((name) => name !== 'password 51' && !name.startsWith('gateway'))) notes.push(CLEAR_PASSWORD_NOTE);
  if (secretNames.some((name) => name.startsWith('gateway'))) notes.push(GATEWAY_PASSWORD_NOTE);

  const validated = validateImportedDraft(
    {
      name: baseName(options.fileName, '.rdp') || hostPort.host,
      protocol: 'rdp',
      host: hostPort.host,
      port: port ?? RDP_DEFAULT_PORT,
      // Only what the file sets (fileFields): a setting it leaves out takes IT's profileDefaults when saved.
      ...(userLine ? { username } : {}),
      ...(domainLine ? { domain } : {}),
      ...(smartSizing === null ? {} : { scaling: smartSizing === 1 ? 'fit' : 'actual' }),
      ...(screenMode === 1 || screenMode === 2 ? { fullscreen: screenMode === 2 } : {}),
      // enablecredsspsupport:i:0 turns off CredSSP (NLA), which leaves TLS.
      ...(credssp === null ? {} : { rdpSecurity: credssp === 0 ? 'tls' : 'negotiate' }),
      ...(scaleFactor === null ? {} : { highDpi: scaleFactor > 100 }),
      // redirectclipboard:i:0 keeps the clipboard to each side, as mstsc does.
      ...(flag('redirectclipboard') === null ? {} : { shareClipboard: flag('redirectclipboard') }),
      // authentication level:i:1 is "do not connect if the server cannot be verified": kept, not asked past (0, 2 and 3 ask).
      ...(int('authentication level') === null ? {} : { untrustedCertificate: int('authentication level') === 1 ? 'refuse' : 'ask' }),
      ...sizeInput,
      ...startInput,
      unsupportedFeatures: unsupported.slice(0, 20),
    },
    sources,
  );
  if (!validated.ok) return validated;

  const audio = int('audiomode');
  const authLevel = int('authentication level');
  const bpp = int('session bpp');
  const settings: ImportedSettings = {
    ...emptySettings(),
    audioMode: audio === 0 ? 'local' : audio === 1 ? 'remote' : audio === 2 ? 'none' : null,
    autoReconnect: flag('autoreconnection enabled'),
    serverAuthentication: authLevel === 0 ? 'connect' : authLevel === 1 ? 'refuse' : authLevel === 2 ? 'warn' : authLevel === 3 ? 'unspecified' : null,
    colorDepth: bpp !== null && [8, 15, 16, 24, 32].includes(bpp) ? bpp : null,
  };
  return { ok: true, format: 'rdp', draft: validated.draft, fileFields: validated.fileFields, settings, notes, document };
}

/** An empty mstsc-style document; exportRdpFile fills in what mstsc writes for a plain desktop connection. */
function newRdpDocument(): RdpDocument {
  return { encoding: 'utf-16le-bom', lines: [] };
}

/**
 * Writes a profile as an .rdp file, UTF-16LE with BOM and CRLF as mstsc does.
 * Given the document the profile was imported from, every line stays as it
 * was (signature, gateway, unknown settings, mapped settings the user did not
 * change); a setting the profile changed is written in place, or added where
 * the file had none. Never writes a password.
 *
 * Lossy where .rdp has no word for it: rdpSecurity 'nla' is written as
 * negotiate (enablecredsspsupport:i:1); a username containing "\" reads back as
 * DOMAIN\user; highDpi is written only over an original with a
 * desktopscalefactor line (see below).
 */
export function exportRdpFile(
  draft: ProfileDraft,
  options: { original?: RdpDocument | null; settings?: Partial<ImportedSettings>; gateway?: string | null } = {},
): Uint8Array {
  // Callers check with exportRefusal first; this guards the file from ever describing another protocol as RDP.
  if (draft.protocol !== 'rdp') throw new RangeError('An .rdp file holds only RDP connections.');
  const original = options.original ?? null;
  const settings = options.settings ?? {};
  // Whatever the original's encoding and line endings, the export is what mstsc
  // writes, so every Windows tool reads it; an mstsc-written original comes back byte for byte.
  let document: RdpDocument = original
    ? { encoding: 'utf-16le-bom', lines: original.lines.map((line) => ({ ...line, eol: '\r\n' as const })) }
    : newRdpDocument();
  const set = (name: string, type: RdpValueType, value: string) => {
    document = setRdpSetting(document, name, type, value);
  };
  const fresh = original === null;
  // Over an original, a setting is written only where the profile now differs from what the
  // file says: a line added with mstsc's default would still change how mstsc behaves.
  const before = original ? importRdpDocument(original) : null;
  const was = before?.ok ? before.draft : null;
  const changed = (...fields: (keyof ProfileDraft)[]) => was === null || fields.some((field) => JSON.stringify(draft[field]) !== JSON.stringify(was[field]));

  if (changed('fullscreen')) set('screen mode id', 'i', draft.fullscreen ? '2' : '1');
  if (fresh) set('use multimon', 'i', '0');
  if (changed('desktopWidth', 'desktopHeight') || (changed('desktopSize') && draft.desktopSize === 'fixed')) {
    set('desktopwidth', 'i', String(draft.desktopWidth));
    set('desktopheight', 'i', String(draft.desktopHeight));
  }
  if (settings.colorDepth != null) set('session bpp', 'i', String(settings.colorDepth));
  else if (fresh) set('session bpp', 'i', '32');
  if (changed('host', 'port')) {
    const address = hostForAddress(draft.host);
    set('full address', 's', draft.port === RDP_DEFAULT_PORT ? address : `${address}:${draft.port}`);
    // Older files carry the port here too; keep the two in agreement.
    if (original && getRdpSetting(original, 'server port')) set('server port', 'i', String(draft.port));
  }
  if (settings.audioMode != null) set('audiomode', 'i', settings.audioMode === 'local' ? '0' : settings.audioMode === 'remote' ? '1' : '2');
  else if (fresh) set('audiomode', 'i', '0');
  if (changed('shareClipboard')) set('redirectclipboard', 'i', draft.shareClipboard ? '1' : '0');
  if (settings.autoReconnect != null) set('autoreconnection enabled', 'i', settings.autoReconnect ? '1' : '0');
  else if (fresh) set('autoreconnection enabled', 'i', '1');
  const authLevels = { connect: '0', refuse: '1', warn: '2', unspecified: '3' } as const;
  if (settings.serverAuthentication != null) set('authentication level', 'i', authLevels[settings.serverAuthentication]);
  else if (fresh) set('authentication level', 'i', '2');
  // The connection's own choice where the level written does not say it: "Do not connect" is level 1, "Ask me" level 2
  // (or the file's 0 or 3, which ask too).
  const levelSays = settings.serverAuthentication == null ? null : settings.serverAuthentication === 'refuse' ? 'refuse' : 'ask';
  if (changed('untrustedCertificate') && levelSays !== draft.untrustedCertificate) set('authentication level', 'i', draft.untrustedCertificate === 'refuse' ? '1' : '2');
  if (fresh) {
    set('prompt for credentials', 'i', '0');
    set('negotiate security layer', 'i', '1');
  }
  if (changed('rdpSecurity')) set('enablecredsspsupport', 'i', draft.rdpSecurity === 'tls' ? '0' : '1');
  if (changed('desktopSize')) set('dynamic resolution', 'i', draft.desktopSize === 'fit-window' ? '1' : '0');
  if (changed('scaling')) set('smart sizing', 'i', draft.scaling === 'fit' ? '1' : '0');
  // highDpi over an original whose desktopscalefactor said otherwise: off is 100; on, the line goes, so mstsc scales
  // as its display is scaled, as highDpi does. Nowhere else: mstsc's default is already that, DeskBridge's "off" (a
  // desktop in CSS pixels, enlarged by the display) has no .rdp word, and a factor written for "on" would be wrong
  // on a display scaled otherwise.
  if (original && getRdpSetting(original, 'desktopscalefactor') && changed('highDpi')) {
    if (draft.highDpi) document = removeRdpSetting(document, 'desktopscalefactor');
    else set('desktopscalefactor', 'i', '100');
  }
  // mstsc writes the domain inside the user name; a file that had its own
  // "domain" line keeps it, so the two never disagree.
  if (original && getRdpSetting(original, 'domain') && changed('username', 'domain')) {
    set('username', 's', draft.username);
    set('domain', 's', draft.domain);
  } else if (changed('username', 'domain') && (draft.username || draft.domain || (original && getRdpSetting(original, 'username')))) {
    set('username', 's', draft.domain ? `${draft.domain}\\${draft.username}` : draft.username);
  }
  // The start program: over an original in RemoteApp's form ("||alias", or remoteapplicationmode), whose program
  // this field does not hold, only where the user wrote one.
  // A connection imported before start programs were taken holds its program only as a label: its lines stay.
  // So do they in a connection still labelled RemoteApp (exportRefusal refuses one with a start program): the file
  // stays the RemoteApp the connection says it is.
  const startKept = startProgramOnlyLabelled(draft.unsupportedFeatures) || remoteAppWithStartProgram(draft) !== null;
  // An original whose program was too long to take (left out and labelled, so `was` says '' as a cleared field does):
  // where the draft's label has gone (the user entered a program, maybe cleared it since), the draft always differs
  // from the file's line (over 255 characters), so a cleared program is written empty rather than the old one kept.
  const tooLongProgram = !startKept && was !== null && startProgramOnlyLabelled(was.unsupportedFeatures);
  const programChanged = tooLongProgram || changed('startProgram');
  if (!startKept && programChanged && (draft.startProgram || getRdpSetting(document, 'alternate shell'))) {
    set('alternate shell', 's', draft.startProgram);
    // Written over RemoteApp's "||alias" in a connection no longer labelled RemoteApp: a start program runs in a
    // desktop session, so RemoteApp goes off; left on, mstsc would open remoteapplicationprogram still, and the file
    // would not open what the connection says. Read as the import reads it (":i:01" is on too).
    const mode = getRdpSetting(document, 'remoteapplicationmode');
    if (draft.startProgram && mode?.type === 'i' && Number(mode.value.trim()) === 1) set('remoteapplicationmode', 'i', '0');
  }
  if (!startKept && changed('startFolder') && (draft.startFolder || getRdpSetting(document, 'shell working directory'))) set('shell working directory', 's', draft.startFolder);
  // An RD Gateway no line of the original names (it came from a .remmina): always through it,
  // with these settings rather than the computer's default gateway profile.
  if (options.gateway && !getRdpSetting(document, 'gatewayhostname')?.value.trim()) {
    set('gatewayhostname', 's', options.gateway);
    set('gatewayusagemethod', 'i', '1');
    set('gatewayprofileusagemethod', 'i', '1');
  }
  // INVARIANT: an export never carries a password, not even Windows' encrypted blob.
  document = withoutRdpSecrets(document);
  return writeRdpDocument(document);
}

