// One secrets implementation for both shells (ARCHITECTURE.md, "Profiles,
// policy, secrets"): the OS keychain first, else an encrypted file whose key
// lives apart from the profiles. The UI is told which one is in use.
// INVARIANT: secrets never reach profiles.json, a log line or a URL.
import { promises as fs } from 'node:fs';
import type { SecretsBackend } from '../../../shared/api/contract';
import type { Logger } from '../logging/logger';
import { openKeychainSecrets } from './keychainSecrets';
import { openFileSecrets, defaultKeyDir, keyFileProblem, KeyFileUnusable } from './fileSecrets';
import { SecretsUnavailable } from './secretsUnavailable';

export interface SecretStore {
  readonly backend: SecretsBackend;
  /** Plain words for the UI. */
  readonly description: string;
  /** True for the encrypted-file fallback, which is weaker than a keychain. */
  readonly weaker: boolean;
  /**
   * Set where nothing saved can be read and nothing can be saved (the encrypted file's key damaged or unreadable):
   * what the user is told at start, in plain words, with what to do. Absent for a store that works.
   */
  readonly unusable?: string;
  /** With `unusable`: why the store could not be opened, for IT (the diagnostics bundle): never a secret. */
  readonly unopened?: SecretStoreUnopened;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
  /**
   * For a store that did not open (`unusable`): opens it after all where its key file changed since (restored from a
   * backup, its permissions mended), so the passwords come back without a restart. A stat where nothing changed.
   */
  refresh?(): Promise<void>;
}

/** Why the encrypted file's store could not be opened: what is wrong, and the key file where it is that file. */
export interface SecretStoreUnopened {
  reason: string;
  keyFile: string | null;
}

/** The same for an error met opening the store: a key file's problem names the file. */
export function unopenedBecause(why: Error): SecretStoreUnopened {
  return why instanceof KeyFileUnusable ? { reason: why.reason, keyFile: why.file } : { reason: why.message, keyFile: null };
}

export const SECRETS_SERVICE = 'DeskBridge';

export { SecretsUnavailable };

/** The keychain account under which a profile's password is kept. */
export function profileAccount(profileId: string): string {
  return `profile:${profileId}`;
}

export interface OpenSecretsOptions {
  dataDir: string;
  keyDir?: string;
  logger: Logger;
  /** For tests and for IT: 'file' skips the keychain. */
  prefer?: 'auto' | 'file';
}

export async function openSecretStore(options: OpenSecretsOptions): Promise<SecretStore> {
  const prefer = options.prefer ?? ((process.env.DESKBRIDGE_SECRETS === 'file' ? 'file' : 'auto') as 'auto' | 'file');
  if (prefer === 'auto') {
    const keychain = await openKeychainSecrets(SECRETS_SERVICE, options.logger);
    if (keychain) return keychain;
  }
  const keyDir = options.keyDir ?? process.env.DESKBRIDGE_SECRETS_KEY_DIR ?? defaultKeyDir();
  options.logger.warn('no OS keychain available; using the encrypted-file fallback for saved passwords', { keyDir });
  return openFileSecrets(options.dataDir, keyDir);
}

/** What the user is told of a store that did not open: what is wrong, and what to do about it. */
function unusableWords(why: Error): string {
  if (!(why instanceof KeyFileUnusable)) {
    return `Saved passwords cannot be read, and none can be saved: ${why.message.replace(/\.$/, '')}. Connections will ask for their password when you connect.`;
  }
  const mend = why.unreadable
    ? 'To get the saved passwords back, let your user account read that file again (its permissions); DeskBridge leaves it as it is.'
    : 'To get the saved passwords back, restore that file from a backup; DeskBridge leaves it as it is.';
  return `Saved passwords cannot be read, and none can be saved: ${why.reason} (${why.file}). Connections will ask for their password when you connect. ${mend}`;
}

/** What tells one version of a file from another (a restored copy, a chmod): null where there is none, or it cannot be seen. */
async function fileStamp(file: string): Promise<string | null> {
  try {
    const { ino, size, mtimeMs, ctimeMs, mode } = await fs.stat(file);
    return `${ino}:${size}:${mtimeMs}:${ctimeMs}:${mode}`;
  } catch {
    return null;
  }
}

/**
 * The encrypted file where openSecretStore() failed (its key file unreadable or damaged; a keychain that cannot be
 * used falls back to the file, so only the file fails to open): every use fails with why, as the whole store
 * (SecretsUnavailable). The app and the CLI go on without saved passwords; the key file is left as it is, since a
 * new key in its place would make every saved password unreadable for good, where IT may restore the file.
 * Given `reopen` (the app: what it did at start), the store is opened again once the key file has changed (refresh(),
 * before the state is read and before each use): a restored key file brings the passwords back without a restart.
 */
export function unopenedSecretStore(why: Error, reopen?: () => Promise<SecretStore>): SecretStore {
  let problem = why;
  let opened: SecretStore | null = null;
  const keyFile = why instanceof KeyFileUnusable ? why.file : null;
  // The key file as it was when it failed: taken now, so a change made from here on is seen.
  let failedOn: Promise<string | null> | null = reopen && keyFile ? fileStamp(keyFile) : null;
  let trying: Promise<void> | null = null;
  const refresh = (): Promise<void> =>
    (trying ??= (async () => {
      if (opened || !reopen || !keyFile || !failedOn) return;
      const now = await fileStamp(keyFile);
      if (now === (await failedOn)) return;
      failedOn = Promise.resolve(now);
      try {
        opened = await reopen();
      } catch (error) {
        problem = error as Error; // Still not usable, perhaps for another reason now (damaged where it was unreadable).
      }
    })().finally(() => {
      trying = null;
    }));
  const fail = async (): Promise<never> => {
    throw new SecretsUnavailable(problem.message, 'secrets-unreadable');
  };
  return {
    get backend() {
      return opened?.backend ?? 'file';
    },
    get description() {
      return opened?.description ?? unusableWords(problem);
    },
    get weaker() {
      return opened?.weaker ?? true;
    },
    get unusable() {
      return opened ? opened.unusable : unusableWords(problem);
    },
    get unopened() {
      return opened ? opened.unopened : unopenedBecause(problem);
    },
    async get(account) {
      await refresh();
      return opened ? opened.get(account) : fail();
    },
    async set(account, secret) {
      await refresh();
      return opened ? opened.set(account, secret) : fail();
    },
    async delete(account) {
      await refresh();
      return opened ? opened.delete(account) : fail();
    },
    refresh,
  };
}

/**
 * Which store openSecretStore() would use, and why it would not open (the encrypted file's key file damaged or
 * unreadable), finding out without creating anything (no key file, no folder): `deskbridge --diagnostics`. The
 * keychain is asked for a probe entry only (a read).
 */
export async function secretsBackendInUse(options: {
  logger: Logger;
  prefer?: 'auto' | 'file';
  keyDir?: string;
  /** The data folder, whose secrets file tells whether an empty key file sealed anything (see keyFileProblem). */
  dataDir?: string;
}): Promise<{ backend: SecretsBackend; unopened: SecretStoreUnopened | null }> {
  const prefer = options.prefer ?? ((process.env.DESKBRIDGE_SECRETS === 'file' ? 'file' : 'auto') as 'auto' | 'file');
  if (prefer === 'auto' && (await openKeychainSecrets(SECRETS_SERVICE, options.logger))) return { backend: 'keychain', unopened: null };
  const keyDir = options.keyDir ?? process.env.DESKBRIDGE_SECRETS_KEY_DIR ?? defaultKeyDir();
  const problem = await keyFileProblem(keyDir, options.dataDir ?? null).catch((error: unknown) => error as Error);
  return { backend: 'file', unopened: problem ? unopenedBecause(problem) : null };
}
