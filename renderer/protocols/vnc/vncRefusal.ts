// A VNC server's refusal of a sign-in, as the session ends with it (noVNC's securityfailure event).
import { vncRefusalCode } from '../../../shared/errors/errorCodes';
import type { DisconnectInfo } from '../../session/remoteSession';

/** The most of a server's reason shown (the gateway keeps 1024 bytes of one; a screen needs far less). */
const REASON_SHOWN = 300;

/**
 * Where noVNC read the refusal (1.7, core/rfb.js, its internal `_securityContext`): with the security types (none
 * offered, or 3.3's type 0), before anything was sent for a sign-in; otherwise as the SecurityResult after it.
 * test/unit/renderer/vncRefusal.test.ts checks the shipped noVNC still names them so.
 */
export function refusedBeforePassword(rfb: object): boolean {
  const context = (rfb as { _securityContext?: unknown })._securityContext;
  return context === 'no security types' || context === 'authentication scheme';
}

/**
 * The session's end: a wrong password only where one was sent and the server did not say it refuses sign-ins for a
 * while (vncRefusalCode). A refusal before any sign-in, or a temporary one, shows the server's words beside the
 * message: the reason to wait, or what the server has against this connection.
 */
export function vncRefusal(failure: { reason: string; beforePassword: boolean }): DisconnectInfo {
  const code = vncRefusalCode(failure.reason, failure.beforePassword);
  const reason = failure.reason.length > REASON_SHOWN ? `${failure.reason.slice(0, REASON_SHOWN)}…` : failure.reason;
  return {
    code,
    ...(reason ? { detail: reason } : {}),
    ...((code === 'sign-in-blocked' || failure.beforePassword) && reason ? { note: `The remote computer said: “${reason}”.` } : {}),
  };
}
