// Run by test/integration/writeFailures.test.ts: a gateway whose data folder stops taking writes while it runs,
// and what each change answers then. Prints one JSON line. Two ways:
// - as a user other than root (setpriv), where a folder's permissions really stop writes: the folder is made
//   read-only for its owner (chmod 500), so writes are refused with EACCES;
// - with `read-only-mount`, as root in a mount namespace of its own (unshare --mount): the data folder is a
//   tmpfs mounted there and remounted read-only, so writes are refused with EROFS.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGatewayHarness } from '../integration/gatewayHarness';

const mounted = process.argv[2] === 'read-only-mount' ? await mkdtemp(path.join(os.tmpdir(), 'deskbridge-ro-')) : null;
if (mounted) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'deskbridge-test', mounted]);
const harness = await startGatewayHarness(mounted ? { dataDir: mounted } : {});
const profile = { name: 'Before', protocol: 'vnc', host: '127.0.0.1', port: 5901 };
const created = await harness.call('POST', '/api/profiles', { profile, password: 'pw-before' });
const id = created.json.id as string;
const before = await readFile(`${harness.dataDir}/profiles.json`, 'utf8');
const stopWrites = (stop: boolean) =>
  mounted ? execFileSync('mount', ['-o', `remount,${stop ? 'ro' : 'rw'}`, mounted]) : chmod(harness.dataDir, stop ? 0o500 : 0o700);
await stopWrites(true);
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
  await stopWrites(false);
}
const after = await readFile(`${harness.dataDir}/profiles.json`, 'utf8');
const files = await readdir(harness.dataDir);
const list = (await harness.call('GET', '/api/profiles')).json;
await harness.close();
if (mounted) execFileSync('umount', [mounted]);
process.stdout.write(JSON.stringify({ dataDir: harness.dataDir, answers, unchanged: before === after, files, list }) + '\n');
