// The VNC sign-in, done by the gateway (ARCHITECTURE.md, "VNC sign-in").
//
// The gateway plays the client's part of the RFB 3.8 handshake (RFC 6143
// §7.1–7.3) with the server: version, security type, VNC authentication with
// the saved password, and ClientInit. The page then goes through a handshake
// with the gateway alone that offers it only security type None, and from
// ServerInit on the bytes are relayed as before. So:
// - the saved password never leaves the gateway: the renderer is never given
//   it, where before noVNC did the DES challenge in the page;
// - ClientInit goes to the server with the authentication response (or the
//   None choice), not a round trip later: RFB is a byte stream and the server
//   reads it once it has sent its SecurityResult, so one server round trip
//   less on every Connect, which is what users of a far desktop feel;
// - the handshake's round trips are timed here, next to the server, and not
//   in a page that is busy setting the session up (updateRequests.ts takes
//   the gateway's figure, sent as the relay's first, text, message).
//
// Where the gateway cannot sign in, it changes nothing the page sees:
// - a server that does not speak RFB 3.8 (3.3, 3.7, Apple's 3.889; RealVNC's
//   4.x and 5.0 greetings do, and are answered as 3.8): nothing is sent
//   before the relay, and the page does the whole handshake as before;
// - a server whose first choice (of those noVNC does) is not None or VNC
//   authentication (RA2ne's encrypted session, Tight, ARD…), or VNC
//   authentication with no saved password: the page is handed the server's
//   types as they came and does the rest itself; for both, a saved password
//   goes to the page on the relay (tcpRelay.ts), for noVNC's question, and
//   with none noVNC asks the user, as before;
// - the server refusing the password: the page gets the server's own
//   SecurityResult and reason, so noVNC shows what it always showed.
//
// VeNCrypt with TLS (ARCHITECTURE.md, "VNC over TLS"): a server that offers
// VeNCrypt's anonymous-TLS subtypes (TLSVnc, TLSNone: TigerVNC's default
// security is VeNCrypt with TLSVnc, then VncAuth) is signed in to inside TLS,
// which noVNC cannot do: the session is encrypted to the server where before
// it went in the clear. The machine says when TLS is to start (`wantsTls`);
// its owner wraps the socket (vncTls.ts) and feeds it the decrypted bytes.
import crypto from 'node:crypto';
import { RoundTripTimer } from './roundTrips';
import { vncRefusalCode, type ErrorCode } from '../../../shared/errors/errorCodes';
import type { CertificatePromptBody } from '../../../shared/api/contract';

const RFB_38 = Buffer.from('RFB 003.008\n', 'latin1');
/** Greetings answered as 3.8, as noVNC answers them: 3.8 itself and RealVNC's 4.0, 4.1 and 5.0 (which speak 3.8 to a 3.8 client). */
const SPEAKS_38 = new Set(['RFB 003.008\n', 'RFB 004.000\n', 'RFB 004.001\n', 'RFB 005.000\n']);
const VERSION_LENGTH = 12;
const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;
/**
 * The top-level security types noVNC 1.7 does (core/rfb.js
 * _isSupportedSecurityType), which it picks the first of in the server's
 * order: None, VNC authentication, RA2ne, Tight, XVP, ARD, MSLogonII, Plain.
 * VeNCrypt (19) is left out: noVNC does no TLS, so inside it noVNC ends at
 * an unencrypted subtype (TigerVNC's default, TLSVnc then VncAuth, ends at
 * VncAuth), never better than the VNC authentication the same server offers
 * beside it.
 */
const NOVNC_CHOOSES = new Set([1, 2, 6, 16, 22, 30, 113, 256]);
const SECURITY_VENCRYPT = 19;
/** VeNCrypt's subtypes the gateway does (anonymous TLS; the X509 ones need a certificate check first). */
const TLS_NONE = 257;
const TLS_VNC = 258;
/** With the server's certificate, checked as RDP's is (vncTls.ts) before anything else is sent. */
const X509_NONE = 260;
const X509_VNC = 261;
const VENCRYPT_NAMES: Record<number, string> = { [TLS_NONE]: 'TLSNone', [TLS_VNC]: 'TLSVnc', [X509_NONE]: 'X509None', [X509_VNC]: 'X509Vnc' };
const ASKS_PASSWORD = new Set([TLS_VNC, X509_VNC]);
const CHECKS_CERTIFICATE = new Set([X509_NONE, X509_VNC]);
/** ClientInit with the shared flag set: the page always asks to share the desktop (vncSession.ts). */
const CLIENT_INIT_SHARED = Buffer.from([1]);

/**
 * The response to a VNC authentication challenge (RFC 6143 §7.2.2): the
 * 16-byte challenge, DES-encrypted in two blocks with the password's first 8
 * bytes as the key, each byte's bits mirrored (the way VNC has always keyed
 * DES). Single DES is three-key triple DES with the same key three times
 * (encrypt, decrypt, encrypt with one key is one encryption); one block in CBC
 * mode from a zero IV is that block in ECB mode. OpenSSL 3 keeps plain DES in
 * its legacy provider only, and Electron's BoringSSL has triple DES in CBC.
 */
export function vncAuthResponse(password: string, challenge: Uint8Array): Buffer {
  if (challenge.length !== 16) throw new Error('A VNC challenge is 16 bytes.');
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = mirrorBits(key[i]!);
  const tripled = Buffer.concat([key, key, key]);
  const blocks = [0, 8].map((at) => {
    const cipher = crypto.createCipheriv('des-ede3-cbc', tripled, Buffer.alloc(8));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(challenge.subarray(at, at + 8)), cipher.final()]);
  });
  tripled.fill(0);
  key.fill(0);
  return Buffer.concat(blocks);
}

function mirrorBits(byte: number): number {
  let out = 0;
  for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) out |= 0x80 >> bit;
  return out;
}

/** How the gateway's part of the handshake ended. */
export type SignInOutcome =
  /** Not RFB 3.8: nothing was sent; `serverBytes` (the server's version on) go to the page as they came. */
  | { kind: 'passthrough'; serverBytes: Buffer }
  /** The gateway sent its version but cannot choose: the page gets a version, then `serverBytes` (the security types on). */
  | { kind: 'hand-over'; serverBytes: Buffer; roundTripMs: number | null }
  /**
   * Signed in (`serverBytes`: the SecurityResult on, ServerInit possibly begun), or refused (its SecurityResult and
   * reason). `encryption`: how the connection to the server is protected ('tls-anonymous': VeNCrypt's anonymous
   * TLS, encrypted but the server not verified; 'tls-verified': X509, its certificate trusted), or null (in the clear).
   */
  | { kind: 'signed-in' | 'refused'; securityType: number; securityName: string; encryption: 'tls-anonymous' | 'tls-verified' | null; serverBytes: Buffer; roundTripMs: number }
  /**
   * Past the point where the page could take over (inside VeNCrypt), the sign-in could not go on. `fallBack`: it
   * may be done again without VeNCrypt (no subtype the gateway does); never for a certificate nobody trusted,
   * which the user decides about (`prompt`) and no other way around it may bypass.
   */
  | { kind: 'failed'; code: ErrorCode; detail: string; fallBack: boolean; prompt?: CertificatePromptBody };

type Stage = 'version' | 'types' | 'vencrypt-version' | 'vencrypt-status' | 'vencrypt-subtypes' | 'vencrypt-ack' | 'challenge' | 'result' | 'done';

export interface SignInOptions {
  /** The TLS library can do anonymous TLS (Node's OpenSSL can; Electron's BoringSSL cannot): VeNCrypt's TLS subtypes are chosen. */
  anonymousTls?: boolean;
  /**
   * The page can be asked for the password (the relay's note, tcpRelay.ts), so TLSVnc is chosen without a saved
   * one: the sign-in then waits at the server's challenge (`needsPassword`) for `supplyPassword`.
   */
  askPassword?: boolean;
  /** The server's certificate can be checked (vncTls.ts, with the session's judge): VeNCrypt's X509 subtypes are chosen. */
  x509?: boolean;
  /**
   * Policy forbids unencrypted connections: VeNCrypt's TLS wherever the server offers it, and a server that does
   * not (or a TLS that fails) is refused with `policy-unencrypted-forbidden`, never handed to the page in the clear.
   */
  requireTls?: boolean;
  /**
   * The connection is pinned to a certificate or set not to connect to an unverified server: only VeNCrypt's
   * X509 subtypes (the certificate judged before anything else is sent), else refused with `certificate-unverified`,
   * never VNC authentication in the clear or anonymous TLS, and never handed to the page.
   */
  requireVerifiedTls?: boolean;
  now?: () => number;
}

/**
 * The gateway's side of the handshake with the server, fed the server's bytes
 * as they come; returns what to send the server. `outcome` is set once the
 * gateway's part is over. `password` is the saved one, or null.
 */
export class VncSignIn {
  private stage: Stage = 'version';
  private buffered: Buffer = Buffer.alloc(0);
  private readonly trips: RoundTripTimer;
  private chosen = 0;
  private subtype = 0;
  private readonly anonymousTls: boolean;
  private readonly askPassword: boolean;
  private readonly x509: boolean;
  readonly requireTls: boolean;
  readonly requireVerifiedTls: boolean;
  outcome: SignInOutcome | null = null;
  /** X509: TLS is up and the sign-in waits for the certificate's verdict (`trusted`, `distrusted`); nothing is sent meanwhile. */
  awaitingTrust = false;
  /** Told after a verdict, which may end the sign-in with no byte arriving: set by whoever owns the connection now. */
  onVerdict: (() => void) | null = null;
  /** Waiting at TLSVnc's challenge for a password the page is to ask the user for (`supplyPassword`). */
  needsPassword = false;
  /** VeNCrypt's server said yes to a TLS subtype: TLS is to start now, and the bytes fed from here on are the decrypted ones. */
  wantsTls = false;

  constructor(
    private password: string | null,
    options: SignInOptions = {},
  ) {
    this.trips = new RoundTripTimer(options.now ?? (() => performance.now()));
    this.anonymousTls = options.anonymousTls ?? false;
    this.askPassword = options.askPassword ?? false;
    this.x509 = options.x509 ?? false;
    this.requireTls = options.requireTls ?? false;
    this.requireVerifiedTls = options.requireVerifiedTls ?? false;
  }

  /** The TLS the server said yes to (once `wantsTls`): anonymous, or with a certificate to check. */
  get tlsKind(): 'anonymous' | 'x509' {
    return CHECKS_CERTIFICATE.has(this.subtype) ? 'x509' : 'anonymous';
  }

  /** The server's certificate is trusted: the sign-in goes on; what to send the server. */
  trusted(): Buffer[] {
    if (!this.awaitingTrust) return [];
    this.awaitingTrust = false;
    return [...(this.subtype === X509_NONE ? [CLIENT_INIT_SHARED] : []), ...this.advance()];
  }

  /** Whoever owns the connection hears that a verdict changed things (vncTls.ts calls this once it has written `trusted()`'s bytes). */
  judged(): void {
    this.onVerdict?.();
  }

  /** The server's certificate is not trusted (or could not be checked): the sign-in ends, nothing more sent. */
  distrusted(code: ErrorCode, detail: string, prompt?: CertificatePromptBody): void {
    if (!this.awaitingTrust) return;
    this.awaitingTrust = false;
    this.finish({ kind: 'failed', code, detail, fallBack: false, ...(prompt ? { prompt } : {}) });
  }

  /** The password the user typed, where the sign-in waits for one (`needsPassword`); returns what to send the server. */
  supplyPassword(password: string): Buffer[] {
    if (!this.needsPassword) return [];
    this.needsPassword = false;
    this.password = password;
    return this.advance();
  }

  /** TLS is up (after `wantsTls`): what to send the server first inside it (TLSNone: ClientInit, nothing else is asked). */
  secured(): Buffer[] {
    // X509: nothing until the certificate is judged (`trusted`).
    return this.subtype === TLS_NONE ? [CLIENT_INIT_SHARED] : [];
  }

  /** The server's greeting has been read (the server was heard). */
  get begun(): boolean {
    return this.stage !== 'version' || this.buffered.length > 0;
  }

  feed(chunk: Buffer): Buffer[] {
    if (this.stage === 'done') throw new Error('The sign-in is over: its bytes belong to the relay.');
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.trips.received();
    return this.advance();
  }

  /** Takes each stage whose bytes are all here; what to send. */
  private advance(): Buffer[] {
    const send: Buffer[] = [];
    // INVARIANT: nothing goes to a server whose certificate is still being judged.
    if (this.awaitingTrust) return send;
    for (;;) {
      const tlsBefore = this.wantsTls;
      const step = this.step();
      if (!step) break;
      if (step.length > 0) {
        send.push(...step);
        this.trips.sent();
      }
      // TLS to start (the bytes from here on are the decrypted ones), or a certificate to judge first.
      if (this.outcome || (this.wantsTls && !tlsBefore) || this.awaitingTrust) break;
    }
    return send;
  }

  /** One stage's bytes, if they are all here: what to send (possibly nothing); null to wait for more. */
  private step(): Buffer[] | null {
    switch (this.stage) {
      case 'version': {
        if (this.buffered.length < VERSION_LENGTH) return null;
        if (!SPEAKS_38.has(this.buffered.subarray(0, VERSION_LENGTH).toString('latin1'))) {
          // Where the session needs TLS, an older version is refused below, unless the server already refused the
          // connection with it (TigerVNC's blacklist: a 3.3 greeting, type 0 and a reason at once): that is said.
          if (this.requireVerifiedTls || this.requireTls) {
            const refusal = earlyRefusal(this.buffered);
            if (refusal === 'wait') return null;
            if (refusal !== null) {
              return this.finish({ kind: 'failed', code: vncRefusalCode(refusal, true), detail: `the server refused the connection before any sign-in${refusal ? `: ${refusal}` : ''}`, fallBack: false });
            }
          }
          if (this.requireVerifiedTls) return this.refuseUnverified(`RFB version ${this.buffered.subarray(0, VERSION_LENGTH).toString('latin1').trim()}`);
          if (this.requireTls) return this.refuseClear(`RFB version ${this.buffered.subarray(0, VERSION_LENGTH).toString('latin1').trim()}`);
          return this.finish({ kind: 'passthrough', serverBytes: this.take(this.buffered.length) });
        }
        this.take(VERSION_LENGTH);
        this.stage = 'types';
        return [RFB_38];
      }
      case 'types': {
        if (this.buffered.length < 1) return null;
        const count = this.buffered[0]!;
        // No types (count 0): the server refuses and says why; the page reads that itself.
        if (count === 0 || this.buffered.length < 1 + count) return count === 0 ? this.handOver() : null;
        const types = [...this.buffered.subarray(1, 1 + count)];
        // What noVNC would choose (the server's order), so the gateway never chooses less: a server that prefers
        // RA2ne (an encrypted session) or Tight gets it from the page, as before. Where that is None or VNC
        // authentication, or nothing but VeNCrypt, VeNCrypt is chosen instead if the gateway can do its TLS:
        // encrypted rather than in the clear. Once it is chosen nothing can be handed to the page (noVNC does no
        // TLS): a VeNCrypt the gateway cannot finish (no subtype it does) ends the held connection, and the
        // relay's new one is signed in to without it (heldHostConnection.ts). So without a password (saved, or
        // the page's to ask for: `askPassword`) only where the server offers nothing else, to spare that second
        // connection.
        const first = types.find((type) => NOVNC_CHOOSES.has(type));
        const clear = first === undefined || first === SECURITY_NONE || first === SECURITY_VNC_AUTH;
        const worth = this.password !== null || this.askPassword ? types.includes(SECURITY_VENCRYPT) : types.every((type) => type === SECURITY_VENCRYPT);
        if (this.requireVerifiedTls && !(this.x509 && types.includes(SECURITY_VENCRYPT))) return this.refuseUnverified(`security types ${types.join(', ')}`);
        const tlsPossible = (this.anonymousTls || this.x509) && types.includes(SECURITY_VENCRYPT);
        if (this.requireTls && !tlsPossible) return this.refuseClear(`security types ${types.join(', ')}`);
        const choice = this.requireVerifiedTls || ((clear || this.requireTls) && tlsPossible && (worth || this.requireTls)) ? SECURITY_VENCRYPT : first;
        const usable = choice === SECURITY_NONE || choice === SECURITY_VENCRYPT || (choice === SECURITY_VNC_AUTH && this.password !== null) ? choice : undefined;
        if (usable === undefined) return this.handOver();
        this.take(1 + count);
        this.chosen = usable;
        if (usable === SECURITY_VENCRYPT) {
          // VeNCrypt 0.2, the only version done here, said with the choice rather than a round trip later: the
          // server reads it once it has sent its own (a byte stream), so one round trip less to every Connect.
          this.stage = 'vencrypt-version';
          return [Buffer.from([usable, 0, 2])];
        }
        if (usable === SECURITY_NONE) {
          this.stage = 'result';
          return [Buffer.from([usable]), CLIENT_INIT_SHARED];
        }
        this.stage = 'challenge';
        return [Buffer.from([usable])];
      }
      case 'vencrypt-version': {
        if (this.buffered.length < 2) return null;
        const [major, minor] = this.take(2);
        // 0.2 (subtypes of four bytes) is what every current server speaks; 0.1 is from 2006.
        // 0.2 went with the choice; a server that speaks less refuses it (its status), or closes.
        if (major !== 0 || minor! < 2) return this.fail('security-unsupported', `VeNCrypt ${major}.${minor}: only 0.2 is done`);
        this.stage = 'vencrypt-status';
        return [];
      }
      case 'vencrypt-status': {
        if (this.buffered.length < 1) return null;
        if (this.take(1)[0] !== 0) return this.fail('security-unsupported', 'the server refused VeNCrypt 0.2');
        this.stage = 'vencrypt-subtypes';
        return [];
      }
      case 'vencrypt-subtypes': {
        if (this.buffered.length < 1) return null;
        const count = this.buffered[0]!;
        if (this.buffered.length < 1 + 4 * count) return null;
        const list = this.take(1 + 4 * count);
        const subtypes = Array.from({ length: count }, (_, i) => list.readUInt32BE(1 + 4 * i));
        // The server's order, as for the types; TLSVnc and X509Vnc only with a password to answer their challenge
        // (or the page's to ask for).
        const doable = (t: number) =>
          ((t === TLS_NONE || t === TLS_VNC) && this.anonymousTls && !this.requireVerifiedTls) || ((t === X509_NONE || t === X509_VNC) && this.x509);
        const subtype = subtypes.find((t) => doable(t) && (!ASKS_PASSWORD.has(t) || this.password !== null || this.askPassword));
        if (subtype === undefined) {
          if (this.requireVerifiedTls && !subtypes.some(doable)) return this.refuseUnverified(`VeNCrypt subtypes ${subtypes.join(', ')}`);
          const why = subtypes.some(doable) ? 'TLSVnc and X509Vnc need a saved password' : 'no TLS subtype the gateway does';
          return this.fail('security-unsupported', `VeNCrypt subtypes ${subtypes.join(', ')}: ${why}`);
        }
        this.subtype = subtype;
        this.stage = 'vencrypt-ack';
        const out = Buffer.alloc(4);
        out.writeUInt32BE(subtype);
        return [out];
      }
      case 'vencrypt-ack': {
        if (this.buffered.length < 1) return null;
        if (this.take(1)[0] !== 1) return this.fail('security-unsupported', `the server refused VeNCrypt subtype ${this.subtype}`);
        this.wantsTls = true;
        this.awaitingTrust = CHECKS_CERTIFICATE.has(this.subtype);
        this.stage = ASKS_PASSWORD.has(this.subtype) ? 'challenge' : 'result';
        return [];
      }
      case 'challenge': {
        if (this.buffered.length < 16) return null;
        // No saved password (TLSVnc): the page asks the user, and the sign-in goes on with `supplyPassword`.
        if (this.password === null) {
          this.needsPassword = true;
          return null;
        }
        const response = vncAuthResponse(this.password, this.take(16));
        this.password = null;
        this.stage = 'result';
        return [response, CLIENT_INIT_SHARED];
      }
      case 'result': {
        if (this.buffered.length < 4) return null;
        const kind = this.buffered.readUInt32BE(0) === 0 ? 'signed-in' : 'refused';
        const encryption = this.subtype === 0 ? null : CHECKS_CERTIFICATE.has(this.subtype) ? 'tls-verified' : 'tls-anonymous';
        const securityName = this.subtype !== 0 ? `VeNCrypt ${VENCRYPT_NAMES[this.subtype]}` : this.chosen === SECURITY_NONE ? 'None' : 'VncAuth';
        return this.finish({ kind, securityType: this.chosen, securityName, encryption, serverBytes: this.take(this.buffered.length), roundTripMs: this.trips.shortest });
      }
      case 'done':
        return null;
    }
  }

  private handOver(): Buffer[] {
    return this.finish({ kind: 'hand-over', serverBytes: this.take(this.buffered.length), roundTripMs: Number.isFinite(this.trips.shortest) ? this.trips.shortest : null });
  }

  private fail(code: ErrorCode, detail: string): Buffer[] {
    return this.finish({ kind: 'failed', code, detail, fallBack: !this.requireTls && !this.requireVerifiedTls });
  }

  /** The connection wants a verified server and this one offers no VeNCrypt X509: refused before a password or the page. */
  private refuseUnverified(what: string): Buffer[] {
    return this.finish({ kind: 'failed', code: 'certificate-unverified', detail: `the server offers no certificate to verify (no VeNCrypt X509: ${what})`, fallBack: false });
  }

  /** Policy requires TLS and this server offers none the gateway does: refused, nothing handed to the page. */
  private refuseClear(what: string): Buffer[] {
    return this.finish({ kind: 'failed', code: 'policy-unencrypted-forbidden', detail: `the server offers no TLS the gateway does (${what})`, fallBack: false });
  }

  private finish(outcome: SignInOutcome): Buffer[] {
    this.stage = 'done';
    this.password = null;
    this.outcome = outcome;
    return [];
  }

  private take(n: number): Buffer {
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }
}

/**
 * The page's side: the handshake the gateway plays with the page once it has
 * signed in (or handed over), so noVNC ends where the server is. Returns the
 * messages to send the page now, and on each chunk from the page what to send
 * it next; `done` once the page's handshake bytes are all read, with what it
 * sent beyond them (for the server).
 */
export class PageHandshake {
  /** The page's bytes still to read (and drop) before each next message. */
  private readonly script: Array<{ read: number; then: Buffer[] }>;
  private pending = 0;
  done = false;

  constructor(outcome: Exclude<SignInOutcome, { kind: 'passthrough' | 'failed' }>) {
    if (outcome.kind === 'hand-over') {
      // The page's version reply was the gateway's already; then the server's types on.
      this.script = [{ read: VERSION_LENGTH, then: [outcome.serverBytes] }];
    } else {
      const security = Buffer.from([1, SECURITY_NONE]);
      this.script = [
        { read: VERSION_LENGTH, then: [security] },
        // The page's choice (None), then the server's SecurityResult (and what followed it).
        { read: 1, then: [outcome.serverBytes] },
      ];
      // The ClientInit the page sends next went to the server with the sign-in.
      if (outcome.kind === 'signed-in') this.script.push({ read: 1, then: [] });
    }
    this.pending = this.script[0]!.read;
  }

  /** The gateway's version, the page's first message. */
  start(): Buffer[] {
    return [RFB_38];
  }

  feed(chunk: Buffer): { toPage: Buffer[]; rest: Buffer } {
    const toPage: Buffer[] = [];
    let at = 0;
    while (!this.done && at < chunk.length) {
      const used = Math.min(this.pending, chunk.length - at);
      at += used;
      this.pending -= used;
      if (this.pending > 0) break;
      const step = this.script.shift()!;
      toPage.push(...step.then.filter((b) => b.length > 0));
      if (this.script.length === 0) this.done = true;
      else this.pending = this.script[0]!.read;
    }
    return { toPage, rest: chunk.subarray(at) };
  }
}

/**
 * After an RFB 3.3 greeting, a refusal sent at once (RFC 6143 §7.1.2: type 0, a length, the reason): its reason;
 * 'wait' while it is only partly here; null where the server sent only its greeting, or something else after it.
 */
function earlyRefusal(bytes: Buffer): string | 'wait' | null {
  if (bytes.length <= VERSION_LENGTH) return null;
  if (bytes.length < VERSION_LENGTH + 4) return 'wait';
  if (bytes.readUInt32BE(VERSION_LENGTH) !== 0) return null;
  if (bytes.length < VERSION_LENGTH + 8) return 'wait';
  const length = Math.min(bytes.readUInt32BE(VERSION_LENGTH + 4), 1024);
  if (bytes.length < VERSION_LENGTH + 8 + length) return 'wait';
  return bytes.subarray(VERSION_LENGTH + 8, VERSION_LENGTH + 8 + length).toString('utf8').replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}
