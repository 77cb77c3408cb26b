// virt-viewer's .vv files: a [virt-viewer] key-file group, usually a one-shot
// ticket from a broker (oVirt, Proxmox) with a short-lived password. The
// password is returned apart from the profile draft and is never stored.
import { profileDraftSchema } from '../profiles/profileSchema';
import { decodeText, fail, type ImportedConnection, type ParseResult } from './fileResult';
import { groupEntries, parseKeyFile, type KeyFileDocument } from './keyFile';

export function importVv(bytes: Uint8Array, fileName: string): ParseResult<ImportedConnection & { document: KeyFileDocument }> {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return decoded;
  const parsed = parseKeyFile(decoded.value.text);
  if (!parsed.ok) return parsed;
  const entries = groupEntries(parsed.value, 'virt-viewer');
  if (!entries) return fail('This is not a virt-viewer file: it has no [virt-viewer] section.');
  const get = (key: string) => entries.get(key)?.value ?? '';
  const type = get('type').toLowerCase();
  if (type !== 'spice' && type !== 'vnc') return fail(`'type' must be spice or vnc, not "${get('type')}".`, entries.get('type')?.line ?? null);
  const host = get('host');
  if (!host) return fail("The file names no host ('host' is missing).");
  const notes: string[] = [];
  let port = get('port');
  if (!port && get('tls-port')) {
    notes.push('The file offers only a TLS port, and DeskBridge does not support SPICE or VNC over TLS yet.');
    port = get('tls-port');
  }
  if (!/^\d+$/.test(port)) return fail(`'port' must be a number, not "${port}".`, entries.get('port')?.line ?? null);
  if (type === 'spice') notes.push('SPICE is not supported yet; the connection was read but cannot be opened.');
  if (get('proxy')) notes.push(`The file asks for a proxy (${get('proxy')}), which DeskBridge does not support yet.`);
  const draft = profileDraftSchema.safeParse({
    name: get('title') || fileName.replace(/\.vv$/i, '').replace(/^.*[\\/]/, '') || host,
    protocol: type,
    host,
    port: Number(port),
    username: get('username'),
  });
  if (!draft.success) return fail(draft.error.issues[0]?.message ?? 'The settings do not make a valid connection.');
  return {
    ok: true,
    value: {
      format: 'vv',
      draft: draft.data,
      notes,
      oneTimePassword: get('password') || null,
      deleteThisFile: get('delete-this-file') === '1' || get('delete-this-file').toLowerCase() === 'true',
      document: parsed.value,
    },
  };
}
