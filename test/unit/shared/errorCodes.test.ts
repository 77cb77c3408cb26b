import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiErrorText, messageFor } from '../../../shared/errors/errorCodes';

test('the page shows the gateway\'s own words for a write that failed (which folder, which error), the code\'s message for the rest', () => {
  const words = 'DeskBridge could not save your connections: the folder /home/u/.config/DeskBridge is on a read-only file system (EROFS). Nothing was changed.';
  assert.equal(apiErrorText('storage-read-only', words), words);
  const permissions = 'DeskBridge could not save your connections: it may not write to the folder /home/u/.config/DeskBridge (permission denied, EACCES). Nothing was changed.';
  assert.equal(apiErrorText('storage-not-permitted', permissions), permissions);
  assert.equal(apiErrorText('storage-full', 'full words'), 'full words');
  assert.equal(apiErrorText('keychain-unavailable', 'The password could not be saved: the system keychain did not answer. The connection was saved without it.'), 'The password could not be saved: the system keychain did not answer. The connection was saved without it.');
  assert.equal(apiErrorText('storage-read-only', ''), messageFor('storage-read-only'));
  assert.equal(apiErrorText('policy-no-user-profiles', 'anything'), messageFor('policy-no-user-profiles'));
  assert.equal(apiErrorText('busy', 'Another DeskBridge window is still saving your connections.'), 'Another DeskBridge window is still saving your connections.');
});
