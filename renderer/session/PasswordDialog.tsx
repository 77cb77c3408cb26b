import { useId, useState } from 'react';

export interface PasswordDialogProps {
  askUsername: boolean;
  allowRemember: boolean;
  onSubmit: (answer: { username: string; password: string; remember: boolean }) => void;
  onCancel: () => void;
}

/** Asked when the server wants a password the profile does not have. */
export function PasswordDialog({ askUsername, allowRemember, onSubmit, onCancel }: PasswordDialogProps) {
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);
  return (
    <div className="session-overlay">
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            onCancel();
          }
        }}
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit({ username, password, remember: allowRemember && remember });
        }}
      >
        <h2 id={`${id}-title`}>Password required</h2>
        {askUsername && (
          <label>
            User name
            <input autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
        )}
        <label>
          Password
          <input type="password" autoComplete="current-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {allowRemember && (
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
