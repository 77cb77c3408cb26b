import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectFormat, parseConnectionFile } from '../../../shared/connectionFiles/connectionFile';
import { encodeConnectionFileText } from '../../../shared/connectionFiles/textEncoding';
import { expectError, expectOk, fixture } from './fixtureFiles';

const FIXTURES: [string, 'rdp' | 'vv' | 'remmina'][] = [
  ['mstsc-desktop.rdp', 'rdp'],
  ['handwritten-utf8.rdp', 'rdp'],
  ['remoteapp.rdp', 'rdp'],
  ['signed.rdp', 'rdp'],
  ['gateway.rdp', 'rdp'],
  ['ovirt-spice.vv', 'vv'],
  ['ovirt-vnc.vv', 'vv'],
  ['lab-spice-crlf.vv', 'vv'],
  ['office-rdp.remmina', 'remmina'],
  ['lab-vnc.remmina', 'remmina'],
  ['kiosk-spice.remmina', 'remmina'],
];

test('every fixture is recognised by its content, whatever its name', () => {
  for (const [name, format] of FIXTURES) {
    assert.equal(detectFormat(name, fixture(name)), format, name);
    assert.equal(detectFormat('download (3)', fixture(name)), format, `${name} renamed`);
    assert.equal(expectOk(parseConnectionFile('download', fixture(name))).format, format, name);
  }
});

test('the extension decides when the content is not conclusive, so the right parser names the problem', () => {
  assert.equal(detectFormat('x.remmina', fixture('malformed/no-group.remmina')), 'remmina');
  assert.equal(detectFormat('x.rdp', fixture('malformed/garbage.rdp')), 'rdp');
  assert.equal(detectFormat('notes.txt', encodeConnectionFileText('hello', 'utf-8')), null);
  const unknown = expectError(parseConnectionFile('notes.txt', encodeConnectionFileText('hello', 'utf-8')));
  assert.equal(unknown.code, 'unknown-format');
});

test('each malformed sample gives a clear error naming the line where there is one', () => {
  const samples: [string, string, number | null, RegExp][] = [
    ['malformed/truncated-utf16.rdp', 'truncated', 55, /^Line 55: the file ends in the middle of a character/],
    ['malformed/no-type.rdp', 'malformed-line', 4, /^Line 4: 'full address' has no type/],
    ['malformed/no-group.remmina', 'malformed-line', 1, /before any \[group\] heading/],
    ['malformed/rdp-type.vv', 'unsupported-protocol', 2, /type 'rdp'/],
    ['malformed/no-host.vv', 'missing-value', null, /no 'host'/],
    ['malformed/bad-port.remmina', 'invalid-value', 4, /port '338900'/],
    ['malformed/garbage.rdp', 'not-text', 1, /^Line 1: .*not a connection file/],
  ];
  for (const [name, code, line, message] of samples) {
    const error = expectError(parseConnectionFile(name, fixture(name)));
    assert.deepEqual([error.code, error.line], [code, line], name);
    assert.match(error.message, message, name);
  }
});

test('a file of over a megabyte is refused before it is decoded', () => {
  assert.equal(expectError(parseConnectionFile('big.rdp', new Uint8Array(2 * 1024 * 1024))).code, 'not-text');
});

test('property: random bytes under any name give a result, never an exception', () => {
  fc.assert(
    fc.property(fc.constantFrom('a.rdp', 'a.vv', 'a.remmina', 'a.bin', ''), fc.uint8Array({ maxLength: 800 }), (name, bytes) => {
      const result = parseConnectionFile(name, bytes);
      if (!result.ok) {
        assert.equal(typeof result.error.message, 'string');
        assert.ok(result.error.line === null || (Number.isInteger(result.error.line) && result.error.line >= 1));
      }
    }),
    { numRuns: 1000 },
  );
});

test('property: random text in every encoding gives a result, never an exception', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('a.rdp', 'a.vv', 'a.remmina'),
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.constantFrom('utf-16le-bom', 'utf-16le', 'utf-8', 'utf-8-bom') as fc.Arbitrary<'utf-16le-bom' | 'utf-16le' | 'utf-8' | 'utf-8-bom'>,
      (name, text, encoding) => {
        const result = parseConnectionFile(name, encodeConnectionFileText(text, encoding));
        assert.equal(typeof result.ok, 'boolean');
      },
    ),
    { numRuns: 1000 },
  );
});
