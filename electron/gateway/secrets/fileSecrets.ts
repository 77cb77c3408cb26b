// The fallback where no keychain runs: AES-256-GCM, one entry per account,
// in secrets.enc.json in the data folder; the 256-bit key in a separate
// folder (by default the user's state folder), so copying the data folder
// alone does not reveal the passwords. Weaker than a keychain: anyone who can
// read both files as this user can decrypt them. The UI says so.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../profiles/profileStore';
import { withFileLock } from '../profiles/fileLock';
import type { SecretStore } from './secretStore';
import { SecretsUnavailable } from './secretsUnavailable';

export const SECRETS_FILE = 'secrets.enc.json';
const KEY_FILE = 'secrets.key';

interface SealedEntry {
  iv: string;
  tag: string;
  data: string;
}
interface SecretsFile {
  version: 1;
  entries: Record<string, SealedEntry>;
}

export function defaultKeyDir(): string {
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'DeskBridge', 'Keys');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'DeskBridge Keys');
  return path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'deskbridge');
}

/**
 * The key file is there but cannot be used (damaged, or not readable): the passwords sealed with it cannot be read.
 * Never replaced by a new key: IT may restore it from a backup. The message keeps the words --save-password prints.
 */
export class KeyFileUnusable extends Error {
  constructor(
    readonly file: string,
    /** What is wrong with it, as the end of a sentence: "the key file is damaged". */
    readonly reason: string,
  ) {
    super(`The key file ${file} ${reason.replace(/^the key file /, '')}; saved passwords cannot be read.`);
  }
}

/** The key in keyDir; null where there is no key file; KeyFileUnusable where there is one that cannot be used. */
async function readKey(file: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new KeyFileUnusable(file, `the key file cannot be read (${code ?? (error as Error).message})`);
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length === 32) return key;
  throw new KeyFileUnusable(file, 'the key file is damaged');
}

/**
 * The key in keyDir, made where there is none. Called under the secrets file's lock (a save), so a second window
 * saving at the same moment reads the key the first made rather than making its own.
 */
async function loadOrCreateKey(keyDir: string): Promise<Buffer> {
  const file = path.join(keyDir, KEY_FILE);
  const existing = await readKey(file);
  if (existing) return existing;
  // INVARIANT: a key is made only where there is none ('wx'), never over a file that is there.
  await fs.mkdir(keyDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  await fs.writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

/**
 * Why openFileSecrets() would fail on keyDir's key file, found out without creating anything (no key, no folder):
 * `deskbridge --diagnostics`. Null where the key is good or there is none yet (one is made with the first password saved).
 */
export async function keyFileProblem(keyDir: string): Promise<KeyFileUnusable | null> {
  try {
    await readKey(path.join(keyDir, KEY_FILE));
    return null;
  } catch (error) {
    if (error instanceof KeyFileUnusable) return error;
    throw error;
  }
}

/**
 * The store on dataDir's file and keyDir's key. A key file there but unusable fails here (KeyFileUnusable); where there
 * is none, none is made until the first password is saved: a store that is opened and never saved into (policy
 * `never`, or `keychain-only` where no keychain runs) leaves no key behind.
 */
export async function openFileSecrets(dataDir: string, keyDir: string): Promise<SecretStore> {
  const keyFile = path.join(keyDir, KEY_FILE);
  let key = await readKey(keyFile);
  /** A key file made unusable since the store opened fails every use, as the whole store (SecretsUnavailable). */
  const asWholeStore = (error: unknown): never => {
    throw error instanceof KeyFileUnusable ? new SecretsUnavailable(error.message, 'secrets-unreadable') : error;
  };
  /** The key for a read: the one there is (another window may have made it since), or none (nothing can be read). */
  const keyToRead = async (): Promise<Buffer | null> => (key ??= await readKey(keyFile).catch(asWholeStore));
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SECRETS_FILE);
  const read = async (): Promise<SecretsFile> => {
    try {
      const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as SecretsFile;
      if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') return parsed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    return { version: 1, entries: {} };
  };
  let chain: Promise<unknown> = Promise.resolve();
  // One after another here, and under the file's lock across processes (another window's gateway), each on the file as it is then.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const locked = () => withFileLock(file, work);
    const next = chain.then(locked, locked);
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    backend: 'file',
    description:
      'No system keychain is running, so saved passwords are kept in an encrypted file on this computer. This is weaker than a keychain: anyone who can read your files can recover them.',
    weaker: true,
    async get(account) {
      // The file itself unreadable is every entry unreadable: said as the whole store, not as this one account.
      const sealed = (
        await read().catch((error: unknown) => {
          throw new SecretsUnavailable((error as Error).message, 'secrets-unreadable');
        })
      ).entries[account];
      if (!sealed) return null;
      const readWith = await keyToRead();
      // Sealed with a key that is gone: as if nothing were saved, as for one sealed with another key.
      if (!readWith) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', readWith, Buffer.from(sealed.iv, 'base64'));
        decipher.setAAD(Buffer.from(account, 'utf8'));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        return null; // Tampered, or sealed with another key: as if nothing were saved.
      }
    },
    set(account, secret) {
      return serial(async () => {
        const body = await read();
        key ??= await loadOrCreateKey(keyDir).catch(asWholeStore);
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        cipher.setAAD(Buffer.from(account, 'utf8'));
        const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
        body.entries[account] = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
        await writeFileAtomic(file, JSON.stringify(body));
      });
    },
    delete(account) {
      return serial(async () => {
        const body = await read();
        if (!(account in body.entries)) return;
        delete body.entries[account];
        await writeFileAtomic(file, JSON.stringify(body));
      });
    },
  };
}
