// Where the gateway's log lines are kept: <data folder>/logs/deskbridge.log,
// rotated once (to .1) when it passes a size at start, so the diagnostics
// bundle has recent history without the folder growing for ever.
import { mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

export const LOG_DIR = 'logs';
export const LOG_FILE = 'deskbridge.log';
const ROTATE_BYTES = 5 * 1024 * 1024;

/** Prepares the log file and returns its path. */
export function prepareLogFile(dataDir: string): string {
  const dir = path.join(dataDir, LOG_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LOG_FILE);
  try {
    if (statSync(file).size > ROTATE_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
  return file;
}
