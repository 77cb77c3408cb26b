// The RDP pointer's pixels from the base64 the gateway sends: every byte value, every padding, with the engine's own
// decoder where the page has one (Chromium's Uint8Array.fromBase64) and with the loop where it has not (Node 20 here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesOfBase64 } from '../../../renderer/protocols/rdp/remotePointer';

const every = Buffer.from(Array.from({ length: 256 * 3 + 2 }, (_, i) => (i * 37) & 255));

test('base64 to pixels: every byte value, and lengths ending with each padding', () => {
  for (const length of [0, 1, 2, 3, 4, every.length]) {
    const bytes = every.subarray(0, length);
    const decoded = bytesOfBase64(bytes.toString('base64'));
    assert.ok(decoded instanceof Uint8ClampedArray);
    assert.deepEqual([...decoded], [...bytes], `${length} bytes`);
  }
});

test('with the engine\u2019s own decoder: its bytes as they are, at their offset', (t) => {
  const withBase64 = Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array };
  const had = Object.getOwnPropertyDescriptor(Uint8Array, 'fromBase64');
  let called = 0;
  // A decoder that gives a view into a larger buffer, as an engine may.
  withBase64.fromBase64 = (text) => {
    called++;
    const bytes = Buffer.from(text, 'base64');
    const backing = new Uint8Array(bytes.length + 8);
    backing.set(bytes, 5);
    return backing.subarray(5, 5 + bytes.length);
  };
  t.after(() => {
    if (had) Object.defineProperty(Uint8Array, 'fromBase64', had);
    else delete withBase64.fromBase64;
  });
  const decoded = bytesOfBase64(every.toString('base64'));
  assert.equal(called, 1);
  assert.deepEqual([...decoded], [...every]);
});
