// Saved passwords of deleted connections that the keychain would not remove at
// the time (it had stopped): their accounts (never a password) are kept in
// `secrets-to-delete.json` in the data folder and removed at the next start,
// or at the next delete, so that deleting a connection does not silently leave
// its password behind. A connection deleted in the app waits here too while
// its delete can still be undone (ProfileLibrary.remove): should the gateway
// stop before that ends, its password still goes at the next start.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import { writeFileAtomic } from '../profiles/profileStore';
import { withFileLock } from '../profiles/fileLock';
import type { SecretStore } from './secretStore';

export const DEFERRED_DELETIONS_FILE = 'secrets-to-delete.json';

const fileSchema = z.object({ accounts: z.array(z.string()) });

export class DeferredSecretDeletions {
  private readonly file: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, private readonly logger: Logger) {
    this.file = path.join(dataDir, DEFERRED_DELETIONS_FILE);
  }

  async accounts(): Promise<string[]> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await fs.readFile(this.file, 'utf8')));
      return parsed.success ? parsed.data.accounts : [];
    } catch {
      return [];
    }
  }

  /** Keeps `account` to delete later. Throws where even that cannot be written (the caller says so). */
  remember(account: string): Promise<void> {
    return this.serial(async () => {
      const accounts = await this.accounts();
      if (!accounts.includes(account)) await this.save([...accounts, account]);
    });
  }

  /** No longer to delete (a deleted connection put back). */
  forget(account: string): Promise<void> {
    return this.serial(async () => {
      const accounts = await this.accounts();
      if (accounts.includes(account)) await this.save(accounts.filter((a) => a !== account));
    });
  }

  /**
   * Deletes what is waiting, but `except` (passwords of connections that may still be put back); what the keychain
   * still will not delete stays for the next time. Never throws.
   */
  async retry(secrets: SecretStore, except: ReadonlySet<string> = new Set()): Promise<void> {
    // Nothing waiting (the usual case): no lock taken, nothing written.
    if ((await this.accounts()).every((account) => except.has(account))) return;
    return this.serial(async () => {
      const accounts = await this.accounts();
      if (accounts.length === 0) return;
      const left: string[] = [];
      for (const account of accounts) {
        if (except.has(account)) {
          left.push(account);
          continue;
        }
        try {
          await secrets.delete(account);
        } catch {
          left.push(account);
        }
      }
      if (left.length === accounts.length) return;
      if (left.length < accounts.length) this.logger.info('saved passwords of deleted connections removed', { removed: accounts.length - left.length, left: left.length });
      await this.save(left);
    }).catch((error: unknown) => this.logger.warn('could not remove the saved passwords of deleted connections', { error: (error as Error).message }));
  }

  private async save(accounts: string[]): Promise<void> {
    if (accounts.length === 0) await fs.rm(this.file, { force: true });
    else await writeFileAtomic(this.file, JSON.stringify({ accounts }) + '\n');
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const locked = () => withFileLock(this.file, work);
    const next = this.chain.then(locked, locked);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
