// The bench's smoke run: one 2-second case of our client against a real Xvnc,
// so a change that breaks the instrument (or the session view it reads) shows.
// Run with `node scripts/runTests.mjs bench` after `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../support/app';

test('npm run bench -- --smoke measures frames of our client', () => {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bench.mjs'), '--smoke', '--no-build'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `bench --smoke failed:\n${result.stderr.slice(-3000)}`);
  const row = result.stdout.split('\n').find((line) => line.includes('| ours-vnc |'));
  assert.ok(row, `no row for ours-vnc in:\n${result.stdout}`);
  const framesPerSecond = Number(/\| ours-vnc \| ([\d.]+) /.exec(row)?.[1]);
  assert.ok(framesPerSecond > 10, `our client showed ${framesPerSecond} frames/s of a 60 frames/s clock`);
});
