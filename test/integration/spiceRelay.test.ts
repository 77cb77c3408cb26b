// The gateway's side of SPICE: one ticket opens a relay per channel to the
// one target, none once the session is ended; over TLS each channel's
// connection must show the certificate the session was opened with. A real
// SPICE server (Xorg with spiceqxl), the real gateway, and a Node client
// playing the page's part (SPICE's link message; its magic is "REDQ").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSpiceServer, disposeSpiceServer, type SpiceServer } from '../servers/spiceServer';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import type { CertificatePromptBody, CreateSessionResponse } from '../../shared/api/contract';
import { relayStream } from '../support/relayStream';

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
