// The gateway signs in to a VNC server for the page (bridges/vncSignIn.ts):
// real Xvnc with VNC authentication, the real gateway, and a Node client
// playing the page's part of the handshake.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import { startFaultRelay } from '../servers/faultRelay';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ControlEvent, CreateSessionResponse } from '../../shared/api/contract';
import { relayStream, type RelayStream } from '../support/relayStream';
import { vncAuthResponse } from '../../electron/gateway/bridges/vncSignIn';

const PASSWORD = 'pw-5821';
const WIDTH = 640;
const HEIGHT = 480;

let xvnc: XvncServer;
let harness: GatewayHarness;

before(async () => {
  xvnc = await startXvnc({ width: WIDTH, height: HEIGHT, xterm: false, password: PASSWORD });
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await disposeXvnc(xvnc);
});

/** A profile for the server, with `password` saved (or none), and a session for it, its relay open (`waitMs` after the session's answer). */
async function openSession(name: string, password?: string, waitMs = 0): Promise<{ session: CreateSessionResponse; body: string; ws: ReturnType<GatewayHarness['socket']>; stream: RelayStream }> {
  const created = await harness.call('POST', '/api/profiles', { profile: { name, protocol: 'vnc', host: '127.0.0.1', port: xvnc.port }, ...(password ? { password } : {}) });
  assert.equal(created.status, 201);
  const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
  assert.equal(answered.status, 201);
  const session = answered.json as CreateSessionResponse;
  // A page that takes its time: the gateway's sign-in, begun with the session request, is over by then.
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  const ws = harness.socket(session.relayPath);
  const stream = relayStream(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { session, body: JSON.stringify(answered.json), ws, stream };
}

/** The page's first steps, as noVNC takes them: version, then the security types it is offered. */
async function pageVersionAndTypes(stream: RelayStream, ws: ReturnType<GatewayHarness['socket']>): Promise<number[]> {
  assert.equal((await stream.read(12)).toString('latin1'), 'RFB 003.008\n');
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await stream.read(1))[0]!;
  return [...(await stream.read(count))];
}

async function readServerInit(stream: RelayStream): Promise<{ width: number; height: number; name: string }> {
  const head = await stream.read(24);
  const name = await stream.read(head.readUInt32BE(20));
  return { width: head.readUInt16BE(0), height: head.readUInt16BE(2), name: name.toString('utf8') };
}

test('with a saved password the gateway signs in: the page never gets the password and is offered None', async () => {
  const { session, body, ws, stream } = await openSession('Signed in for the page', PASSWORD);
  assert.equal(session.savedPassword, null);
  assert.equal(body.includes(PASSWORD), false, 'the session\'s answer carries no password');
  assert.equal(session.profile.hasSavedPassword, true);

  assert.deepEqual(await pageVersionAndTypes(stream, ws), [1], 'VNC authentication was done by the gateway');
  ws.send(Buffer.from([1]));
  assert.equal((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult OK');
  ws.send(Buffer.from([1]));
  const init = await readServerInit(stream);
  assert.deepEqual([init.width, init.height], [WIDTH, HEIGHT], 'the server\'s own ServerInit');
  assert.ok(init.name.length > 0, 'with its desktop name');
  // The round trip, timed by the gateway, came first, as text.
  assert.equal(stream.notes.length, 1);
  const { roundTripMs } = stream.notes[0] as { roundTripMs: number };
  assert.ok(roundTripMs >= 0 && roundTripMs < 50, `round trip ${roundTripMs} ms on loopback`);
  // And the desktop is there: an update request answered with a framebuffer update.
  ws.send(Buffer.from([3, 0, 0, 0, 0, 0, 0, 16, 0, 16]));
  assert.equal((await stream.read(1))[0], 0, 'FramebufferUpdate');
  ws.close();
});

test('a wrong saved password: the page reads the server\'s own refusal, though the server closed before the page came, and the session ends', async () => {
  const { ws, stream } = await openSession('Wrong saved password', 'not-the-password', 300);
  assert.deepEqual(await pageVersionAndTypes(stream, ws), [1]);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(Buffer.from([1]));
  const result = await stream.read(4);
  assert.notEqual(result.readUInt32BE(0), 0, 'SecurityResult failed');
  const reason = (await stream.read((await stream.read(4)).readUInt32BE(0))).toString('utf8');
  assert.match(reason, /auth/i, `reason "${reason}"`);
  assert.equal(await closed, 4000, 'the relay closes once the server has');
});

test('a wrong saved password is recorded as the sign-in failure it is (auth-failed, with the server\'s reason), for the page and in the diagnostics bundle', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-vnc-refused-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  // The server refuses while the page is there, and (waitMs) before the page came.
  for (const waitMs of [0, 300]) {
    const { session, ws, stream } = await openSession(`Wrong saved password, page after ${waitMs} ms`, 'not-the-password', waitMs);
    const control = await harness.control(session.controlPath);
    assert.deepEqual(await pageVersionAndTypes(stream, ws), [1]);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.send(Buffer.from([1]));
    assert.notEqual((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult failed');
    await closed;
    const deadline = Date.now() + 2000;
    while (!control.events.some((e) => e.type === 'error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    control.close();
    const failure = control.events.find((e): e is Extract<ControlEvent, { type: 'error' }> => e.type === 'error');
    assert.equal(failure?.code, 'auth-failed', `the page is told the password was refused (${JSON.stringify(control.events)})`);
    await harness.gateway.writeDiagnostics(out);
    const recorded = (JSON.parse(await readFile(path.join(out, 'last-connection-errors.json'), 'utf8')) as Array<{ sessionId: string; code: string; detail: string | null }>).filter((e) => e.sessionId === session.sessionId);
    assert.deepEqual(recorded.map((e) => e.code), ['auth-failed']);
    assert.match(recorded[0]!.detail ?? '', /refused the password \(VncAuth\): .*auth/i);
  }
});

test('a wrong password the page signs in with itself (RFB 3.3, 3.7, and 3.8 with no saved password) is recorded as auth-failed, as the gateway\'s own refusal is', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-vnc-page-refused-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  // Xvnc's greeting made older on its way: the page and Xvnc then speak 3.3 or 3.7, which the gateway leaves to the page.
  for (const version of ['RFB 003.003\n', 'RFB 003.007\n', 'RFB 003.008\n']) {
    const relay = version === 'RFB 003.008\n' ? null : await startFaultRelay(xvnc.port, '127.0.0.1', { greetingAs: version });
    t.after(() => relay?.close());
    const created = await harness.call('POST', '/api/profiles', { profile: { name: `Page signs in, ${version.trim()}`, protocol: 'vnc', host: '127.0.0.1', port: relay?.port ?? xvnc.port } });
    const session = (await harness.call('POST', '/api/sessions', { profileId: created.json.id })).json as CreateSessionResponse;
    const control = await harness.control(session.controlPath);
    const ws = harness.socket(session.relayPath);
    const stream = relayStream(ws);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    assert.equal((await stream.read(12)).toString('latin1'), version);
    ws.send(Buffer.from(version, 'latin1'));
    if (version === 'RFB 003.003\n') {
      assert.equal((await stream.read(4)).readUInt32BE(0), 2, 'RFB 3.3: the server decides, VNC authentication');
    } else {
      assert.deepEqual([...(await stream.read((await stream.read(1))[0]!))], [2]);
      ws.send(Buffer.from([2]));
    }
    ws.send(vncAuthResponse('not-the-password', await stream.read(16)));
    assert.notEqual((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult failed');
    await closed;
    const deadline = Date.now() + 2000;
    while (!control.events.some((e) => e.type === 'error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    control.close();
    const failure = control.events.find((e): e is Extract<ControlEvent, { type: 'error' }> => e.type === 'error');
    assert.equal(failure?.code, 'auth-failed', `${version.trim()}: the page is told the password was refused (${JSON.stringify(control.events)})`);
    await harness.gateway.writeDiagnostics(out);
    const recorded = (JSON.parse(await readFile(path.join(out, 'last-connection-errors.json'), 'utf8')) as Array<{ sessionId: string; code: string; detail: string | null }>).filter((e) => e.sessionId === session.sessionId);
    assert.deepEqual(recorded.map((e) => e.code), ['auth-failed'], version.trim());
    // Only 3.8 gives a reason (RFC 6143 §7.1.3).
    assert.match(recorded[0]!.detail ?? '', version === 'RFB 003.008\n' ? /refused the password \(VncAuth\), signed in by the page: .*auth/i : /^the server refused the password \(VncAuth\), signed in by the page$/);
  }
});

test('with no saved password the page gets the server\'s security types and signs in itself', async () => {
  const { session, ws, stream } = await openSession('Typed password');
  assert.equal(session.savedPassword, null);
  assert.deepEqual(await pageVersionAndTypes(stream, ws), [2], 'the server\'s types, handed over');
  assert.equal(JSON.stringify(stream.notes).includes('savedPassword'), false, 'no password to give');
  ws.send(Buffer.from([2]));
  const challenge = await stream.read(16);
  ws.send(vncAuthResponse(PASSWORD, challenge));
  assert.equal((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult OK');
  ws.send(Buffer.from([1]));
  const init = await readServerInit(stream);
  assert.deepEqual([init.width, init.height], [WIDTH, HEIGHT]);
  ws.close();
});

test('a server the gateway does not sign in to (RFB 3.7): the page does the handshake itself, given the saved password on the relay', async () => {
  const relay = await startFaultRelay(xvnc.port, '127.0.0.1', { greetingAs: 'RFB 003.007\n' });
  try {
    const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Older', protocol: 'vnc', host: '127.0.0.1', port: relay.port }, password: PASSWORD });
    const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
    assert.equal(JSON.stringify(answered.json).includes(PASSWORD), false, 'not in the session\'s answer');
    const ws = harness.socket((answered.json as CreateSessionResponse).relayPath);
    const stream = relayStream(ws);
    assert.equal((await stream.read(12)).toString('latin1'), 'RFB 003.007\n', 'the server\'s own greeting, as it came');
    assert.deepEqual(stream.notes, [{ savedPassword: PASSWORD }], 'the saved password, in text, before the greeting');
    ws.send(Buffer.from('RFB 003.007\n', 'latin1'));
    const count = (await stream.read(1))[0]!;
    assert.deepEqual([...(await stream.read(count))], [2]);
    ws.send(Buffer.from([2]));
    ws.send(vncAuthResponse(PASSWORD, await stream.read(16)));
    assert.equal((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult OK');
    ws.send(Buffer.from([1]));
    const init = await readServerInit(stream);
    assert.deepEqual([init.width, init.height], [WIDTH, HEIGHT]);
    ws.close();
  } finally {
    await relay.close();
  }
});

test('a session request without the saved password (it was refused): the page is handed the server\'s types, and no password', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Refused before', protocol: 'vnc', host: '127.0.0.1', port: xvnc.port }, password: 'stale-one' });
  const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id, withoutSavedPassword: true });
  assert.equal(answered.status, 201);
  assert.equal((answered.json as CreateSessionResponse).profile.hasSavedPassword, true, 'still saved, only not used');
  const ws = harness.socket((answered.json as CreateSessionResponse).relayPath);
  const stream = relayStream(ws);
  assert.deepEqual(await pageVersionAndTypes(stream, ws), [2], 'VNC authentication left to the page, which asks the user');
  assert.equal(JSON.stringify(stream.notes).includes('stale-one'), false);
  ws.close();
});

/** A TCP tap in front of `port`: passes bytes both ways and keeps what the server sent, to see what crossed the network. */
async function startTap(port: number): Promise<{ port: number; fromServer: () => Buffer; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    fromServer: () => Buffer.concat(chunks),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The session's control channel's first report of a kind (`security`, `error`), once it comes. */
function controlReport<K extends ControlEvent['type']>(controlPath: string, kind: K): Promise<Extract<ControlEvent, { type: K }>> {
  const control = harness.socket(controlPath);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${kind} report within 5 s`)), 5000);
    control.on('message', (data) => {
      const event = JSON.parse(String(data)) as ControlEvent;
      if (event.type !== kind) return;
      clearTimeout(timer);
      control.close();
      resolve(event as Extract<ControlEvent, { type: K }>);
    });
  });
}

/** Plays the page through the None offer to ServerInit and asks for one update; returns ServerInit. */
async function pageToDesktop(stream: RelayStream, ws: ReturnType<GatewayHarness['socket']>): Promise<{ width: number; height: number; name: string }> {
  assert.deepEqual(await pageVersionAndTypes(stream, ws), [1], 'signed in by the gateway');
  ws.send(Buffer.from([1]));
  assert.equal((await stream.read(4)).readUInt32BE(0), 0);
  ws.send(Buffer.from([1]));
  const init = await readServerInit(stream);
  ws.send(Buffer.from([3, 0, 0, 0, 0, 0, 0, 16, 0, 16]));
  assert.equal((await stream.read(1))[0], 0, 'a FramebufferUpdate, through the relay');
  return init;
}

test('TigerVNC\'s default security (VeNCrypt with TLSVnc, then VncAuth): the gateway signs in inside TLS, and the session is encrypted to the server', async (t) => {
  const tiger = await startXvnc({ width: 320, height: 240, xterm: false, password: PASSWORD, securityTypes: 'VeNCrypt,TLSVnc,VncAuth' });
  t.after(() => disposeXvnc(tiger));
  const tap = await startTap(tiger.port);
  t.after(() => tap.close());
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Default TigerVNC', protocol: 'vnc', host: '127.0.0.1', port: tap.port }, password: PASSWORD });
  const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
  const session = answered.json as CreateSessionResponse;
  assert.equal(session.encrypted, false, 'not known when the session is answered');
  const security = controlReport(session.controlPath, 'security');
  // A page that takes its time: the held connection has started TLS, and the relay takes the TLS socket.
  await new Promise((r) => setTimeout(r, 300));
  const ws = harness.socket(session.relayPath);
  const stream = relayStream(ws);
  const init = await pageToDesktop(stream, ws);
  assert.deepEqual([init.width, init.height], [320, 240]);
  assert.deepEqual(await security, { type: 'security', encrypted: true, verified: false, method: 'VeNCrypt TLSVnc' });
  // On the network: VeNCrypt's clear start, then TLS records; the desktop's name (in ServerInit) never in the clear.
  const wire = tap.fromServer();
  assert.ok(init.name.length >= 3, `desktop name "${init.name}"`);
  assert.equal(wire.includes(Buffer.from(init.name, 'utf8')), false, 'ServerInit crossed the network encrypted');
  assert.ok(wire.includes(Buffer.from([0x16, 0x03, 0x03])), 'a TLS 1.2 handshake record from the server');
  ws.close();
});

test('a far server with only VeNCrypt\'s TLSVnc, which the page alone cannot sign in to: the relay takes over the sign-in midway and starts TLS itself', async (t) => {
  const tls = await startXvnc({ width: 320, height: 240, xterm: false, password: PASSWORD, securityTypes: 'TLSVnc' });
  t.after(() => disposeXvnc(tls));
  // 40 ms each way: the page's relay comes long before the held connection's sign-in reaches TLS.
  const relay = await startFaultRelay(tls.port, '127.0.0.1', { delayMs: 40 });
  t.after(() => relay.close());
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'TLSVnc only', protocol: 'vnc', host: '127.0.0.1', port: relay.port }, password: PASSWORD });
  const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
  const ws = harness.socket((answered.json as CreateSessionResponse).relayPath);
  const stream = relayStream(ws);
  assert.deepEqual(Object.values(await pageToDesktop(stream, ws)).slice(0, 2), [320, 240]);
  ws.close();
});

test('TigerVNC\'s default security with no saved password: the gateway asks the page for it and signs in inside TLS; a wrong one reads the server\'s refusal', async (t) => {
  const tiger = await startXvnc({ width: 320, height: 240, xterm: false, password: PASSWORD, securityTypes: 'VeNCrypt,TLSVnc,VncAuth' });
  t.after(() => disposeXvnc(tiger));
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Default TigerVNC, typed', protocol: 'vnc', host: '127.0.0.1', port: tiger.port } });
  for (const [typed, right] of [['wrong-typed', false], [PASSWORD, true]] as const) {
    const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
    const session = answered.json as CreateSessionResponse;
    const security = right ? controlReport(session.controlPath, 'security') : null;
    const ws = harness.socket(session.relayPath);
    const stream = relayStream(ws);
    // The gateway's question comes first, before any RFB; the page answers in text.
    const asked = await new Promise<unknown>((resolve) => ws.on('message', (data, isBinary) => !isBinary && resolve(JSON.parse(String(data)))));
    assert.deepEqual(asked, { needPassword: true });
    ws.send(JSON.stringify({ password: typed }));
    if (right) {
      assert.deepEqual(Object.values(await pageToDesktop(stream, ws)).slice(0, 2), [320, 240]);
      assert.equal((await security!).method, 'VeNCrypt TLSVnc');
    } else {
      assert.deepEqual(await pageVersionAndTypes(stream, ws), [1]);
      ws.send(Buffer.from([1]));
      assert.notEqual((await stream.read(4)).readUInt32BE(0), 0, 'SecurityResult failed');
      const reason = (await stream.read((await stream.read(4)).readUInt32BE(0))).toString('utf8');
      assert.match(reason, /auth/i, `reason "${reason}"`);
    }
    ws.close();
  }
});

test('VeNCrypt X509Vnc (a certificate): judged before anything is answered inside TLS; the user\'s answer, once or remembered, lets it sign in, verified', async (t) => {
  const x509 = await startXvnc({ width: 320, height: 240, xterm: false, password: PASSWORD, securityTypes: 'X509Vnc,VncAuth', x509: true });
  t.after(() => disposeXvnc(x509));
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'X509 server', protocol: 'vnc', host: '127.0.0.1', port: x509.port }, password: PASSWORD });
  const profileId = created.json.id as string;
  const fingerprint = x509.certificateFingerprint!;

  /** A Connect: the certificate question, or the desktop. */
  const connect = async (acceptCertificate?: { fingerprintSha256: string; remember: boolean }) => {
    const answered = await harness.call('POST', '/api/sessions', { profileId, ...(acceptCertificate ? { acceptCertificate } : {}) });
    assert.equal(answered.status, 201);
    const session = answered.json as CreateSessionResponse;
    const failure = controlReport(session.controlPath, 'error');
    const security = controlReport(session.controlPath, 'security');
    failure.catch(() => undefined);
    security.catch(() => undefined);
    const ws = harness.socket(session.relayPath);
    const stream = relayStream(ws);
    return { ws, stream, failure, security };
  };

  // Self-signed, never seen: the relay ends with the question, and nothing went to the page (no fall back to VncAuth).
  const first = await connect();
  const closed = new Promise<number>((resolve) => first.ws.once('close', (code) => resolve(code)));
  const asked = await first.failure;
  assert.equal(asked.code, 'certificate-untrusted');
  assert.equal(asked.prompt?.certificate.fingerprintSha256, fingerprint);
  assert.equal(asked.prompt?.host, '127.0.0.1');
  assert.equal(await closed, 4000);
  assert.equal(first.stream.received(), 0, 'not a byte of RFB to the page');

  // Trusted once: signed in, verified; asked again next time.
  const once = await connect({ fingerprintSha256: fingerprint, remember: false });
  assert.deepEqual(Object.values(await pageToDesktop(once.stream, once.ws)).slice(0, 2), [320, 240]);
  assert.deepEqual(await once.security, { type: 'security', encrypted: true, verified: true, method: 'VeNCrypt X509Vnc' });
  once.ws.close();
  const again = await connect();
  assert.equal((await again.failure).code, 'certificate-untrusted');

  // A wrong answer (another fingerprint) is no answer.
  const wrong = await connect({ fingerprintSha256: fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00'), remember: true });
  assert.equal((await wrong.failure).code, 'certificate-untrusted');

  // Remembered: pinned to the profile, so the next Connect asks nothing.
  const always = await connect({ fingerprintSha256: fingerprint, remember: true });
  assert.deepEqual(Object.values(await pageToDesktop(always.stream, always.ws)).slice(0, 2), [320, 240]);
  always.ws.close();
  const pinned = await connect();
  assert.deepEqual(Object.values(await pageToDesktop(pinned.stream, pinned.ws)).slice(0, 2), [320, 240]);
  pinned.ws.close();
});

/** A saved profile (with PASSWORD) and a session for it: its control events gathered, its relay open. */
async function sessionWithEvents(t: { after: (fn: () => void) => void }, gateway: GatewayHarness, profile: object) {
  const created = await gateway.call('POST', '/api/profiles', { profile, password: PASSWORD });
  assert.equal(created.status, 201);
  const answered = await gateway.call('POST', '/api/sessions', { profileId: created.json.id });
  assert.equal(answered.status, 201);
  const session = answered.json as CreateSessionResponse;
  const control = gateway.socket(session.controlPath);
  const events: ControlEvent[] = [];
  control.on('message', (data) => events.push(JSON.parse(String(data)) as ControlEvent));
  t.after(() => control.close());
  const ws = gateway.socket(session.relayPath);
  return { ws, stream: relayStream(ws), events };
}

test('where policy forbids the unencrypted, VNC is signed in to only inside TLS: TigerVNC\'s default connects, a server without TLS is refused before anything reaches the page', async (t) => {
  const strict = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, allowUnencrypted: false } });
  t.after(() => strict.close());
  const tiger = await startXvnc({ width: 320, height: 240, xterm: false, password: PASSWORD, securityTypes: 'VeNCrypt,TLSVnc,VncAuth' });
  t.after(() => disposeXvnc(tiger));
  const open = (name: string, port: number) => sessionWithEvents(t, strict, { name, protocol: 'vnc', host: '127.0.0.1', port });
  const tls = await open('TLS under policy', tiger.port);
  assert.deepEqual(Object.values(await pageToDesktop(tls.stream, tls.ws)).slice(0, 2), [320, 240]);
  tls.ws.close();

  // xvnc (the suite's server) offers VNC authentication only.
  const clear = await open('Clear under policy', xvnc.port);
  const code = await new Promise<number>((resolve) => clear.ws.once('close', (c) => resolve(c)));
  assert.equal(code, 4000);
  assert.equal(clear.stream.received(), 0, 'nothing of the server\'s reached the page');
  await new Promise((r) => setTimeout(r, 100));
  const failure = clear.events.find((e) => e.type === 'error');
  assert.equal(failure?.type === 'error' && failure.code, 'policy-unencrypted-forbidden');
});

for (const [when, waitMs, delayMs] of [
  ['on the held connection', 300, 0],
  ['by the relay, which took the connection midway (a far server)', 0, 40],
] as const) {
  test(`VeNCrypt with no subtype the gateway does (TLSPlain) beside VncAuth: given up ${when}, then VNC authentication as before`, async (t) => {
    const plain = await startXvnc({ width: 320, height: 240, xterm: false, password: PASSWORD, securityTypes: 'TLSPlain,VncAuth' });
    t.after(() => disposeXvnc(plain));
    const relay = delayMs > 0 ? await startFaultRelay(plain.port, '127.0.0.1', { delayMs }) : null;
    t.after(() => relay?.close());
    const created = await harness.call('POST', '/api/profiles', { profile: { name: `TLSPlain ${when}`, protocol: 'vnc', host: '127.0.0.1', port: relay?.port ?? plain.port }, password: PASSWORD });
    const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    const ws = harness.socket((answered.json as CreateSessionResponse).relayPath);
    const stream = relayStream(ws);
    assert.deepEqual(Object.values(await pageToDesktop(stream, ws)).slice(0, 2), [320, 240]);
    ws.close();
  });
}

test('a connection set not to connect to an unverified server: against VNC authentication and TigerVNC\'s anonymous TLS it is refused, no password sent and nothing reaching the page', async (t) => {
  const tiger = await startXvnc({ width: 320, height: 240, xterm: false, password: PASSWORD, securityTypes: 'VeNCrypt,TLSVnc,VncAuth' });
  t.after(() => disposeXvnc(tiger));
  for (const [what, port] of [
    ['VNC authentication only (the suite\'s server)', xvnc.port],
    ['VeNCrypt TLSVnc or VncAuth', tiger.port],
  ] as const) {
    const { ws, stream, events } = await sessionWithEvents(t, harness, { name: `Refuse unverified: ${what}`, protocol: 'vnc', host: '127.0.0.1', port, untrustedCertificate: 'refuse' });
    assert.equal(await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c))), 4000, what);
    assert.equal(stream.received(), 0, `${what}: nothing of the server's reached the page`);
    for (let i = 0; i < 20 && !events.some((e) => e.type === 'error'); i++) await new Promise((r) => setTimeout(r, 50));
    const failure = events.find((e) => e.type === 'error');
    assert.equal(failure?.type === 'error' && failure.code, 'certificate-unverified', what);
  }
});
