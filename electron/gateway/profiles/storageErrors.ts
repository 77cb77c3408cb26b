// Write failures a user (or IT) can act on, said as such rather than as an
// internal error: a data folder that cannot be written to (made read-only, a
// read-only mount, permissions) or a full disk. The API answers them with 507
// (Insufficient Storage: the gateway could not store what the request needs;
// the same request fails until the folder is mended, unlike 409's "busy").
import path from 'node:path';

const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

export class StorageError extends Error {
  constructor(
    readonly code: 'storage-read-only' | 'storage-full',
    readonly errno: string,
    message: string,
  ) {
    super(message);
  }
}

/** The system error's code where it is one of a folder that cannot be written to or a full disk, else null. */
export function storageErrno(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && (READ_ONLY.has(code) || FULL.has(code)) ? code : null;
}

/**
 * `error` in words, where it is a write the folder or disk refused: "DeskBridge could not save WHAT: the folder DIR
 * is read-only (EACCES). AFTER". Null for any other error. `dir`: the folder written to (the error's own path's
 * folder where it names one).
 */
export function storageFailure(error: unknown, dir: string, what: string, after: string): StorageError | null {
  const errno = storageErrno(error);
  if (!errno) return null;
  const tail = after ? ` ${after}` : '';
  if (FULL.has(errno)) return new StorageError('storage-full', errno, `DeskBridge could not save ${what}: the disk that holds the folder ${dir} is full (${errno}).${tail}`);
  return new StorageError('storage-read-only', errno, `DeskBridge could not save ${what}: the folder ${dir} is read-only (${errno}).${tail}`);
}

/** The folder a failed file operation was in, from the error's own path where it names one. */
export function folderOf(error: unknown, fallback: string): string {
  const file = (error as NodeJS.ErrnoException | null)?.path;
  return typeof file === 'string' && file ? path.dirname(file) : fallback;
}
