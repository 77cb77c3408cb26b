// Provisioning from a local HTTPS server (self-signed, trusted for the test
// through the policy's CA list) serving signed, tampered, replayed and
// expired documents. The gateway keeps the last good copy and says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';

let dir: string;
let server: https.Server;
let url: string;
let cert: string;
let body = '';
let requests = 0;
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function envelope(document: object, tamper = false): string {
  const payload = Buffer.from(JSON.stringify(document));
  const signature = sign(null, payload, privateKey);
  if (tamper) payload[payload.indexOf('5999')] = '6'.charCodeAt(0); // change the port after signing
  return JSON.stringify({ payload: payload.toString('base64'), signature: signature.toString('base64') });
}

const profile = (name: string) => ({ id: 'desk', name, protocol: 'vnc', host: '127.0.0.1', port: 5999 });
const later = new Date(Date.now() + 86_400_000).toISOString();

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-prov-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = await readFile(path.join(dir, 'cert.pem'), 'utf8');
  server = https.createServer({ key: await readFile(path.join(dir, 'key.pem')), cert }, (_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/profiles.json`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function gatewayWith(extra: object = {}): Promise<GatewayHarness> {
  return startGatewayHarness({ machinePolicy: { schemaVersion: 1, trustedCaCertificates: [cert], provisioning: { url, publicKey: publicPem, refreshMinutes: 60 }, ...extra } });
}

async function managedNames(h: GatewayHarness): Promise<string[]> {
  return (await h.call('GET', '/api/profiles')).json.filter((p: { managed: unknown }) => p.managed).map((p: { name: string }) => p.name);
}

/** Waits until the server saw a new request (the background refresh) and the gateway handled the answer. */
async function settle(before: number): Promise<void> {
  for (let i = 0; i < 100 && requests === before; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
}

test('a signed document is applied; tampered, replayed and expired ones keep the last good copy and say so', async (t) => {
  body = envelope({ serial: 5, expires: later, profiles: [profile('Desk v5')] });
  let seen = requests;
  const h = await gatewayWith();
  t.after(() => h.close());
  await settle(seen);
  // The first document applied (on a busy machine the answer takes longer than settle's pause).
  for (let i = 0; i < 100 && (await managedNames(h)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await managedNames(h), ['Desk v5']);

  const cases: [string, string, RegExp][] = [
    ['tampered', envelope({ serial: 6, expires: later, profiles: [profile('Desk v6 (5999)')] }, true), /signature does not match/],
    ['replayed', envelope({ serial: 4, expires: later, profiles: [profile('Desk v4')] }), /older copy \(serial 4, we have 5\)/],
    ['expired', envelope({ serial: 7, expires: '2020-01-01T00:00:00Z', profiles: [profile('Desk v7')] }), /expired/],
    ['not signed', JSON.stringify({ serial: 8, expires: later, profiles: [] }), /not a signed provisioning document/],
  ];
  for (const [what, document, problem] of cases) {
    body = document;
    // A restart refreshes at start, with the cache from the last good copy.
    seen = requests;
    const again = await restartOn(h);
    await settle(seen);
    assert.deepEqual(await managedNames(again), ['Desk v5'], `${what}: the last good copy stays`);
    const notices = (await again.call('GET', '/api/state')).json.notices as string[];
    assert.ok(notices.some((n) => problem.test(n) && /last good copy \(serial 5\)/.test(n)), `${what}: ${JSON.stringify(notices)}`);
    await again.close();
  }
});

test('without the policy CA the self-signed server is not trusted and nothing is applied', async (t) => {
  body = envelope({ serial: 1, expires: later, profiles: [profile('Untrusted')] });
  const seen = requests;
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, provisioning: { url, publicKey: publicPem, refreshMinutes: 60 } } });
  t.after(() => h.close());
  for (let i = 0; i < 50; i++) {
    const notices = (await h.call('GET', '/api/state')).json.notices as string[];
    if (notices.some((n) => /download .* failed/.test(n))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(requests, seen, 'the TLS handshake failed before any request');
  assert.deepEqual(await managedNames(h), []);
});

/** A restart: a second gateway on the first one's data folder, to see what it does with the cached copy. */
async function restartOn(first: GatewayHarness): Promise<GatewayHarness> {
  return startGatewayHarness({
    machinePolicy: { schemaVersion: 1, trustedCaCertificates: [cert], provisioning: { url, publicKey: publicPem, refreshMinutes: 60 } },
    dataDir: first.dataDir,
  });
}
