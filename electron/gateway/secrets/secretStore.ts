// One secrets implementation for both shells (ARCHITECTURE.md, "Profiles,
// policy, secrets"): the OS keychain first, else an encrypted file whose key
// lives apart from the profiles. The UI is told which one is in use.
// INVARIANT: secrets never reach profiles.json, a log line or a URL.
import type { SecretsBackend } from '../../../shared/api/contract';
import type { Logger } from '../logging/logger';
import { openKeychainSecrets } from './keychainSecrets';
import { openFileSecrets, defaultKeyDir } from './fileSecrets';

export interface SecretStore {
  readonly backend: SecretsBackend;
  /** Plain words for the UI. */
  readonly description: string;
  /** True for the encrypted-file fallback, which is weaker than a keychain. */
  readonly weaker: boolean;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

export const SECRETS_SERVICE = 'DeskBridge';

/**
 * The system keychain did not do what was asked (it stopped, or is locked and will not open): the API answers 503
 * (a service DeskBridge depends on is unavailable; the same request may work once it runs again).
 */
export class SecretsUnavailable extends Error {
  readonly code = 'keychain-unavailable';
}

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

/**
 * The encrypted file where openSecretStore() failed (its key file unreadable or damaged; a keychain that cannot be
 * used falls back to the file, so only the file fails to open): every use fails with why.
 */
export function unopenedSecretStore(why: Error): SecretStore {
  const fail = async (): Promise<never> => {
    throw why;
  };
  return { backend: 'file', description: `Saved passwords cannot be read: ${why.message}`, weaker: true, get: fail, set: fail, delete: fail };
}

/**
 * Which store openSecretStore() would use, finding out without creating anything (no key file, no folder):
 * `deskbridge --diagnostics`. The keychain is asked for a probe entry only (a read).
 */
export async function secretsBackendInUse(options: { logger: Logger; prefer?: 'auto' | 'file' }): Promise<SecretsBackend> {
  const prefer = options.prefer ?? ((process.env.DESKBRIDGE_SECRETS === 'file' ? 'file' : 'auto') as 'auto' | 'file');
  if (prefer === 'auto' && (await openKeychainSecrets(SECRETS_SERVICE, options.logger))) return 'keychain';
  return 'file';
}
