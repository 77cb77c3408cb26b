// A lock between processes on one data folder: two copies of DeskBridge (a
// second window is a second process) each read-modify-write the same JSON
// files, and without it the later write drops what the other just saved.
// The lock is a file created exclusively (O_EXCL) beside the one it guards,
// holding its owner's pid, host and a token; it is held only while one change
// is read, applied and written (milliseconds). One left by a process that
// died (its pid gone, on this host) or one older than STALE_MS is broken.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';

/** A lock older than this is taken to be left behind (its holder hung or its pid reused): a held one lasts milliseconds. */
export const STALE_MS = 30_000;
/** How long a change waits for the other process's before giving up. */
const WAIT_MS = 10_000;

export class FileLockTimeout extends Error {}

interface Holder {
  pid: number;
  host: string;
  token: string;
}

function parseHolder(text: string): Holder | null {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string' ? (value as Holder) : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock at `lockFile` was left behind; its text when it was (to break only that one), else null. */
async function staleLock(lockFile: string): Promise<string | null> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([fs.readFile(lockFile, 'utf8'), fs.stat(lockFile)]);
  } catch {
    return null; // gone already: the next try creates it
  }
  if (Date.now() - mtimeMs > STALE_MS) return text;
  const holder = parseHolder(text);
  // Written between create and write (or by a crash in between): only age decides.
  if (!holder) return null;
  if (holder.host === os.hostname() && holder.pid !== process.pid && !processAlive(holder.pid)) return text;
  return null;
}

/** Removes a stale lock, unless another process broke it and took the lock meanwhile. */
async function breakLock(lockFile: string, staleText: string): Promise<void> {
  const aside = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await fs.rename(lockFile, aside);
  } catch {
    return;
  }
  const text = await fs.readFile(aside, 'utf8').catch(() => staleText);
  if (text !== staleText) {
    // A fresh lock taken between our look and the rename: give it back (link fails if yet another exists).
    await fs.link(aside, lockFile).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
}

/**
 * Runs `fn` holding the lock for `file` (`file`.lock), across processes. Callers serialise their own
 * changes within one process too (the lock is not re-entrant). Throws FileLockTimeout when another
 * process holds it for longer than WAIT_MS, and the file system's error where no lock can be created at all.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lockFile = `${file}.lock`;
  const holder: Holder = { pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(holder));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stale = await staleLock(lockFile);
    if (stale !== null) {
      await breakLock(lockFile, stale);
      continue;
    }
    if (Date.now() > deadline) throw new FileLockTimeout(`another DeskBridge has held ${lockFile} for over ${WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 + attempt * 2, 50) + Math.random() * 10));
  }
  try {
    return await fn();
  } finally {
    // Only our own: a lock broken as stale and retaken by another is theirs.
    const text = await fs.readFile(lockFile, 'utf8').catch(() => null);
    if (text !== null && parseHolder(text)?.token === holder.token) await fs.rm(lockFile, { force: true });
  }
}
