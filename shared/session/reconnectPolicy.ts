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
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['connection-lost', 'server-closed', 'host-refused', 'host-unreachable', 'no-greeting', 'server-shutdown', 'gateway-unavailable']);

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

/** Should a session that ended with `code` be tried again? */
export function shouldReconnect(code: ErrorCode | null, context: { wasConnected: boolean; kiosk: boolean }): boolean {
  if (!isTransient(code)) return false;
  // A drop of a working session is retried everywhere; a first connection that
  // fails is retried only in kiosk mode (a thin client often boots before its network).
  return context.wasConnected || context.kiosk;
}
