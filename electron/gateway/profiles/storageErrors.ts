// Write failures a user (or IT) can act on, said as such rather than as an
// internal error: a data folder on a read-only file system, a file or folder
// DeskBridge may not write to (its permissions), or a full disk. The API
// answers them with 507 (Insufficient Storage: the gateway could not store what
// the request needs; the same request fails until the folder is mended, unlike
// 409's "busy").
import path from 'node:path';

/** The permissions (or an attribute such as immutable) forbid the write: the file system itself is writable. */
const NOT_PERMITTED: Readonly<Record<string, string>> = { EACCES: 'permission denied', EPERM: 'operation not permitted' };
const READ_ONLY = new Set(['EROFS']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

export class StorageError extends Error {
  constructor(
    readonly code: 'storage-read-only' | 'storage-not-permitted' | 'storage-full',
    readonly errno: string,
    message: string,
  ) {
    super(message);
  }
}

/** The system error's code where it is one of a folder that cannot be written to or a full disk, else null. */
export function storageErrno(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && (code in NOT_PERMITTED || READ_ONLY.has(code) || FULL.has(code)) ? code : null;
}

/**
 * `error` in words, where it is a write the file system refused: "DeskBridge could not save WHAT: WHY. AFTER",
 * WHY one of "the folder DIR is on a read-only file system (EROFS)", "it may not write to the folder DIR
 * (permission denied, EACCES)" (or "to the file F", where the error names a file of the user's rather than
 * DeskBridge's own temporary or lock file beside it), "the disk that holds the folder DIR is full (ENOSPC)".
 * Null for any other error. `dir`: the folder written to (the error's own path's folder where it names one).
 */
export function storageFailure(error: unknown, dir: string, what: string, after: string): StorageError | null {
  const errno = storageErrno(error);
  if (!errno) return null;
  const tail = after ? ` ${after}` : '';
  if (FULL.has(errno)) return new StorageError('storage-full', errno, `DeskBridge could not save ${what}: the disk that holds the folder ${dir} is full (${errno}).${tail}`);
  if (READ_ONLY.has(errno)) return new StorageError('storage-read-only', errno, `DeskBridge could not save ${what}: the folder ${dir} is on a read-only file system (${errno}).${tail}`);
  const file = namedFile(error);
  const where = file ? `the file ${file}` : `the folder ${dir}`;
  return new StorageError('storage-not-permitted', errno, `DeskBridge could not save ${what}: it may not write to ${where} (${NOT_PERMITTED[errno]}, ${errno}).${tail}`);
}

/**
 * The file a refused write names, where it is one the user may know (a connection file, the key file), not the
 * temporary file an atomic write starts with or a lock file: for those the folder is what refused.
 */
function namedFile(error: unknown): string | null {
  const file = (error as NodeJS.ErrnoException | null)?.path;
  if (typeof file !== 'string' || !file) return null;
  const name = path.basename(file);
  return /^\..*\.tmp$/.test(name) || /\.lock(\..*\.stale)?$/.test(name) ? null : file;
}

/** The folder a failed file operation was in, from the error's own path where it names one. */
export function folderOf(error: unknown, fallback: string): string {
  const file = (error as NodeJS.ErrnoException | null)?.path;
  return typeof file === 'string' && file ? path.dirname(file) : fallback;
}
