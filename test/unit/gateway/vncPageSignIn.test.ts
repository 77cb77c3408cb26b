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
    code: 'auth-failed',
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
    code: 'auth-failed',
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

test('types it does not follow, and what is not RFB: not followed', () => {
  assert.deepEqual(run('types', [['server', Buffer.from([2, 16, 2])], ['page', Buffer.from([16])]]), { kind: 'not-followed' });
  assert.deepEqual(run('version', [['server', text('HTTP/1.1 400')]]), { kind: 'not-followed' });
});

/** What Xvnc 1.12 sends, at once and without waiting for the client's version, to an address it has blacklisted (as measured). */
const XVNC_BLACKLISTED = Buffer.concat([text('RFB 003.003\n'), u32(0), u32(26), text('Too many security failures')]);

test('TigerVNC refusing a blacklisted address (3.3, type 0, its reason, before the page has said its version): sign-in-blocked, never a wrong password', () => {
  const refused = { kind: 'refused', code: 'sign-in-blocked', detail: 'the server refused the connection before any sign-in: Too many security failures' };
  assert.deepEqual(run('version', [['server', XVNC_BLACKLISTED]]), refused);
  assert.deepEqual(run('version', [['server', XVNC_BLACKLISTED], ['page', text('RFB 003.003\n')]]), refused);
  // In one piece, as it comes off the socket.
  const watch = new PageSignInWatch('version');
  watch.fromServer(XVNC_BLACKLISTED);
  assert.deepEqual(watch.outcome, refused);
});

test('no security types with a reason (3.7, 3.8, and handed over by the gateway): refused before any sign-in, by its reason', () => {
  const blocked = Buffer.concat([Buffer.from([0]), u32(26), text('Too many security failures')]);
  assert.deepEqual(run('types', [['server', blocked]]), { kind: 'refused', code: 'sign-in-blocked', detail: 'the server refused the connection before any sign-in: Too many security failures' });
  assert.deepEqual(run('version', [['server', text('RFB 003.008\n')], ['page', text('RFB 003.008\n')], ['server', blocked]]), {
    kind: 'refused',
    code: 'sign-in-blocked',
    detail: 'the server refused the connection before any sign-in: Too many security failures',
  });
  // Another reason before any sign-in is a refused connection, not a wrong password.
  assert.deepEqual(run('version', [['server', text('RFB 003.007\n')], ['page', text('RFB 003.007\n')], ['server', Buffer.concat([Buffer.from([0]), u32(3), text('no!')])]]), {
    kind: 'refused',
    code: 'host-refused',
    detail: 'the server refused the connection before any sign-in: no!',
  });
});

test('a refusal after the password whose reason says too many failures: sign-in-blocked, not a wrong password', () => {
  const reason = 'Too many authentication failures';
  assert.deepEqual(run('types', [['server', Buffer.from([1, 2])], ['page', Buffer.from([2])], ['server', CHALLENGE], ['page', Buffer.alloc(16)], ['server', Buffer.concat([u32(1), u32(reason.length), text(reason)])]]), {
    kind: 'refused',
    code: 'sign-in-blocked',
    detail: 'the server refused the sign-in (VncAuth), signed in by the page: Too many authentication failures',
  });
});

test('VeNCrypt without TLS, as noVNC does it (Plain, or VncAuth inside): the refusal followed through its negotiation, the credentials not read', () => {
  const vencrypt = (subtypes: number[]) => Buffer.concat([Buffer.from([subtypes.length]), ...subtypes.map(u32)]);
  const reason = 'Authentication failure';
  const refusal = Buffer.concat([u32(1), u32(reason.length), text(reason)]);
  const credentials = Buffer.concat([u32(4), u32(6), text('userSecret')]);
  assert.deepEqual(
    run('version', [['server', text('RFB 003.008\n')], ['page', text('RFB 003.008\n')], ['server', Buffer.from([1, 19])], ['page', Buffer.from([19])], ['server', Buffer.from([0, 2])], ['page', Buffer.from([0, 2])], ['server', Buffer.concat([Buffer.from([0]), vencrypt([256])])], ['page', u32(256)], ['page', credentials], ['server', refusal]]),
    { kind: 'refused', code: 'auth-failed', detail: 'the server refused the sign-in (VeNCrypt Plain), signed in by the page: Authentication failure' },
  );
  assert.deepEqual(
    run('types', [['server', Buffer.from([1, 19])], ['page', Buffer.from([19])], ['server', Buffer.from([0, 2, 0])], ['page', Buffer.from([0, 2])], ['server', vencrypt([258, 2])], ['page', u32(2)], ['server', CHALLENGE], ['page', Buffer.alloc(16)], ['server', refusal]]),
    { kind: 'refused', code: 'auth-failed', detail: 'the server refused the password (VeNCrypt VncAuth), signed in by the page: Authentication failure' },
  );
  // A TLS subtype (which noVNC does not choose), or the server saying no to VeNCrypt 0.2: not followed.
  assert.deepEqual(run('types', [['server', Buffer.from([1, 19])], ['page', Buffer.from([19])], ['server', Buffer.from([0, 2, 0])], ['page', Buffer.from([0, 2])], ['server', vencrypt([258])], ['page', u32(258)]]), { kind: 'not-followed' });
  assert.deepEqual(run('types', [['server', Buffer.from([1, 19])], ['page', Buffer.from([19])], ['server', Buffer.from([0, 2, 1])], ['page', Buffer.from([0, 2])]]), { kind: 'not-followed' });
});
