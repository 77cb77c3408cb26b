// The last connection errors, kept for IT's diagnostics bundle: what failed,
// where, when, and the gateway's evidence. Never a credential.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ErrorCode } from '../../../shared/errors/errorCodes';
import { writeFileAtomic } from '../profiles/profileStore';

export const CONNECTION_ERRORS_FILE = 'last-connection-errors.json';
const KEEP = 50;

export interface ConnectionErrorRecord {
  at: string;
  sessionId: string;
  profileId: string;
  protocol: string;
  target: string;
  code: ErrorCode;
  detail: string | null;
}

export class ConnectionErrorLog {
  private records: ConnectionErrorRecord[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string) {}

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await fs.readFile(path.join(this.dataDir, CONNECTION_ERRORS_FILE), 'utf8')) as unknown;
      if (Array.isArray(parsed)) this.records = parsed.slice(-KEEP) as ConnectionErrorRecord[];
    } catch {
      // None yet, or damaged: start a new list.
    }
  }

  list(): ConnectionErrorRecord[] {
    return [...this.records];
  }

  record(entry: Omit<ConnectionErrorRecord, 'at'>): void {
    this.records = [...this.records, { at: new Date().toISOString(), ...entry }].slice(-KEEP);
    const snapshot = this.records;
    this.chain = this.chain.then(() => writeFileAtomic(path.join(this.dataDir, CONNECTION_ERRORS_FILE), JSON.stringify(snapshot, null, 2))).catch(() => undefined);
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
