// In a file of its own so that each store can throw it without importing secretStore.ts, which imports them.
/**
 * The password store as a whole did not do what was asked, not one entry of it: the system keychain stopped, or is
 * locked and will not open (`keychain-unavailable`), or the encrypted file or its key cannot be read
 * (`secrets-unreadable`). The API answers 503 (something DeskBridge depends on is unavailable; the same request may
 * work once it is back), and a read that fails so stands for every other read (`deskbridge --list` asks once).
 */
export class SecretsUnavailable extends Error {
  constructor(
    message: string,
    readonly code: 'keychain-unavailable' | 'secrets-unreadable' = 'keychain-unavailable',
  ) {
    super(message);
  }
}
