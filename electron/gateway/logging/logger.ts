// One logger for the Node side, with levels. Lines go to stderr (and optionally
// a file) as "ISO-time LEVEL [scope] message key=value ...". The file is
// rotated while the app runs (fileLog.ts): the logger counts the bytes it
// appends, and before a line that would take the file past its limit moves
// it to its rotated name and starts a new one (no stat per line).
// INVARIANT: never pass a password, ticket or cookie value to the logger.
import { appendFileSync } from 'node:fs';
import { logFileSize, rotateLogFile, ROTATE_BYTES } from './fileLog';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  file?: string | null;
  scope?: string;
  /** Where lines are written; stderr by default. */
  sink?: (line: string) => void;
  /** The file is rotated before a line would take it past this many bytes; ROTATE_BYTES by default. */
  rotateBytes?: number;
}

function formatFields(fields?: Record<string, unknown>): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? JSON.stringify(v) : v instanceof Error ? JSON.stringify(v.message) : JSON.stringify(v)}`)
    .join('');
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env.DESKBRIDGE_LOG_LEVEL as LogLevel | undefined;
  const level: LogLevel = options.level ?? (envLevel && envLevel in ORDER ? envLevel : 'info');
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const file = options.file ?? null;
  const rotateBytes = options.rotateBytes ?? ROTATE_BYTES;
  // Bytes in the file as this logger knows it: its size once at start, then what it appended (shared by every child).
  let written = file ? logFileSize(file) : 0;
  const appendToFile = (file: string, text: string) => {
    const bytes = Buffer.byteLength(text);
    if (written > 0 && written + bytes > rotateBytes) {
      // One stat per rotation: another process writing the same file (a second window) may have rotated it already.
      const size = logFileSize(file);
      if (size > 0 && size + bytes > rotateBytes) rotateLogFile(file);
      written = size + bytes > rotateBytes ? 0 : size;
    }
    try {
      appendFileSync(file, text, { mode: 0o600 });
      written += bytes;
    } catch {
      // A log file we cannot write must not stop the app; stderr still has the line.
    }
  };
  const make = (scope: string): Logger => {
    const write = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
      if (ORDER[lvl] < ORDER[level]) return;
      const line = `${new Date().toISOString()} ${lvl.toUpperCase()} [${scope}] ${message}${formatFields(fields)}`;
      sink(line);
      if (file) appendToFile(file, line + '\n');
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      child: (s) => make(`${scope}:${s}`),
    };
  };
  return make(options.scope ?? 'deskbridge');
}
