import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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
  assert.deepEqual([...files].sort(), ['about.json', 'deskbridge.log', 'effective-policy.json', 'last-connection-errors.json', 'notices.json']);
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

/** Every file under `dir`, with its bytes: what a read-only run must leave as it was. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), entry.isFile() ? (await readFile(full)).toString('base64') : '(folder)');
  }
  return files;
}

test('--diagnostics changes nothing: a damaged connections file is left where it is (and the bundle says what the app will do), no secrets key is made; what it met is in its own log', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-diag-ro-'));
  const keyDir = path.join(root, 'keys');
  const saved = { secrets: process.env.DESKBRIDGE_SECRETS, keyDir: process.env.DESKBRIDGE_SECRETS_KEY_DIR };
  process.env.DESKBRIDGE_SECRETS = 'file';
  process.env.DESKBRIDGE_SECRETS_KEY_DIR = keyDir;
  t.after(async () => {
    for (const [name, value] of [['DESKBRIDGE_SECRETS', saved.secrets], ['DESKBRIDGE_SECRETS_KEY_DIR', saved.keyDir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(root, { recursive: true, force: true });
  });
  const dataDir = path.join(root, 'data');
  await mkdir(dataDir);
  await writeFile(path.join(dataDir, 'profiles.json'), '{"schemaVersion": 2, "profiles": [ {"name": "Half');
  const policyFile = path.join(root, 'policy.json');
  await writeFile(policyFile, JSON.stringify({ schemaVersion: 1, allowedHosts: ['127.0.0.1'] }));
  const before = await snapshot(dataDir);

  const out = path.join(root, 'bundle');
  const written = await collectDiagnostics({ dataDir, outDir: out, version: '9.9.9', policyFile, machinePolicyFile: path.join(root, 'none.json') });
  assert.deepEqual(await snapshot(dataDir), before, 'the data folder is as it was: nothing set aside, no policy copy, no lock left');
  await assert.rejects(access(keyDir), 'no secrets key was made');
  assert.ok(written.includes('notices.json') && written.includes('diagnostics-run.log'), written.join(', '));
  const notices = JSON.parse(await readFile(path.join(out, 'notices.json'), 'utf8')) as string[];
  assert.equal(notices.length, 1, JSON.stringify(notices));
  assert.match(notices[0]!, /cannot be read because it is not valid JSON.*left as it is; DeskBridge will keep it aside/);
  assert.match(await readFile(path.join(out, 'diagnostics-run.log'), 'utf8'), /profiles file corrupt \(left as it is\)/);

  // A data folder that does not exist stays so.
  const none = path.join(root, 'no-data');
  await collectDiagnostics({ dataDir: none, outDir: path.join(root, 'bundle2'), version: '9.9.9', policyFile: null, machinePolicyFile: path.join(root, 'none.json') });
  await assert.rejects(access(none), 'no data folder was made');
});

test('the bundle counts IT\'s connections and the user\'s apart, and has the notices the app shows (a connections file set aside at start), running and offline', async (t) => {
  const machinePolicy = {
    schemaVersion: 1,
    profiles: [
      { id: 'desk-a', name: 'IT desk A', protocol: 'vnc', host: '127.0.0.1', port: 5901 },
      { id: 'desk-b', name: 'IT desk B', protocol: 'rdp', host: '127.0.0.1', port: 3389 },
    ],
  };
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-diag-count-'));
  const dataDir = path.join(root, 'data');
  await mkdir(dataDir);
  await writeFile(path.join(dataDir, 'profiles.json'), 'not json at all');
  const h = await startGatewayHarness({ machinePolicy, dataDir });
  t.after(async () => {
    await h.close();
    await rm(root, { recursive: true, force: true });
  });
  assert.equal((await h.call('POST', '/api/profiles', { profile: { name: 'Mine', protocol: 'vnc', host: '127.0.0.1', port: 5902 } })).status, 201);

  const running = path.join(root, 'running');
  await h.gateway.writeDiagnostics(running);
  const about = JSON.parse(await readFile(path.join(running, 'about.json'), 'utf8'));
  assert.deepEqual([about.profiles, about.managedProfiles, about.userProfiles], [3, 2, 1]);
  const notices = JSON.parse(await readFile(path.join(running, 'notices.json'), 'utf8')) as string[];
  assert.ok(notices.some((n) => /could not be read because it is not valid JSON.*It was kept as .*profiles\.corrupt-/.test(n)), JSON.stringify(notices));

  const offline = path.join(root, 'offline');
  const machineFile = path.join(root, 'machine-policy.json');
  await writeFile(machineFile, JSON.stringify(machinePolicy));
  await collectDiagnostics({ dataDir, outDir: offline, version: '9.9.9', policyFile: null, machinePolicyFile: machineFile });
  const aboutOffline = JSON.parse(await readFile(path.join(offline, 'about.json'), 'utf8'));
  assert.deepEqual([aboutOffline.profiles, aboutOffline.managedProfiles, aboutOffline.userProfiles], [3, 2, 1]);
});

test('the bundle says why saved passwords cannot be read (the key file damaged, and where it is), running and offline, without the key in it', async (t) => {
  const damagedKey = 'c2hvcnQ=\n'; // base64 of "short": 5 bytes where 32 are needed
  const h = await startGatewayHarness({ keyFile: damagedKey });
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-diag-key-'));
  const saved = { secrets: process.env.DESKBRIDGE_SECRETS, keyDir: process.env.DESKBRIDGE_SECRETS_KEY_DIR };
  t.after(async () => {
    for (const [name, value] of [['DESKBRIDGE_SECRETS', saved.secrets], ['DESKBRIDGE_SECRETS_KEY_DIR', saved.keyDir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await h.close();
    await rm(root, { recursive: true, force: true });
  });
  const expected = { reason: 'the key file is damaged', keyFile: h.keyFile };
  const noKeyIn = async (dir: string) => {
    for (const name of await readdir(dir)) {
      assert.equal((await readFile(path.join(dir, name), 'utf8')).includes('c2hvcnQ'), false, `${name} holds the key file's content`);
    }
  };

  const running = path.join(root, 'running');
  await h.gateway.writeDiagnostics(running);
  const about = JSON.parse(await readFile(path.join(running, 'about.json'), 'utf8'));
  assert.deepEqual([about.secretsBackend, about.secretsStoreUnopened], ['file', expected]);
  await noKeyIn(running);

  process.env.DESKBRIDGE_SECRETS = 'file';
  process.env.DESKBRIDGE_SECRETS_KEY_DIR = path.dirname(h.keyFile);
  const offline = path.join(root, 'offline');
  await collectDiagnostics({ dataDir: h.dataDir, outDir: offline, version: '9.9.9', policyFile: null, machinePolicyFile: path.join(root, 'none.json') });
  const aboutOffline = JSON.parse(await readFile(path.join(offline, 'about.json'), 'utf8'));
  assert.deepEqual([aboutOffline.secretsBackend, aboutOffline.secretsStoreUnopened], ['file', expected]);
  assert.match(await readFile(path.join(offline, 'diagnostics-run.log'), 'utf8'), /saved passwords cannot be read: the store does not open.*the key file is damaged/);
  await noKeyIn(offline);
  assert.equal(await readFile(h.keyFile, 'utf8'), damagedKey, 'the key file is left as it was');

  // No key file yet: nothing wrong (the app would make one), and the offline run makes none.
  process.env.DESKBRIDGE_SECRETS_KEY_DIR = path.join(root, 'no-keys');
  await collectDiagnostics({ dataDir: h.dataDir, outDir: path.join(root, 'fresh'), version: '9.9.9', policyFile: null, machinePolicyFile: path.join(root, 'none.json') });
  assert.equal(JSON.parse(await readFile(path.join(root, 'fresh', 'about.json'), 'utf8')).secretsStoreUnopened, null);
  await assert.rejects(access(path.join(root, 'no-keys')), 'no key folder was made');
});
