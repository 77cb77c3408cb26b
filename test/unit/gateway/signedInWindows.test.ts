import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { AccessControl, MAX_SIGNED_IN_WINDOWS } from '../../../electron/gateway/http/accessControl';
import { WINDOW_KEY_HEADER } from '../../../shared/api/contract';

function request(access: AccessControl, cookie: string, key: string): IncomingMessage {
  return { headers: { host: '127.0.0.1:4321', origin: access.origin, cookie, [WINDOW_KEY_HEADER]: key } } as unknown as IncomingMessage;
}

test('the oldest signed-in window is forgotten beyond the limit (a kiosk browser opened again and again piles up no keys)', () => {
  const access = new AccessControl();
  access.setPort(4321);
  const signIns = Array.from({ length: MAX_SIGNED_IN_WINDOWS + 1 }, () => access.redeemStartCode(access.mintStartCode())!);
  const cookieOf = (signIn: { sessionToken: string }) => access.sessionCookie(signIn.sessionToken).split(';')[0]!;
  const first = signIns[0]!;
  const second = signIns[1]!;
  const last = signIns.at(-1)!;
  assert.notEqual(access.check(request(access, cookieOf(first), first.windowKey), true, true), null, 'the oldest is forgotten');
  assert.equal(access.check(request(access, cookieOf(second), second.windowKey), true, true), null, 'the next still works');
  assert.equal(access.check(request(access, cookieOf(last), last.windowKey), true, true), null, 'the newest works');
});
