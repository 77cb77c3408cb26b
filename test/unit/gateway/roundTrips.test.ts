import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundTripTimer } from '../../../electron/gateway/bridges/roundTrips';

test('a round trip runs from the first message sent after the last received to the next received; the shortest is kept', () => {
  let clock = 0;
  const trips = new RoundTripTimer(() => clock);
  assert.equal(trips.received(), false, 'the server\'s greeting answers nothing');
  trips.sent();
  clock = 30;
  trips.sent(); // a second message before the answer: the round trip is still the first one's
  clock = 52;
  assert.equal(trips.received(), true);
  assert.equal(trips.shortest, 52);
  clock = 60;
  assert.equal(trips.received(), false, 'a second message in from the server answers nothing');
  trips.sent();
  clock = 81;
  assert.equal(trips.received(), true);
  assert.equal(trips.shortest, 21);
  trips.sent();
  clock = 181;
  assert.equal(trips.received(), false, 'a longer one changes nothing');
  assert.equal(trips.shortest, 21);
});

test('a figure timed before is kept until bettered', () => {
  let clock = 0;
  const trips = new RoundTripTimer(() => clock, 143);
  trips.sent();
  clock = 150;
  assert.equal(trips.received(), false);
  assert.equal(trips.shortest, 143);
  trips.sent();
  clock = 172;
  assert.equal(trips.received(), true);
  assert.equal(trips.shortest, 22);
});
