import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keyFileValue, parseKeyFileDocument, setKeyFileValue, writeKeyFileDocument } from '../../../shared/connectionFiles/keyFile';
import { encodeConnectionFileText, type TextEncodingName } from '../../../shared/connectionFiles/textEncoding';
import { bytesEqual, utf8 } from './fixtureFiles';
import { safeText } from './arbitraries';

const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}$/);
const keyFileLine = fc.oneof(
  fc.tuple(key, safeText(30)).map(([k, v]) => `${k}=${v}`),
  fc.tuple(key, safeText(10)).map(([k, v]) => `  ${k} = ${v}  `),
  key.map((name) => `[${name}]`),
  safeText(20).map((text) => `# ${text}`),
  fc.constantFrom('', '  '),
);

test('property: any key file is written back byte for byte and reads back equal', () => {
  fc.assert(
    fc.property(
      key,
      fc.array(fc.tuple(keyFileLine, fc.constantFrom('\r\n', '\n')), { maxLength: 25 }),
      fc.constantFrom<TextEncodingName>('utf-8', 'utf-8-bom'),
      (group, lines, encoding) => {
        const text = `[${group}]\n${lines.map(([line, eol]) => line + eol).join('')}`;
        const bytes = encodeConnectionFileText(text, encoding);
        const first = parseKeyFileDocument(bytes);
        if (!first.ok) assert.fail(first.error.message);
        const written = writeKeyFileDocument(first.document);
        bytesEqual(written, bytes);
        const second = parseKeyFileDocument(written);
        assert.ok(second.ok);
        if (second.ok) assert.deepEqual(second.document, first.document);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: a value set is the value read, whatever its characters (GLib escapes)', () => {
  fc.assert(
    fc.property(key, fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff]/g, '')), (name, value) => {
      const start = parseKeyFileDocument(encodeConnectionFileText('[g]\nother=1\n\n[h]\nx=y\n', 'utf-8'));
      assert.ok(start.ok);
      if (!start.ok) return;
      const written = writeKeyFileDocument(setKeyFileValue(start.document, 'g', name, value));
      const reread = parseKeyFileDocument(written);
      if (!reread.ok) assert.fail(reread.error.message);
      assert.equal(keyFileValue(reread.document, 'g', name), value);
      assert.equal(keyFileValue(reread.document, 'h', 'x'), 'y');
    }),
    { numRuns: 300 },
  );
});

test('a new key goes after the last setting of its group, before the blank line; a new group at the end', () => {
  const start = parseKeyFileDocument(encodeConnectionFileText('[a]\nk=1\n\n[b]\nz=2', 'utf-8'));
  assert.ok(start.ok);
  if (!start.ok) return;
  let document = setKeyFileValue(start.document, 'a', 'new', ' two words\t');
  document = setKeyFileValue(document, 'b', 'y', '3');
  document = setKeyFileValue(document, 'c', 'q', 'x\\y');
  assert.equal(utf8(writeKeyFileDocument(document)), '[a]\nk=1\nnew=\\stwo words\\t\n\n[b]\nz=2\ny=3\n\n[c]\nq=x\\\\y\n');
  assert.equal(utf8(writeKeyFileDocument(setKeyFileValue(document, 'a', 'k', null))).startsWith('[a]\nnew='), true);
});
