import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCodeForTermination } from '../../../renderer/protocols/rdp/rdpErrors';
import { shouldReconnect } from '../../../shared/session/reconnectPolicy';

// IronRDP's own wording (ironrdp-pdu server_error_info.rs, ironrdp-session
// GracefulDisconnectReason), as the 0.7.0 WASM carries it.
const pic = (text: string) => `[Protocol independent error] ${text}`;
const CASES: [string, ReturnType<typeof errorCodeForTermination>][] = [
  [pic('The disconnection was initiated by the user logging off his or her session on the server'), 'logged-off'],
  [pic('The disconnection was due to a forced logoff initiated by an administrative tool on the server in another session'), 'logged-off'],
  [pic('Another user connected to the server, forcing the disconnection of the current connection'), 'session-taken-over'],
  [pic('The idle session limit timer on the server has elapsed'), 'idle-timeout'],
  [pic('The active session limit timer on the server has elapsed'), 'session-ended'],
  [pic('The disconnection was initiated by an administrative tool on the server in another session'), 'session-ended'],
  [pic("The disconnection was initiated by an administrative tool on the server running in the user's session"), 'session-ended'],
  [pic('The server denied the connection'), 'access-denied'],
  [pic('The user cannot connect to the server due to insufficient access privileges'), 'access-denied'],
  // MCS Disconnect Provider Ultimatum without a Set Error Info first (xrdp when the session's desktop exits):
  ['user initiated disconnect', 'session-ended'],
  ['server initiated disconnect', 'session-ended'],
  // Not a decision of the server: left to the gateway's reason (a dropped link is retried).
  ['channel purged', null],
];

test('every end the server meant maps to a code that is not retried; the rest is left to the gateway', () => {
  for (const [reason, code] of CASES) {
    assert.equal(errorCodeForTermination(reason), code, reason);
    if (code !== null) assert.equal(shouldReconnect(code, { wasConnected: true, kiosk: false }), false, `${code} must not be retried`);
  }
});
