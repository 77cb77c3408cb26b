// The OS keychain through @napi-rs/keyring (MIT, maintained; prebuilt for
// every desktop platform): Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows.
import { createRequire } from 'node:module';
import type { Logger } from '../logging/logger';
import type { SecretStore } from './secretStore';

type AsyncEntryCtor = new (
  service: string,
  account: string,
  options?: { linux?: { store?: 'secret-service' | 'keyutils' } },
) => {
  getPassword(): Promise<string | null | undefined>;
  setPassword(password: string): Promise<void>;
  deleteCredential(): Promise<boolean>;
};

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
      return (await entry(account).getPassword()) ?? null;
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
