// The OS keychain through @napi-rs/keyring (MIT, maintained; prebuilt for
// every desktop platform): Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows.
import { createRequire } from 'node:module';
import type { Logger } from '../logging/logger';
import type { SecretStore } from './secretStore';
import { SecretsUnavailable } from './secretsUnavailable';

type AsyncEntryCtor = new (
  service: string,
  account: string,
  options?: { linux?: { store?: 'secret-service' | 'keyutils' } },
) => {
  getPassword(): Promise<string | null | undefined>;
  setPassword(password: string): Promise<void>;
  deleteCredential(): Promise<boolean>;
};

/** How @napi-rs/keyring words a failure of the keychain as a whole (its Error::PlatformFailure, NoStorageAccess). */
const WHOLE_KEYCHAIN_FAILURE = /^(?:Platform (?:secure storage )?failure|Couldn't access platform (?:secure )?storage)\b/i;

const KEYCHAIN_NAMES: Record<string, string> = {
  linux: 'Secret Service (GNOME Keyring, KWallet or similar)',
  darwin: 'macOS Keychain',
  win32: 'Windows Credential Manager',
};

/** Returns null when no keychain can be used here (e.g. a thin client with no desktop session). */
export async function openKeychainSecrets(service: string, logger: Logger): Promise<SecretStore | null> {
  let AsyncEntry: AsyncEntryCtor;
  try {
    AsyncEntry = (createRequire(import.meta.url)('@napi-rs/keyring') as { AsyncEntry: AsyncEntryCtor }).AsyncEntry;
  } catch (error) {
    logger.warn('keychain library unavailable', { error: (error as Error).message });
    return null;
  }
  // On Linux the library would silently fall back to the kernel keyring, which
  // forgets everything at reboot: pin Secret Service so "no keychain" is seen.
  const options = process.platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
  const entry = (account: string) => new AsyncEntry(service, account, options);
  try {
    await entry('__deskbridge_probe__').getPassword();
  } catch (error) {
    logger.info('no usable OS keychain', { error: (error as Error).message });
    return null;
  }
  const name = KEYCHAIN_NAMES[process.platform] ?? 'the system keychain';
  return {
    backend: 'keychain',
    description: `Saved passwords are kept in the system keychain (${name}).`,
    weaker: false,
    async get(account) {
      try {
        return (await entry(account).getPassword()) ?? null;
      } catch (error) {
        // keyring's PlatformFailure and NoStorageAccess are the keychain itself (no D-Bus answer, locked): every read
        // would fail alike. Others (BadEncoding, Ambiguous: "Entry is matched by 2 credentials") are this entry's.
        const said = (error as Error).message;
        if (WHOLE_KEYCHAIN_FAILURE.test(said)) throw new SecretsUnavailable(said);
        // Said without the item paths keyring lists after it (another program saved one more under the same names).
        const ambiguous = /^Entry is matched by (\d+) credentials/.exec(said);
        if (ambiguous) throw new Error(`the keychain holds ${ambiguous[1]} items for this one connection, so which is its password is unclear`);
        throw error;
      }
    },
    async set(account, secret) {
      await entry(account).setPassword(secret);
    },
    async delete(account) {
      // Nothing saved under that account answers false (already deleted); a keychain that does not answer throws,
      // and that is the caller's to know: the password is still there.
      await entry(account).deleteCredential();
    },
  };
}
