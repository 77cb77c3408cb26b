import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateProfileDraft, profileDraftSchema } from '../../../shared/profiles/profileSchema';

const good = { name: 'Office', protocol: 'vnc', host: '127.0.0.1', port: 5901, username: '', scaling: 'fit' };

test('a good draft validates and gets defaults', () => {
  const result = validateProfileDraft({ name: 'Office', protocol: 'vnc', host: 'desk-12.corp.example', port: 5900 });
  assert.equal(result.ok, true);
  if (result.ok) {
    assert.equal(result.value.scaling, 'fit');
    assert.deepEqual(result.value.tags, []);
  }
});

test('empty host and out-of-range port give messages for those fields', () => {
  const result = validateProfileDraft({ ...good, host: '  ', port: 70000 });
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.match(result.errors.host ?? '', /host name or address/);
    assert.match(result.errors.port ?? '', /1 to 65535/);
    assert.equal(result.errors.name, undefined);
  }
});

test('a URL instead of a host is refused with a hint', () => {
  const result = validateProfileDraft({ ...good, host: 'vnc://desk/x' });
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.errors.host ?? '', /without spaces/);
});

test('a draft never keeps a password field', () => {
  const parsed = profileDraftSchema.parse({ ...good, password: 'hunter2' });
  assert.equal('password' in parsed, false);
});

test('any input gives a typed result, never an exception', () => {
  fc.assert(
    fc.property(fc.anything(), (input) => {
      const result = validateProfileDraft(input);
      assert.equal(typeof result.ok, 'boolean');
    }),
    { numRuns: 500 },
  );
});
