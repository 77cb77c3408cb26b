import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validity } from '../../../renderer/session/certificateValidity';

const from = '2026-12-06T10:00:00Z';
const to = '2027-12-06T10:00:00Z';

test('the dates name their month, so 12/6 cannot be read as 6 December or 12 June', () => {
  assert.equal(validity(from, to, Date.parse('2027-01-01T00:00:00Z'), 'en-GB'), '6 Dec 2026 to 6 Dec 2027');
  assert.equal(validity(from, to, Date.parse('2027-01-01T00:00:00Z'), 'en-US'), 'Dec 6, 2026 to Dec 6, 2027');
});

test('a certificate outside its dates says so', () => {
  assert.equal(validity(from, to, Date.parse('2028-01-01T00:00:00Z'), 'en-GB'), '6 Dec 2026 to 6 Dec 2027 (expired)');
  assert.equal(validity(from, to, Date.parse('2026-01-01T00:00:00Z'), 'en-GB'), '6 Dec 2026 to 6 Dec 2027 (not valid yet)');
});
