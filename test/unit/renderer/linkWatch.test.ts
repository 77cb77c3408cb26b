import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEAD_AFTER_MS, LinkWatch, LOOK_EVERY_MS, PROBE_AFTER_MS, watchLink } from '../../../renderer/session/linkWatch';

test('a quiet link is probed; an answered probe keeps it; an unanswered one ends it', () => {
  const watch = new LinkWatch(0);
  assert.equal(watch.look(PROBE_AFTER_MS), null, 'quiet, not yet long enough');
  assert.equal(watch.look(PROBE_AFTER_MS + 1), 'probe');
  watch.probed(PROBE_AFTER_MS + 1);
  assert.equal(watch.look(PROBE_AFTER_MS + 100), null, 'one probe at a time');
  watch.received(PROBE_AFTER_MS + 50);
  assert.equal(watch.look(PROBE_AFTER_MS + 60), null, 'answered: quiet again, not dead');
  assert.equal(watch.look(2 * PROBE_AFTER_MS + 51), 'probe', 'probed again after another quiet stretch');
  watch.probed(2 * PROBE_AFTER_MS + 51);
  assert.equal(watch.look(2 * PROBE_AFTER_MS + 51 + DEAD_AFTER_MS), null);
  assert.equal(watch.look(2 * PROBE_AFTER_MS + 52 + DEAD_AFTER_MS), 'dead');
});

test('traffic keeps the probe away', () => {
  const watch = new LinkWatch(0);
  for (let t = 0; t < 60_000; t += 1000) {
    watch.received(t);
    assert.equal(watch.look(t + 500), null);
  }
});

test('watchLink probes when it can, waits when it cannot, and says dead once', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let now = 0;
  const watch = new LinkWatch(0);
  let canProbe = false;
  let probes = 0;
  let deaths = 0;
  watchLink(
    watch,
    () => {
      if (canProbe) probes++;
      return canProbe;
    },
    () => deaths++,
    () => now,
  );
  const advance = (ms: number) => {
    for (let i = 0; i < ms / LOOK_EVERY_MS; i++) {
      now += LOOK_EVERY_MS;
      t.mock.timers.tick(LOOK_EVERY_MS);
    }
  };
  advance(PROBE_AFTER_MS + 2 * LOOK_EVERY_MS);
  assert.equal(probes, 0, 'the channel for the probe is not open');
  assert.equal(deaths, 0, 'no probe sent, so none unanswered');
  canProbe = true;
  advance(LOOK_EVERY_MS);
  assert.equal(probes, 1);
  advance(DEAD_AFTER_MS + LOOK_EVERY_MS);
  assert.equal(deaths, 1);
  advance(10_000);
  assert.equal(deaths, 1, 'said once, then stopped');
  assert.equal(probes, 1);
});
