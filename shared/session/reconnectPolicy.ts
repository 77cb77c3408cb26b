// When a session that dropped is tried again, and how soon. Pure, so the
// renderer, kiosk mode and the tests share one rule.

import type { ErrorCode } from '../errors/errorCodes';

/**
 * Failures that a later attempt can cure: the network or the host went away.
 * INVARIANT: nothing that needs a person (a password, a certificate decision,
 * a policy change) is retried, and neither is a session that ended on purpose
 * (logged off, taken over by another device: retrying would sign the last
 * user back in, or fight the other device).
 */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'connection-lost',
  'server-closed',
  'host-refused',
  'host-unreachable',
  // A name that cannot be looked up while the network is down (EAI_AGAIN) or not yet up (a thin client at boot).
  'host-not-found',
  'no-greeting',
  'server-shutdown',
  'gateway-unavailable',
]);

export function isTransient(code: ErrorCode | null): boolean {
  return code === null || TRANSIENT.has(code);
}

export interface ReconnectSettings {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** The cap IT sets so a fleet does not stampede a server that comes back. */
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT: ReconnectSettings = { initialDelayMs: 500, maxDelayMs: 4000 };

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random,
 * so clients that lost the same server spread out but none waits past the cap.
 * attempt counts from 1.
 */
export function reconnectDelay(attempt: number, settings: ReconnectSettings = DEFAULT_RECONNECT, random: () => number = Math.random): number {
  const step = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * How long after the client asked the server for a new desktop size an end
 * the server calls deliberate is taken for a dropped connection instead.
 * xrdp 0.9 with xorgxrdp, in a resize, allocates its shared picture memory
 * twice (the screen's size, then RemoteFX's, rounded up to 64 pixels) and
 * ends the connection when a picture painted in between names the first
 * (neutrinolabs/xrdp#1928, xorgxrdp#203): with the same Disconnect Provider
 * Ultimatum as a sign-out. Measured here: the second window resize while the
 * desktop was painting ended the session in 3 runs of 4. The session is still
 * on the server (unless it kills disconnected sessions), so it is reconnected.
 */
export const RESIZE_DROP_MS = 5000;

/**
 * The failure to act on: a deliberate end ('session-ended') within
 * RESIZE_DROP_MS of the client's last resize request counts as a lost
 * connection (see RESIZE_DROP_MS); anything else is as reported.
 */
export function endedInResize<F extends { code: ErrorCode; detail?: string }>(failure: F, msSinceResize: number | null): F | { code: ErrorCode; detail: string } {
  if (failure.code !== 'session-ended' || msSinceResize === null || msSinceResize > RESIZE_DROP_MS) return failure;
  return { code: 'connection-lost', detail: `The remote computer closed the connection ${Math.round(msSinceResize)} ms after the desktop was resized${failure.detail ? ` (${failure.detail})` : ''}.` };
}

/**
 * Attempts after which a desktop (not a kiosk) stops and says why, with Reconnect: as Microsoft's client gives
 * up after 20. With the default 4-s cap that is about a minute; a kiosk tries for as long as it takes.
 */
export const DESKTOP_RECONNECT_ATTEMPTS = 20;

/** A desktop that has tried DESKTOP_RECONNECT_ATTEMPTS times after a transient end stops (a kiosk never does). */
export function reconnectsExhausted(code: ErrorCode | null, context: { kiosk: boolean; attempts?: number }): boolean {
  return isTransient(code) && !context.kiosk && (context.attempts ?? 0) >= DESKTOP_RECONNECT_ATTEMPTS;
}

/** Should a session that ended with `code` be tried again? `attempts`: tries made since it last worked. */
export function shouldReconnect(code: ErrorCode | null, context: { wasConnected: boolean; kiosk: boolean; attempts?: number }): boolean {
  if (!isTransient(code) || reconnectsExhausted(code, context)) return false;
  // A drop of a working session is retried everywhere; a first connection that
  // fails is retried only in kiosk mode (a thin client often boots before its network).
  return context.wasConnected || context.kiosk;
}
