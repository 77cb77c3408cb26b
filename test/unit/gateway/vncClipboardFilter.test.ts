import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VncClipboardFilter, type ClipboardDirections } from '../../../electron/gateway/bridges/vncClipboardFilter';

// Client messages as noVNC 1.7 writes them (core/rfb.js RFB.messages).
const u8 = (...bytes: number[]) => Buffer.from(bytes);
const setEncodings = (...encodings: number[]) => {
  const b = Buffer.alloc(4 + 4 * encodings.length);
  b[0] = 2;
  b.writeUInt16BE(encodings.length, 2);
  encodings.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
  return b;
};
const cutText = (text: string) => {
  const data = Buffer.from(text, 'latin1');
  const b = Buffer.alloc(8);
  b[0] = 6;
  b.writeInt32BE(data.length, 4);
  return Buffer.concat([b, data]);
};
/** Extended Clipboard: a negative length, the flags, then the action's payload. */
const extended = (flags: number, payload = Buffer.alloc(0)) => {
  const b = Buffer.alloc(12);
  b[0] = 6;
  b.writeInt32BE(-(4 + payload.length), 4);
  b.writeUInt32BE(flags >>> 0, 8);
  return Buffer.concat([b, payload]);
};
const TEXT = 1;
// noVNC's caps name all five actions, and text with no size limit.
const CAPS = (0x1f << 24) | TEXT;
const REQUEST = (1 << 25) | TEXT;
const NOTIFY = (1 << 27) | TEXT;
const PROVIDE = (1 << 28) | TEXT;

const MESSAGES = {
  pixelFormat: Buffer.concat([u8(0, 0, 0, 0), Buffer.alloc(16, 1)]),
  encodings: setEncodings(7, 1, -316, -1063131698, -313),
  update: u8(3, 1, 0, 0, 0, 0, 4, 0, 3, 0),
  key: u8(4, 1, 0, 0, 0, 0, 0, 0x61),
  pointer: u8(5, 0x80, 0, 10, 0, 20), // button 8 held: still 6 bytes once ExtendedMouseButtons is off
  qemuKey: u8(255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e),
  fence: Buffer.concat([u8(248, 0, 0, 0, 0x80, 0, 0, 3, 4), Buffer.from('abcd')]),
  continuous: u8(150, 1, 0, 0, 0, 0, 4, 0, 3, 0),
  desktopSize: Buffer.concat([u8(251, 0, 5, 0, 3, 0x20, 1, 0), Buffer.alloc(16, 2)]),
  xvp: u8(250, 0, 1, 2),
  plainText: cutText('secret from here'),
  caps: extended(CAPS, Buffer.alloc(4)),
  request: extended(REQUEST),
  notify: extended(NOTIFY),
  provide: extended(PROVIDE, Buffer.from('zlib-data')),
};
const WITHOUT_EXTENDED_MOUSE = setEncodings(7, 1, -1063131698, -313);

function filterAll(directions: ClipboardDirections, chunks: Buffer[]) {
  const filter = new VncClipboardFilter(directions);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const outcome = filter.push(chunk);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.why);
    out.push(...outcome.toServer);
  }
  return { out: Buffer.concat(out), filter };
}

const ALL = Object.values(MESSAGES);
const expect = (kept: (keyof typeof MESSAGES)[]) =>
  Buffer.concat((Object.keys(MESSAGES) as (keyof typeof MESSAGES)[]).filter((k) => kept.includes(k)).map((k) => (k === 'encodings' ? WITHOUT_EXTENDED_MOUSE : MESSAGES[k])));
const INPUT: (keyof typeof MESSAGES)[] = ['pixelFormat', 'encodings', 'update', 'key', 'pointer', 'qemuKey', 'fence', 'continuous', 'desktopSize', 'xvp'];

test('no clipboard: every message with or about text is left out; input, updates and fences pass byte for byte', () => {
  const { out, filter } = filterAll({ toRemote: false, toLocal: false }, [Buffer.concat(ALL)]);
  assert.deepEqual(out, expect([...INPUT, 'caps']));
  assert.equal(filter.dropped, 4);
});

test('to the local computer only: local text and its offers are left out, asking for the remote text passes', () => {
  const { out } = filterAll({ toRemote: false, toLocal: true }, [Buffer.concat(ALL)]);
  assert.deepEqual(out, expect([...INPUT, 'caps', 'request']));
});

test('to the remote computer only: local text passes, asking for the remote text is left out', () => {
  const { out } = filterAll({ toRemote: true, toLocal: false }, [Buffer.concat(ALL)]);
  assert.deepEqual(out, expect([...INPUT, 'plainText', 'caps', 'notify', 'provide']));
});

test('the same, however the stream is cut', () => {
  const whole = Buffer.concat(ALL);
  const wanted = expect([...INPUT, 'caps']);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks = [0, ...points].map((from, i) => whole.subarray(from, points[i] ?? whole.length));
      assert.deepEqual(filterAll({ toRemote: false, toLocal: false }, chunks).out, wanted);
    }),
    { numRuns: 300 },
  );
});

test('a message it cannot frame ends the filtering for good, with the reason', () => {
  const filter = new VncClipboardFilter({ toRemote: false, toLocal: true });
  const first = filter.push(Buffer.concat([MESSAGES.key, u8(99, 0, 0, 0)]));
  assert.deepEqual(first, { ok: false, why: 'client message type 99' });
  assert.deepEqual(filter.push(MESSAGES.key), { ok: false, why: 'client message type 99' });
  assert.equal(new VncClipboardFilter({ toRemote: false, toLocal: true }).push(u8(255, 7)).ok, false);
  const huge = Buffer.alloc(8);
  huge[0] = 6;
  huge.writeInt32BE(0x7fffffff, 4);
  assert.match((new VncClipboardFilter({ toRemote: false, toLocal: true }).push(huge) as { why: string }).why, /ClientCutText of \d+ bytes/);
});
