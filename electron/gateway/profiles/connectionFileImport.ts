// Import and export of .rdp, .vv and .remmina files, for the API and the CLI.
// The original file of an imported .rdp or .remmina is kept (data folder,
// imported/) so that an export writes every line it did not change back as it
// was. INVARIANT: a .vv is never stored: it carries a ticket password and
// broker tokens.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseConnectionFile } from '../../../shared/connectionFiles/connectionFile';
import type { FileError } from '../../../shared/connectionFiles/fileResult';
import { parseKeyFileDocument } from '../../../shared/connectionFiles/keyFile';
import { exportRdpFile, parseRdpDocument } from '../../../shared/connectionFiles/rdpFile';
import { exportRemminaFile } from '../../../shared/connectionFiles/remminaFile';
import type { Profile } from '../../../shared/profiles/profileSchema';
import type { ProfileLibrary } from './profileLibrary';

export type ImportMode = 'save' | 'open';

export type ImportOutcome = { ok: true; profile: Profile; notes: string[]; deleteThisFile: boolean } | { ok: false; error: FileError };

const IMPORTED_DIR = 'imported';

/**
 * 'save' adds a profile (a .vv's password is never kept); 'open' makes a
 * one-shot connection held in memory only, as virt-viewer does with a broker's ticket.
 */
export async function importIntoLibrary(library: ProfileLibrary, dataDir: string, fileName: string, bytes: Uint8Array, mode: ImportMode): Promise<ImportOutcome> {
  const imported = parseConnectionFile(fileName, bytes);
  if (!imported.ok) return imported;
  const password = imported.format === 'vv' ? (imported.oneTimeSecret?.password ?? null) : null;
  const deleteThisFile = imported.format === 'vv' && imported.deleteThisFile;
  if (mode === 'open') {
    return { ok: true, profile: library.addOneShot(imported.draft, password), notes: imported.notes, deleteThisFile };
  }
  const profile = await library.create(imported.draft);
  const notes = [...imported.notes];
  if (password) notes.push('The file\u2019s one-time password was not saved.');
  if (imported.format !== 'vv') {
    await fs.mkdir(path.join(dataDir, IMPORTED_DIR), { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(dataDir, IMPORTED_DIR, `${profile.id}.${imported.format}`), bytes, { mode: 0o600 });
  }
  return { ok: true, profile, notes, deleteThisFile };
}

/** Writes a profile as .rdp or .remmina, over its imported original if there is one. Never a password. */
export async function exportProfile(profile: Profile, dataDir: string, format: 'rdp' | 'remmina'): Promise<Uint8Array> {
  const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...draft } = profile;
  const original = await fs.readFile(path.join(dataDir, IMPORTED_DIR, `${profile.id}.${format}`)).catch(() => null);
  if (format === 'rdp') {
    const parsed = original ? parseRdpDocument(new Uint8Array(original)) : null;
    return exportRdpFile(draft, { original: parsed?.ok ? parsed.document : null });
  }
  const parsed = original ? parseKeyFileDocument(new Uint8Array(original)) : null;
  return exportRemminaFile(draft, { original: parsed?.ok ? parsed.document : null });
}
