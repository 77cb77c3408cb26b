// Maps what IronRDP reports to the stable error codes of shared/. IronRDP's
// own kinds come first (WrongPassword, LogonFailure, AccessDenied arrive when
// the server sends a CredSSP error code, as Windows does); where the server
// just closes, the gateway's control channel has the better reason.
import type { ErrorCode } from '../../../shared/errors/errorCodes';
import type { IronError } from '@devolutions/iron-remote-desktop';

/** IronErrorKind values (the enum is declared, not exported as a value, by the package). */
const KIND = { General: 0, WrongPassword: 1, LogonFailure: 2, AccessDenied: 3, RDCleanPath: 4, ProxyConnect: 5, NegotiationFailure: 6 } as const;

export function errorCodeForIronError(error: IronError): ErrorCode | null {
  switch (error.kind()) {
    case KIND.WrongPassword:
      return 'wrong-credentials';
    case KIND.LogonFailure:
      return 'wrong-credentials';
    case KIND.AccessDenied:
      return 'access-denied';
    case KIND.NegotiationFailure:
      return null; // the gateway reported which (NLA or TLS required)
    case KIND.RDCleanPath:
    case KIND.ProxyConnect:
      return null; // the gateway reported the cause on the control channel
    default:
      return null;
  }
}

/**
 * RDP disconnect reasons as IronRDP words them in SessionTerminationInfo: the
 * server's Set Error Info PDU (MS-RDPBCGR 2.2.5.1.1, "[Protocol independent
 * error] …") or, without one, the MCS Disconnect Provider Ultimatum ("user
 * initiated disconnect", "server initiated disconnect"). This runs only when
 * our user did not end the session (RdpSession checks that first), so a
 * "user initiated" end came from the remote side: its user signed out (xrdp
 * ends the connection so when the session's desktop exits) or disconnected.
 * Every end the server meant is mapped, because an unmapped one counts as a
 * dropped link and is retried, which would sign the user straight back in.
 */
export function errorCodeForTermination(reason: string): ErrorCode | null {
  const text = reason.toLowerCase();
  if (/logging off|log ?off|logged ?off/.test(text)) return 'logged-off';
  if (/another (user|connection)|replaced|reconnected elsewhere|disconnected by another/.test(text)) return 'session-taken-over';
  if (/idle/.test(text)) return 'idle-timeout';
  if (/shutdown|shutting down|reboot/.test(text)) return 'server-shutdown';
  if (/denied|not authori[sz]ed|insufficient access/.test(text)) return 'access-denied';
  if (/expired/.test(text)) return 'account-expired';
  if (/locked|disabled/.test(text)) return 'account-locked';
  if (/administrative tool|session limit|user initiated disconnect|server initiated disconnect|user ?requested/.test(text)) return 'session-ended';
  return null;
}
