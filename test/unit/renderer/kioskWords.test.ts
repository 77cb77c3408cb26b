// What a kiosk's user is told where the desktop's words would send them to settings a kiosk does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureWords, KIOSK_RETRIES_ALONE, RETRY_CANNOT_HELP } from '../../../renderer/session/failureWords';
import { messageFor } from '../../../shared/errors/errorCodes';

test("a start program DeskBridge could not read: a kiosk tells its user to call IT, not to open the connection's settings; the desktop's words go under Details", () => {
  const detail = 'The file asked for: Start program (ledger.exe /ro). DeskBridge no longer has a copy of its file.';
  const kiosk = failureWords({ code: 'start-program-unread', detail }, true);
  assert.equal(kiosk.message, 'This device is not set up with the program this connection should start. Tell your IT department.');
  assert.doesNotMatch(kiosk.message, /settings/);
  assert.equal(kiosk.detail, `${messageFor('start-program-unread')} (${detail})`);
  // On a desktop, the settings are where it is mended.
  assert.match(failureWords({ code: 'start-program-unread', detail }, false).message, /Open the connection's settings/);
});

test('a start program that could not be read is, like an unsupported feature, past what Reconnect can do, and a kiosk tries again by itself (IT mends the connection)', () => {
  for (const code of ['start-program-unread', 'feature-unsupported'] as const) {
    assert.ok(RETRY_CANNOT_HELP.has(code), code);
    assert.ok(KIOSK_RETRIES_ALONE.has(code), code);
    assert.match(failureWords({ code }, true).message, /Tell your IT department\.$/);
  }
});
