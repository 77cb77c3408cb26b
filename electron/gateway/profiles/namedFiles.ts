// Files the user names on the command line (FILE to open, --import, --export):
// read with errors a user can act on, and a broker's one-shot ticket deleted
// once read. Shared by the `deskbridge` command and the Electron main process.
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { vvAsksToBeDeleted } from '../../../shared/connectionFiles/vvFile';

/** `fs` errors on a file the user named, as the user would say them. */
export function describeFileError(error: unknown, file: string, doing: 'read' | 'write'): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(doing === 'read' ? `${file}: there is no such file.` : `${file}: its folder does not exist.`);
  if (code === 'EISDIR') return new Error(`${file} is a folder: give the path of a file.`);
  if (code === 'ENOTDIR') return new Error(`${file}: a part of this path is a file, not a folder.`);
  if (code === 'EACCES' || code === 'EPERM') return new Error(`${file}: you do not have permission to ${doing} it.`);
  return error as Error;
}

export async function readNamedFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw describeFileError(error, file, 'read');
  }
}

/**
 * virt-viewer's delete-this-file: a broker's one-shot ticket (it holds a password) is deleted once read,
 * whether it is opened (FILE) or imported (--import).
 */
export async function honourDeleteThisFile(file: string, bytes: Uint8Array): Promise<boolean> {
  if (!vvAsksToBeDeleted(bytes)) return false;
  return unlink(file).then(
    () => true,
    () => false,
  );
}

/** Reads a file to open once; honours virt-viewer's delete-this-file after reading it. */
export async function readOpenFile(file: string | null): Promise<{ fileName: string; bytes: Uint8Array } | null> {
  if (!file) return null;
  const bytes = await readNamedFile(file);
  await honourDeleteThisFile(file, bytes);
  return { fileName: path.basename(file), bytes };
}
