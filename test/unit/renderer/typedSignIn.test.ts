import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionAccount, typedUsernameToKeep } from '../../../renderer/session/typedSignIn';

test('a user name typed at the prompt is kept only where it differs from the connection\u2019s own', () => {
  assert.equal(typedUsernameToKeep(true, 'ann', 'bob'), 'ann', 'another account: signed in with on reconnects');
  assert.equal(typedUsernameToKeep(true, 'bob', 'bob'), null, 'the connection\u2019s own: not kept, so a later change to it counts');
  assert.equal(typedUsernameToKeep(true, 'ann', undefined), 'ann', 'a connection with no user name: the typed one');
  assert.equal(typedUsernameToKeep(true, '', 'bob'), null);
  assert.equal(typedUsernameToKeep(false, 'ann', 'bob'), null, 'a prompt that did not ask for one');
});

test('the connection\u2019s account changes with its user name or domain, not with other settings', () => {
  assert.notEqual(connectionAccount({ username: 'ann', domain: '' }), connectionAccount({ username: 'bob', domain: '' }));
  assert.notEqual(connectionAccount({ username: 'ann', domain: 'CORP' }), connectionAccount({ username: 'ann', domain: 'LAB' }));
  assert.equal(connectionAccount({ username: 'ann', domain: 'CORP' }), connectionAccount({ username: 'ann', domain: 'CORP' }));
});
