// Import and export of .rdp, .vv and .remmina files, for the API and the CLI.
// The original file of an imported profile is kept (data folder, imported/)
// so that an export writes every line it did not change back as it was.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { importConnectionFile } from '../../../shared/connectionFiles/importFile';
import { exportRdp, parseRdpBytes } from '../../../shared/connectionFiles/rdpFile';
import { exportRemmina } from '../../../shared/connectionFiles/remminaFile';
import { parseKeyFile } from '../../../shared/connectionFiles/keyFile';
import type { FileProblem } from '../../../shared/connectionFiles/fileResult';
import type { Profile } from '../../../shared/profiles/profileSchema';
import type { ProfileLibrary } from './profileLibrary';

export type ImportMode = 'save' | 'open';

export type ImportOutcome = { ok: true; profile: Profile; notes: string[]; deleteThisFile: boolean } | { ok: false; error: FileProblem };

const IMPORTED_DIR = 'imported';

/**
 * 'save' adds a profile (a .vv's password is never kept); 'open' makes a
 * one-shot connection held in memory only, as virt-viewer does with a broker's ticket.
 */
export async function importIntoLibrary(library: ProfileLibrary, dataDir: string, fileName: string, bytes: Uint8Array, mode: ImportMode): Promise<ImportOutcome> {
  const result = importConnectionFile(fileName, bytes);
  if (!result.ok) return result;
  const imported = result.value;
  if (mode === 'open') {
    const profile = library.addOneShot(imported.draft, imported.oneTimePassword);
    return { ok: true, profile, notes: imported.notes, deleteThisFile: imported.deleteThisFile };
  }
  const profile = await library.create(imported.draft);
  const notes = [...imported.notes];
  if (imported.oneTimePassword) notes.push('The file\u2019s one-time password was not saved.');
  if (imported.format !== 'vv') {
    await fs.mkdir(path.join(dataDir, IMPORTED_DIR), { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(dataDir, IMPORTED_DIR, `${profile.id}.${imported.format}`), bytes, { mode: 0o600 });
  }
  return { ok: true, profile, notes, deleteThisFile: imported.deleteThisFile };
}

/** Writes a profile as .rdp or .remmina, over its imported original if there is one. Never a password. */
export async function exportProfile(profile: Profile, dataDir: string, format: 'rdp' | 'remmina'): Promise<Uint8Array> {
  const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...draft } = profile;
  const original = await fs.readFile(path.join(dataDir, IMPORTED_DIR, `${profile.id}.${format}`)).catch(() => null);
  if (format === 'rdp') {
    const parsed = original ? parseRdpBytes(new Uint8Array(original)) : null;
    return exportRdp(draft, parsed?.ok ? parsed.value : null);
  }
  const parsed = original ? parseKeyFile(original.toString('utf8')) : null;
  return exportRemmina(draft, parsed?.ok ? parsed.value : null);
}
