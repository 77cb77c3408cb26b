import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SEND_HELPERS, openSocketThrough, sendPdusAsBytes } from '../../../renderer/protocols/rdp/ironRdpSends';

const require = createRequire(import.meta.url);
const GLUE = readFileSync(require.resolve('@devolutions/iron-remote-desktop-rdp'), 'utf8');

test('the IronRDP build we ship: its Blob import makes a stand-in, its send import sends the bytes; nothing else changes', () => {
  const changed = sendPdusAsBytes(GLUE);
  assert.ok(changed, 'both places found');
  assert.ok(changed.startsWith(SEND_HELPERS));
  const body = changed.slice(SEND_HELPERS.length);
  assert.equal(body.match(/return __deskbridgeBlobOf\(\w+\)/g)?.length, 1);
  assert.equal(body.match(/new Blob\(/g)?.length ?? 0, (GLUE.match(/new Blob\(/g)?.length ?? 0) - 1, 'no Blob made for a PDU');
  assert.equal(body.match(/\.send\(__deskbridgeSendable\(\w+\)\)/g)?.length, 1);
  // Only those two lines differ.
  const before = GLUE.split('\n');
  const after = body.split('\n');
  assert.equal(after.length, before.length);
  assert.equal(after.filter((line, i) => line !== before[i]).length, 2);
});

test('a module without those imports (another IronRDP build) is left alone', () => {
  assert.equal(sendPdusAsBytes('export const x = 1;'), null);
  assert.equal(sendPdusAsBytes(GLUE.replace(/return new Blob\((\w+)\)/, 'return new Blob($1, {})')), null);
});

test('the helpers: byte arrays become a stand-in sent as one copy of its bytes, and a Blob to anything that asks; anything else as it is', async () => {
  const { blobOf, sendable } = new Function(`${SEND_HELPERS}; return { blobOf: __deskbridgeBlobOf, sendable: __deskbridgeSendable };`)() as {
    blobOf: (parts: unknown) => Blob;
    sendable: (value: unknown) => unknown;
  };
  const parts = [new Uint8Array([3, 0, 0, 7]), new Uint8Array([2, 0xf0, 0x80])];
  const made: unknown[] = [];
  const RealBlob = globalThis.Blob;
  globalThis.Blob = class extends RealBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      made.push(this);
    }
  };
  try {
    const blob = blobOf(parts);
    const bytes = sendable(blob) as Uint8Array;
    assert.deepEqual([...bytes], [3, 0, 0, 7, 2, 0xf0, 0x80]);
    assert.equal(made.length, 0, 'sending it made no Blob');
    parts[0]![0] = 9;
    assert.equal((sendable(blob) as Uint8Array)[0], 3, 'a copy: later changes to the parts (views into WebAssembly memory) do not reach it');
    // Anything else that uses it as a Blob gets one, with the same bytes.
    assert.ok(blob instanceof RealBlob);
    assert.equal(blob.size, 7);
    assert.equal(blob.type, '');
    assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [3, 0, 0, 7, 2, 0xf0, 0x80]);
    assert.deepEqual([...new Uint8Array(await blob.slice(4).arrayBuffer())], [2, 0xf0, 0x80]);
    assert.equal(made.length, 1, 'one real Blob, made on first use');
    const text = blobOf(['x']);
    assert.ok(text instanceof RealBlob);
    assert.equal(sendable(text), text, 'a Blob of anything but byte arrays is a real Blob, sent as it is');
    assert.equal(sendable('a string'), 'a string');
  } finally {
    globalThis.Blob = RealBlob;
  }
});

test('the IronRDP build we ship: its one WebSocket is opened by the page\'s opener; nothing else changes', () => {
  const changed = openSocketThrough(GLUE, '__open');
  assert.ok(changed, 'the place found');
  assert.equal(changed.match(/new WebSocket\(/g)?.length ?? 0, (GLUE.match(/new WebSocket\(/g)?.length ?? 0) - 1);
  assert.equal(changed.match(/return __open\(\w+\(\w+, \w+\)\)/g)?.length, 1);
  const before = GLUE.split('\n');
  const after = changed.split('\n');
  assert.equal(after.length, before.length);
  assert.equal(after.filter((line, i) => line !== before[i]).length, 1);
  assert.equal(openSocketThrough('export const x = 1;', '__open'), null, 'another build: left alone');
});
