// One logger for the Node side, with levels. Lines go to stderr (and optionally
// a file) as "ISO-time LEVEL [scope] message key=value ...".
// INVARIANT: never pass a password, ticket or cookie value to the logger.
import { appendFileSync } from 'node:fs';

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
  const make = (scope: string): Logger => {
    const write = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
      if (ORDER[lvl] < ORDER[level]) return;
      const line = `${new Date().toISOString()} ${lvl.toUpperCase()} [${scope}] ${message}${formatFields(fields)}`;
      sink(line);
      if (file) {
        try {
          appendFileSync(file, line + '\n', { mode: 0o600 });
        } catch {
          // A log file we cannot write must not stop the app; stderr still has the line.
        }
      }
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
