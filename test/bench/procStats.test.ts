import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuSeconds, machineBusySeconds } from './procStats';

test('machineBusySeconds counts the whole machine busy, cpuSeconds one process', () => {
  const machine0 = machineBusySeconds();
  const own0 = cpuSeconds([process.pid]);
  const until = Date.now() + 300;
  let spins = 0;
  while (Date.now() < until) spins++;
  const machine = machineBusySeconds() - machine0;
  const own = cpuSeconds([process.pid]) - own0;
  assert.ok(spins > 0);
  // 300 ms of spinning on one core, counted in 10-ms ticks: this process alone, and the machine at least that.
  assert.ok(own >= 0.2 && own <= 0.5, `own CPU ${own} s`);
  assert.ok(machine >= own - 0.05, `machine ${machine} s busy < this process's ${own} s`);
});
