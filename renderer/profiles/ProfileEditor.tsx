// The profile form: labelled fields, messages next to the field, and the
// actions on one profile. Validation runs here (the shared schema) and again
// in the gateway, whose answer wins.
import { useEffect, useId, useRef, useState } from 'react';
import type { ProfileView } from '../../shared/api/contract';
import { DEFAULT_PORTS, splitHostAndPort, validateProfileDraft, type FieldErrors, type Protocol } from '../../shared/profiles/profileSchema';
import { KEYBOARD_LAYOUTS, keyboardLayoutLabel, type KeyboardLayoutTag } from '../../shared/profiles/keyboardLayouts';
import { localKeyboardLayout } from '../session/localKeyboardLayout';
import { VncQualityOptions } from './VncQualityOptions';
import { hostAllowed, type ClipboardPolicy, type OpenableField } from '../../shared/policy/policySchema';
import { LockIcon } from '../app/LockIcon';
import { isStartProgramLabel } from '../../shared/connectionFiles/fileResult';
import { draftFrom, valuesFrom, type EditorValues } from './editorValues';

/** What the user may change in a managed connection, named as the form's labels name it. */
const OPEN_FIELD_LABELS: Record<OpenableField, string> = {
  username: 'Username',
  domain: 'Domain',
  scaling: 'Scaling',
  desktopSize: 'Desktop size',
  desktopWidth: 'Desktop size',
  desktopHeight: 'Desktop size',
  keyboardLayout: 'Keyboard layout',
  keyboardMode: 'Keyboard',
  vncQuality: 'Picture quality',
  vncDesktopSize: 'Desktop size',
  highDpi: 'Optimise for high-resolution displays',
  fullscreen: 'Start in full screen',
};

export { draftFrom, valuesFrom, type EditorValues } from './editorValues';

export interface ProfileEditorProps {
  profile: ProfileView | null;
  defaults: Partial<EditorValues>;
  serverErrors: FieldErrors;
  busy: boolean;
  passwordSavingAllowed: boolean;
  /** Why no password can be saved, where that is not the organisation's policy (the saved passwords cannot be read). */
  passwordSavingBlocked?: string | null;
  /** needsSave is false when Connect is pressed on a saved profile the form has not changed. */
  onSave: (values: EditorValues, options: { connectAfter: boolean; needsSave: boolean }) => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onForgetPassword: () => void;
  /** Writes the saved connection as a file of `format` (refused in words where the format cannot carry it). */
  onExport: (format: 'rdp' | 'remmina') => void;
  onDirtyChange?: (dirty: boolean) => void;
  /** The hosts the policy lets connections go to (null: any): a host outside them is said at once, not at Connect. */
  allowedHosts?: readonly string[] | null;
  /** Counts the library's saves: each one starts the form again from what was saved (the typed password goes). */
  saves?: number;
  /** The policy's clipboard rule: where it allows less than both ways, the form says so beside "Share the clipboard". */
  clipboardPolicy?: ClipboardPolicy;
  /**
   * Asked once as the editor is made: the control (a field's or button's name, or 'heading') to take the focus, where
   * this editor replaces one that had it (a new connection's first save, a duplicate); null leaves the focus alone.
   */
  takeFocus?: () => string | null;
  /** Escape in the form with changes: `revert` puts back what was saved, once the library has asked the user. */
  onCancelEdit?: (revert: () => void) => void;
  /**
   * Cancel on a new connection (its button, or Escape in the form): the library asks first if anything was typed, then
   * shows what it showed before; `revert` empties the form where the new connection's form stays (an empty library).
   */
  onCancelNew?: (revert: () => void) => void;
  /** What the last action did ("Saved “Lab”."), shown beside Save; the library's live region says it to screen readers. */
  status?: string;
}

/** Beside "Share the clipboard", where the policy lets less through than the box says. */
const CLIPBOARD_LIMITS: Partial<Record<ClipboardPolicy, string>> = {
  'to-remote-only': 'Your organisation lets text go only to the remote computer.',
  'to-local-only': 'Your organisation lets text come only from the remote computer.',
  none: 'Your organisation does not allow the clipboard to be shared.',
};

/** The text and choice fields (favourite, shareClipboard, highDpi and fullscreen are checkboxes of their own). */
type Field = Exclude<keyof EditorValues, 'favourite' | 'shareClipboard' | 'highDpi' | 'fullscreen'>;

export function ProfileEditor({ profile, defaults, serverErrors, busy, passwordSavingAllowed, passwordSavingBlocked = null, onSave, onDuplicate, onDelete, onForgetPassword, onExport, onDirtyChange, allowedHosts = null, saves = 0, clipboardPolicy = 'both', takeFocus, onCancelEdit, onCancelNew, status = '' }: ProfileEditorProps) {
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // Made anew in place of an editor that had the focus (a new connection saved, a duplicate): the focus goes
  // back where the user was, not to the page's body.
  useEffect(() => {
    const target = takeFocus?.();
    if (!target) return;
    const control = target === 'heading' ? null : formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(target)}"]`);
    (control ?? headingRef.current)?.focus();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  const [values, setValues] = useState<EditorValues>(() => valuesFrom(profile, defaults));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [portTouched, setPortTouched] = useState(profile !== null);
  const managed = profile?.managed ?? null;
  const locked = (field: string) => managed !== null && !(managed.openFields as string[]).includes(field);

  useEffect(() => {
    setValues(valuesFrom(profile, defaults));
    setErrors({});
    setPortTouched(profile !== null);
    // A managed profile's save (its open fields, or only a password) leaves updatedAt as IT set it: `saves` says so.
  }, [profile?.id, profile?.updatedAt, saves]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => setErrors(serverErrors), [serverErrors]);

  // "This computer's layout" says which one that is here, read when an RDP connection is shown.
  const [localLayout, setLocalLayout] = useState<KeyboardLayoutTag | null | undefined>(undefined);
  useEffect(() => {
    if (values.protocol !== 'rdp') return;
    let current = true;
    void localKeyboardLayout().then((tag) => current && setLocalLayout(tag));
    return () => {
      current = false;
    };
  }, [values.protocol, profile?.id]);

  // What the form holds differs from what it was given: the library asks before throwing it away.
  const changed = JSON.stringify(values) !== JSON.stringify(valuesFrom(profile, defaults));
  const reportDirty = useRef(onDirtyChange);
  reportDirty.current = onDirtyChange;
  useEffect(() => reportDirty.current?.(changed), [changed]);
  useEffect(() => () => reportDirty.current?.(false), []);

  // After a refused Save, the first field to mend has the focus (the errors are said next to each).
  const [focusFirstError, setFocusFirstError] = useState(0);
  useEffect(() => {
    if (focusFirstError > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusFirstError]);

  const set = (field: Field, value: string) => {
    // While the library saves, the fields stay focusable (a disabled one loses the focus) but take no change.
    if (busy) return;
    setValues((v) => {
      const next = { ...v, [field]: value } as EditorValues;
      // A port the user never typed, or still the old protocol's default, follows the protocol.
      if (field === 'protocol' && (!portTouched || v.port.trim() === '' || v.port.trim() === String(DEFAULT_PORTS[v.protocol]))) {
        next.port = String(DEFAULT_PORTS[value as Protocol]);
      }
      return next;
    });
    if (field === 'port') setPortTouched(true);
    if (errors[field as keyof FieldErrors]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  /** "desk:3390" typed as the host: the port goes to Port (splitHostAndPort), as mstsc and Remmina take it. */
  const withPortFromHost = (v: EditorValues): EditorValues => {
    const split = locked('host') || locked('port') ? null : splitHostAndPort(v.host, v.protocol);
    return split ? { ...v, host: split.host, port: String(split.port) } : v;
  };
  const takePortFromHost = () => {
    const next = withPortFromHost(values);
    if (next === values) return values;
    setValues(next);
    setPortTouched(true);
    setErrors((e) => ({ ...e, host: undefined, port: undefined }));
    return next;
  };

  const revert = () => {
    setValues(valuesFrom(profile, defaults));
    setErrors({});
    setPortTouched(profile !== null);
  };
  /** Cancel: a new connection is left (asked first if anything was typed); an edit's changes are undone (asked first). */
  const cancel = () => {
    if (busy) return;
    if (!profile) onCancelNew?.(revert);
    else if (changed) onCancelEdit?.(revert);
  };

  const submit = (connectAfter: boolean) => {
    if (busy) return;
    const current = takePortFromHost();
    // Connect on an unchanged saved profile does not write it again: a managed
    // profile may not be writable at all, and a save would bump updatedAt for nothing.
    const dirty = profile === null || JSON.stringify(current) !== JSON.stringify(valuesFrom(profile, defaults));
    if (connectAfter && !dirty) {
      onSave(current, { connectAfter, needsSave: false });
      return;
    }
    const check = validateProfileDraft(draftFrom(current, profile));
    if (!check.ok) {
      setErrors(check.errors);
      setFocusFirstError((n) => n + 1);
      return;
    }
    onSave(current, { connectAfter, needsSave: true });
  };

  const fieldProps = (field: Field) => {
    const error = errors[field as keyof FieldErrors];
    return {
      id: `${id}-${field}`,
      name: field,
      value: values[field],
      disabled: locked(field),
      // Not `disabled` while busy: that would take the focus from the field the user is in.
      readOnly: busy || undefined,
      'aria-disabled': busy || undefined,
      'aria-invalid': error ? true : undefined,
      'aria-describedby': error ? `${id}-${field}-error` : undefined,
      onChange: (e: { target: { value: string } }) => set(field, e.target.value),
    } as const;
  };
  /** A button's action, ignored while the library is busy. */
  const busyGuard = (action: () => void) => () => {
    if (!busy) action();
  };
  const errorFor = (field: Field) => {
    const error = errors[field as keyof FieldErrors];
    return error ? (
      <p className="field-error" id={`${id}-${field}-error`}>
        {error}
      </p>
    ) : null;
  };

  return (
    <form
      ref={formRef}
      className="profile-editor"
      aria-label={profile ? `Edit ${profile.name}` : 'New connection'}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        submit(false);
      }}
      onKeyDown={(event) => {
        // "In a form or dialog, Escape cancels", as the Cancel button: the edit is undone, back to what was saved, or
        // the new connection is left (the library asks first where something was typed). A list box open in the form
        // takes its own Escape before the page sees it, and the library's questions are outside the form.
        if (event.key !== 'Escape' || event.defaultPrevented || event.nativeEvent.isComposing || busy) return;
        if (profile ? !changed || !onCancelEdit : !onCancelNew) return;
        event.preventDefault();
        cancel();
      }}
    >
      <h2 ref={headingRef} tabIndex={-1}>
        {profile ? profile.name : 'New connection'}
      </h2>
      {managed && (
        <p className="managed-note">
          <LockIcon />{' '}
          Managed by your organisation. You can change: {[...new Set(managed.openFields.map((f) => OPEN_FIELD_LABELS[f])), 'Favourite'].join(', ')}.
        </p>
      )}
      {profile && profile.unsupportedFeatures.some((label) => !isStartProgramLabel(label)) && (
        <p className="warning-text">Not supported yet, so connecting will refuse: {profile.unsupportedFeatures.filter((label) => !isStartProgramLabel(label)).join('; ')}.</p>
      )}
      {/* Imported before start programs were taken, or a program too long to send: not in the fields. Connect reads it from the kept file
          where it can (and runs it even where that could not be saved, a data folder that takes no writes), else refuses. */}
      {profile && profile.unsupportedFeatures.some(isStartProgramLabel) && (
        <p className="warning-text">
          This connection&apos;s file asked to start a program in place of the desktop: {profile.unsupportedFeatures.filter(isStartProgramLabel).join('; ')}. It is not in the settings below: connecting starts it from the copy of the file DeskBridge kept where it can, and refuses where it cannot (that copy gone, another program in it, or one too long to send) until you enter the program in Start program below.
        </p>
      )}
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input {...fieldProps('name')} autoComplete="off" />
        {errorFor('name')}
      </div>
      <div className="field">
        <label htmlFor={`${id}-protocol`}>Protocol</label>
        <select {...fieldProps('protocol')}>
          <option value="vnc">VNC</option>
          <option value="rdp">RDP</option>
          <option value="spice">SPICE</option>
        </select>
        {errorFor('protocol')}
      </div>
      <div className="field-row">
        <div className="field grow">
          <label htmlFor={`${id}-host`}>Host</label>
          <input {...fieldProps('host')} onBlur={() => takePortFromHost()} autoComplete="off" spellCheck={false} placeholder="desktop.example.com" />
          {errorFor('host')}
          {values.host.trim() !== '' && allowedHosts !== null && !hostAllowed(values.host.trim(), allowedHosts) && (
            <p className="field-warning">Your organisation&apos;s policy does not allow connections to this host, so this connection will not connect.</p>
          )}
        </div>
        <div className="field port">
          <label htmlFor={`${id}-port`}>Port</label>
          <input {...fieldProps('port')} inputMode="numeric" />
          {errorFor('port')}
        </div>
      </div>
      <div className="field-row">
        <div className="field grow">
          <label htmlFor={`${id}-username`}>Username</label>
          <input {...fieldProps('username')} autoComplete="username" spellCheck={false} />
          {errorFor('username')}
        </div>
        {values.protocol === 'rdp' && (
          <div className="field grow">
            <label htmlFor={`${id}-domain`}>Domain</label>
            <input {...fieldProps('domain')} autoComplete="off" spellCheck={false} />
            {errorFor('domain')}
          </div>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="new-password"
          name="password"
          value={values.password}
          disabled={!passwordSavingAllowed}
          readOnly={busy || undefined}
          aria-disabled={busy || undefined}
          onChange={(e) => set('password', e.target.value)}
          placeholder={profile?.hasSavedPassword ? 'Leave empty to keep the saved password' : passwordSavingAllowed ? 'Asked when you connect if left empty' : 'Asked when you connect'}
        />
        {!passwordSavingAllowed && <p className="hint">{passwordSavingBlocked ?? 'Your organisation does not allow saving passwords here.'}</p>}
        {profile?.hasSavedPassword && (
          <p className="hint">
            A password is saved.{' '}
            <button type="button" className="link" name="forget-password" onClick={busyGuard(onForgetPassword)} aria-disabled={busy || undefined}>
              Forget saved password
            </button>
          </p>
        )}
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-scaling`}>Scaling</label>
          <select {...fieldProps('scaling')}>
            <option value="fit">Fit to window</option>
            <option value="actual">1:1 (scrollbars)</option>
          </select>
        </div>
        {values.protocol === 'vnc' && (
          <div className="field">
            <label htmlFor={`${id}-vncQuality`}>Picture quality</label>
            <select {...fieldProps('vncQuality')}>
              <VncQualityOptions />
            </select>
          </div>
        )}
        {values.protocol === 'vnc' && (
          <div className="field">
            <label htmlFor={`${id}-vncDesktopSize`}>Desktop size</label>
            <select {...fieldProps('vncDesktopSize')}>
              <option value="server">The server&apos;s size</option>
              <option value="fit-window">Fit the window (follows resizing)</option>
            </select>
            {values.vncDesktopSize === 'fit-window' && <p className="hint">Where the server allows it (TigerVNC and most Linux VNC servers do); others keep their size.</p>}
          </div>
        )}
        {values.protocol === 'spice' && (
          <div className="field">
            <label htmlFor={`${id}-spiceSecurity`}>Security</label>
            <select {...fieldProps('spiceSecurity')}>
              <option value="plain">Not encrypted (the plain port)</option>
              <option value="tls">TLS (the server's TLS port)</option>
            </select>
          </div>
        )}
        {values.protocol === 'spice' && (
          <div className="field">
            <label htmlFor={`${id}-spiceProxy`}>HTTP proxy</label>
            <input {...fieldProps('spiceProxy')} placeholder="http://host:3128" inputMode="url" />
            {errorFor('spiceProxy')}
            <p className="hint">Leave empty to connect directly. Proxmox VE consoles go through the node's spiceproxy (http://node:3128), which the console file names.</p>
          </div>
        )}
        {values.protocol === 'rdp' && (
          <div className="field">
            <label htmlFor={`${id}-rdpSecurity`}>Security</label>
            <select {...fieldProps('rdpSecurity')}>
              <option value="negotiate">Negotiate (NLA or TLS)</option>
              <option value="nla">NLA only</option>
              <option value="tls">TLS only</option>
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-untrustedCertificate`}>Unverified server</label>
          <select {...fieldProps('untrustedCertificate')} title="When the server's certificate cannot be verified (RDP, and SPICE or VNC over TLS)">
            <option value="ask">Ask me</option>
            <option value="refuse">Do not connect</option>
          </select>
        </div>
        {values.protocol === 'rdp' && (
          <div className="field">
            <label htmlFor={`${id}-keyboardMode`}>Keyboard</label>
            <select {...fieldProps('keyboardMode')}>
              <option value="scancode">Physical keys (scancodes)</option>
              <option value="unicode">Characters (Unicode)</option>
            </select>
          </div>
        )}
        {(values.protocol === 'rdp' || values.protocol === 'spice') && (
          <div className="field">
            <label htmlFor={`${id}-desktopSize`}>Desktop size</label>
            <select {...fieldProps('desktopSize')}>
              <option value="fit-window">Fit the window (follows resizing)</option>
              <option value="fixed">Fixed size</option>
            </select>
            {values.protocol === 'spice' && <p className="hint">Set through the SPICE guest agent (spice-vdagent, the SPICE Guest Tools); without it the desktop keeps its size.</p>}
          </div>
        )}
        {(values.protocol === 'rdp' || values.protocol === 'spice') && values.desktopSize === 'fixed' && (
          // Width and height stay side by side, as one size.
          <div className="field-pair">
            <div className="field size">
              <label htmlFor={`${id}-desktopWidth`}>Width</label>
              <input {...fieldProps('desktopWidth')} inputMode="numeric" />
              {errorFor('desktopWidth')}
            </div>
            <div className="field size">
              <label htmlFor={`${id}-desktopHeight`}>Height</label>
              <input {...fieldProps('desktopHeight')} inputMode="numeric" />
              {errorFor('desktopHeight')}
            </div>
          </div>
        )}
        {values.protocol === 'rdp' && (
          <div className="field">
            <label htmlFor={`${id}-keyboardLayout`}>Keyboard layout</label>
            <select {...fieldProps('keyboardLayout')}>
              {KEYBOARD_LAYOUTS.map((layout) => (
                <option key={layout.tag} value={layout.tag}>
                  {layout.tag === 'local' && localLayout !== undefined ? `${layout.label} (${localLayout ? keyboardLayoutLabel(localLayout) : 'not recognised: the server default'})` : layout.label}
                </option>
              ))}
            </select>
          </div>
        )}
        {values.protocol === 'rdp' && (
          <div className="field grow">
            <label htmlFor={`${id}-startProgram`}>Start program</label>
            <input {...fieldProps('startProgram')} autoComplete="off" spellCheck={false} placeholder="Leave empty for the whole desktop" />
            {errorFor('startProgram')}
            <p className="hint">The remote computer runs this program in place of its desktop, where it allows that (session hosts, xrdp); the session ends when the program does.</p>
          </div>
        )}
        {values.protocol === 'rdp' && (
          <div className="field grow">
            <label htmlFor={`${id}-startFolder`}>Start in (folder)</label>
            <input {...fieldProps('startFolder')} autoComplete="off" spellCheck={false} placeholder="The remote computer's default" />
            {errorFor('startFolder')}
          </div>
        )}
        {/* Every protocol: VNC, RDP and SPICE. */}
        <label className="field checkbox-field" title="One remote pixel per pixel of this display, where it has more than one per CSS pixel (a HiDPI or scaled screen)">
          <input
            type="checkbox"
            checked={values.highDpi}
            name="highDpi"
            disabled={locked('highDpi')}
            aria-disabled={busy || undefined}
            onChange={(e) => !busy && setValues((v) => ({ ...v, highDpi: e.target.checked }))}
          />
          Optimise for high-resolution displays (sharper; the remote desktop&apos;s text is smaller unless the server scales it)
        </label>
        <label className="field checkbox-field" title="As Remote Desktop Connection does for a file set to full screen. Hold Esc, or use the toolbar, to leave it.">
          <input
            type="checkbox"
            checked={values.fullscreen}
            name="fullscreen"
            disabled={locked('fullscreen')}
            aria-disabled={busy || undefined}
            onChange={(e) => !busy && setValues((v) => ({ ...v, fullscreen: e.target.checked }))}
          />
          Start in full screen
        </label>
        <div className="field grow">
          <label htmlFor={`${id}-folder`}>Folder</label>
          <input {...fieldProps('folder')} placeholder="e.g. Finance/Traders" />
          {errorFor('folder')}
        </div>
        <div className="field grow">
          <label htmlFor={`${id}-tags`}>Tags</label>
          <input {...fieldProps('tags')} placeholder="e.g. windows, floor-3" />
          {errorFor('tags')}
        </div>
        <label className="field checkbox-field" title="Text copied on one computer can be pasted on the other. Your organisation's policy may allow less.">
          <input
            type="checkbox"
            checked={values.shareClipboard}
            name="shareClipboard"
            disabled={managed !== null}
            aria-disabled={busy || undefined}
            onChange={(e) => !busy && setValues((v) => ({ ...v, shareClipboard: e.target.checked }))}
          />
          Share the clipboard
        </label>
        {values.shareClipboard && CLIPBOARD_LIMITS[clipboardPolicy] && <p className="hint clipboard-limit">{CLIPBOARD_LIMITS[clipboardPolicy]}</p>}
        <label className="field checkbox-field">
          <input
            type="checkbox"
            checked={values.favourite}
            name="favourite"
            aria-disabled={busy || undefined}
            onChange={(e) => !busy && setValues((v) => ({ ...v, favourite: e.target.checked }))}
          />
          Favourite
        </label>
      </div>
      {/* Kept in sight at the foot of the pane, however long the form (as peers keep their actions), with what Save did. */}
      <div className="actions editor-actions">
        {/* A managed connection with nothing open still takes the user's own password, where one may be saved. */}
        {/* While busy the buttons say so (aria-disabled) and do nothing, but keep the focus (a disabled one drops it). */}
        <button type="submit" name="save" aria-disabled={busy || undefined} disabled={managed !== null && managed.openFields.length === 0 && !changed && !(passwordSavingAllowed && values.password !== '')}>
          Save
        </button>
        <button type="button" name="connect" className="primary" aria-disabled={busy || undefined} onClick={() => submit(true)}>
          Connect
        </button>
        {(!profile || changed) && (
          <button type="button" name="cancel" aria-disabled={busy || undefined} onClick={cancel}>
            {profile ? 'Discard changes' : 'Cancel'}
          </button>
        )}
        {profile && (
          <>
            <button type="button" name="duplicate" aria-disabled={busy || undefined} disabled={managed !== null} onClick={busyGuard(onDuplicate)}>
              Duplicate
            </button>
            <button type="button" name="delete" className="danger" aria-disabled={busy || undefined} disabled={managed !== null} onClick={busyGuard(onDelete)}>
              Delete
            </button>
            {/* RDP both ways (mstsc's and Remmina's files); VNC and SPICE only Remmina's, which .rdp cannot describe. */}
            {managed === null &&
              (profile.protocol === 'rdp' ? (['rdp', 'remmina'] as const) : (['remmina'] as const)).map((format) => (
                <button key={format} type="button" name={`export-${format}`} className="link" aria-disabled={busy || undefined} onClick={busyGuard(() => onExport(format))}>
                  Export as .{format}
                </button>
              ))}
          </>
        )}
        {/* Seen here; heard from the library's live region, which outlives this form (a new connection's is made anew once saved). */}
        <p className="action-status" aria-hidden="true" data-testid="action-status">
          {status}
        </p>
      </div>
    </form>
  );
}
