import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuSeconds, machineBusySeconds } from './procStats';

test('machineBusySeconds counts the whole machine busy, cpuSeconds one process', () => {
  const machine0 = machineBusySeconds();
  const own0 = cpuSeconds([process.pid]);
  // 300 ms of this process's own CPU (not of the clock: on a loaded machine 300 ms of spinning can get half of that).
  const start = process.cpuUsage();
  const deadline = Date.now() + 10_000;
  let spins = 0;
  while (Date.now() < deadline) {
    spins++;
    const used = process.cpuUsage(start);
    if (used.user + used.system >= 300_000) break;
  }
  const machine = machineBusySeconds() - machine0;
  const own = cpuSeconds([process.pid]) - own0;
  assert.ok(spins > 0);
  // Counted in 10-ms ticks from /proc: this process alone, and the machine at least that.
  assert.ok(own >= 0.2 && own <= 0.5, `own CPU ${own} s`);
  assert.ok(machine >= own - 0.05, `machine ${machine} s busy < this process's ${own} s`);
});
