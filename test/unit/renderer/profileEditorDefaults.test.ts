// The "New connection" form starts from IT's profileDefaults (as /api/state hands them over), and sends them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftFrom, valuesFrom, type EditorValues } from '../../../renderer/profiles/editorValues';

test('a new connection\u2019s form starts from IT\u2019s profileDefaults, tags included, and its draft keeps them', () => {
  const profileDefaults = { shareClipboard: false, rdpSecurity: 'nla', untrustedCertificate: 'refuse', folder: 'Corp', tags: ['corp', 'floor-3'], domain: 'CORP' };
  const values = valuesFrom(null, profileDefaults as unknown as Partial<EditorValues>);
  assert.deepEqual([values.shareClipboard, values.rdpSecurity, values.untrustedCertificate, values.folder, values.tags, values.domain], [false, 'nla', 'refuse', 'Corp', 'corp, floor-3', 'CORP']);
  const draft = draftFrom({ ...values, name: 'Desk', host: 'desk.corp.example', protocol: 'rdp' }, null);
  assert.deepEqual([draft.shareClipboard, draft.rdpSecurity, draft.untrustedCertificate, draft.folder, draft.tags], [false, 'nla', 'refuse', 'Corp', ['corp', 'floor-3']]);
});

test('"Optimise for high-resolution displays": off for a new connection, IT\u2019s profileDefaults or the profile\u2019s own otherwise, and sent back in the draft', () => {
  assert.equal(valuesFrom(null).highDpi, false);
  const values = valuesFrom(null, { highDpi: true });
  assert.equal(values.highDpi, true);
  assert.equal(draftFrom({ ...values, name: 'Desk', host: 'desk.corp.example' }, null).highDpi, true);
  assert.equal(draftFrom({ ...valuesFrom(null), highDpi: false }, null).highDpi, false);
});
