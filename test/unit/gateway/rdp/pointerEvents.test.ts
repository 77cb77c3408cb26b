// The pointer shapes told to the page: at most one a display frame, the latest winning, the last always (a fake clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POINTER_EVENT_MS, PointerEvents, type PacingClock } from '../../../../electron/gateway/bridges/rdp/pointerEvents';

/** A clock that moves only when told, running the timers that fall due on the way. */
class FakeClock implements PacingClock {
  private time = 0;
  private timers: { at: number; run: () => void }[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(run: () => void, ms: number): object {
    const timer = { at: this.time + ms, run };
    this.timers.push(timer);
    return timer;
  }
  clearTimeout(timer: object): void {
    this.timers = this.timers.filter((t) => t !== timer);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.run();
    }
    this.time = until;
  }
  get pending(): number {
    return this.timers.length;
  }
}

test('a burst of 1000 shape changes, one a millisecond, is told in one event a 16 ms window, the last shape always told', (t) => {
  const clock = new FakeClock();
  const sent: { shape: number; at: number }[] = [];
  const events = new PointerEvents<number>((shape) => sent.push({ shape, at: clock.now() }), clock);
  for (let i = 0; i < 1000; i++) {
    events.offer(i);
    clock.advance(1);
  }
  clock.advance(POINTER_EVENT_MS);
  t.diagnostic(`1000 shape changes over 1 s: ${sent.length} events`);
  assert.ok(sent.length <= Math.ceil(1000 / POINTER_EVENT_MS) + 1, `${sent.length} events`);
  assert.deepEqual(sent[0], { shape: 0, at: 0 }); // the first of a quiet moment at once
  assert.equal(sent.at(-1)!.shape, 999);
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i]!.at - sent[i - 1]!.at >= POINTER_EVENT_MS, `events ${i - 1} and ${i}`);
  // Each event is the latest shape at its moment (the one offered just before it).
  for (const { shape, at } of sent) assert.equal(shape, Math.min(999, Math.ceil(at) - (at === 0 ? 0 : 1)));
  assert.equal(clock.pending, 0);
});

test('a change after a quiet moment is told at once; one within the window waits for its end; a closed session is told nothing more', () => {
  const clock = new FakeClock();
  const sent: string[] = [];
  const events = new PointerEvents<string>((shape) => sent.push(`${shape}@${clock.now()}`), clock);
  events.offer('arrow');
  clock.advance(100);
  events.offer('hand');
  clock.advance(5);
  events.offer('I-beam');
  assert.deepEqual(sent, ['arrow@0', 'hand@100']);
  clock.advance(20);
  assert.deepEqual(sent, ['arrow@0', 'hand@100', 'I-beam@116']);
  events.offer('busy');
  events.close();
  clock.advance(100);
  events.offer('hidden');
  assert.deepEqual(sent, ['arrow@0', 'hand@100', 'I-beam@116']);
  assert.equal(clock.pending, 0);
});
