// What an authority may sign, beyond being one (certificates/pathConstraints.ts): basicConstraints' pathLenConstraint
// (RFC 5280 §4.2.1.9), nameConstraints (§4.2.1.10), critical extensions not understood, the authorities' purposes and
// the leaf's key usage. Each chain is made here with openssl, and each expectation is first checked against
// `openssl verify -purpose sslserver` (OpenSSL's X509_verify_cert, what remote-viewer and FreeRDP rely on), so the
// gateway's walk says what OpenSSL says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { evaluateTrust, verifyChain } from '../../../electron/gateway/certificates/certificateTrust';
import { CA_EXTENSIONS, makeCertificate, type MadeCertificate } from '../../servers/certificates';

let dir: string;
const made: Record<string, MadeCertificate> = {};
const SERVER = 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:desk.corp.example\n';
const PATHLEN_0 = 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n';
const CORP_ONLY = `${CA_EXTENSIONS}nameConstraints=critical,permitted;DNS:.corp.example\n`;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-constraints-'));
  const make = async (name: string, subject: string, extensions: string, issuer: string | null) => {
    made[name] = await makeCertificate(dir, name, subject, extensions, issuer === null ? null : (made[issuer] as MadeCertificate));
  };
  await make('root', '/CN=DeskBridge test root', CA_EXTENSIONS, null);
  // An intermediate that may sign servers only, and a CA it signed anyway.
  await make('pathlen0', '/CN=Issuing CA, no CA below', PATHLEN_0, 'root');
  await make('underPathlen0', '/CN=desk.corp.example', SERVER, 'pathlen0');
  await make('subCa', '/CN=Sub-CA it may not sign', CA_EXTENSIONS, 'pathlen0');
  await make('underSubCa', '/CN=desk.corp.example', SERVER, 'subCa');
  // A root that itself allows no CA below it: OpenSSL holds a trusted root to its pathLenConstraint too.
  await make('rootPathlen0', '/CN=DeskBridge test root, no CA below', PATHLEN_0, null);
  await make('intermediate', '/CN=DeskBridge test intermediate', CA_EXTENSIONS, 'rootPathlen0');
  await make('underIntermediate', '/CN=desk.corp.example', SERVER, 'intermediate');
  // A CA for corp.example's names only, and what it issued.
  await make('corpCa', '/CN=Corp CA', CORP_ONLY, 'root');
  await make('inside', '/CN=desk.corp.example', SERVER, 'corpCa');
  await make('outside', '/CN=bank.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:bank.example\n', 'corpCa');
  await make('outsideAmong', '/CN=desk.corp.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:desk.corp.example,DNS:bank.example\n', 'corpCa');
  await make('byCommonName', '/CN=bank.example', 'basicConstraints=critical,CA:FALSE\n', 'corpCa');
  await make('withAddress', '/CN=desk.corp.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:desk.corp.example,IP:10.0.0.5\n', 'corpCa');
  await make('addressOnly', '/O=Corp', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:10.0.0.5\n', 'corpCa');
  await make('addressInCn', '/CN=10.0.0.5', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:10.0.0.5\n', 'corpCa');
  // Excluded names and address ranges.
  await make('notBankCa', '/CN=Corp CA, not the bank', `${CA_EXTENSIONS}nameConstraints=critical,excluded;DNS:bank.corp.example,permitted;IP:10.0.0.0/255.0.0.0\n`, 'root');
  await make('excluded', '/CN=x', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:a.bank.corp.example\n', 'notBankCa');
  await make('inRange', '/CN=x', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:desk.corp.example,IP:10.1.2.3\n', 'notBankCa');
  await make('outOfRange', '/CN=x', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:desk.corp.example,IP:192.168.1.1\n', 'notBankCa');
  // Directory names: a CA for O=Corp.
  await make('corpDnCa', '/CN=Corp directory CA', `${CA_EXTENSIONS}nameConstraints=critical,permitted;dirName:dir_sect\n[dir_sect]\nO=Corp\n`, 'root');
  await make('dnInside', '/O=corp/CN=desk.corp.example', SERVER, 'corpDnCa');
  await make('dnOutside', '/O=Bank/CN=desk.corp.example', SERVER, 'corpDnCa');
  // Critical extensions OpenSSL does not understand, and one it does.
  await make('unknownCritical', '/CN=desk.corp.example', `${SERVER}1.2.3.4=critical,ASN1:UTF8String:x\n`, 'root');
  await make('criticalPolicies', '/CN=desk.corp.example', `${SERVER}certificatePolicies=critical,1.2.3.4\n`, 'root');
  // Authorities' purposes, and a leaf whose key may not be a TLS server's.
  await make('clientCa', '/CN=Client CA', `${CA_EXTENSIONS}extendedKeyUsage=clientAuth\n`, 'root');
  await make('underClientCa', '/CN=desk.corp.example', SERVER, 'clientCa');
  await make('serverCa', '/CN=Server CA', `${CA_EXTENSIONS}extendedKeyUsage=serverAuth\n`, 'root');
  await make('underServerCa', '/CN=desk.corp.example', SERVER, 'serverCa');
  await make('signingKey', '/CN=desk.corp.example', `${SERVER}keyUsage=critical,nonRepudiation\n`, 'root');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `openssl verify -purpose sslserver` of `leaf` through `untrusted` to `trusted`: true if it verifies. */
function opensslTrusts(leaf: string, untrusted: string[], trusted: string, host: string): boolean {
  const file = (name: string) => path.join(dir, `${name}.pem`);
  const args = ['verify', '-purpose', 'sslserver', isIP(host) ? '-verify_ip' : '-verify_hostname', host, '-CAfile', file(trusted)];
  if (untrusted.length > 0) {
    const bundle = path.join(dir, `${untrusted.join('+')}.bundle`);
    writeFileSync(bundle, untrusted.map((name) => (made[name] as MadeCertificate).pem).join(''));
    args.push('-untrusted', bundle);
  }
  return spawnSync('openssl', [...args, file(leaf)], { stdio: 'ignore' }).status === 0;
}

/** The gateway's verdict and OpenSSL's on the same chain, the server sending `leaf` and `untrusted`. */
function judged(leaf: string, untrusted: string[], trusted: string, host: string): { ours: ReturnType<typeof verifyChain>; openssl: boolean } {
  const der = (name: string) => (made[name] as MadeCertificate).der;
  return {
    ours: verifyChain([der(leaf), ...untrusted.map(der)], host, [(made[trusted] as MadeCertificate).pem]),
    openssl: opensslTrusts(leaf, untrusted, trusted, host),
  };
}

function assertTrusted(leaf: string, untrusted: string[], trusted: string, host: string) {
  const { ours, openssl } = judged(leaf, untrusted, trusted, host);
  assert.equal(openssl, true, `openssl verify trusts ${leaf}`);
  assert.deepEqual(ours, { ok: true }, leaf);
}

function assertRefused(leaf: string, untrusted: string[], trusted: string, host: string, reason: RegExp) {
  const { ours, openssl } = judged(leaf, untrusted, trusted, host);
  assert.equal(openssl, false, `openssl verify refuses ${leaf}`);
  assert.equal(ours.ok, false, `${leaf} is refused`);
  assert.match(ours.ok ? '' : ours.reason, reason, leaf);
}

test('an authority with pathlen:0 signs servers, but a CA it signed may not vouch for any', () => {
  assertTrusted('underPathlen0', ['pathlen0'], 'root', 'desk.corp.example');
  assertRefused('underSubCa', ['subCa', 'pathlen0'], 'root', 'desk.corp.example', /^the certificate was signed through more authorities than one above them allows$/);
  assertRefused('underIntermediate', ['intermediate'], 'rootPathlen0', 'desk.corp.example', /more authorities than one above them allows/);
  // The user is asked at most, never trusted silently.
  const der = (name: string) => (made[name] as MadeCertificate).der;
  const verdict = evaluateTrust({ chain: [der('underSubCa'), der('subCa'), der('pathlen0')], host: 'desk.corp.example', extraCas: [(made.root as MadeCertificate).pem] });
  assert.equal(verdict.kind, 'untrusted');
});

test('an authority constrained to .corp.example is trusted for names there and refused for any other', () => {
  assertTrusted('inside', ['corpCa'], 'root', 'desk.corp.example');
  assertRefused('outside', ['corpCa'], 'root', 'bank.example', /^the certificate was signed by an authority that may not sign for that name$/);
  assertRefused('outsideAmong', ['corpCa'], 'root', 'desk.corp.example', /may not sign for that name/);
  // No DNS name: the common name, a host name, is held to the constraint (OpenSSL's NAME_CONSTRAINTS_check_CN).
  assertRefused('byCommonName', ['corpCa'], 'root', 'bank.example', /may not sign for that name/);
});

test('an IP address is not held to constraints that name only DNS names (RFC 5280 §4.2.1.10), but a common name that looks like a host name is', () => {
  assertTrusted('withAddress', ['corpCa'], 'root', '10.0.0.5');
  assertTrusted('addressOnly', ['corpCa'], 'root', '10.0.0.5');
  // "10.0.0.5" in the common name reads as a host name of four labels to OpenSSL, outside .corp.example.
  assertRefused('addressInCn', ['corpCa'], 'root', '10.0.0.5', /may not sign for that name/);
});

test('excluded names, address ranges and directory names constrain as OpenSSL applies them', () => {
  assertRefused('excluded', ['notBankCa'], 'root', 'a.bank.corp.example', /may not sign for that name/);
  assertTrusted('inRange', ['notBankCa'], 'root', '10.1.2.3');
  assertRefused('outOfRange', ['notBankCa'], 'root', '192.168.1.1', /may not sign for that name/);
  assertTrusted('dnInside', ['corpDnCa'], 'root', 'desk.corp.example');
  assertRefused('dnOutside', ['corpDnCa'], 'root', 'desk.corp.example', /may not sign for that name/);
});

test('a critical extension OpenSSL does not understand is refused; one it understands is not', () => {
  assertRefused('unknownCritical', [], 'root', 'desk.corp.example', /critical extension this computer does not understand/);
  assertTrusted('criticalPolicies', [], 'root', 'desk.corp.example');
});

test('an authority for clients only may not vouch for a server, nor a key for signing only be a server\u2019s', () => {
  assertRefused('underClientCa', ['clientCa'], 'root', 'desk.corp.example', /authority that may not sign for servers/);
  assertTrusted('underServerCa', ['serverCa'], 'root', 'desk.corp.example');
  assertRefused('signingKey', [], 'root', 'desk.corp.example', /not one for servers \(its key usage\)/);
});
