// The VNC sign-in the page does itself, watched by the relay.
//
// Where the gateway cannot sign in for the page (vncSignIn.ts: a server that
// does not speak RFB 3.8, or VNC authentication with no saved password), the
// page does the handshake through the relay. The server's answer to the
// page's password is then read here, from the bytes going by, so that a
// refusal ends the session as the same refusal does where the gateway signs
// in: `auth-failed` with the server's reason, not the `server-closed` of the
// close that follows it. Nothing is changed or held: this only reads.
//
// Followed (RFC 6143 §7.1–7.2, and §7.1.2's older versions): the version each
// side said, the security type (3.3: the server's; 3.7 and 3.8: the page's
// choice), and for None and VNC authentication the SecurityResult, with its
// reason from 3.8 on; and VeNCrypt's negotiation (its version, the server's
// subtypes, the page's choice) where the page chooses Plain, None or VNC
// authentication inside it, which noVNC does without TLS (a server offering
// only VeNCrypt's Plain: TigerVNC's -SecurityTypes Plain). The page's user
// name and password after its choice are never read. Other types (Tight,
// RA2ne, ARD, VeNCrypt's TLS subtypes…) nest their own messages before it
// and are not followed: their end is classified as before.
//
// A refusal before any sign-in (no security types, or 3.3's type 0, each
// with a reason) is read too: it is never a wrong password. TigerVNC's Xvnc
// (1.12), once an address has failed too often (its blacklist), greets every
// new connection from it as RFB 3.3 and refuses it at once, without waiting
// for the client's version: "Too many security failures".

import { vncRefusalCode, type ErrorCode } from '../../../shared/errors/errorCodes';

const VERSION_LENGTH = 12;
const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;
const SECURITY_VENCRYPT = 19;
/** VeNCrypt's Plain subtype: a user name and password, in the clear where no TLS is under it. */
const VENCRYPT_PLAIN = 256;
const VENCRYPT_NAMES: Record<number, string> = { [SECURITY_NONE]: 'None', [SECURITY_VNC_AUTH]: 'VncAuth', [VENCRYPT_PLAIN]: 'Plain' };
const CHALLENGE_LENGTH = 16;
/** A longer reason is not read (a server's reason is a sentence). */
const MAX_REASON = 1024;

export type PageSignInOutcome =
  | { kind: 'signed-in' }
  /**
   * The server refused the page's sign-in, or the connection before any sign-in: `code` (vncRefusalCode), and in
   * words, for the session's failure and the diagnostics.
   */
  | { kind: 'refused'; code: ErrorCode; detail: string }
  /** A type this does not follow, or bytes that are not RFB. */
  | { kind: 'not-followed' };

type Stage =
  | 'server-version'
  | 'page-version'
  | 'types'
  | 'choice'
  | 'vencrypt-version'
  | 'vencrypt-page-version'
  | 'vencrypt-ack'
  | 'vencrypt-subtypes'
  | 'vencrypt-choice'
  | 'challenge'
  | 'result'
  | 'reason'
  | 'refusal';

/** The stages whose bytes from the page are read: its versions and choices, never its credentials. */
const READS_PAGE: ReadonlySet<Stage> = new Set<Stage>(['server-version', 'page-version', 'types', 'choice', 'vencrypt-version', 'vencrypt-page-version', 'vencrypt-ack', 'vencrypt-subtypes', 'vencrypt-choice']);

export class PageSignInWatch {
  private stage: Stage;
  private server: Buffer = Buffer.alloc(0);
  private page: Buffer = Buffer.alloc(0);
  /** The version the page answered with: 3 (RFB 3.3), 7 or 8 (3.8 and later). */
  private minor: number;
  private chosen = 0;
  /** Inside VeNCrypt: the page's subtype. */
  private subtype = 0;
  outcome: PageSignInOutcome | null = null;

  /**
   * `from`: 'version' where the page gets the server's own greeting (passthrough); 'types' where the gateway
   * said RFB 3.8 to the server and hands the page the server's security types (hand-over).
   */
  constructor(from: 'version' | 'types') {
    this.stage = from === 'version' ? 'server-version' : 'types';
    this.minor = from === 'version' ? 0 : 8;
  }

  /** Bytes from the server, on their way to the page. */
  fromServer(chunk: Buffer): void {
    if (this.outcome) return;
    this.server = this.server.length === 0 ? chunk : Buffer.concat([this.server, chunk]);
    this.advance();
  }

  /** Bytes from the page, on their way to the server. */
  fromPage(chunk: Buffer): void {
    if (this.outcome) return;
    // Only the version and the choice are read from the page: what it sends after them is not kept.
    if (!READS_PAGE.has(this.stage)) return;
    this.page = this.page.length === 0 ? chunk : Buffer.concat([this.page, chunk]);
    this.advance();
  }

  private advance(): void {
    while (!this.outcome && this.step());
    if (this.outcome) {
      this.server = Buffer.alloc(0);
      this.page = Buffer.alloc(0);
    }
  }

  /** One stage, if its bytes are all here; false to wait for more. */
  private step(): boolean {
    switch (this.stage) {
      case 'server-version': {
        if (this.server.length < VERSION_LENGTH) return false;
        const said = /^RFB (\d{3})\.(\d{3})\n$/.exec(this.server.subarray(0, VERSION_LENGTH).toString('latin1'));
        if (!said) return this.end({ kind: 'not-followed' });
        this.server = this.server.subarray(VERSION_LENGTH);
        // A 3.3 server (or 3.4–3.6, taken as 3.3) speaks 3.3 whatever the page answers, and may go on without
        // waiting for it (Xvnc's refusal of a blacklisted address): the page's version is not waited for.
        if (Number(said[1]) === 3 && Number(said[2]) < 7) {
          this.minor = 3;
          this.stage = 'types';
          return true;
        }
        this.stage = 'page-version';
        return true;
      }
      case 'page-version': {
        if (this.page.length < VERSION_LENGTH) return false;
        const said = /^RFB (\d{3})\.(\d{3})\n$/.exec(this.page.subarray(0, VERSION_LENGTH).toString('latin1'));
        if (!said) return this.end({ kind: 'not-followed' });
        const major = Number(said[1]);
        const minor = Number(said[2]);
        // RFC 6143 §7.1.1: 3.3 and 3.7 as such; 3.8 (and anything later a client may say) as 3.8; 3.4–3.6 as 3.3.
        this.minor = major > 3 || minor >= 8 ? 8 : minor === 7 ? 7 : 3;
        this.page = this.page.subarray(VERSION_LENGTH);
        this.stage = 'types';
        return true;
      }
      case 'types': {
        if (this.minor === 3) {
          // RFB 3.3: the server decides, as a U32; 0 is the connection refused (with a reason), before any sign-in.
          if (this.server.length < 4) return false;
          const type = this.server.readUInt32BE(0);
          this.server = this.server.subarray(4);
          return this.chose(type);
        }
        if (this.server.length < 1) return false;
        const count = this.server[0]!;
        if (count === 0) {
          // No types: the connection refused, with a reason (RFC 6143 §7.1.2).
          this.server = this.server.subarray(1);
          this.stage = 'refusal';
          return true;
        }
        if (this.server.length < 1 + count) return false;
        this.server = this.server.subarray(1 + count);
        this.stage = 'choice';
        return true;
      }
      case 'choice': {
        if (this.page.length < 1) return false;
        const type = this.page[0]!;
        this.page = Buffer.alloc(0);
        return this.chose(type);
      }
      // VeNCrypt (its 0.2, the one noVNC speaks): the server's version, the page's, the server's yes, its subtypes.
      case 'vencrypt-version': {
        if (this.server.length < 2) return false;
        const [major, minor] = this.server;
        if (major !== 0 || minor !== 2) return this.end({ kind: 'not-followed' });
        this.server = this.server.subarray(2);
        this.stage = 'vencrypt-page-version';
        return true;
      }
      case 'vencrypt-page-version': {
        if (this.page.length < 2) return false;
        this.page = this.page.subarray(2);
        this.stage = 'vencrypt-ack';
        return true;
      }
      case 'vencrypt-ack': {
        if (this.server.length < 1) return false;
        if (this.server[0] !== 0) return this.end({ kind: 'not-followed' });
        this.server = this.server.subarray(1);
        this.stage = 'vencrypt-subtypes';
        return true;
      }
      case 'vencrypt-subtypes': {
        if (this.server.length < 1) return false;
        const count = this.server[0]!;
        if (this.server.length < 1 + 4 * count) return false;
        this.server = this.server.subarray(1 + 4 * count);
        this.stage = 'vencrypt-choice';
        return true;
      }
      case 'vencrypt-choice': {
        if (this.page.length < 4) return false;
        const subtype = this.page.readUInt32BE(0);
        // What the page sends next (Plain's user name and password) is not kept.
        this.page = Buffer.alloc(0);
        this.subtype = subtype;
        if (subtype === SECURITY_VNC_AUTH) this.stage = 'challenge';
        else if (subtype === SECURITY_NONE || subtype === VENCRYPT_PLAIN) this.stage = 'result';
        else return this.end({ kind: 'not-followed' });
        return true;
      }
      case 'challenge': {
        if (this.server.length < CHALLENGE_LENGTH) return false;
        this.server = this.server.subarray(CHALLENGE_LENGTH);
        this.stage = 'result';
        return true;
      }
      case 'result': {
        if (this.server.length < 4) return false;
        const status = this.server.readUInt32BE(0);
        this.server = this.server.subarray(4);
        if (status === 0) return this.end({ kind: 'signed-in' });
        // A reason only from 3.8 on (RFC 6143 §7.1.3).
        if (this.minor < 8) return this.refused('');
        this.stage = 'reason';
        return true;
      }
      case 'reason':
      case 'refusal': {
        if (this.server.length < 4) return false;
        const length = this.server.readUInt32BE(0);
        const before = this.stage === 'refusal';
        if (length > MAX_REASON) return before ? this.refusedBefore('') : this.refused('');
        if (this.server.length < 4 + length) return false;
        const reason = this.server.subarray(4, 4 + length).toString('utf8').replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
        return before ? this.refusedBefore(reason) : this.refused(reason);
      }
    }
  }

  private chose(type: number): boolean {
    this.chosen = type;
    // RFB 3.3's type 0: the connection refused, with a reason (RFC 6143 §7.1.2, as the server decides in 3.3).
    if (type === 0) {
      this.stage = 'refusal';
      return true;
    }
    if (type === SECURITY_VNC_AUTH) {
      this.stage = 'challenge';
      return true;
    }
    // Only 3.7 and later offer a list to choose VeNCrypt from.
    if (type === SECURITY_VENCRYPT && this.minor >= 7) {
      this.stage = 'vencrypt-version';
      return true;
    }
    // None: 3.3 and 3.7 send no SecurityResult for it (RFC 6143 §7.2.1), 3.8 does.
    if (type === SECURITY_NONE) {
      if (this.minor < 8) return this.end({ kind: 'signed-in' });
      this.stage = 'result';
      return true;
    }
    return this.end({ kind: 'not-followed' });
  }

  private refused(reason: string): boolean {
    const code = vncRefusalCode(reason, false);
    const security = this.chosen === SECURITY_VENCRYPT ? `VeNCrypt ${VENCRYPT_NAMES[this.subtype]}` : VENCRYPT_NAMES[this.chosen];
    const password = this.chosen === SECURITY_VNC_AUTH || (this.chosen === SECURITY_VENCRYPT && this.subtype === SECURITY_VNC_AUTH);
    const what = password && code === 'auth-failed' ? `the password (${security})` : `the sign-in (${security})`;
    return this.end({ kind: 'refused', code, detail: `the server refused ${what}, signed in by the page${reason ? `: ${reason}` : ''}` });
  }

  /** Refused before any sign-in (no security types): never a wrong password. */
  private refusedBefore(reason: string): boolean {
    return this.end({ kind: 'refused', code: vncRefusalCode(reason, true), detail: `the server refused the connection before any sign-in${reason ? `: ${reason}` : ''}` });
  }

  private end(outcome: PageSignInOutcome): boolean {
    this.outcome = outcome;
    return false;
  }
}
