// Where the gateway's log lines are kept: <data folder>/logs/deskbridge.log,
// and its one older file, deskbridge.log.1. The log is rotated when it passes
// ROTATE_BYTES: at start (prepareLogFile), and while the app runs (the logger
// counts the bytes it appends and calls rotateLogFile), so the diagnostics
// bundle has recent history without the folder growing for ever, also on a
// kiosk that is never restarted (at most about twice ROTATE_BYTES on disk).
import { mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

export const LOG_DIR = 'logs';
export const LOG_FILE = 'deskbridge.log';
export const ROTATE_BYTES = 5 * 1024 * 1024;

/** The one older log kept beside `file` (what the diagnostics bundle reads with it). */
export function rotatedLogFile(file: string): string {
  return `${file}.1`;
}

/** The size of `file` now; 0 if there is none (or it cannot be read). */
export function logFileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Moves `file` to its rotated name, replacing the older one; the next line starts a new file. */
export function rotateLogFile(file: string): void {
  try {
    renameSync(file, rotatedLogFile(file));
  } catch {
    // No log yet, or the folder cannot be written: the lines still go to stderr.
  }
}

/** Prepares the log file and returns its path. */
export function prepareLogFile(dataDir: string): string {
  const dir = path.join(dataDir, LOG_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LOG_FILE);
  if (logFileSize(file) > ROTATE_BYTES) rotateLogFile(file);
  return file;
}
