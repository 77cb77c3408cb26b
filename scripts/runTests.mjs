// Runs the test suites with Node's test runner (TypeScript through tsx).
//   node scripts/runTests.mjs            unit, integration, e2e, then bench
//   node scripts/runTests.mjs unit|integration|e2e|bench [more…]
// `bench` is the benchmark's own tests: its frame code, key schedule, targets
// and process figures, the decoder comparison's parts, and 2-second smoke runs
// of `npm run bench` against a real Xvnc (they build two small C programs).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'e2e', 'bench'];

function testFiles(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...testFiles(full));
    else if (name.endsWith('.test.ts')) found.push(full);
  }
  return found.sort();
}

const files = suites.flatMap((suite) => testFiles(path.join(root, 'test', suite)));
if (files.length === 0) {
  console.error(`no test files in ${suites.join(', ')}`);
  process.exit(1);
}
// One file at a time: the e2e and integration tests start real servers and a browser on 2 cores.
// The runner's own summary is the last thing printed (CI reads it); the exit code is the runner's.
// Node's --test-timeout bounds each test and also each file as a whole (a file runs as one subtest of its own
// process): 7 minutes, so a file of many real-server tests (rdp.test.ts takes about 3) is not cut off in the
// middle, while a hung test still ends well inside CI's 90 minutes.
const runner = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=420000', ...files], { stdio: 'inherit', cwd: root });
// Pass a stop request on, so the test files' cleanup (servers, browsers, iptables rules) runs.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => runner.kill(signal));
runner.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
