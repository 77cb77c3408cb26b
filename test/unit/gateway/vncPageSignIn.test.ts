// The relay's reading of the sign-in the page does itself (bridges/vncPageSignIn.ts),
// fed one byte at a time, as a hostile network would deliver it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageSignInWatch, type PageSignInOutcome } from '../../../electron/gateway/bridges/vncPageSignIn';

const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const text = (s: string) => Buffer.from(s, 'latin1');
const CHALLENGE = Buffer.alloc(16, 7);

/** Each side's bytes in the order they cross, one byte at a time. */
function run(from: 'version' | 'types', steps: Array<['server' | 'page', Buffer]>): PageSignInOutcome | null {
  const watch = new PageSignInWatch(from);
  for (const [side, bytes] of steps) for (const byte of bytes) (side === 'server' ? watch.fromServer(Buffer.from([byte])) : watch.fromPage(Buffer.from([byte])));
  return watch.outcome;
}

test('RFB 3.3, VNC authentication refused: no reason in 3.3', () => {
  assert.deepEqual(run('version', [['server', text('RFB 003.003\n')], ['page', text('RFB 003.003\n')], ['server', u32(2)], ['server', CHALLENGE], ['page', Buffer.alloc(16)], ['server', u32(1)]]), {
    kind: 'refused',
    detail: 'the server refused the password (VncAuth), signed in by the page',
  });
});

test('RFB 3.7, VNC authentication accepted', () => {
  assert.deepEqual(run('version', [['server', text('RFB 003.007\n')], ['page', text('RFB 003.007\n')], ['server', Buffer.from([2, 2, 1])], ['page', Buffer.from([2])], ['server', CHALLENGE], ['page', Buffer.alloc(16)], ['server', u32(0)]]), { kind: 'signed-in' });
});

test('RFB 3.8 handed over at the types: refused, with the server\'s reason', () => {
  const reason = 'Authentication failure';
  assert.deepEqual(run('types', [['server', Buffer.from([1, 2])], ['page', Buffer.from([2])], ['server', CHALLENGE], ['page', Buffer.alloc(16)], ['server', Buffer.concat([u32(1), u32(reason.length), text(reason)])]]), {
    kind: 'refused',
    detail: 'the server refused the password (VncAuth), signed in by the page: Authentication failure',
  });
});

test('an older server greeting with a newer page version is read as the page says (Apple\'s 3.889 as 3.8)', () => {
  assert.deepEqual(run('version', [['server', text('RFB 003.889\n')], ['page', text('RFB 003.008\n')], ['server', Buffer.from([1, 1])], ['page', Buffer.from([1])], ['server', u32(0)]]), { kind: 'signed-in' });
});

test('None in 3.3 and 3.7 has no SecurityResult: signed in at once', () => {
  assert.deepEqual(run('version', [['server', text('RFB 003.003\n')], ['page', text('RFB 003.003\n')], ['server', u32(1)]]), { kind: 'signed-in' });
  assert.deepEqual(run('version', [['server', text('RFB 003.007\n')], ['page', text('RFB 003.007\n')], ['server', Buffer.from([1, 1])], ['page', Buffer.from([1])]]), { kind: 'signed-in' });
});

test('types it does not follow, a connection refused before any sign-in, and what is not RFB: not followed', () => {
  assert.deepEqual(run('types', [['server', Buffer.from([2, 16, 2])], ['page', Buffer.from([16])]]), { kind: 'not-followed' });
  assert.deepEqual(run('types', [['server', Buffer.concat([Buffer.from([0]), u32(3), text('no!')])]]), { kind: 'not-followed' });
  assert.deepEqual(run('version', [['server', text('HTTP/1.1 400')]]), { kind: 'not-followed' });
});
