// How a session's failure is said, and what may be tried after it: a kiosk's own words where the desktop's would send
// its user to settings a kiosk does not have, and the failures a retry cannot get past. Kept apart from SessionView
// so that the words can be checked without a page.
import { messageFor, type ErrorCode } from '../../shared/errors/errorCodes';

/**
 * What a kiosk's user is told where the desktop's message sends the user to the connection's settings, which a
 * kiosk does not have: who can help instead. The desktop's message goes under "Details", for that person.
 */
const KIOSK_WORDS: Partial<Record<ErrorCode, string>> = {
  'certificate-policy-mismatch': 'The remote computer\u2019s certificate is not the one your organisation set for this device, so the connection was stopped to protect your password. Tell your IT department.',
  'certificate-unverified': 'The remote computer\u2019s identity could not be verified, so the connection was stopped to protect your password. Tell your IT department.',
  'certificate-not-as-named': 'The remote computer\u2019s certificate is not the one this connection names, so the connection was stopped to protect your password. Tell your IT department.',
  'certificate-changed': 'The remote computer\u2019s certificate is not the one this device trusted before. That is how a machine in between would show itself, so the connection was stopped to protect your password. Tell your IT department.',
  'auth-failed': 'The remote computer did not accept the password this device has for it. Press Try again to type it; if you do not know it, tell your IT department.',
  'wrong-credentials': 'The remote computer did not accept the user name or password this device has for it. Press Try again to type them; if you do not know them, tell your IT department.',
  'sign-in-failed': 'The remote computer did not accept the sign-in this device has for it. Press Try again to type your user name and password; if you do not know them, tell your IT department.',
  'security-unsupported': 'The remote computer asks for a kind of security this device is not set up for. Tell your IT department.',
  'nla-required': 'The remote computer asks for a kind of security this device is not set up for. Tell your IT department.',
  'tls-required': 'The remote computer asks for a kind of security this device is not set up for. Tell your IT department.',
  'legacy-security': 'The remote computer offers only an old, unsafe kind of security, so this device does not connect to it. Tell your IT department.',
  'protocol-unsupported': 'This device is not set up for this kind of connection. Tell your IT department.',
  'feature-unsupported': 'This device is not set up for what this connection asks. Tell your IT department.',
  // The desktop's words send the user to the connection's settings to type the program again; a kiosk has none.
  'start-program-unread': 'This device is not set up with the program this connection should start. Tell your IT department.',
  'no-greeting': 'The remote computer does not answer as a remote desktop. If this goes on, tell your IT department.',
  'host-not-found': 'The remote computer\u2019s name ({host}) cannot be looked up. Check that this device is connected to the network. If this goes on, tell your IT department.',
  'host-refused': 'The remote computer is not taking connections (it may be restarting). If this goes on, tell your IT department.',
  'host-unreachable': 'The remote computer cannot be reached. Check that this device is connected to the network. If this goes on, tell your IT department.',
  'proxy-refused': 'The connection was refused on its way to the remote computer. If this goes on, tell your IT department.',
  'proxy-auth-required': 'This device is not set up for the proxy on the way to the remote computer. Tell your IT department.',
};

/**
 * A failure as the view says it: a kiosk's own words where it has them, the desktop's message then under "Details".
 * `host` fills the words' {host}.
 */
export function failureWords(failure: { code: ErrorCode; detail?: string }, kiosk: boolean, host = ''): { message: string; detail?: string } {
  const kioskWords = kiosk ? KIOSK_WORDS[failure.code]?.replace('{host}', host) : undefined;
  if (!kioskWords) return { message: messageFor(failure.code), ...(failure.detail ? { detail: failure.detail } : {}) };
  return { message: kioskWords, detail: failure.detail ? `${messageFor(failure.code)} (${failure.detail})` : messageFor(failure.code) };
}

/** Failures the same connection cannot get past until IT changes the policy or the connection changes: no Reconnect is offered. */
export const RETRY_CANNOT_HELP = new Set<ErrorCode>(['policy-host-forbidden', 'policy-unencrypted-forbidden', 'policy-invalid', 'feature-unsupported', 'start-program-unread', 'start-program-too-long', 'certificate-unverified', 'certificate-not-as-named']);

/**
 * What stops a kiosk that only IT can mend, by the policy (its hosts, its pins, the connection it sets up) or on the
 * server (its certificate): the kiosk tries again by itself every kioskRetryAloneMs. A start program that could not
 * be read (start-program-unread) is one: IT mends it by entering the program in the connection (or putting its file
 * back), and the kiosk then connects with no one at it; a try reads only the small kept file, at most every 10 s.
 */
export const KIOSK_RETRIES_ALONE = new Set<ErrorCode>([...RETRY_CANNOT_HELP, 'certificate-policy-mismatch', 'certificate-changed']);
