// The gateway's VNC sign-in as byte machines: what it sends a scripted server,
// how it ends, and the handshake it then plays with the page. The real server
// (Xvnc) is in test/integration/vncSignIn.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageHandshake, VncSignIn, vncAuthResponse, type SignInOutcome } from '../../../electron/gateway/bridges/vncSignIn';
// noVNC's own DES (a separate implementation, from Acme.Crypto), as the reference for the response.
// @ts-expect-error noVNC ships JavaScript without type declarations.
import { DESECBCipher } from '../../../node_modules/@novnc/novnc/core/crypto/des.js';

const V38 = Buffer.from('RFB 003.008\n', 'latin1');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const reason = (text: string) => Buffer.concat([u32(text.length), Buffer.from(text, 'latin1')]);

/** The server's bytes an outcome carries (none for a failure). */
const serverBytes = (outcome: SignInOutcome | null) => (outcome && outcome.kind !== 'failed' ? outcome.serverBytes : undefined);

/** Feeds `chunks` one by one; returns everything the machine sent, concatenated. */
function run(machine: VncSignIn, chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks.flatMap((chunk) => machine.feed(chunk)));
}

function noVncResponse(password: string, challenge: Buffer): Buffer {
  const key = (DESECBCipher as { importKey(key: number[]): { encrypt(algorithm: object, data: Uint8Array): Uint8Array } }).importKey([...password].map((c) => c.charCodeAt(0)));
  return Buffer.from(key.encrypt({ name: 'DES-ECB' }, challenge));
}

test('the VNC authentication response is what noVNC computes, for short, 8-byte and longer passwords', () => {
  for (const password of ['', 'a', 'pw-1234', '12345678', 'longer than eight', 'ünï']) {
    for (let seed = 0; seed < 4; seed++) {
      const challenge = Buffer.from(Array.from({ length: 16 }, (_, i) => (i * 37 + seed * 101 + 11) & 0xff));
      assert.deepEqual(vncAuthResponse(password, challenge), noVncResponse(password, challenge), `${JSON.stringify(password)} seed ${seed}`);
    }
  }
  assert.throws(() => vncAuthResponse('x', Buffer.alloc(15)));
});

test('security None: version, the choice and ClientInit together, then signed in with ServerInit begun', () => {
  let clock = 0;
  const machine = new VncSignIn(null, { now: () => clock });
  assert.deepEqual(run(machine, [V38]), V38);
  clock = 30;
  assert.deepEqual(run(machine, [Buffer.from([3, 18, 19, 1])]), Buffer.from([1, 1]), 'None chosen in the server\'s order past types noVNC would not choose either (TLS, VeNCrypt), ClientInit (shared) with it');
  clock = 55;
  const serverInit = Buffer.from([3, 32, 2, 88]);
  assert.deepEqual(run(machine, [Buffer.concat([u32(0), serverInit])]), Buffer.alloc(0));
  assert.deepEqual(machine.outcome, { kind: 'signed-in', securityType: 1, securityName: 'None', encryption: null, serverBytes: Buffer.concat([u32(0), serverInit]), roundTripMs: 25 });
  assert.throws(() => machine.feed(Buffer.from([0])), /over/);
});

test('VNC authentication with the saved password, its bytes arriving one at a time', () => {
  let clock = 0;
  const machine = new VncSignIn('pw-1234', { now: () => clock });
  const challenge = Buffer.from(Array.from({ length: 16 }, (_, i) => i * 13));
  const sent: Buffer[] = [];
  const server = [V38, Buffer.from([1, 2]), challenge, u32(0)];
  const rtts = [0, 12, 9, 14];
  server.forEach((message, i) => {
    clock += rtts[i]!;
    for (const byte of message) sent.push(...machine.feed(Buffer.from([byte])));
  });
  assert.deepEqual(Buffer.concat(sent), Buffer.concat([V38, Buffer.from([2]), noVncResponse('pw-1234', challenge), Buffer.from([1])]));
  assert.equal(machine.outcome?.kind, 'signed-in');
  assert.equal(machine.outcome?.kind === 'signed-in' && machine.outcome.roundTripMs, 9);
});

test('a refused password ends with the server\'s SecurityResult and reason, for the page to read', () => {
  const machine = new VncSignIn('wrong');
  run(machine, [V38, Buffer.from([1, 2]), Buffer.alloc(16, 7)]);
  const refusal = Buffer.concat([u32(1), reason('Authentication failure')]);
  run(machine, [refusal]);
  assert.equal(machine.outcome?.kind, 'refused');
  assert.deepEqual(serverBytes(machine.outcome), refusal);
});

test('what the gateway cannot do is handed to the page as it came', () => {
  // VNC authentication with no saved password.
  const noPassword = new VncSignIn(null);
  run(noPassword, [V38, Buffer.from([1, 2])]);
  assert.equal(noPassword.outcome?.kind, 'hand-over');
  assert.deepEqual(serverBytes(noPassword.outcome), Buffer.from([1, 2]));
  // VeNCrypt and Tight only.
  const other = new VncSignIn('pw');
  assert.deepEqual(run(other, [V38, Buffer.from([2, 19, 16])]), V38, 'nothing sent past the version');
  assert.deepEqual(serverBytes(other.outcome), Buffer.from([2, 19, 16]));
  // A server that prefers a type noVNC would choose over VNC authentication: RA2ne (an encrypted session), Tight.
  for (const preferred of [6, 16]) {
    const prefers = new VncSignIn('pw');
    run(prefers, [V38, Buffer.from([2, preferred, 2])]);
    assert.equal(prefers.outcome?.kind, 'hand-over', `type ${preferred} first`);
  }
  // TigerVNC's default, VeNCrypt then VNC authentication: noVNC ends at VNC authentication inside VeNCrypt; so does the gateway, directly.
  const tiger = new VncSignIn('pw');
  assert.deepEqual(run(tiger, [V38, Buffer.from([2, 19, 2])]), Buffer.concat([V38, Buffer.from([2])]));
  // No types: the server refuses the connection and says why.
  const refused = new VncSignIn('pw');
  run(refused, [V38, Buffer.concat([Buffer.from([0]), reason('Too many security failures')])]);
  assert.equal(refused.outcome?.kind, 'hand-over');
  assert.deepEqual(serverBytes(refused.outcome), Buffer.concat([Buffer.from([0]), reason('Too many security failures')]));
});

/** VeNCrypt 0.2's server side up to its subtypes: version, then (after the client's) status OK and the list. */
const vencryptSubtypes = (...subtypes: number[]) => Buffer.concat([Buffer.from([0]), Buffer.from([subtypes.length]), ...subtypes.map(u32)]);

test('VeNCrypt with anonymous TLS: chosen over VNC authentication, TLSVnc inside it, then signed in, encrypted', () => {
  const machine = new VncSignIn('pw-1234', { anonymousTls: true });
  // TigerVNC's default security: it lists VeNCrypt twice, then VNC authentication.
  assert.deepEqual(run(machine, [V38, Buffer.from([3, 19, 19, 2])]), Buffer.concat([V38, Buffer.from([19, 0, 2])]), 'VeNCrypt, and its version 0.2 with it');
  assert.deepEqual(run(machine, [Buffer.from([0, 2])]), Buffer.alloc(0), 'the server\'s 0.2: nothing more to say');
  assert.deepEqual(run(machine, [vencryptSubtypes(258, 2)]), u32(258), 'TLSVnc, in the server\'s order');
  assert.equal(machine.wantsTls, false);
  assert.deepEqual(run(machine, [Buffer.from([1])]), Buffer.alloc(0));
  assert.equal(machine.wantsTls, true, 'the server said yes: TLS starts');
  assert.deepEqual(machine.secured(), [], 'TLSVnc: the server speaks first inside TLS (its challenge)');
  const challenge = Buffer.from(Array.from({ length: 16 }, (_, i) => 200 - i));
  assert.deepEqual(run(machine, [challenge]), Buffer.concat([noVncResponse('pw-1234', challenge), Buffer.from([1])]), 'the response and ClientInit together');
  run(machine, [u32(0)]);
  assert.equal(machine.outcome?.kind, 'signed-in');
  assert.equal(machine.outcome?.kind === 'signed-in' && machine.outcome.encryption, 'tls-anonymous');
  assert.equal(machine.outcome?.kind === 'signed-in' && machine.outcome.securityName, 'VeNCrypt TLSVnc');
});

test('VeNCrypt TLSNone: ClientInit goes as soon as TLS is up, then the SecurityResult', () => {
  const machine = new VncSignIn(null, { anonymousTls: true });
  // Without a saved password only where the server offers nothing but VeNCrypt.
  run(machine, [V38, Buffer.from([1, 19]), Buffer.from([0, 2])]);
  assert.deepEqual(run(machine, [vencryptSubtypes(258, 257)]), u32(257), 'TLSVnc passed over: no password to answer it with');
  run(machine, [Buffer.from([1])]);
  assert.equal(machine.wantsTls, true);
  assert.deepEqual(machine.secured(), [Buffer.from([1])]);
  run(machine, [Buffer.concat([u32(0), Buffer.from([2, 128])])]);
  assert.equal(machine.outcome?.kind, 'signed-in');
  assert.deepEqual(serverBytes(machine.outcome), Buffer.concat([u32(0), Buffer.from([2, 128])]));
});

test('TLSVnc with no saved password, where the page can be asked: the sign-in waits at the challenge for the typed password', () => {
  const machine = new VncSignIn(null, { anonymousTls: true, askPassword: true });
  // Chosen beside VNC authentication too: the page will ask the user, and the session is encrypted.
  assert.deepEqual(run(machine, [V38, Buffer.from([2, 19, 2]), Buffer.from([0, 2])]), Buffer.concat([V38, Buffer.from([19, 0, 2])]));
  assert.deepEqual(run(machine, [vencryptSubtypes(258, 2), Buffer.from([1])]), u32(258));
  assert.equal(machine.wantsTls, true);
  const challenge = Buffer.from(Array.from({ length: 16 }, (_, i) => i + 40));
  assert.deepEqual(run(machine, [challenge]), Buffer.alloc(0), 'nothing to answer with yet');
  assert.equal(machine.needsPassword, true);
  assert.equal(machine.outcome, null);
  assert.deepEqual(Buffer.concat(machine.supplyPassword('typed-pw')), Buffer.concat([noVncResponse('typed-pw', challenge), Buffer.from([1])]));
  assert.equal(machine.needsPassword, false);
  assert.deepEqual(machine.supplyPassword('again'), [], 'once');
  run(machine, [u32(0)]);
  assert.equal((machine.outcome as SignInOutcome | null)?.kind, 'signed-in');
});

test('VeNCrypt X509Vnc: nothing answered inside TLS until the certificate is trusted; distrusted, it ends with no fall back', () => {
  const challenge = Buffer.from(Array.from({ length: 16 }, (_, i) => 3 * i));
  const start = (machine: VncSignIn) => {
    // TLS 1.2 anonymous is not in this process (Electron's BoringSSL, say): X509 is still chosen.
    assert.deepEqual(run(machine, [V38, Buffer.from([2, 19, 2]), Buffer.from([0, 2])]), Buffer.concat([V38, Buffer.from([19, 0, 2])]));
    assert.deepEqual(run(machine, [vencryptSubtypes(258, 261, 2)]), u32(261), 'X509Vnc: TLSVnc passed over, no anonymous TLS here');
    run(machine, [Buffer.from([1])]);
    assert.equal(machine.wantsTls, true);
    assert.equal(machine.tlsKind, 'x509');
    assert.deepEqual(machine.secured(), []);
    assert.deepEqual(run(machine, [challenge]), Buffer.alloc(0), 'the challenge is not answered before the verdict');
  };
  let heard = 0;
  const trusted = new VncSignIn('pw-1234', { x509: true });
  trusted.onVerdict = () => heard++;
  start(trusted);
  assert.deepEqual(Buffer.concat(trusted.trusted()), Buffer.concat([noVncResponse('pw-1234', challenge), Buffer.from([1])]));
  trusted.judged();
  assert.equal(heard, 1);
  run(trusted, [u32(0)]);
  const outcome = trusted.outcome as SignInOutcome | null;
  assert.equal(outcome?.kind === 'signed-in' && outcome.encryption, 'tls-verified');

  const distrusted = new VncSignIn('pw-1234', { x509: true });
  start(distrusted);
  distrusted.distrusted('certificate-untrusted', 'self-signed');
  assert.deepEqual(distrusted.outcome, { kind: 'failed', code: 'certificate-untrusted', detail: 'self-signed', fallBack: false });
  assert.deepEqual(distrusted.trusted(), [], 'no verdict after the verdict');
});

test('where policy requires TLS: VeNCrypt whatever the server prefers, and a server without it refused, nothing handed to the page', () => {
  const preferred = new VncSignIn(null, { anonymousTls: true, requireTls: true });
  assert.deepEqual(run(preferred, [V38, Buffer.from([3, 6, 2, 19])]), Buffer.concat([V38, Buffer.from([19, 0, 2])]), 'not RA2ne or VNC authentication in the page');
  for (const [what, server] of [
    ['no VeNCrypt', [V38, Buffer.from([2, 1, 2])]],
    ['not RFB 3.8', [Buffer.from('RFB 003.007\n', 'latin1')]],
  ] as const) {
    const machine = new VncSignIn('pw', { anonymousTls: true, requireTls: true });
    assert.deepEqual(run(machine, [...server]), server[0] === V38 ? V38 : Buffer.alloc(0), what);
    assert.equal(machine.outcome?.kind, 'failed', what);
    assert.equal(machine.outcome?.kind === 'failed' && machine.outcome.code, 'policy-unencrypted-forbidden', what);
  }
  // VeNCrypt without a subtype the gateway does: no fall back to the clear.
  const noSubtype = new VncSignIn('pw', { anonymousTls: true, requireTls: true });
  run(noSubtype, [V38, Buffer.from([2, 19, 2]), Buffer.from([0, 2]), vencryptSubtypes(259)]);
  assert.equal(noSubtype.outcome?.kind === 'failed' && noSubtype.outcome.fallBack, false);
  // No anonymous TLS and no certificate check in this process: refused, not signed in to in the clear.
  const noTls = new VncSignIn('pw', { requireTls: true });
  run(noTls, [V38, Buffer.from([2, 19, 2])]);
  assert.equal(noTls.outcome?.kind === 'failed' && noTls.outcome.code, 'policy-unencrypted-forbidden');
});

test('a connection pinned or set not to connect unverified: only VeNCrypt X509, anything else refused before a password or the page', () => {
  const options = { anonymousTls: true, x509: true, requireVerifiedTls: true };
  const refused = (machine: VncSignIn, what: string) => {
    assert.equal(machine.outcome?.kind, 'failed', what);
    assert.equal(machine.outcome?.kind === 'failed' && machine.outcome.code, 'certificate-unverified', what);
    assert.equal(machine.outcome?.kind === 'failed' && machine.outcome.fallBack, false, what);
  };
  for (const [what, server] of [
    ['VNC authentication only', [V38, Buffer.from([1, 2])]],
    ['None and VNC authentication', [V38, Buffer.from([2, 1, 2])]],
    ['not RFB 3.8', [Buffer.from('RFB 003.007\n', 'latin1')]],
  ] as const) {
    const machine = new VncSignIn('pw', options);
    assert.deepEqual(run(machine, [...server]), server[0] === V38 ? V38 : Buffer.alloc(0), `${what}: nothing but the version sent`);
    refused(machine, what);
  }
  // VeNCrypt offering only anonymous TLS (no server behind it to verify): refused, not TLSVnc.
  const anonymousOnly = new VncSignIn('pw', options);
  run(anonymousOnly, [V38, Buffer.from([2, 2, 19]), Buffer.from([0, 2]), vencryptSubtypes(258, 257)]);
  refused(anonymousOnly, 'TLSVnc and TLSNone only');
  // VeNCrypt chosen over VNC authentication, which the server prefers, and X509Vnc over TLSVnc.
  const x509 = new VncSignIn('pw', options);
  assert.deepEqual(run(x509, [V38, Buffer.from([2, 2, 19]), Buffer.from([0, 2])]), Buffer.concat([V38, Buffer.from([19, 0, 2])]));
  assert.deepEqual(run(x509, [vencryptSubtypes(258, 261)]), u32(261));
  // This process cannot check a certificate (no judge): refused.
  const noJudge = new VncSignIn('pw', { anonymousTls: true, requireVerifiedTls: true });
  run(noJudge, [V38, Buffer.from([1, 19])]);
  refused(noJudge, 'no certificate check');
});

test('VeNCrypt is chosen only where TLS is possible, worth it, and after no better type', () => {
  // No anonymous TLS in this process (Electron's BoringSSL): VNC authentication, as before.
  const noTls = new VncSignIn('pw', { anonymousTls: false });
  assert.deepEqual(run(noTls, [V38, Buffer.from([2, 19, 2])]), Buffer.concat([V38, Buffer.from([2])]));
  // No saved password and VNC authentication beside it: handed to the page (noVNC asks), as before.
  const noPassword = new VncSignIn(null, { anonymousTls: true });
  run(noPassword, [V38, Buffer.from([2, 19, 2])]);
  assert.equal(noPassword.outcome?.kind, 'hand-over');
  // A type noVNC would choose first that is not in the clear (RA2ne) stays the page's.
  const ra2 = new VncSignIn('pw', { anonymousTls: true });
  run(ra2, [V38, Buffer.from([2, 6, 19])]);
  assert.equal(ra2.outcome?.kind, 'hand-over');
  // VeNCrypt after None or VNC authentication in the server's order: still chosen (encrypted beats in the clear).
  const later = new VncSignIn('pw', { anonymousTls: true });
  assert.deepEqual(run(later, [V38, Buffer.from([2, 1, 19])]), Buffer.concat([V38, Buffer.from([19, 0, 2])]));
});

test('VeNCrypt the gateway cannot finish fails, for the held connection to give up on it', () => {
  const cases: Array<[string, VncSignIn, Buffer[], RegExp]> = [
    ['only X509 and Plain subtypes', new VncSignIn('pw', { anonymousTls: true }), [Buffer.from([0, 2]), vencryptSubtypes(261, 256)], /subtypes 261, 256/],
    ['TLSVnc with no saved password', new VncSignIn(null, { anonymousTls: true }), [Buffer.from([0, 2]), vencryptSubtypes(258)], /need a saved password/],
    ['VeNCrypt 0.1', new VncSignIn('pw', { anonymousTls: true }), [Buffer.from([0, 1])], /0\.1/],
    ['the subtype refused', new VncSignIn('pw', { anonymousTls: true }), [Buffer.from([0, 2]), vencryptSubtypes(258), Buffer.from([0])], /refused/],
  ];
  for (const [name, machine, server, why] of cases) {
    run(machine, [V38, Buffer.from([1, 19]), ...server]);
    const outcome = machine.outcome;
    assert.equal(outcome?.kind, 'failed', name);
    assert.equal(outcome?.kind === 'failed' && outcome.code, 'security-unsupported', name);
    assert.match(outcome?.kind === 'failed' ? outcome.detail : '', why, name);
    assert.equal(machine.wantsTls, false, name);
  }
});

test('RealVNC\'s 4.x and 5.0 greetings are answered as 3.8, as noVNC answers them', () => {
  for (const version of ['RFB 004.000\n', 'RFB 004.001\n', 'RFB 005.000\n']) {
    const machine = new VncSignIn('pw');
    assert.deepEqual(run(machine, [Buffer.from(version, 'latin1'), Buffer.from([1, 2])]), Buffer.concat([V38, Buffer.from([2])]), version.trim());
  }
});

test('a server that is not RFB 3.8 is left to the page, nothing sent', () => {
  for (const version of ['RFB 003.003\n', 'RFB 003.007\n', 'RFB 003.889\n']) {
    const machine = new VncSignIn('pw');
    assert.deepEqual(run(machine, [Buffer.from(version.slice(0, 5), 'latin1'), Buffer.from(version.slice(5) + 'x', 'latin1')]), Buffer.alloc(0));
    assert.deepEqual(machine.outcome, { kind: 'passthrough', serverBytes: Buffer.from(version + 'x', 'latin1') });
  }
});

/** Plays noVNC's side (RFC 6143, security None) against a PageHandshake; returns what it read and the bytes left for the server. */
function playPage(outcome: Exclude<SignInOutcome, { kind: 'passthrough' | 'failed' }>, pageSends: Buffer[]): { read: Buffer; rest: Buffer[]; done: boolean } {
  const page = new PageHandshake(outcome);
  const read = [...page.start()];
  const rest: Buffer[] = [];
  for (const chunk of pageSends) {
    const step = page.feed(chunk);
    read.push(...step.toPage);
    if (step.rest.length) rest.push(step.rest);
  }
  return { read: Buffer.concat(read), rest, done: page.done };
}

test('the page\'s handshake after a sign-in: None offered, the server\'s result, its ClientInit dropped', () => {
  const serverBytes = Buffer.concat([u32(0), Buffer.from([3, 32])]);
  const outcome = { kind: 'signed-in', securityType: 2, securityName: 'VncAuth', encryption: null, serverBytes, roundTripMs: 5 } as const;
  const played = playPage(outcome, [V38, Buffer.from([1]), Buffer.from([1])]);
  assert.deepEqual(played.read, Buffer.concat([V38, Buffer.from([1, 1]), serverBytes]));
  assert.equal(played.done, true);
  assert.deepEqual(played.rest, []);
  // All at once, with the page's next message behind: that goes to the server.
  const setEncodings = Buffer.from([2, 0, 0, 1, 0, 0, 0, 7]);
  const together = playPage(outcome, [Buffer.concat([V38, Buffer.from([1, 1]), setEncodings])]);
  assert.equal(together.done, true);
  assert.deepEqual(together.rest, [setEncodings]);
});

test('the page\'s handshake after a refusal ends at the server\'s reason; after a hand-over, at its version', () => {
  const refusal = Buffer.concat([u32(1), reason('Authentication failure')]);
  const refused = playPage({ kind: 'refused', securityType: 2, securityName: 'VncAuth', encryption: null, serverBytes: refusal, roundTripMs: 1 }, [V38, Buffer.from([1])]);
  assert.deepEqual(refused.read, Buffer.concat([V38, Buffer.from([1, 1]), refusal]));
  assert.equal(refused.done, true);
  const handed = playPage({ kind: 'hand-over', serverBytes: Buffer.from([1, 2]), roundTripMs: 3 }, [V38.subarray(0, 4), Buffer.concat([V38.subarray(4), Buffer.from([2])])]);
  assert.deepEqual(handed.read, Buffer.concat([V38, Buffer.from([1, 2])]));
  assert.deepEqual(handed.rest, [Buffer.from([2])], 'the page\'s choice goes to the server');
});

test('a server refusing at once with its 3.3 greeting (TigerVNC\'s blacklist) where TLS is required: its words, not "offers no TLS"', () => {
  const blacklisted = Buffer.concat([Buffer.from('RFB 003.003\n', 'latin1'), u32(0), reason('Too many security failures')]);
  for (const options of [{ requireTls: true }, { anonymousTls: true, x509: true, requireVerifiedTls: true }]) {
    const machine = new VncSignIn('pw', options);
    // In pieces, as TCP may give it: it waits for the reason, then says it.
    assert.equal(run(machine, [blacklisted.subarray(0, 14), blacklisted.subarray(14, 22), blacklisted.subarray(22)]).length, 0, 'nothing sent');
    assert.deepEqual(machine.outcome, { kind: 'failed', code: 'sign-in-blocked', detail: 'the server refused the connection before any sign-in: Too many security failures', fallBack: false });
  }
  // A 3.3 server that only greets (it waits for the client's version) is still refused for offering no TLS.
  const plain33 = new VncSignIn('pw', { requireTls: true });
  run(plain33, [Buffer.from('RFB 003.003\n', 'latin1')]);
  assert.equal(plain33.outcome?.kind === 'failed' && plain33.outcome.code, 'policy-unencrypted-forbidden');
});
