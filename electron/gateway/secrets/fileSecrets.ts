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
    /** Not readable by this user (its permissions), rather than damaged: mended by its permissions, not a backup. */
    readonly unreadable = false,
  ) {
    super(`The key file ${file} ${reason.replace(/^the key file /, '')}; saved passwords cannot be read.`);
  }
}

/**
 * A key file with nothing in it, beside a data folder with no secrets file: what an interrupted first save of an
 * earlier version left (it created the file, then wrote it; a full disk or a crash came between). Nothing can have been
 * sealed with it (the secrets file is written only after the key), and it holds no key a backup could be restored over,
 * so it is taken as no key at all and replaced at the next save. Beside a secrets file it stays "damaged": passwords in
 * that file may have been sealed with the key it lost, and only a restored key file brings them back.
 */
async function emptyAndNothingSealed(text: string, dataDir: string | null): Promise<boolean> {
  if (text.trim() !== '' || dataDir === null) return false;
  return fs.access(path.join(dataDir, SECRETS_FILE)).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  );
}

/**
 * The key in the key file; null where there is none (or only an empty one nothing was sealed with, for dataDir);
 * KeyFileUnusable where there is one that cannot be used.
 */
async function readKey(file: string, dataDir: string | null): Promise<Buffer | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new KeyFileUnusable(file, `the key file cannot be read (${code ?? (error as Error).message})`, code === 'EACCES' || code === 'EPERM');
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length === 32) return key;
  if (await emptyAndNothingSealed(text, dataDir)) return null;
  throw new KeyFileUnusable(file, 'the key file is damaged');
}

async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the link is still atomic there.
  }
}

/**
 * Puts `key` in keyDir's key file where there is none, and answers the key that is there afterwards: this one, or the
 * one another process put there first (a second window, or another data folder sharing the key folder).
 * INVARIANT: a key is made only where there is none, and the key file is never seen half-written: the key is written
 * whole to a temp file in the key folder and synced, then linked in under the key file's name, which fails where a
 * file is already there. A full disk or a crash leaves no key file (the temp file at most), never an empty one.
 */
async function placeKey(keyDir: string, key: Buffer, dataDir: string): Promise<Buffer> {
  const file = path.join(keyDir, KEY_FILE);
  await fs.mkdir(keyDir, { recursive: true, mode: 0o700 });
  const temp = path.join(keyDir, `.${KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(key.toString('base64') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const there = await readKey(file, dataDir);
      if (there) return there;
      // Only an empty one nothing was sealed with (see emptyAndNothingSealed): replaced, under a lock so that two
      // processes replacing it at once do not each keep their own key. Checked again under the lock.
      const now = await withFileLock(file, async () => {
        const again = await readKey(file, dataDir);
        if (!again) await fs.rename(temp, file);
        return again;
      });
      if (now) return now;
    }
  } finally {
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
  await syncFolder(keyDir);
  return key;
}

/**
 * Why openFileSecrets() would fail on keyDir's key file, found out without creating anything (no key, no folder):
 * `deskbridge --diagnostics`. Null where the key is good or there is none yet (one is made with the first password saved),
 * or, given the data folder, only an empty one nothing was sealed with (see emptyAndNothingSealed).
 */
export async function keyFileProblem(keyDir: string, dataDir: string | null = null): Promise<KeyFileUnusable | null> {
  try {
    await readKey(path.join(keyDir, KEY_FILE), dataDir);
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
  let key = await readKey(keyFile, dataDir);
  /** A key file made unusable since the store opened fails every use, as the whole store (SecretsUnavailable). */
  const asWholeStore = (error: unknown): never => {
    throw error instanceof KeyFileUnusable ? new SecretsUnavailable(error.message, 'secrets-unreadable') : error;
  };
  /** The key for a read: the one there is (another window may have made it since), or none (nothing can be read). */
  const keyToRead = async (): Promise<Buffer | null> => (key ??= await readKey(keyFile, dataDir).catch(asWholeStore));
  /**
   * The key for a save, under the secrets file's lock: the one in the key file now, not only the one this store read
   * (the file may have been deleted and another window made a new one since). Where there is none, the one this
   * store holds is put back, or a new one made; where the file holds another key, or a damaged one, nothing is sealed:
   * a password sealed with a key that is not on disk could never be read again.
   */
  const keyToSealWith = async (): Promise<Buffer> => {
    const there = (await readKey(keyFile, dataDir).catch(asWholeStore)) ?? (await placeKey(keyDir, key ?? randomBytes(32), dataDir).catch(asWholeStore));
    if (key && !key.equals(there)) {
      throw new SecretsUnavailable(
        `The key file ${keyFile} was replaced while DeskBridge was running, so the password was not saved. Restart DeskBridge to use the key file as it is now.`,
        'secrets-unreadable',
      );
    }
    return there;
  };
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SECRETS_FILE);
  /**
   * The secrets file; none is no entries. One that cannot be read or understood fails as the whole store
   * (SecretsUnavailable), for a save and a removal too: read as empty, the next save would write over every password in
   * it. INVARIANT: a secrets file we cannot read is never overwritten; it is left as it is (unlike profiles.json, it
   * is not set aside: without it no password can be read anyway, and left in place a restored key or a mended file
   * brings them all back), and every use says why.
   */
  const read = async (): Promise<SecretsFile> => {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { version: 1, entries: {} };
      throw new SecretsUnavailable((error as Error).message, 'secrets-unreadable');
    }
    let parsed: Partial<SecretsFile> | null = null;
    try {
      parsed = JSON.parse(text) as Partial<SecretsFile>;
    } catch {
      // Said below, as a file of another shape.
    }
    if (parsed && parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object' && !Array.isArray(parsed.entries)) return parsed as SecretsFile;
    throw new SecretsUnavailable(
      `The saved passwords file ${file} is damaged or was written by another version; saved passwords cannot be read, and none can be saved. DeskBridge leaves it as it is: restore it from a backup, or remove it to start again without saved passwords.`,
      'secrets-unreadable',
    );
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
      // The file itself unreadable is every entry unreadable: said as the whole store (read()), not as this one account.
      const sealed = (await read()).entries[account];
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
        key = await keyToSealWith();
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
