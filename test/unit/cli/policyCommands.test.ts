// The shipped command's policy-facing output, as IT meets it in a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(repo, 'bin', 'deskbridge.mjs');

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-cli-policy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function run(dir: string, args: string[]) {
  const env = { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'key') };
  return spawnSync(process.execPath, [cli, '--data-dir', path.join(dir, 'data'), ...args], { encoding: 'utf8', env, timeout: 30_000 });
}

test('--import under an invalid policy says the policy is invalid, not that it allows only IT\u2019s connections', async (t) => {
  const dir = await tempDir(t);
  const policy = path.join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ schemaVersion: 1, allowedHost: ['*.corp.example'] }));
  const rdp = path.join(dir, 'desk.rdp');
  await writeFile(rdp, 'full address:s:desk.corp.example\r\n');
  const result = run(dir, ['--policy', policy, '--import', rdp]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /The policy file .*policy\.json is invalid \(.*allowedHost.*\)/);
  assert.doesNotMatch(result.stderr, /allows only the connections it provides/);
});
