// Write failures in words (profiles/storageErrors.ts): which folder or file, and the true reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storageFailure } from '../../../electron/gateway/profiles/storageErrors';

/** A system error as Node's fs gives it. */
const systemError = (code: string, file?: string) => Object.assign(new Error(`${code}: ${file ?? ''}`), { code, ...(file ? { path: file } : {}) });

test('a read-only file system and missing permissions are told apart, each naming the folder', () => {
  const erofs = storageFailure(systemError('EROFS', '/data/.profiles.json.12.ab.tmp'), '/data', 'your connections', 'Nothing was changed.');
  assert.equal(erofs?.code, 'storage-read-only');
  assert.equal(erofs?.message, 'DeskBridge could not save your connections: the folder /data is on a read-only file system (EROFS). Nothing was changed.');
  const eacces = storageFailure(systemError('EACCES', '/data/.profiles.json.12.ab.tmp'), '/data', 'your connections', 'Nothing was changed.');
  assert.equal(eacces?.code, 'storage-not-permitted');
  assert.equal(eacces?.message, 'DeskBridge could not save your connections: it may not write to the folder /data (permission denied, EACCES). Nothing was changed.');
  // The lock beside the file is DeskBridge's own too: the folder refused it.
  assert.equal(storageFailure(systemError('EPERM', '/data/profiles.json.lock'), '/data', 'your connections', '')?.message, 'DeskBridge could not save your connections: it may not write to the folder /data (operation not permitted, EPERM).');
});

test('a file of the user\'s that may not be written is named itself', () => {
  const failure = storageFailure(systemError('EPERM', '/home/u/Desktop/office.rdp'), '/home/u/Desktop', 'the connection file', '');
  assert.equal(failure?.code, 'storage-not-permitted');
  assert.equal(failure?.message, 'DeskBridge could not save the connection file: it may not write to the file /home/u/Desktop/office.rdp (operation not permitted, EPERM).');
});

test('a full disk is said as before, and any other error is not a storage failure', () => {
  assert.equal(storageFailure(systemError('ENOSPC'), '/data', 'your connections', 'Nothing was changed.')?.message, 'DeskBridge could not save your connections: the disk that holds the folder /data is full (ENOSPC). Nothing was changed.');
  assert.equal(storageFailure(systemError('ENOENT', '/data/x'), '/data', 'your connections', ''), null);
  assert.equal(storageFailure(new Error('plain'), '/data', 'your connections', ''), null);
});
