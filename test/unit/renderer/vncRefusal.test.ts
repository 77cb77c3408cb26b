import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { refusedBeforePassword, vncRefusal } from '../../../renderer/protocols/vnc/vncRefusal';

test('a refused password is a wrong password; a server refusing for a while, or before any sign-in, is not, and says why', () => {
  assert.deepEqual(vncRefusal({ reason: 'Authentication failure', beforePassword: false }), { code: 'auth-failed', detail: 'Authentication failure' });
  assert.deepEqual(vncRefusal({ reason: 'Too many security failures', beforePassword: false }), {
    code: 'sign-in-blocked',
    detail: 'Too many security failures',
    note: 'The remote computer said: “Too many security failures”.',
  });
  assert.deepEqual(vncRefusal({ reason: 'Too many security failures', beforePassword: true }).code, 'sign-in-blocked');
  assert.deepEqual(vncRefusal({ reason: 'Server is in use by another viewer', beforePassword: true }), {
    code: 'host-refused',
    detail: 'Server is in use by another viewer',
    note: 'The remote computer said: “Server is in use by another viewer”.',
  });
  assert.deepEqual(vncRefusal({ reason: '', beforePassword: true }), { code: 'host-refused' });
  // A server's reason is shown, not a page of it.
  const long = vncRefusal({ reason: 'x'.repeat(5000), beforePassword: true });
  assert.equal(long.detail?.length, 301);
});

test('the noVNC we ship names where it read a refusal as the session expects (its internal _securityContext)', () => {
  const rfb = readFileSync(path.resolve('node_modules/@novnc/novnc/core/rfb.js'), 'utf8');
  for (const context of ['no security types', 'authentication scheme', 'security result']) {
    assert.ok(rfb.includes(`this._securityContext = "${context}"`), `noVNC sets _securityContext to "${context}"`);
  }
  assert.equal(refusedBeforePassword({ _securityContext: 'no security types' }), true);
  assert.equal(refusedBeforePassword({ _securityContext: 'authentication scheme' }), true);
  assert.equal(refusedBeforePassword({ _securityContext: 'security result' }), false);
  assert.equal(refusedBeforePassword({}), false);
});
