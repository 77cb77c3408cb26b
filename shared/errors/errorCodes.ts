// Stable error codes: tests and logs name them, the UI shows their messages.
// INVARIANT: codes never change meaning once shipped; add new ones instead.

export const ERROR_MESSAGES = {
  'host-refused': 'The remote computer refused the connection. Check the host and port, and that the remote desktop service is running.',
  'host-unreachable': 'The remote computer did not answer (the connection timed out). Check the host name and your network connection.',
  'host-not-found': 'The host name could not be found. Check its spelling and your network connection.',
  'no-greeting': 'The remote computer accepted the connection but never answered as a remote desktop server. Check the port and the protocol.',
  'auth-failed': 'The password was not accepted. Check it and try again.',
  'auth-cancelled': 'Sign-in was cancelled.',
  'sign-in-blocked': 'The remote computer refuses sign-ins from this computer for now, after too many failed attempts. Wait a little, then try again.',
  'security-unsupported': 'The server asks for a kind of security this client does not support.',
  'connection-lost': 'The connection to the remote computer was lost.',
  'server-closed': 'The remote computer closed the session.',
  'protocol-error': 'The remote computer sent data this client could not understand.',
  'protocol-unsupported': 'This connection type is not supported yet.',
  'certificate-untrusted': 'The server\'s certificate is not trusted. Check who it claims to be before you connect.',
  'certificate-rejected': 'You did not trust the server\'s certificate, so DeskBridge did not connect. Nothing was sent to the server.',
  'certificate-changed': 'The server\'s certificate changed since your last connection. Connect only if your administrator expected this.',
  'certificate-unverified': 'The server\'s identity could not be verified, and this connection is set not to connect then ("Unverified server" in its settings). Nothing was sent to the server.',
  'certificate-policy-mismatch': 'The server\'s certificate does not match the one your organisation pinned for it. The connection was stopped to protect your password.',
  'certificate-not-as-named': 'The server\'s certificate is not the one this connection names (the certificate authority or subject it was given, such as a console file\'s). This is how a machine in between would show itself, so DeskBridge did not connect. Nothing was sent to the server.',
  'nla-required': 'The server requires Network Level Authentication (NLA). Turn on NLA (or "Negotiate") in this connection\'s security settings.',
  'tls-required': 'The server requires TLS security. Choose "Negotiate" or "TLS" in this connection\'s security settings.',
  'tls-failed': 'A secure (TLS) connection to the server could not be set up.',
  'proxy-refused': 'The proxy would not connect to the remote computer. A console file from Proxmox VE or oVirt works once and for a short time: open the console again for a new one.',
  'proxy-auth-required': 'The proxy asks for a user name and password, which DeskBridge does not support for proxies yet.',
  'legacy-security': 'The server offers only the old, unsafe RDP security. Ask its administrator to enable TLS or NLA.',
  'wrong-credentials': 'Wrong user name or password. Check them and try again.',
  'sign-in-failed': 'Sign-in failed: the server closed the connection while checking your user name and password. Check them and try again.',
  'account-locked': 'Your account is locked or disabled. Contact your administrator.',
  'account-expired': 'Your account or password has expired. Change it or contact your administrator.',
  'access-denied': 'You are not allowed to sign in to this computer remotely.',
  'session-ended': 'The session was ended.',
  'logged-off': 'You were signed out of the remote session.',
  'session-taken-over': 'Another connection took over this session.',
  'idle-timeout': 'The session ended because it was idle for too long.',
  'server-shutdown': 'The remote computer is shutting down or restarting.',
  'feature-unsupported': 'This connection needs something DeskBridge does not support yet, so DeskBridge did not connect: it will not go straight to the computer without it.',
  'start-program-unread': 'This connection\'s file asked to start a program in place of the desktop, and DeskBridge could not take the program from it, so it did not connect rather than open the whole desktop. Open the connection\'s settings and enter the start program again.',
  'start-program-too-long': 'The file\'s start program is over 255 characters long, which RDP cannot send, so DeskBridge did not connect rather than open the whole desktop.',
  'policy-host-forbidden': 'Your organisation\'s policy does not allow connections to this host.',
  'policy-unencrypted-forbidden': 'Your organisation\'s policy does not allow unencrypted connections such as plain VNC or SPICE.',
  'policy-managed-profile': 'This connection is managed by your organisation; only the fields it leaves open can be changed, and it cannot be deleted.',
  'policy-no-user-profiles': 'Your organisation\'s policy allows only the connections it provides.',
  'policy-no-saved-passwords': 'Your organisation\'s policy does not allow saving passwords here.',
  'policy-clipboard-unchecked': 'The session was ended because your organisation\'s clipboard policy could not be checked on it. Tell your IT department.',
  'policy-invalid': 'The policy from your organisation is invalid, so connections are blocked. Tell your IT department.',
  'ticket-invalid': 'The session could not be authorised by DeskBridge. Try connecting again.',
  'gateway-unavailable': 'DeskBridge lost contact with its own background service. Restart DeskBridge.',
  'user-ended': 'You ended the session.',
  'storage-read-only': 'DeskBridge could not save your changes: its data folder is on a read-only file system. Nothing was changed.',
  'storage-not-permitted': 'DeskBridge could not save your changes: it may not write to its data folder (permissions). Nothing was changed.',
  'storage-full': 'DeskBridge could not save your changes: the disk that holds its data folder is full. Nothing was changed.',
  'keychain-unavailable': 'The password could not be saved or removed: the system keychain did not answer. Try again once it runs.',
  'secrets-unreadable': 'The password could not be saved: the file that holds the key to saved passwords is damaged or cannot be read. Connections ask for their password instead.',
  'internal': 'Something went wrong inside DeskBridge. The log has the details.',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

/** Things a user should know about a session that goes on. Same rule: codes never change meaning. */
export const WARNING_MESSAGES = {
  'start-program-not-sent':
    'This connection\'s start program could not be sent to the remote computer, so it shows the whole desktop instead. Start the program from the desktop, or end the session; if this goes on, tell your IT department.',
  'picture-distorted':
    'This server sends parts of its picture in a form the RDP client in this version of DeskBridge draws distorted (slanted stripes), so what you see may not match the remote screen. It happens most with a server\'s own windows, such as xrdp\'s sign-in screen.',
} as const;

export type WarningCode = keyof typeof WARNING_MESSAGES;

/**
 * Words with which VNC servers refuse sign-ins for a while after too many failures from one address: TigerVNC's
 * blacklist says "Too many security failures"; other servers' "too many" failures, attempts or tries are taken alike.
 */
const TEMPORARY_REFUSAL = /\btoo many (?:security |authentication |auth |login |sign-in |failed )*(?:failures|attempts|tries)\b|\bblacklist/i;

/**
 * What a VNC server's refusal of a sign-in is (RFC 6143 §7.1.2 no security types with a reason, §7.1.3 a failed
 * SecurityResult), by the server's own words and when it came. `beforePassword`: the refusal came where the server
 * lists (or, in 3.3, decides) its security types, before anything was sent for a sign-in: that is never a wrong
 * password, whatever the words.
 */
export function vncRefusalCode(reason: string, beforePassword: boolean): ErrorCode {
  if (TEMPORARY_REFUSAL.test(reason)) return 'sign-in-blocked';
  return beforePassword ? 'host-refused' : 'auth-failed';
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, value);
}

export function messageFor(code: ErrorCode): string {
  return ERROR_MESSAGES[code];
}

/**
 * Codes whose API message says what only the gateway knows (which folder, which system error, what was saved
 * without the password): the page shows the gateway's words for them, and the code's own message otherwise.
 */
const WORDED_BY_GATEWAY: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['storage-read-only', 'storage-not-permitted', 'storage-full', 'keychain-unavailable', 'secrets-unreadable']);

/** What the page shows for an API error: the code's message, or the gateway's own words where they say more (WORDED_BY_GATEWAY) or the code is not one of ours. */
export function apiErrorText(code: string, message: string): string {
  if (!isErrorCode(code)) return message;
  return WORDED_BY_GATEWAY.has(code) && message.trim() ? message : messageFor(code);
}
