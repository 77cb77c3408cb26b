// What a tab keeps of a sign-in typed at the password prompt: the password, and a user name in place of the
// connection's own. Kept for this tab's reconnects only, never stored.

/**
 * The user name to sign in with on later attempts in place of the connection's own: only one the user changed at
 * the prompt. The connection's own name typed back (or left as filled in) is not kept, so a later change to the
 * connection's user name (by the user, or IT's policy) is the one Reconnect signs in as.
 */
export function typedUsernameToKeep(askedForUsername: boolean, typed: string, connectionUsername: string | undefined): string | null {
  if (!askedForUsername || typed === '') return null;
  return typed === (connectionUsername ?? '') ? null : typed;
}

/**
 * The account the connection signs in as, to tell when it changes while the tab is open: what was typed for the old
 * account (a password, another user name) is then dropped, not sent with the new one.
 */
export function connectionAccount(profile: { username: string; domain?: string }): string {
  return `${profile.domain ?? ''}\\${profile.username}`;
}
