// Saved passwords of deleted connections that the keychain would not remove at
// the time (it had stopped): their accounts (never a password) are kept in
// `secrets-to-delete.json` in the data folder and removed at the next start,
// or at the next delete, so that deleting a connection does not silently leave
// its password behind.
//
// A connection deleted in the app waits here too while its delete can still be
// undone (ProfileLibrary.remove): a "hold", with the time until which no one
// removes it. Every process on the data folder (a second window's gateway, one
// started later) passes over a hold until its time, and removes it after, so a
// gateway that stops or dies meanwhile still has the password removed, and one
// that is put back is never removed by another process.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import { writeFileAtomic } from '../profiles/profileStore';
import { withFileLock } from '../profiles/fileLock';
import type { SecretStore } from './secretStore';

export const DEFERRED_DELETIONS_FILE = 'secrets-to-delete.json';

const holdSchema = z.object({ account: z.string(), until: z.number() });
const fileSchema = z.object({ accounts: z.array(z.string()), held: z.array(holdSchema).optional() });
type Waiting = { accounts: string[]; held: z.infer<typeof holdSchema>[] };

export class DeferredSecretDeletions {
  private readonly file: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(dataDir, DEFERRED_DELETIONS_FILE);
  }

  /** Every account waiting to be removed, held ones included. */
  async accounts(): Promise<string[]> {
    const { accounts, held } = await this.read();
    return [...accounts, ...held.map((h) => h.account).filter((a) => !accounts.includes(a))];
  }

  /** Keeps `account` to delete later. Throws where even that cannot be written (the caller says so). */
  remember(account: string): Promise<void> {
    return this.serial(async () => {
      const waiting = await this.read();
      if (!waiting.accounts.includes(account)) await this.save({ ...waiting, accounts: [...waiting.accounts, account] });
    });
  }

  /** Keeps `account` to delete, but not before `until` (ms since the epoch): a delete that may still be undone. Throws where it cannot be written. */
  hold(account: string, until: number): Promise<void> {
    return this.serial(async () => {
      const waiting = await this.read();
      await this.save({ ...waiting, held: [...waiting.held.filter((h) => h.account !== account), { account, until }] });
    });
  }

  /** No longer to delete (a deleted connection put back, or its password removed). */
  forget(account: string): Promise<void> {
    return this.serial(async () => {
      const waiting = await this.read();
      if (!waiting.accounts.includes(account) && !waiting.held.some((h) => h.account === account)) return;
      await this.save({ accounts: waiting.accounts.filter((a) => a !== account), held: waiting.held.filter((h) => h.account !== account) });
    });
  }

  /** Deletes what is due (a hold only once its time is over); what the keychain still will not delete stays for the next time. Never throws. */
  async retry(secrets: SecretStore): Promise<void> {
    // Nothing due (the usual case): no lock taken, nothing written.
    if (this.due(await this.read()).length === 0) return;
    return this.serial(async () => {
      const waiting = await this.read();
      const due = this.due(waiting);
      if (due.length === 0) return;
      const removed = new Set<string>();
      for (const account of due) {
        try {
          await secrets.delete(account);
          removed.add(account);
        } catch {
          // stays for the next time
        }
      }
      if (removed.size === 0) return;
      this.logger.info('saved passwords of deleted connections removed', { removed: removed.size, left: due.length - removed.size });
      await this.save({ accounts: waiting.accounts.filter((a) => !removed.has(a)), held: waiting.held.filter((h) => !removed.has(h.account)) });
    }).catch((error: unknown) => this.logger.warn('could not remove the saved passwords of deleted connections', { error: (error as Error).message }));
  }

  private due(waiting: Waiting): string[] {
    const now = this.now();
    const heldNow = new Set(waiting.held.filter((h) => h.until > now).map((h) => h.account));
    const due = [...waiting.accounts, ...waiting.held.map((h) => h.account)].filter((a) => !heldNow.has(a));
    return [...new Set(due)];
  }

  private async read(): Promise<Waiting> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await fs.readFile(this.file, 'utf8')));
      return parsed.success ? { accounts: parsed.data.accounts, held: parsed.data.held ?? [] } : { accounts: [], held: [] };
    } catch {
      return { accounts: [], held: [] };
    }
  }

  private async save(waiting: Waiting): Promise<void> {
    if (waiting.accounts.length === 0 && waiting.held.length === 0) await fs.rm(this.file, { force: true });
    else await writeFileAtomic(this.file, JSON.stringify(waiting.held.length > 0 ? waiting : { accounts: waiting.accounts }) + '\n');
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const locked = () => withFileLock(this.file, work);
    const next = this.chain.then(locked, locked);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
