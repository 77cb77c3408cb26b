// The gateway's own walk up a server's certificate chain (certificates/certificateTrust.ts), against chains made
// here with openssl: a certificate a CA issued to a server (basicConstraints CA:FALSE) must not vouch for another,
// as OpenSSL's path validation (`openssl verify`), spice-gtk and mstsc refuse it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evaluateTrust, verifyChain } from '../../../electron/gateway/certificates/certificateTrust';
import { CA_EXTENSIONS, makeCertificate, type MadeCertificate } from '../../servers/certificates';

let dir: string;
const made: Record<string, MadeCertificate> = {};
const der = (name: string) => (made[name] as MadeCertificate).der;
const pem = (name: string) => (made[name] as MadeCertificate).pem;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-chain-'));
  const make = async (name: string, subject: string, extensions: string, issuer: string | null) => {
    made[name] = await makeCertificate(dir, name, subject, extensions, issuer === null ? null : (made[issuer] as MadeCertificate));
  };
  await make('ca', '/CN=DeskBridge test root', CA_EXTENSIONS, null);
  await make('intermediate', '/CN=DeskBridge test intermediate', CA_EXTENSIONS, 'ca');
  await make('server', '/CN=desk.corp.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:desk.corp.example\n', 'intermediate');
  // A certificate the CA issued to some server, with no keyUsage (common from internal CAs), and one it signed.
  await make('innocent', '/CN=innocent.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:innocent.example\n', 'ca');
  await make('impostor', '/O=Proxmox Virtual Environment/OU=PVE Cluster Node/CN=pve1.corp.example', 'subjectAltName=DNS:pve1.corp.example,IP:127.0.0.1\n', 'innocent');
  // A server's own self-signed certificate, not a CA, handed over as the one to trust (a .vv's ca=).
  await make('own', '/CN=spice.corp.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:spice.corp.example\n', null);
  // What a trusted CA may have issued that still names no server here.
  await make('clientOnly', '/CN=desk.corp.example', 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth,emailProtection\nsubjectAltName=DNS:desk.corp.example\n', 'ca');
  await make('partial', '/CN=b.corp.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:b*.corp.example\n', 'ca');
  await make('ipAsName', '/CN=10.0.0.5', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:10.0.0.5,DNS:*.0.0.5\n', 'ca');
  await make('slashed', '/CN=pve1.corp.example\\/O=Corp\\/OU=Node', 'basicConstraints=critical,CA:FALSE\n', 'ca');
  await make('byIp', '/CN=10.0.0.5', 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:10.0.0.5\n', 'ca');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a chain through an intermediate CA to a trusted root is trusted', () => {
  assert.deepEqual(verifyChain([der('server'), der('intermediate')], 'desk.corp.example', [pem('ca')]), { ok: true });
});

test('a certificate signed by a server\u2019s certificate (not a CA) is refused, whatever name or subject it carries', () => {
  const byHost = verifyChain([der('impostor'), der('innocent')], 'pve1.corp.example', [pem('ca')]);
  assert.equal(byHost.ok, false);
  assert.match(byHost.ok ? '' : byHost.reason, /may not sign others/);
  const bySubject = verifyChain([der('impostor'), der('innocent')], '127.0.0.1', [pem('ca')], 'O=Proxmox Virtual Environment,OU=PVE Cluster Node,CN=pve1.corp.example');
  assert.equal(bySubject.ok, false, 'a .vv host-subject does not make it trusted');
  // Nor when the non-CA certificate is itself among the trusted ones.
  assert.equal(verifyChain([der('impostor')], 'pve1.corp.example', [pem('ca'), pem('innocent')]).ok, false);
  // The whole judgement: the user is asked at most, never trusted silently.
  assert.equal(evaluateTrust({ chain: [der('impostor'), der('innocent')], host: 'pve1.corp.example', extraCas: [pem('ca')] }).kind, 'untrusted');
  // OpenSSL agrees (what spice-gtk and remote-viewer use).
  assert.throws(() => execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), '-untrusted', path.join(dir, 'innocent.pem'), path.join(dir, 'impostor.pem')], { stdio: 'pipe' }));
});

test('a server\u2019s own certificate given as the one to trust is trusted as it is, and names only its server', () => {
  assert.deepEqual(verifyChain([der('own')], 'spice.corp.example', [pem('own')]), { ok: true });
  assert.equal(verifyChain([der('own')], 'other.corp.example', [pem('own')]).ok, false);
  assert.equal(verifyChain([der('own')], 'spice.corp.example', []).ok, false, 'not without it');
});

test('what a trusted CA issued that is not a server\u2019s, or names the server only loosely, is not trusted', () => {
  const ca = [pem('ca')];
  const clientOnly = verifyChain([der('clientOnly')], 'desk.corp.example', ca);
  assert.equal(clientOnly.ok, false, 'a client or e-mail certificate');
  assert.match(clientOnly.ok ? '' : clientOnly.reason, /not one for servers/);
  assert.equal(verifyChain([der('partial')], 'bank.corp.example', ca).ok, false, 'b*.corp.example names no bank');
  assert.equal(verifyChain([der('ipAsName')], '10.0.0.5', ca).ok, false, 'an address is named by an IP address, not a DNS name');
  assert.deepEqual(verifyChain([der('byIp')], '10.0.0.5', ca), { ok: true }, 'an IP address names it');
  const slashed = verifyChain([der('slashed')], '127.0.0.1', ca, 'O=Corp,OU=Node,CN=pve1.corp.example');
  assert.equal(slashed.ok, false, `a CN that holds "/O=Corp/OU=Node" is not that subject: ${JSON.stringify(slashed)}`);
});
