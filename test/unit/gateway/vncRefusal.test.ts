// How the relay takes a VNC server's refusal of the gateway's own sign-in (refusalDetail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalDetail } from '../../../electron/gateway/bridges/tcpRelay';

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
