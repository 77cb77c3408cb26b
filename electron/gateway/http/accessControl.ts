// Who may talk to the gateway (ARCHITECTURE.md, "Who may talk to the gateway").
// A one-time start code, valid for a minute, is traded for an HttpOnly,
// SameSite=Strict cookie and a window key. Every API call and WebSocket upgrade
// needs that cookie, a Host of exactly 127.0.0.1:PORT (against DNS rebinding)
// and, where the browser sends one, a matching Origin. Every API call also
// needs the window key in a header: a browser sends the cookie to every port of
// 127.0.0.1 (cookies are not bound to a port), so a page served from another
// local port would receive it; the key travels only in the start address's
// answer (the app's page, the key in it, in no URL) and lives in the window's
// sessionStorage. The WebSockets carry capabilities only the keyed API hands
// out (a ticket, a session id), so the cookie alone opens nothing.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE, WINDOW_KEY_HEADER } from '../../../shared/api/contract';

export const START_CODE_TTL_MS = 60_000;
/**
 * Signed-in windows remembered at most: the oldest sign-in's cookie and key are forgotten beyond it. No one keeps
 * so many windows open; a kiosk whose browser is opened again and again (each time on a new start code) would
 * otherwise pile up keys that still open the API, and make every check longer.
 */
export const MAX_SIGNED_IN_WINDOWS = 64;

export type AccessDenial =
  | { status: 421; reason: 'wrong-host' }
  | { status: 403; reason: 'wrong-origin' | 'missing-origin' }
  | { status: 401; reason: 'no-session' | 'no-window-key' };

/** What a redeemed start code gives a window: the cookie's value and the key its page sends with every API call. */
export interface WindowSignIn {
  sessionToken: string;
  windowKey: string;
}

function token(): string {
  return randomBytes(32).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function known(secrets: Set<string>, candidate: string): boolean {
  for (const secret of secrets) if (sameSecret(secret, candidate)) return true;
  return false;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/** Forgets a set's oldest entries (a Set keeps the order they came in) beyond `max`. */
function keepNewest(set: Set<string>, max: number): void {
  for (const oldest of set) {
    if (set.size <= max) return;
    set.delete(oldest);
  }
}

export class AccessControl {
  private readonly startCodes = new Map<string, number>();
  private readonly sessionTokens = new Set<string>();
  private readonly windowKeys = new Set<string>();
  private port = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Set once the server listens; Host and Origin checks compare against it. */
  setPort(port: number): void {
    this.port = port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  mintStartCode(): string {
    const code = token();
    this.startCodes.set(code, this.now() + START_CODE_TTL_MS);
    return code;
  }

  /**
   * Trades a start code for a session token (the cookie) and a window key. A code works once, within its minute.
   * Keys are not tied to one cookie: a second window's start replaces the browser's cookie under the first
   * window, whose key must go on working with it.
   */
  redeemStartCode(code: string | null): WindowSignIn | null {
    if (!code) return null;
    this.pruneStartCodes();
    for (const [known, expires] of this.startCodes) {
      if (sameSecret(known, code)) {
        this.startCodes.delete(known);
        if (expires < this.now()) return null;
        const signIn = { sessionToken: token(), windowKey: token() };
        this.sessionTokens.add(signIn.sessionToken);
        this.windowKeys.add(signIn.windowKey);
        keepNewest(this.sessionTokens, MAX_SIGNED_IN_WINDOWS);
        keepNewest(this.windowKeys, MAX_SIGNED_IN_WINDOWS);
        return signIn;
      }
    }
    return null;
  }

  sessionCookie(sessionToken: string): string {
    return `${SESSION_COOKIE}=${sessionToken}; HttpOnly; SameSite=Strict; Path=/`;
  }

  hostAllowed(req: IncomingMessage): boolean {
    return req.headers.host === `127.0.0.1:${this.port}`;
  }

  /**
   * Checks a request to /api or /ws. `requireOrigin` is true for anything that
   * changes state and for WebSocket upgrades: browsers always send Origin there.
   * `requireWindowKey` is true for /api (a page's WebSocket cannot carry a header).
   */
  check(req: IncomingMessage, requireOrigin: boolean, requireWindowKey: boolean): AccessDenial | null {
    if (!this.hostAllowed(req)) return { status: 421, reason: 'wrong-host' };
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (requireOrigin) return { status: 403, reason: 'missing-origin' };
    } else if (origin !== this.origin) {
      return { status: 403, reason: 'wrong-origin' };
    }
    const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (!cookie || !known(this.sessionTokens, cookie)) return { status: 401, reason: 'no-session' };
    if (requireWindowKey) {
      const key = req.headers[WINDOW_KEY_HEADER];
      if (typeof key !== 'string' || !known(this.windowKeys, key)) return { status: 401, reason: 'no-window-key' };
    }
    return null;
  }

  private pruneStartCodes(): void {
    const now = this.now();
    for (const [code, expires] of this.startCodes) if (expires < now) this.startCodes.delete(code);
  }
}

/**
 * Served with every response, for both shells. frame-ancestors is stricter than ARCHITECTURE.md's list and harmless.
 * media-src blob: is SPICE's sound: spice-html5 plays the Opus stream through a MediaSource, whose URL is a blob: of
 * the page's own making (a blob: URL can only be made by a script the page already runs).
 *
 * Styles: the app's own are files ('self'). An inline `<style>` element applies only if its text is one the build
 * found in the libraries we ship (IronRDP's components add one as they mount: `styleHashes`, from the renderer's
 * CSP_STYLES_FILE), so a style sheet injected into the page otherwise (CSS selectors can read attributes out of a page
 * and send them off as image requests) is refused. `style` attributes stay allowed (style-src-attr): IronRDP sizes its
 * screen and spice-html5 places its video with setAttribute('style', …); an attribute has no selectors to read with,
 * and img-src still bounds what it can fetch.
 */
export function contentSecurityPolicy(styleHashes: readonly string[] = []): string {
  const styleSrc = ["'self'", ...styleHashes.filter((hash) => STYLE_HASH_SOURCE.test(hash))].join(' ');
  return `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src ${styleSrc}; style-src-attr 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}

/** A CSP hash source, nothing else (a keyword such as 'unsafe-inline' in the build's file is ignored). */
export const STYLE_HASH_SOURCE = /^'sha(256|384|512)-[A-Za-z0-9+/]+={0,2}'$/;

/** The policy with no inline style sheet allowed at all (a renderer built without CSP_STYLES_FILE). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** The headers served with every response, under a CSP allowing those inline style sheets. */
export function securityHeaders(styleHashes: readonly string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(styleHashes),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
