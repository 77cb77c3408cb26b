// How the relay takes a VNC server's refusal: the gateway's own sign-in refused (refusalDetail), and the bytes of a
// server that refuses the page at once, handed to noVNC so that it reads them (greetingApart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greetingApart, refusalDetail } from '../../../electron/gateway/bridges/tcpRelay';

const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const text = (s: string) => Buffer.from(s, 'latin1');
const result = (reason: string) => Buffer.concat([u32(1), u32(reason.length), text(reason)]);

test('the gateway\'s VncAuth refused: a wrong password by default, a wait where the server says too many failures', () => {
  assert.deepEqual(refusalDetail('VncAuth', result('Authentication failure')), { code: 'auth-failed', detail: 'the server refused the password (VncAuth): Authentication failure' });
  assert.deepEqual(refusalDetail('VncAuth', u32(1)), { code: 'auth-failed', detail: 'the server refused the password (VncAuth)' });
  assert.deepEqual(refusalDetail('VeNCrypt TLSVnc', result('Too many authentication failures')), {
    code: 'sign-in-blocked',
    detail: 'the server refused the sign-in (VeNCrypt TLSVnc): Too many authentication failures',
  });
});

test('the server\'s version goes to the page as a message of its own, what came with it in the next (Xvnc\'s refusal of a blacklisted address)', () => {
  const blacklisted = Buffer.concat([text('RFB 003.003\n'), u32(0), u32(26), text('Too many security failures')]);
  const [version, rest, ...more] = greetingApart(blacklisted);
  assert.equal(version?.toString('latin1'), 'RFB 003.003\n');
  assert.deepEqual(rest, blacklisted.subarray(12));
  assert.equal(more.length, 0);
  // A greeting alone (or part of one) as it came.
  assert.deepEqual(greetingApart(text('RFB 003.008\n')), [text('RFB 003.008\n')]);
  assert.deepEqual(greetingApart(text('RFB 00')), [text('RFB 00')]);
});
