// The bench's smoke run: one 2-second case of our client against a real Xvnc,
// so a change that breaks the instrument (or the session view it reads) shows.
// Part of `npm test`; alone: `node scripts/runTests.mjs bench` after `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/app';

test('npm run bench -- --smoke measures frames of our client, with no DevTools client on the page while it measures', () => {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bench.mjs'), '--smoke', '--no-build'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `bench --smoke failed:\n${result.stderr.slice(-3000)}`);
  const row = result.stdout.split('\n').find((line) => line.includes('| ours-vnc |'));
  assert.ok(row, `no row for ours-vnc in:\n${result.stdout}`);
  const framesPerSecond = Number(/\| ours-vnc \| ([\d.]+) /.exec(row)?.[1]);
  assert.ok(framesPerSecond > 10, `our client showed ${framesPerSecond} frames/s of a 60 frames/s clock`);
  // Measured as a user's browser runs: Playwright drove the page, then left it for the measured window
  // (a DevTools client makes Chromium copy every WebSocket frame to it), as Chromium itself reports.
  const clients = /pages with a DevTools client: (\d+) while driven, (\d+) while measured/.exec(result.stderr);
  assert.deepEqual(clients?.slice(1), ['1', '0'], `DevTools clients on the page, driven and measured:\n${result.stderr.slice(-1500)}`);
});

test('npm run bench -- --smoke --profile-dir writes a profile of the page with only the profiler attached', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-bench-profile-'));
  try {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bench.mjs'), '--smoke', '--no-build', '--profile-dir', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, `bench --smoke --profile-dir failed:\n${result.stderr.slice(-3000)}`);
    // One DevTools client while measured: the bench's own profiler connection (Playwright left).
    const clients = /pages with a DevTools client: (\d+) while driven, (\d+) while measured/.exec(result.stderr);
    assert.deepEqual(clients?.slice(1), ['1', '1'], `DevTools clients on the page, driven and measured:\n${result.stderr.slice(-1500)}`);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
    assert.equal(files.length, 1, `profiles written: ${files.join(', ')}`);
    const profile = JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as { nodes: { callFrame: { functionName: string } }[]; samples: number[] };
    assert.ok(profile.samples.length > 1000, `${profile.samples.length} samples in 2 s at 250 µs`);
    // The page's own code is in it: noVNC's receive handler ran in the window.
    assert.ok(profile.nodes.some((node) => node.callFrame.functionName === '_recvMessage'), 'noVNC\u2019s _recvMessage sampled');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
