import { useId, useRef, useState } from 'react';
import { useModalDialog } from '../app/useModalDialog';

export interface PasswordDialogProps {
  askUsername: boolean;
  /** The user name the connection has: filled in, and changeable unless IT fixed it. */
  knownUsername?: string;
  /**
   * The user name typed at the last try, refused (asked again): filled in over the connection's own. Only the
   * connection's own (knownUsername) may have its password remembered: another account's saved under this connection
   * would be sent with the connection's user name on the next Connect, a failed sign-in toward locking that account.
   */
  typedUsername?: string;
  usernameLocked?: boolean;
  /** The connection asking, as the library names it, and where it goes. */
  connection: { name: string; host: string };
  allowRemember: boolean;
  /** Why it asks again: the server refused the last sign-in (said first, read out as the dialog opens). */
  refusal?: string;
  onSubmit: (answer: { username: string; password: string; remember: boolean }) => void;
  onCancel: () => void;
}

/** Asked when the server wants a password the profile does not have. */
export function PasswordDialog({ askUsername, knownUsername, typedUsername, usernameLocked, connection, allowRemember, refusal, onSubmit, onCancel }: PasswordDialogProps) {
  const id = useId();
  const [username, setUsername] = useState(typedUsername ?? knownUsername ?? '');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);
  const ref = useRef<HTMLFormElement>(null);
  useModalDialog(ref, onCancel);
  return (
    <div className="session-overlay">
      <form
        ref={ref}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        {...(refusal ? { 'aria-describedby': `${id}-refusal` } : {})}
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit({ username, password, remember: allowRemember && remember && (knownUsername === undefined || username === knownUsername) });
        }}
      >
        <h2 id={`${id}-title`}>Password required</h2>
        {refusal && (
          // Read out with the dialog's name as it opens (aria-describedby).
          <p id={`${id}-refusal`} className="error-message">
            {refusal}
          </p>
        )}
        <p>
          To sign in to “{connection.name}” ({connection.host}).
        </p>
        {askUsername && (
          <label>
            User name
            <input autoComplete="username" value={username} readOnly={usernameLocked === true} onChange={(e) => setUsername(e.target.value)} />
          </label>
        )}
        <label>
          Password
          <input type="password" autoComplete="current-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {/* Remembered for the connection's own account only: another typed here signs in this once. */}
        {allowRemember && (knownUsername === undefined || username === knownUsername) && (
          <label className="checkbox">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            Remember password
          </label>
        )}
        <div className="actions">
          <button type="submit">Sign in</button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
