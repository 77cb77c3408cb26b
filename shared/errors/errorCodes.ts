// Stable error codes: tests and logs name them, the UI shows their messages.
// INVARIANT: codes never change meaning once shipped; add new ones instead.

export const ERROR_MESSAGES = {
  'host-refused': 'The remote computer refused the connection. Check the host and port, and that the remote desktop service is running.',
  'host-unreachable': 'The remote computer did not answer (the connection timed out). Check the host name and your network connection.',
  'host-not-found': 'The host name could not be found. Check its spelling and your network connection.',
  'no-greeting': 'The remote computer accepted the connection but never answered as a remote desktop server. Check the port and the protocol.',
  'auth-failed': 'The password was not accepted. Check it and try again.',
  'auth-cancelled': 'Sign-in was cancelled.',
  'security-unsupported': 'The server asks for a kind of security this client does not support.',
  'connection-lost': 'The connection to the remote computer was lost.',
  'server-closed': 'The remote computer closed the session.',
  'protocol-error': 'The remote computer sent data this client could not understand.',
  'protocol-unsupported': 'This connection type is not supported yet.',
  'ticket-invalid': 'The session could not be authorised by DeskBridge. Try connecting again.',
  'gateway-unavailable': 'DeskBridge lost contact with its own background service. Restart DeskBridge.',
  'user-ended': 'You ended the session.',
  'internal': 'Something went wrong inside DeskBridge. The log has the details.',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, value);
}

export function messageFor(code: ErrorCode): string {
  return ERROR_MESSAGES[code];
}
