import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { verifyEnvelope } from '../../../electron/gateway/policy/provisioning';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');

function envelope(document: object): string {
  const payload = Buffer.from(JSON.stringify(document), 'utf8');
  return JSON.stringify({ payload: payload.toString('base64'), signature: sign(null, payload, privateKey).toString('base64') });
}

test('a signed document with two profiles of one id is refused, as a policy file with them is', () => {
  const lab = { id: 'lab', name: 'Lab', protocol: 'rdp', host: 'lab.corp.example', port: 3389 };
  const document = { serial: 1, expires: '2099-01-01T00:00:00Z', profiles: [lab, { ...lab, name: 'Lab 2' }] };
  const refused = verifyEnvelope(envelope(document), publicKey);
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.problem : '', /profiles\.0 has this id too/);
  assert.equal(verifyEnvelope(envelope({ ...document, profiles: [lab] }), publicKey).ok, true);
});
