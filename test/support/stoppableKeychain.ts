// A keychain in memory for tests (unit and integration): the same answers as the real one, and a switch to stop it.
import type { SecretStore } from '../../electron/gateway/secrets/secretStore';

export /** A keychain in memory that can be stopped, as gnome-keyring's daemon stopping: every call then throws as @napi-rs/keyring does. */
class StoppableKeychain implements SecretStore {
  readonly backend = 'keychain' as const;
  readonly description = 'test keychain';
  readonly weaker = false;
  readonly saved = new Map<string, string>();
  down = false;
  private check(): void {
    if (this.down) throw new Error('Platform failure: DBus error: Connection is closed');
  }
  async get(account: string): Promise<string | null> {
    this.check();
    return this.saved.get(account) ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.check();
    this.saved.set(account, secret);
  }
  async delete(account: string): Promise<void> {
    this.check();
    this.saved.delete(account);
  }
}
