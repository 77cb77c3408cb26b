import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEAD_LINK_TIMING, DeadLinkProbe } from '../../../../electron/gateway/bridges/rdp/deadLinkProbe';

/** Ticks every 500 ms, as the endpoint does, sending each probe that is due; what happened, in order. */
function run(probe: DeadLinkProbe, from: number, to: number, answers: (now: number, sent: number[]) => boolean = () => false): { sent: number[]; dead: { at: number; detail: string } | null } {
  const sent: number[] = [];
  for (let now = from; now <= to; now += 500) {
    if (answers(now, sent)) probe.heard(now);
    const due = probe.due(now);
    if (due && 'dead' in due) return { sent, dead: { at: now, detail: due.dead } };
    if (due) {
      probe.sent(now);
      sent.push(now);
    }
  }
  return { sent, dead: null };
}

test('the timing: a probe after 4 s of silence, dead after 4 s more without a byte', () => {
  assert.deepEqual(DEAD_LINK_TIMING, { afterSilenceMs: 4000, answerMs: 4000, againMs: 2000 });
});

test('a black-holed link: a probe after 4 s, the other area 2 s later, dead 4 s after the first (as fast as before the second probe)', () => {
  const probe = new DeadLinkProbe(0);
  const { sent, dead } = run(probe, 0, 20_000);
  assert.deepEqual(sent, [4000, 6000]);
  assert.deepEqual(dead, { at: 8500, detail: 'no answer from the server to 2 Refresh Rect probes within 4000 ms' });
  assert.deepEqual(probe.stats, { asked: 2, askedAgain: 1, answeredAtSecond: 0 });
});

test('a server that answers each probe (xrdp, once the area changes every time): never dead, one probe per silence', () => {
  const probe = new DeadLinkProbe(0);
  // The answer comes 50 ms after each probe (at the next tick here).
  const { sent, dead } = run(probe, 0, 120_000, (now, sentAt) => sentAt.at(-1) === now - 500);
  assert.equal(dead, null);
  assert.equal(sent.length, 26, `probes at ${sent.join(', ')}`);
  for (let i = 1; i < sent.length; i++) assert.equal(sent[i]! - sent[i - 1]!, 4500, 'one probe per 4 s of silence');
  assert.equal(probe.stats.askedAgain, 0);
});

test('a server that passes over one probe and answers the next: not dead, counted', () => {
  const probe = new DeadLinkProbe(0);
  // Answers a probe only if it is the second of a silence.
  const { dead } = run(probe, 0, 60_000, (now, sentAt) => sentAt.length >= 2 && sentAt.at(-1) === now - 500 && sentAt.at(-1)! - sentAt.at(-2)! === 2000);
  assert.equal(dead, null);
  assert.ok(probe.stats.answeredAtSecond >= 5, JSON.stringify(probe.stats));
});

test('any byte from the server counts: a desktop that changes now and then is never probed', () => {
  const probe = new DeadLinkProbe(0);
  const { sent, dead } = run(probe, 0, 30_000, (now) => now % 3000 === 0);
  assert.deepEqual(sent, []);
  assert.equal(dead, null);
});

test('reading paused (the page is behind): silence says nothing, an outstanding probe is forgotten', () => {
  const probe = new DeadLinkProbe(0);
  assert.deepEqual(probe.due(4000), { probe: true });
  probe.sent(4000);
  probe.paused(7000);
  assert.equal(probe.due(9000), null, 'not dead: the probe was made void by the pause');
  assert.equal(probe.due(10_500), null);
  assert.deepEqual(probe.due(11_000), { probe: true }, 'probed again after 4 s of silence from the pause');
});

test('a byte after the first probe: the next silence starts over with one probe', () => {
  const probe = new DeadLinkProbe(0);
  probe.sent(4000);
  probe.heard(4100);
  assert.equal(probe.due(8000), null);
  assert.deepEqual(probe.due(8100), { probe: true });
  probe.sent(8100);
  assert.equal(probe.due(10_000), null);
  assert.deepEqual(probe.due(10_100), { probe: true }, 'the second probe 2 s after the first');
  probe.sent(10_100);
  assert.equal(probe.due(12_100), null, 'not dead at exactly 4 s');
  assert.deepEqual(probe.due(12_101), { dead: 'no answer from the server to 2 Refresh Rect probes within 4000 ms' });
});
