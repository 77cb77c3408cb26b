import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiErrorText, messageFor, vncRefusalCode } from '../../../shared/errors/errorCodes';

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

test('a VNC server\'s refusal: "too many failures" is a wait, wherever it comes; before any sign-in never a wrong password; after one, a wrong password', () => {
  // TigerVNC's blacklist, and other servers' words of the kind.
  for (const reason of ['Too many security failures', 'Too many authentication failures', 'too many failed attempts, try again later', 'Your address is blacklisted']) {
    assert.equal(vncRefusalCode(reason, true), 'sign-in-blocked', reason);
    assert.equal(vncRefusalCode(reason, false), 'sign-in-blocked', reason);
  }
  assert.equal(vncRefusalCode('Authentication failure', false), 'auth-failed');
  assert.equal(vncRefusalCode('', false), 'auth-failed');
  assert.equal(vncRefusalCode('The server is already in use', true), 'host-refused');
  assert.equal(vncRefusalCode('', true), 'host-refused');
  // A password refused for its words is not taken for a wait.
  assert.equal(vncRefusalCode('Password too short: too many characters missing', false), 'auth-failed');
  assert.match(messageFor('sign-in-blocked'), /refuses sign-ins from this computer for now, after too many failed attempts\. Wait a little, then try again\./);
});
