import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_RECONNECT, DESKTOP_RECONNECT_ATTEMPTS, RESIZE_DROP_MS, endedInResize, reconnectDelay, shouldReconnect } from '../../../shared/session/reconnectPolicy';

test('a dropped session is retried; a failed first connection only in kiosk mode', () => {
  assert.equal(shouldReconnect('connection-lost', { wasConnected: true, kiosk: false }), true);
  assert.equal(shouldReconnect('host-refused', { wasConnected: false, kiosk: false }), false);
  assert.equal(shouldReconnect('host-refused', { wasConnected: false, kiosk: true }), true);
  // A desktop gives up after DESKTOP_RECONNECT_ATTEMPTS tries; a kiosk never does.
  assert.equal(shouldReconnect('host-refused', { wasConnected: true, kiosk: false, attempts: DESKTOP_RECONNECT_ATTEMPTS - 1 }), true);
  assert.equal(shouldReconnect('host-refused', { wasConnected: true, kiosk: false, attempts: DESKTOP_RECONNECT_ATTEMPTS }), false);
  assert.equal(shouldReconnect('host-refused', { wasConnected: true, kiosk: true, attempts: 1000 }), true);
});

test('a host name that cannot be looked up (the network down, or not up yet at a kiosk\'s boot) is retried as a dropped network is; a misspelt one on a first desktop connection is not', () => {
  assert.equal(shouldReconnect('host-not-found', { wasConnected: true, kiosk: false }), true);
  assert.equal(shouldReconnect('host-not-found', { wasConnected: false, kiosk: true }), true);
  assert.equal(shouldReconnect('host-not-found', { wasConnected: false, kiosk: false }), false);
});

test('nothing that needs a person, and no deliberate end, is retried', () => {
  for (const code of ['auth-failed', 'wrong-credentials', 'sign-in-failed', 'certificate-changed', 'certificate-rejected', 'logged-off', 'session-taken-over', 'user-ended', 'policy-host-forbidden', 'nla-required'] as const) {
    assert.equal(shouldReconnect(code, { wasConnected: true, kiosk: true }), false, code);
  }
});

test('backoff grows, never passes the cap, and is jittered', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
      const delay = reconnectDelay(attempt, DEFAULT_RECONNECT, () => r);
      const step = Math.min(DEFAULT_RECONNECT.maxDelayMs, DEFAULT_RECONNECT.initialDelayMs * 2 ** (attempt - 1));
      assert.ok(delay >= step / 2 - 1 && delay <= step + 1, `attempt ${attempt}: ${delay}`);
      assert.ok(delay <= DEFAULT_RECONNECT.maxDelayMs);
    }),
  );
  assert.equal(reconnectDelay(1, DEFAULT_RECONNECT, () => 0), 250);
  assert.equal(reconnectDelay(10, DEFAULT_RECONNECT, () => 0.999999), 4000);
});

test('an end the server calls deliberate just after a resize is a lost connection (xrdp 0.9 failing the resize), reconnected; otherwise as reported', () => {
  const ended = { code: 'session-ended' as const, detail: 'Disconnect Provider Ultimatum (reason 3)' };
  const inResize = endedInResize(ended, 420);
  assert.equal(inResize.code, 'connection-lost');
  assert.match(inResize.detail ?? '', /420 ms after the desktop was resized \(Disconnect Provider Ultimatum \(reason 3\)\)/);
  assert.equal(shouldReconnect(inResize.code, { wasConnected: true, kiosk: false }), true);
  // Long after a resize, never resized, or another reason: as reported, and not retried where it was not.
  assert.deepEqual(endedInResize(ended, RESIZE_DROP_MS + 1), ended);
  assert.deepEqual(endedInResize(ended, null), ended);
  for (const code of ['logged-off', 'session-taken-over', 'idle-timeout', 'wrong-credentials'] as const) assert.deepEqual(endedInResize({ code }, 100), { code });
  assert.equal(shouldReconnect(endedInResize(ended, null).code, { wasConnected: true, kiosk: false }), false);
});
