// The gateway's side of SPICE: one ticket opens a relay per channel to the
// one target, none once the session is ended; over TLS each channel's
// connection must show the certificate the session was opened with. A real
// SPICE server (Xorg with spiceqxl), the real gateway, and a Node client
// playing the page's part (SPICE's link message; its magic is "REDQ").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSpiceServer, disposeSpiceServer, type SpiceServer } from '../servers/spiceServer';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import type { CertificatePromptBody, CreateSessionResponse } from '../../shared/api/contract';
import { relayStream } from '../support/relayStream';
import { startConnectProxy } from '../servers/connectProxy';
import { CA_EXTENSIONS, makeCertificate } from '../servers/certificates';
import { freePort, spawnGroup, stopProcess, waitForPort } from '../servers/processes';


let plain: SpiceServer;
let secure: SpiceServer;
let harness: GatewayHarness;

before(async () => {
  [plain, secure] = await Promise.all([startSpiceServer({ xterm: false }), startSpiceServer({ xterm: false, tls: true })]);
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await Promise.all([disposeSpiceServer(plain), disposeSpiceServer(secure)]);
});

/** SpiceLinkHeader (magic, major 2, minor 2, size) and SpiceLinkMess for a channel, no capabilities. */
function linkMessage(channelType: number): Buffer {
  const message = Buffer.alloc(16 + 18);
  message.write('REDQ', 0, 'latin1');
  message.writeUInt32LE(2, 4);
  message.writeUInt32LE(2, 8);
  message.writeUInt32LE(18, 12);
  message.writeUInt32LE(0, 16); // connection id
  message.writeUInt8(channelType, 20);
  message.writeUInt8(0, 21); // channel id
  message.writeUInt32LE(0, 22); // common caps
  message.writeUInt32LE(0, 26); // channel caps
  message.writeUInt32LE(18, 30); // caps offset
  return message;
}

/** Opens a relay on the session's ticket and sends a link message: the server's answer starts with its magic. */
async function linkThroughRelay(relayPath: string, channelType = 1): Promise<string> {
  const ws = harness.socket(relayPath);
  const stream = relayStream(ws);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(linkMessage(channelType));
    return (await stream.read(4)).toString('latin1');
  } finally {
    ws.close();
  }
}

async function refused(relayPath: string): Promise<number> {
  const ws = harness.socket(relayPath);
  ws.on('error', () => undefined);
  return await new Promise<number>((resolve, reject) => {
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the relay opened')));
  });
}

test('a SPICE ticket opens a relay per channel to its one target, and nothing once the session has ended', async () => {
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Spice', protocol: 'spice', host: '127.0.0.1', port: plain.port } });
  assert.equal(created.status, 201);
  const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
  assert.equal(answered.status, 201);
  const session = answered.json as CreateSessionResponse;
  assert.equal(session.encrypted, false);
  // main, display, inputs, cursor: four connections on one ticket, each reaching the server.
  for (const channel of [1, 2, 3, 4]) assert.equal(await linkThroughRelay(session.relayPath, channel), 'REDQ', `channel ${channel}`);
  // Another target on the same ticket is refused, not redirected.
  assert.equal(await refused(session.relayPath.replace(/target=[^&]+/, `target=${encodeURIComponent(`127.0.0.1:${secure.port}`)}`)), 403);
  assert.equal((await harness.call('DELETE', `/api/sessions/${encodeURIComponent(session.sessionId)}`)).status, 204);
  assert.equal(await refused(session.relayPath), 403, 'the ticket went with its session');
});

test('SPICE through an HTTP proxy (as Proxmox VE\'s spiceproxy): every channel a CONNECT to the ticket the file names, TLS and its check inside; a ticket the proxy refuses is said so', async () => {
  const proxy = await startConnectProxy();
  try {
    const tlsInfo = secure.tls!;
    // Proxmox names the VM by a ticket only its proxy resolves; the certificate is checked against the file's CA and subject.
    const ticketHost = 'pvespiceproxy:6569d1b0:101:pve::4f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5';
    proxy.route(`${ticketHost}:${tlsInfo.port}`, tlsInfo.port);
    const created = await harness.call('POST', '/api/profiles', {
      profile: { name: 'VM 101', protocol: 'spice', spiceSecurity: 'tls', host: ticketHost, port: tlsInfo.port, spiceProxy: `http://127.0.0.1:${proxy.port}`, caCertificate: tlsInfo.caPem, certificateSubject: 'CN=localhost' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
    assert.equal(answered.status, 201, `the file's CA and subject vouch for the certificate seen through the proxy: ${JSON.stringify(answered.json)}`);
    const session = answered.json as CreateSessionResponse;
    assert.equal(session.encrypted, true);
    for (const channel of [1, 2, 3, 4]) assert.equal(await linkThroughRelay(session.relayPath, channel), 'REDQ', `channel ${channel} through the proxy`);
    // The certificate check's connection and the four channels', each a CONNECT to the ticket as written.
    assert.deepEqual(proxy.requests, Array(5).fill(`CONNECT ${ticketHost}:${tlsInfo.port} HTTP/1.1`));

    // The log names the machine, not the ticket's signature (with the console's password it lets one in while fresh).
    assert.ok(harness.logs().some((line) => line.includes('target="[pvespiceproxy:6569d1b0:101:pve::…]')), harness.logs().filter((l) => l.includes('session created')).join('\n'));
    assert.ok(!harness.logs().some((line) => line.includes('4f1d2c3b4a5968778695')), 'the ticket\u2019s signature is in the log');

    // Plain SPICE through the proxy.
    proxy.route(`vm-102.example:${plain.port}`, plain.port);
    const plainProfile = await harness.call('POST', '/api/profiles', { profile: { name: 'VM 102', protocol: 'spice', host: 'vm-102.example', port: plain.port, spiceProxy: `http://127.0.0.1:${proxy.port}/` } });
    assert.equal(plainProfile.status, 201, JSON.stringify(plainProfile.json));
    const plainSession = (await harness.call('POST', '/api/sessions', { profileId: plainProfile.json.id })).json as CreateSessionResponse;
    assert.equal(await linkThroughRelay(plainSession.relayPath), 'REDQ');

    // An expired ticket: the proxy answers 403, and the session says the proxy refused (not "host unreachable").
    const expired = await harness.call('POST', '/api/profiles', { profile: { name: 'VM 103', protocol: 'spice', host: 'pvespiceproxy:1:103:pve::00', port: plain.port, spiceProxy: `http://127.0.0.1:${proxy.port}` } });
    assert.equal(expired.status, 201);
    const expiredSession = (await harness.call('POST', '/api/sessions', { profileId: expired.json.id })).json as CreateSessionResponse;
    const control = await harness.control(expiredSession.controlPath);
    try {
      const ws = harness.socket(expiredSession.relayPath);
      const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
        ws.once('open', () => ws.send(linkMessage(1)));
        ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
      assert.deepEqual(closed, { code: 4000, reason: 'proxy-refused' });
      await waitUntil(() => control.events.some((event) => event.type === 'error' && event.code === 'proxy-refused' && /403 Forbidden/.test(String(event.detail))), () => JSON.stringify(control.events));
    } finally {
      control.close();
    }
    // Over TLS the certificate check meets the refusal first, before the session exists.
    const expiredTls = await harness.call('POST', '/api/profiles', { profile: { name: 'VM 104', protocol: 'spice', spiceSecurity: 'tls', host: 'pvespiceproxy:1:104:pve::00', port: tlsInfo.port, spiceProxy: `http://127.0.0.1:${proxy.port}` } });
    const refusedTls = await harness.call('POST', '/api/sessions', { profileId: expiredTls.json.id });
    assert.equal(refusedTls.status, 502);
    assert.equal(refusedTls.json.error, 'proxy-refused', JSON.stringify(refusedTls.json));

    // Nor does the diagnostics bundle's list of failed connections.
    const failures = await waitForFile(path.join(harness.dataDir, 'last-connection-errors.json'));
    assert.match(failures, /pvespiceproxy:1:103:pve::…/);
    assert.doesNotMatch(failures, /::00\]/);

    // A ticket as a host without a proxy is refused when saved: nothing could resolve it.
    const noProxy = await harness.call('POST', '/api/profiles', { profile: { name: 'No proxy', protocol: 'spice', host: ticketHost, port: 5900 } });
    assert.equal(noProxy.status, 400);
  } finally {
    await proxy.close();
  }
});

async function waitUntil(done: () => boolean, describe: () => string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a console file\u2019s own CA or subject that the server\u2019s certificate does not match: refused outright, never asked about (as remote-viewer refuses)', async () => {
  const tlsInfo = secure.tls!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-named-'));
  try {
    const otherCa = await makeCertificate(dir, 'other-ca', '/CN=Some other CA', CA_EXTENSIONS, null);
    const cases = [
      { name: 'another CA', caCertificate: otherCa.pem, certificateSubject: '', reason: /not issued by an authority/ },
      { name: 'another subject', caCertificate: tlsInfo.caPem, certificateSubject: 'CN=pve9.corp.example', reason: /subject is not CN=pve9/ },
    ];
    for (const named of cases) {
      const created = await harness.call('POST', '/api/profiles', { profile: { name: `Named ${named.name}`, protocol: 'spice', spiceSecurity: 'tls', host: '127.0.0.1', port: tlsInfo.port, caCertificate: named.caCertificate, certificateSubject: named.certificateSubject } });
      assert.equal(created.status, 201);
      const refused = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
      assert.equal(refused.status, 403, `${named.name}: ${JSON.stringify(refused.json)}`);
      assert.equal(refused.json.error, 'certificate-not-as-named');
      assert.match(refused.json.reason, named.reason);
      // An answer as to a prompt (trust always) changes nothing: there was no question.
      const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id, acceptCertificate: { fingerprintSha256: tlsInfo.certificateFingerprint, remember: true } });
      assert.equal(answered.status, 403, named.name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a certificate signed by a server\u2019s own certificate (not a CA) is no proof of the name, however well it names the server', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-impostor-'));
  let impostorServer: ChildProcess | null = null;
  try {
    const ca = await makeCertificate(dir, 'ca', '/CN=Corp CA', CA_EXTENSIONS, null);
    const innocent = await makeCertificate(dir, 'innocent', '/CN=innocent.example', 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:innocent.example\n', ca);
    const impostor = await makeCertificate(dir, 'impostor', '/O=Proxmox Virtual Environment/OU=PVE Cluster Node/CN=pve1.corp.example', 'subjectAltName=DNS:pve1.corp.example,IP:127.0.0.1\n', innocent);
    const port = await freePort();
    // stdin stays open: s_server ends when it reads end of file.
    impostorServer = spawnGroup('openssl', ['s_server', '-quiet', '-accept', `127.0.0.1:${port}`, '-cert', impostor.certFile, '-cert_chain', innocent.certFile, '-key', impostor.keyFile], { stdio: ['pipe', 'ignore', 'ignore'] });
    await waitForPort(port);
    const subject = 'O=Proxmox Virtual Environment,OU=PVE Cluster Node,CN=pve1.corp.example';
    const created = await harness.call('POST', '/api/profiles', { profile: { name: 'PVE console', protocol: 'spice', spiceSecurity: 'tls', host: '127.0.0.1', port, caCertificate: ca.pem, certificateSubject: subject } });
    const refused = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.match(refused.json.reason, /may not sign others/);
    // Without a subject to match, by the host name it carries, the same: at most a question, never trusted.
    const byName = await harness.call('POST', '/api/profiles', { profile: { name: 'By name', protocol: 'spice', spiceSecurity: 'tls', host: '127.0.0.1', port } });
    const asked = await harness.call('POST', '/api/sessions', { profileId: byName.json.id });
    assert.equal(asked.status, 409, 'asked about, not trusted');
  } finally {
    await stopProcess(impostorServer);
    await rm(dir, { recursive: true, force: true });
  }
});

test('SPICE over TLS: judged before the session exists, and each channel must show that same certificate', async () => {
  const tlsInfo = secure.tls!;
  const created = await harness.call('POST', '/api/profiles', { profile: { name: 'Spice TLS', protocol: 'spice', spiceSecurity: 'tls', host: '127.0.0.1', port: tlsInfo.port } });
  assert.equal(created.status, 201);
  const asked = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
  assert.equal(asked.status, 409, 'a certificate nobody trusts is asked about before anything else');
  const prompt = asked.json as CertificatePromptBody;
  assert.equal(prompt.certificate.fingerprintSha256, tlsInfo.certificateFingerprint);
  const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id, acceptCertificate: { fingerprintSha256: tlsInfo.certificateFingerprint, remember: false } });
  assert.equal(answered.status, 201);
  const session = answered.json as CreateSessionResponse;
  assert.equal(session.encrypted, true);
  assert.equal(await linkThroughRelay(session.relayPath), 'REDQ', 'the page speaks SPICE inside the gateway\u2019s TLS');

  // The server now shows another certificate: the next channel is cut before any byte of the page's goes to it.
  const control = await harness.control(session.controlPath);
  try {
    await secure.stop();
    await secure.replaceCertificate();
    await secure.startAgain();
    const ws = harness.socket(session.relayPath);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      ws.once('open', () => ws.send(linkMessage(2)));
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    assert.deepEqual(closed, { code: 4000, reason: 'certificate-changed' });
    assert.ok(control.events.some((event) => event.type === 'error' && event.code === 'certificate-changed'), JSON.stringify(control.events));
  } finally {
    control.close();
  }
});

test('a kiosk\u2019s answer pins nothing, and a certificate that changed from the pinned one is refused there, whatever the page sends', async () => {
  const tlsInfo = secure.tls!;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-kiosk-pin-'));
  const kioskPolicy = { schemaVersion: 1, kiosk: { enabled: true } };
  try {
    // A desktop user trusted the server always (pinned), on this device's data folder.
    const desktop = await startGatewayHarness({ dataDir });
    const created = await desktop.call('POST', '/api/profiles', { profile: { name: 'Kiosk VM', protocol: 'spice', spiceSecurity: 'tls', host: '127.0.0.1', port: tlsInfo.port } });
    const before = tlsInfo.certificateFingerprint;
    assert.equal((await desktop.call('POST', '/api/sessions', { profileId: created.json.id, acceptCertificate: { fingerprintSha256: before, remember: true } })).status, 201);
    await desktop.close();

    const kiosk = await startGatewayHarness({ dataDir, commandLinePolicy: kioskPolicy });
    try {
      // Another connection, first met on the kiosk: "Trust always" sent all the same is taken as "once".
      const other = await kiosk.call('POST', '/api/profiles', { profile: { name: 'Other VM', protocol: 'spice', spiceSecurity: 'tls', host: '127.0.0.1', port: tlsInfo.port } });
      assert.equal(other.status, 201, JSON.stringify(other.json));
      assert.equal((await kiosk.call('POST', '/api/sessions', { profileId: other.json.id, acceptCertificate: { fingerprintSha256: before, remember: true } })).status, 201);
      const listed = (await kiosk.call('GET', '/api/profiles')).json as { id: string; pinnedCertificate: string | null }[];
      assert.equal(listed.find((p) => p.id === other.json.id)?.pinnedCertificate, null, 'nothing pinned from a kiosk');

      // The server's certificate changes: refused (403), and an answer for the new one changes nothing.
      await secure.stop();
      await secure.replaceCertificate();
      await secure.startAgain();
      const changed = await kiosk.call('POST', '/api/sessions', { profileId: created.json.id });
      assert.equal(changed.status, 403, JSON.stringify(changed.json));
      assert.equal(changed.json.error, 'certificate-changed');
      const answered = await kiosk.call('POST', '/api/sessions', { profileId: created.json.id, acceptCertificate: { fingerprintSha256: tlsInfo.certificateFingerprint, remember: true } });
      assert.equal(answered.status, 403);
    } finally {
      await kiosk.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

async function waitForFile(file: string, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes('pvespiceproxy') || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}
