// The RDCleanPath endpoint against a real freerdp-shadow, with a counting
// relay between gateway and server. A Node client plays IronRDP's part up to
// the RDCleanPath response (CredSSP needs the real client: see the e2e tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type WebSocket from 'ws';
import { startFreerdpShadow, type ShadowServer } from '../servers/freerdpShadow';
import { startFaultRelay, type FaultRelay } from '../servers/faultRelay';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import { RDCLEANPATH_VERSION, decodePdu, encodePdu, type RdCleanPathPdu } from '../../electron/gateway/bridges/rdcleanpath/rdCleanPathPdu';
import { PROTOCOL, connectionRequest, parseConnectionConfirm } from '../../electron/gateway/bridges/rdp/x224';
import { sha256Fingerprint } from '../../electron/gateway/certificates/certificateTrust';
import type { CertificatePromptBody, CreateSessionResponse } from '../../shared/api/contract';

let shadow: ShadowServer;
let relay: FaultRelay;
let harness: GatewayHarness;

async function serverFingerprint(): Promise<string> {
  const pem = await readFile(path.join(shadow.dir, 'config', 'freerdp', 'shadow', 'shadow.crt'), 'utf8');
  return sha256Fingerprint(new X509Certificate(pem).raw);
}

/** Sends one RDCleanPath request and returns the first reply PDU (or null if the socket closed without one). */
function exchange(ws: WebSocket, request: RdCleanPathPdu | Uint8Array): Promise<RdCleanPathPdu | null> {
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(request instanceof Uint8Array ? request : encodePdu(request)));
    ws.once('message', (data: Buffer) => resolve(decodePdu(new Uint8Array(data))));
    ws.once('close', () => resolve(null));
  });
}

function request(session: CreateSessionResponse, overrides: Partial<RdCleanPathPdu> = {}): RdCleanPathPdu {
  const rdp = session.rdp!;
  return { version: RDCLEANPATH_VERSION, destination: rdp.destination, proxyAuth: rdp.authToken, x224ConnectionPdu: connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID), ...overrides };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

before(async () => {
  shadow = await startFreerdpShadow({ security: 'tls' });
  relay = await startFaultRelay(shadow.port);
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await relay?.close();
  await shadow?.stop();
});

test('certificate prompt, trust always, a changed certificate stopped before any credential byte', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Shadow', protocol: 'rdp', host: '127.0.0.1', port: relay.port } });
  assert.equal(created.status, 201);
  const profileId = created.json.id as string;

  // First connection: the user must see who the server claims to be.
  const first = await harness.call('POST', '/api/sessions', { profileId });
  assert.equal(first.status, 409);
  const prompt = first.json as CertificatePromptBody;
  assert.equal(prompt.error, 'certificate-untrusted');
  assert.match(prompt.reason, /self-signed/);
  const original = await serverFingerprint();
  assert.equal(prompt.certificate.fingerprintSha256, original);
  assert.equal(prompt.certificate.subject, 'CN=' + prompt.certificate.subject.slice(3));

  // "Trust always": pinned to the profile; the next connection needs no answer.
  const accepted = await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256: original, remember: true } });
  assert.equal(accepted.status, 201);
  const again = await harness.call('POST', '/api/sessions', { profileId });
  assert.equal(again.status, 201, 'a pinned certificate goes straight through');
  const session = again.json as CreateSessionResponse;

  // The endpoint answers with the server's confirm and chain, and relays afterwards.
  const before = relay.connections.length;
  const ws = harness.socket(session.rdp!.proxyPath);
  const reply = await exchange(ws, request(session));
  assert.ok(reply && !reply.error, `expected a response, got ${JSON.stringify(reply?.error)}`);
  assert.deepEqual(parseConnectionConfirm(reply.x224ConnectionPdu!), { kind: 'selected', protocol: PROTOCOL.SSL, flags: reply.x224ConnectionPdu![12] });
  assert.equal(sha256Fingerprint(reply.serverCertChain![0]!), original);
  // Positive control for the counting relay: application data after the handshake is seen.
  ws.send(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x06]));
  await settle();
  ws.close();
  await settle();
  const relayed = relay.connections[before]!;
  assert.ok(relayed.clientRecordTypes.filter((t) => t === 23).length >= 2, `records: ${relayed.clientRecordTypes}`);

  // A ticket bound to the old certificate, then the server gets a new one.
  const boundToOld = (await harness.call('POST', '/api/sessions', { profileId })).json as CreateSessionResponse;
  await shadow.restart({ newCertificate: true });
  const changedFingerprint = await serverFingerprint();
  assert.notEqual(changedFingerprint, original);

  const control = await harness.control(boundToOld.controlPath);
  const beforeRefused = relay.connections.length;
  const refused = await exchange(harness.socket(boundToOld.rdp!.proxyPath), request(boundToOld));
  assert.ok(refused?.error, 'the endpoint refuses a certificate other than the accepted one');
  assert.equal(refused.serverCertChain, undefined, 'and tells the client nothing of that server');
  await settle();
  control.close();
  assert.ok(control.events.some((e) => e.type === 'error' && e.code === 'certificate-changed'), JSON.stringify(control.events));
  const trace = relay.connections[beforeRefused]!;
  // TLS 1.3: the client's first encrypted record is its Finished (if it is flushed before the
  // gateway hangs up); CredSSP would add more, as the accepted connection above shows.
  assert.ok(trace.clientRecordTypes.includes(22), 'the handshake itself did reach the server');
  assert.ok(trace.clientRecordTypes.filter((t) => t === 23).length <= 1, `records: ${trace.clientRecordTypes}`);

  // And the next request shows the change warning, with the pinned fingerprint.
  const warned = await harness.call('POST', '/api/sessions', { profileId });
  assert.equal(warned.status, 409);
  assert.equal(warned.json.error, 'certificate-changed');
  assert.equal(warned.json.previousFingerprint, original);
  assert.equal(warned.json.certificate.fingerprintSha256, changedFingerprint);
  // Cancel: nothing further happens, the pin stays the old one until the user chooses again.
  const profiles = (await harness.call('GET', '/api/profiles')).json as { id: string; pinnedCertificate: string }[];
  assert.equal(profiles.find((p) => p.id === profileId)?.pinnedCertificate, original);
});

test('a session goes on over the certificate check\u2019s connection when IronRDP asks for what it asked for; otherwise, or once it is gone, a new one', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Shadow held', protocol: 'rdp', host: '127.0.0.1', port: relay.port, username: 'ann' } });
  const profileId = created.json.id as string;
  const fingerprint = await serverFingerprint();
  const newSession = async () => {
    const reply = await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256: fingerprint, remember: false } });
    assert.equal(reply.status, 201);
    return reply.json as CreateSessionResponse;
  };
  // What IronRDP sends for this profile: its user's routing cookie, then TLS and NLA asked for.
  const asIronRdp = connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX, 'ann');

  const session = await newSession();
  const preflight = relay.connections.length - 1;
  assert.deepEqual(Buffer.concat(relay.connections[preflight]!.fromClient).subarray(0, asIronRdp.length), Buffer.from(asIronRdp), 'the preflight sent IronRDP\u2019s bytes');
  const ws = harness.socket(session.rdp!.proxyPath);
  const reply = await exchange(ws, request(session, { x224ConnectionPdu: asIronRdp }));
  assert.ok(reply && !reply.error, `expected a response, got ${JSON.stringify(reply?.error)}`);
  assert.deepEqual(parseConnectionConfirm(reply.x224ConnectionPdu!), { kind: 'selected', protocol: PROTOCOL.SSL, flags: reply.x224ConnectionPdu![12] });
  assert.equal(sha256Fingerprint(reply.serverCertChain![0]!), fingerprint);
  ws.send(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x06]));
  await settle();
  assert.equal(relay.connections.length, preflight + 1, 'no second connection to the server');
  const used = relay.connections[preflight]!;
  assert.ok(used.clientRecordTypes.filter((t) => t === 23).length >= 2, `the client's bytes went over the preflight's connection: records ${used.clientRecordTypes}`);
  ws.close();

  // A client asking for something else (other protocols) gets a connection of its own; the held one is closed.
  const other = await newSession();
  const otherPreflight = relay.connections.length - 1;
  const ws2 = harness.socket(other.rdp!.proxyPath);
  const reply2 = await exchange(ws2, request(other));
  assert.ok(reply2 && !reply2.error);
  await settle();
  assert.equal(relay.connections.length, otherPreflight + 2, 'a new connection for a different request');
  assert.equal(relay.connections[otherPreflight]!.closed, true, 'the preflight\u2019s closed');
  // (TLS 1.3: the handshake's own Finished is one encrypted record; the client's bytes would be more.)
  assert.ok(relay.connections[otherPreflight]!.clientRecordTypes.filter((t) => t === 23).length <= 1, 'nothing of the client\u2019s went over it');
  ws2.close();

  // A held connection the server closed meanwhile (here: the relay cuts it) is not used: a new one is made.
  const third = await newSession();
  const thirdPreflight = relay.connections.length - 1;
  relay.cutAll();
  await settle();
  const ws3 = harness.socket(third.rdp!.proxyPath);
  const reply3 = await exchange(ws3, request(third, { x224ConnectionPdu: asIronRdp }));
  assert.ok(reply3 && !reply3.error, `expected a response, got ${JSON.stringify(reply3?.error)}`);
  await settle();
  assert.equal(relay.connections.length, thirdPreflight + 2, 'a new connection once the held one was gone');
  ws3.close();
  await settle();
});

test('while the user is asked about the certificate its connection waits: the answer\u2019s session goes on over it; another answer, none, or another address makes a new one', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Shadow asked', protocol: 'rdp', host: '127.0.0.1', port: relay.port, username: 'ann' } });
  const profileId = created.json.id as string;
  const asIronRdp = connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX, 'ann');
  await settle();

  // Asked: one connection, still open while the question is on screen.
  const before = relay.connections.length;
  const asked = await harness.call('POST', '/api/sessions', { profileId });
  assert.equal(asked.status, 409);
  const fingerprint = (asked.json as CertificatePromptBody).certificate.fingerprintSha256;
  await settle();
  assert.equal(relay.connections.length, before + 1);
  assert.equal(relay.connections[before]!.closed, false, 'the check\u2019s connection waits for the answer');

  // "Trust once": no second check; the session goes on over the connection the user was asked about.
  const trusted = await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256: fingerprint, remember: false } });
  assert.equal(trusted.status, 201);
  const session = trusted.json as CreateSessionResponse;
  assert.equal(relay.connections.length, before + 1, 'no second check');
  const ws = harness.socket(session.rdp!.proxyPath);
  const reply = await exchange(ws, request(session, { x224ConnectionPdu: asIronRdp }));
  assert.ok(reply && !reply.error, `expected a response, got ${JSON.stringify(reply?.error)}`);
  assert.equal(sha256Fingerprint(reply.serverCertChain![0]!), fingerprint);
  ws.send(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x06]));
  await settle();
  assert.equal(relay.connections.length, before + 1, 'one connection for the whole Connect');
  assert.ok(relay.connections[before]!.clientRecordTypes.filter((t) => t === 23).length >= 2, `the client's bytes went over it: records ${relay.connections[before]!.clientRecordTypes}`);
  ws.close();
  await settle();

  // An answer for another certificate than the one asked about: the kept connection is closed and the server checked again.
  const askedAgain = relay.connections.length;
  assert.equal((await harness.call('POST', '/api/sessions', { profileId })).status, 409);
  await settle();
  const wrong = await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256: 'AA:'.repeat(31) + 'AA', remember: false } });
  assert.equal(wrong.status, 409, 'still asked: the answer was for another certificate');
  await settle();
  assert.equal(relay.connections.length, askedAgain + 2, 'a new check for it');
  assert.equal(relay.connections[askedAgain]!.closed, true, 'the kept one closed');

  // Connect again without answering (the question cancelled): likewise a new check, the kept one closed.
  assert.equal((await harness.call('POST', '/api/sessions', { profileId })).status, 409);
  await settle();
  assert.equal(relay.connections.length, askedAgain + 3);
  assert.equal(relay.connections[askedAgain + 1]!.closed, true);

  // The profile edited to another address while asked (here the same server, so the same certificate, through
  // another relay): the answer's session goes to the new address, not over the connection kept for the old one.
  const other = await startFaultRelay(shadow.port);
  try {
    const profile = (await harness.call('GET', '/api/profiles')).json.find((p: { id: string }) => p.id === profileId);
    const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, hasSavedPassword: _h, managed: _m, ...draft } = profile;
    assert.equal((await harness.call('PUT', `/api/profiles/${profileId}`, { profile: { ...draft, port: other.port } })).status, 200);
    const moved = await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256: fingerprint, remember: false } });
    assert.equal(moved.status, 201);
    await settle();
    assert.equal(other.connections.length, 1, 'checked at the new address');
    assert.equal(relay.connections[askedAgain + 2]!.closed, true, 'the connection kept for the old address closed');
  } finally {
    await other.close();
  }
});

test('the endpoint refuses a wrong destination, a garbage PDU and an oversized one without connecting', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Shadow 2', protocol: 'rdp', host: '127.0.0.1', port: relay.port } });
  const profileId = created.json.id as string;
  const fingerprint = await serverFingerprint();
  const newSession = async () => (await harness.call('POST', '/api/sessions', { profileId, acceptCertificate: { fingerprintSha256: fingerprint, remember: false } })).json as CreateSessionResponse;
  await settle();
  const before = relay.connections.length;

  const s1 = await newSession();
  const wrongTarget = await exchange(harness.socket(s1.rdp!.proxyPath), request(s1, { destination: '127.0.0.1:22' }));
  assert.equal(wrongTarget?.error?.httpStatusCode, 403);

  const s2 = await newSession();
  const garbage = await exchange(harness.socket(s2.rdp!.proxyPath), Uint8Array.from([0x30, 0x05, 1, 2, 3, 4, 5]));
  assert.equal(garbage?.error?.httpStatusCode, 400);

  const s3 = await newSession();
  const oversized = await exchange(harness.socket(s3.rdp!.proxyPath), Uint8Array.from([0x30, 0x83, 0x10, 0x00, 0x00, ...new Uint8Array(64)]));
  assert.equal(oversized?.error?.httpStatusCode, 413);

  const s4 = await newSession();
  const otherTicket = await exchange(harness.socket(s4.rdp!.proxyPath), request(s4, { proxyAuth: 'not-a-ticket' }));
  assert.equal(otherTicket?.error?.httpStatusCode, 403);

  await settle();
  assert.equal(relay.connections.length, before + 4, 'only the four preflights reached the server, no refused request did');
});

test('an NLA-only server with NLA turned off gives "server requires NLA" before any ticket', async () => {
  const nla = await startFreerdpShadow({ security: 'nla', user: 'ann', password: 'Secret-123' });
  try {
    const created = await harness.call('POST', '/api/profiles', { profile: { name: 'NLA', protocol: 'rdp', host: '127.0.0.1', port: nla.port, rdpSecurity: 'tls' } });
    const reply = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
    assert.equal(reply.status, 502);
    assert.equal(reply.json.error, 'nla-required');
    assert.match(reply.json.message, /Network Level Authentication/);
  } finally {
    await nla.stop();
  }
});
