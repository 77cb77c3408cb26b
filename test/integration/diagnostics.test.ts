import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGatewayHarness } from './gatewayHarness';
import { collectDiagnostics } from '../../electron/gateway/index';
import { closedPort } from '../servers/network';

test('the diagnostics bundle has version, policy, logs and the last connection errors, and no secret', async (t) => {
  const password = 'Diag-Secret-€42';
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, allowedHosts: ['127.0.0.1'] } });
  const out = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-diag-'));
  t.after(async () => {
    await h.close();
    await rm(out, { recursive: true, force: true });
  });
  const port = await closedPort();
  const profile = (await h.call('POST', '/api/profiles', { profile: { name: 'Nowhere', protocol: 'vnc', host: '127.0.0.1', port }, password })).json;
  const session = (await h.call('POST', '/api/sessions', { profileId: profile.id })).json;
  const control = await h.control(session.controlPath);
  const relay = h.socket(session.relayPath);
  await new Promise((resolve) => relay.on('close', resolve));
  control.close();

  const files = await h.gateway.writeDiagnostics(out);
  assert.deepEqual([...files].sort(), ['about.json', 'deskbridge.log', 'effective-policy.json', 'last-connection-errors.json']);
  const about = JSON.parse(await readFile(path.join(out, 'about.json'), 'utf8'));
  assert.match(about.version, /^\d+\.\d+\.\d+/);
  const policy = JSON.parse(await readFile(path.join(out, 'effective-policy.json'), 'utf8'));
  assert.deepEqual(policy.policy.allowedHosts, ['127.0.0.1']);
  const errors = JSON.parse(await readFile(path.join(out, 'last-connection-errors.json'), 'utf8'));
  assert.equal(errors.at(-1).code, 'host-refused');
  assert.equal(errors.at(-1).target, `127.0.0.1:${port}`);
  assert.match(await readFile(path.join(out, 'deskbridge.log'), 'utf8'), /relay ended .*host-refused/);

  for (const name of await readdir(out)) {
    const content = await readFile(path.join(out, name));
    for (const needle of [Buffer.from(password), Buffer.from(password, 'utf16le'), Buffer.from(Buffer.from(password).toString('base64'))]) {
      assert.equal(content.includes(needle), false, `${name} contains the password`);
    }
  }

  // The same without a running app, as `deskbridge --diagnostics` does it.
  const offline = path.join(out, 'offline');
  const written = await collectDiagnostics({ dataDir: h.dataDir, outDir: offline, version: '9.9.9', policyFile: null, machinePolicyFile: path.join(out, 'none.json') });
  assert.ok(written.includes('last-connection-errors.json'));
  assert.equal(JSON.parse(await readFile(path.join(offline, 'about.json'), 'utf8')).profiles, 1);
});
