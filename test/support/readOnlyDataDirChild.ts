// Run as a user other than root (setpriv, by test/integration/writeFailures.test.ts), where a folder's
// permissions really stop writes: a gateway whose data folder is made read-only while it runs, and what
// each change answers then. Prints one JSON line.
import { chmod, readFile, readdir } from 'node:fs/promises';
import { startGatewayHarness } from '../integration/gatewayHarness';

const harness = await startGatewayHarness();
const profile = { name: 'Before', protocol: 'vnc', host: '127.0.0.1', port: 5901 };
const created = await harness.call('POST', '/api/profiles', { profile, password: 'pw-before' });
const id = created.json.id as string;
const before = await readFile(`${harness.dataDir}/profiles.json`, 'utf8');
await chmod(harness.dataDir, 0o500);
const answers: Record<string, { status: number; json: unknown }> = {};
try {
  for (const [what, method, path, body] of [
    ['create', 'POST', '/api/profiles', { profile: { ...profile, name: 'New' } }],
    ['edit', 'PUT', `/api/profiles/${id}`, { profile: { ...profile, name: 'Renamed' } }],
    ['savePassword', 'POST', `/api/profiles/${id}/password`, { password: 'pw-after' }],
    ['delete', 'DELETE', `/api/profiles/${id}`, undefined],
  ] as const) {
    const answer = await harness.call(method, path, body);
    answers[what] = { status: answer.status, json: answer.json };
  }
} finally {
  await chmod(harness.dataDir, 0o700);
}
const after = await readFile(`${harness.dataDir}/profiles.json`, 'utf8');
const files = await readdir(harness.dataDir);
const list = (await harness.call('GET', '/api/profiles')).json;
await harness.close();
process.stdout.write(JSON.stringify({ dataDir: harness.dataDir, answers, unchanged: before === after, files, list }) + '\n');
