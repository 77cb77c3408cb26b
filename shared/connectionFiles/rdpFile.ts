// Microsoft .rdp files ("Remote Desktop Connection" settings): one
// `name:type:value` line per setting, type s (string), i (integer) or b
// (binary, hex). mstsc writes UTF-16LE with a BOM and CRLF; UTF-8 is read too.
// Every line is kept in order, known or not, so an export of an imported file
// writes the unknown lines back unchanged.
import { profileDraftSchema, type ProfileDraft } from '../profiles/profileSchema';
import { decodeText, encodeText, fail, splitHostPort, splitLines, type ImportedConnection, type ParseResult } from './fileResult';

export type RdpLine = { kind: 'setting'; name: string; type: 's' | 'i' | 'b'; value: string } | { kind: 'blank'; raw: string };

export interface RdpDocument {
  lines: RdpLine[];
  encoding: 'utf16le' | 'utf8' | 'utf8-bom';
  newline: '\r\n' | '\n';
  finalNewline: boolean;
}

export function parseRdpText(text: string, encoding: RdpDocument['encoding'] = 'utf8'): ParseResult<RdpDocument> {
  const { lines, newline, finalNewline } = splitLines(text);
  const out: RdpLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') {
      out.push({ kind: 'blank', raw });
      continue;
    }
    const match = /^([^:]+):([sib]):(.*)$/i.exec(raw);
    if (!match) return fail(`"${raw.slice(0, 40)}" is not a setting of the form name:type:value.`, i + 1);
    const name = (match[1] as string).trim();
    const type = (match[2] as string).toLowerCase() as 's' | 'i' | 'b';
    const value = match[3] as string;
    if (type === 'i' && !/^-?\d+$/.test(value.trim())) return fail(`'${name}' should be a whole number, not "${value.slice(0, 20)}".`, i + 1);
    if (type === 'b' && !/^[0-9a-fA-F]*$/.test(value.trim())) return fail(`'${name}' should be hexadecimal data.`, i + 1);
    out.push({ kind: 'setting', name, type, value });
  }
  return { ok: true, value: { lines: out, encoding, newline, finalNewline } };
}

export function parseRdpBytes(bytes: Uint8Array): ParseResult<RdpDocument> {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return decoded;
  return parseRdpText(decoded.value.text, decoded.value.encoding);
}

export function writeRdpText(doc: RdpDocument): string {
  const text = doc.lines.map((line) => (line.kind === 'blank' ? line.raw : `${line.name}:${line.type}:${line.value}`)).join(doc.newline);
  return doc.finalNewline ? text + doc.newline : text;
}

export function writeRdpBytes(doc: RdpDocument): Uint8Array {
  return encodeText(writeRdpText(doc), doc.encoding);
}

/** Settings by lower-case name (mstsc's names are case-insensitive), with their line numbers. */
function settings(doc: RdpDocument): Map<string, { value: string; line: number }> {
  const map = new Map<string, { value: string; line: number }>();
  doc.lines.forEach((line, index) => {
    if (line.kind === 'setting' && !map.has(line.name.toLowerCase())) map.set(line.name.toLowerCase(), { value: line.value, line: index + 1 });
  });
  return map;
}

/** Settings DeskBridge reads but has no profile field for yet; kept for the UI and export. */
export interface RdpExtraSettings {
  fullscreen: boolean | null;
  redirectClipboard: boolean | null;
  audioMode: number | null;
  authenticationLevel: number | null;
  autoReconnect: boolean | null;
}

export function importRdp(bytes: Uint8Array, fileName: string): ParseResult<ImportedConnection & { document: RdpDocument; settings: RdpExtraSettings }> {
  const parsed = parseRdpBytes(bytes);
  if (!parsed.ok) return parsed;
  const doc = parsed.value;
  const s = settings(doc);
  const str = (name: string) => s.get(name)?.value.trim() ?? '';
  const int = (name: string) => (s.has(name) ? Number(str(name)) : null);
  const notes: string[] = [];
  const address = s.get('full address');
  if (!address || !address.value.trim()) return fail("The file names no computer to connect to (no 'full address' setting).");
  const hostPort = splitHostPort(address.value);
  if (!hostPort) return fail("'full address' has no value.", address.line);
  const port = hostPort.port ?? int('server port') ?? 3389;
  let username = str('username');
  let domain = str('domain');
  const slash = username.indexOf('\\');
  if (slash > 0 && !domain) {
    domain = username.slice(0, slash);
    username = username.slice(slash + 1);
  }
  const unsupported: string[] = [];
  const gateway = str('gatewayhostname');
  const gatewayUse = int('gatewayusagemethod');
  // MS-RDP file spec: gatewayusagemethod 1 = always, 2 = if direct fails, 3 = default settings; 0 or 4 = not used.
  if (gateway && gatewayUse !== null && gatewayUse !== 0 && gatewayUse !== 4) unsupported.push(`RD Gateway (${gateway})`);
  if (int('remoteapplicationmode') === 1) unsupported.push(`RemoteApp (${str('remoteapplicationprogram') || str('remoteapplicationname') || 'a program'})`);
  else if (str('alternate shell')) unsupported.push(`Alternate shell (${str('alternate shell')})`);
  if (str('loadbalanceinfo')) unsupported.push('Connection broker load-balance info');
  if (s.has('signature') || s.has('signscope')) notes.push('This file is signed; changing it in DeskBridge will break the signature.');
  if (s.has('password 51')) notes.push('The file contains an encrypted password, which only Windows can read; it was not imported.');
  const width = int('desktopwidth');
  const height = int('desktopheight');
  const dynamic = int('dynamic resolution');
  const fixed = dynamic !== 1 && width !== null && height !== null && width >= 200 && height >= 200;
  const name = fileName.replace(/\.rdp$/i, '').replace(/^.*[\\/]/, '') || hostPort.host;
  const draft = profileDraftSchema.safeParse({
    name,
    protocol: 'rdp',
    host: hostPort.host,
    port,
    username,
    domain,
    scaling: int('smart sizing') === 0 ? 'actual' : 'fit',
    rdpSecurity: int('enablecredsspsupport') === 0 ? 'tls' : 'negotiate',
    desktopSize: fixed ? 'fixed' : 'fit-window',
    ...(fixed ? { desktopWidth: Math.min(8192, width), desktopHeight: Math.min(8192, height) } : {}),
    unsupportedFeatures: unsupported,
  });
  if (!draft.success) {
    const issue = draft.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const line = field === 'host' || field === 'port' ? address.line : null;
    return fail(`${issue?.message ?? 'The settings do not make a valid connection.'}`, line);
  }
  if (unsupported.length > 0) notes.push(`Not supported yet, so connecting will refuse rather than go straight to the host: ${unsupported.join('; ')}.`);
  const bool = (n: string) => (s.has(n) ? int(n) === 1 : null);
  return {
    ok: true,
    value: {
      format: 'rdp',
      draft: draft.data,
      notes,
      oneTimePassword: null,
      deleteThisFile: false,
      document: doc,
      settings: {
        fullscreen: s.has('screen mode id') ? int('screen mode id') === 2 : null,
        redirectClipboard: bool('redirectclipboard'),
        audioMode: int('audiomode'),
        authenticationLevel: int('authentication level'),
        autoReconnect: bool('autoreconnection enabled'),
      },
    },
  };
}

/** Sets a setting in place (case-insensitive name), or appends it. */
function put(doc: RdpDocument, name: string, type: 's' | 'i', value: string): RdpDocument {
  const lines = [...doc.lines];
  const index = lines.findIndex((l) => l.kind === 'setting' && l.name.toLowerCase() === name);
  const line: RdpLine = { kind: 'setting', name: index >= 0 ? (lines[index] as { name: string }).name : name, type, value };
  if (index >= 0) lines[index] = line;
  else lines.push(line);
  return { ...doc, lines };
}

/**
 * Writes a profile as an .rdp file: over the document it came from, if any, so
 * every other line stays as it was; new files as mstsc writes them.
 */
export function exportRdp(draft: ProfileDraft, original: RdpDocument | null = null): Uint8Array {
  let doc: RdpDocument = original ?? { lines: [], encoding: 'utf16le', newline: '\r\n', finalNewline: true };
  const host = draft.host.includes(':') ? `[${draft.host}]` : draft.host;
  doc = put(doc, 'full address', 's', draft.port === 3389 ? host : `${host}:${draft.port}`);
  doc = put(doc, 'username', 's', draft.username);
  if (draft.domain) doc = put(doc, 'domain', 's', draft.domain);
  doc = put(doc, 'dynamic resolution', 'i', draft.desktopSize === 'fit-window' ? '1' : '0');
  if (draft.desktopSize === 'fixed') {
    doc = put(doc, 'desktopwidth', 'i', String(draft.desktopWidth));
    doc = put(doc, 'desktopheight', 'i', String(draft.desktopHeight));
  }
  doc = put(doc, 'smart sizing', 'i', draft.scaling === 'fit' ? '1' : '0');
  doc = put(doc, 'enablecredsspsupport', 'i', draft.rdpSecurity === 'tls' ? '0' : '1');
  return writeRdpBytes(doc);
}
