// Remmina's .remmina files: a [remmina] key-file group. Its saved password is
// encrypted with a key only Remmina has, so it is skipped with a note.
import { profileDraftSchema, type ProfileDraft } from '../profiles/profileSchema';
import { decodeText, encodeText, fail, splitHostPort, type ImportedConnection, type ParseResult } from './fileResult';
import { groupEntries, parseKeyFile, setEntry, writeKeyFile, type KeyFileDocument } from './keyFile';

const PROTOCOLS: Record<string, 'rdp' | 'vnc' | 'spice'> = { RDP: 'rdp', VNC: 'vnc', SPICE: 'spice' };
const DEFAULT_PORT = { rdp: 3389, vnc: 5900, spice: 5900 } as const;

export function importRemmina(bytes: Uint8Array, fileName: string): ParseResult<ImportedConnection & { document: KeyFileDocument }> {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return decoded;
  const parsed = parseKeyFile(decoded.value.text);
  if (!parsed.ok) return parsed;
  const entries = groupEntries(parsed.value, 'remmina');
  if (!entries) return fail('This is not a Remmina file: it has no [remmina] section.');
  const get = (key: string) => entries.get(key)?.value ?? '';
  const protocol = PROTOCOLS[get('protocol').toUpperCase()];
  if (!protocol) return fail(`Remmina's protocol "${get('protocol')}" is not one DeskBridge supports (RDP, VNC, SPICE).`, entries.get('protocol')?.line ?? null);
  const server = splitHostPort(get('server'));
  if (!server) return fail("The file names no server ('server' is missing).");
  const notes: string[] = [];
  if (get('password')) notes.push("Remmina's saved password is encrypted with a key only Remmina has; it was not imported.");
  if (get('ssh_tunnel_enabled') === '1') notes.push('The file uses an SSH tunnel, which DeskBridge does not support yet.');
  const width = Number(get('resolution_width'));
  const height = Number(get('resolution_height'));
  const fixed = get('resolution_mode') === '2' && width >= 200 && height >= 200;
  const draft = profileDraftSchema.safeParse({
    name: get('name') || fileName.replace(/\.remmina$/i, '').replace(/^.*[\\/]/, ''),
    protocol,
    host: server.host,
    port: server.port ?? DEFAULT_PORT[protocol],
    username: get('username'),
    domain: get('domain'),
    // Remmina nests groups with "/".
    folder: get('group'),
    tags: get('labels')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
    ...(fixed ? { desktopSize: 'fixed', desktopWidth: width, desktopHeight: height } : {}),
  });
  if (!draft.success) return fail(draft.error.issues[0]?.message ?? 'The settings do not make a valid connection.', entries.get('server')?.line ?? null);
  return { ok: true, value: { format: 'remmina', draft: draft.data, notes, oneTimePassword: null, deleteThisFile: false, document: parsed.value } };
}

export function exportRemmina(draft: ProfileDraft, original: KeyFileDocument | null = null): Uint8Array {
  let doc: KeyFileDocument = original ?? { lines: [{ kind: 'group', name: 'remmina' }], newline: '\n', finalNewline: true };
  const host = draft.host.includes(':') ? `[${draft.host}]` : draft.host;
  doc = setEntry(doc, 'remmina', 'name', draft.name);
  doc = setEntry(doc, 'remmina', 'protocol', draft.protocol.toUpperCase());
  doc = setEntry(doc, 'remmina', 'server', `${host}:${draft.port}`);
  doc = setEntry(doc, 'remmina', 'username', draft.username);
  if (draft.domain) doc = setEntry(doc, 'remmina', 'domain', draft.domain);
  doc = setEntry(doc, 'remmina', 'group', draft.folder);
  doc = setEntry(doc, 'remmina', 'labels', draft.tags.join(','));
  return encodeText(writeKeyFile(doc), 'utf8');
}
