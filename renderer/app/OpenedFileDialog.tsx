// The question before a connection file opened from outside the app connects
// (double-clicked, an e-mail's attachment, given on the command line): where
// it goes and what it asks to share, each share unticked, as mstsc asks since
// April 2026. A file sent by an attacker would otherwise connect at once to
// their computer and hand it this computer's clipboard. A program the file asks
// the server to run in place of the desktop (an .rdp's alternate shell) is shown
// and unticked too: named with the user's own server, it would run there under
// the user's sign-in. Full screen, which mstsc writes in every .rdp it saves, is
// a box unticked too: a stranger's server filling the screen could draw a lock
// screen or a password dialog that passes for this computer's.
import { useState } from 'react';
import type { OpenedFileConsent, ProfileView } from '../../shared/api/contract';
import { startProgramLabelText } from '../../shared/connectionFiles/fileResult';
import { ModalDialog } from './ModalDialog';

const PROTOCOL_NAMES: Record<ProfileView['protocol'], string> = { rdp: 'RDP', vnc: 'VNC', spice: 'SPICE' };

export function OpenedFileDialog({
  profile,
  consent,
  onConnect,
  onCancel,
}: {
  profile: ProfileView;
  consent: OpenedFileConsent;
  onConnect: (choice: { shareClipboard: boolean; runStartProgram: boolean; fullscreen: boolean }) => void;
  onCancel: () => void;
}) {
  const [shareClipboard, setShareClipboard] = useState(false);
  const [runStartProgram, setRunStartProgram] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  // A program over the 255 characters RDP can send is only a label ("Start program (…)", the field empty): shown all
  // the same, so the question names what the file asks to run; unticked the desktop opens, ticked Connect refuses.
  const tooLong = profile.protocol === 'rdp' && !profile.startProgram ? profile.unsupportedFeatures.map(startProgramLabelText).find((text) => text) : undefined;
  const startProgram = profile.protocol === 'rdp' ? profile.startProgram || (tooLong ?? '') : '';
  const host = profile.host.includes(':') ? `[${profile.host}]` : profile.host;
  return (
    <ModalDialog
      title="Caution: unknown remote connection"
      onCancel={onCancel}
      description={
        <>
          “{profile.name}” comes from the file <strong>{consent.fileName}</strong>, opened from outside DeskBridge, and who made it cannot be verified. It connects to {host}:{profile.port}. Connect only if
          you know where the file came from: a remote computer you do not trust can see what you type into it and what you share with it.
        </>
      }
    >
      <dl className="opened-file">
        <dt>Remote computer</dt>
        <dd>
          {host}:{profile.port} ({PROTOCOL_NAMES[profile.protocol]})
        </dd>
        {profile.username !== '' && (
          <>
            <dt>User name</dt>
            <dd>{profile.domain ? `${profile.domain}\\${profile.username}` : profile.username}</dd>
          </>
        )}
        {startProgram !== '' && (
          <>
            <dt>Program to start</dt>
            <dd>
              <code>{startProgram}</code>
              {tooLong ? <> (over 255 characters long, which RDP cannot send: ticked, DeskBridge will not connect)</> : null}
              {profile.startFolder ? (
                <>
                  {' '}
                  in <code>{profile.startFolder}</code>
                </>
              ) : null}
            </dd>
          </>
        )}
      </dl>
      {startProgram !== '' && (
        <label className="checkbox">
          <input type="checkbox" checked={runStartProgram} onChange={(event) => setRunStartProgram(event.target.checked)} />
          Run this program on the remote computer instead of its desktop
        </label>
      )}
      {consent.clipboardRequested && (
        <fieldset className="opened-file-shares">
          <legend>Share with the remote computer:</legend>
          <label className="checkbox">
            <input type="checkbox" checked={shareClipboard} onChange={(event) => setShareClipboard(event.target.checked)} />
            Clipboard
          </label>
        </fieldset>
      )}
      {consent.fullscreenRequested && (
        <label className="checkbox">
          <input type="checkbox" checked={fullscreen} onChange={(event) => setFullscreen(event.target.checked)} />
          Start in full screen
        </label>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={() => onConnect({ shareClipboard, runStartProgram: runStartProgram && startProgram !== '', fullscreen: fullscreen && consent.fullscreenRequested })}>
          Connect
        </button>
        <button type="button" autoFocus onClick={onCancel}>
          Cancel
        </button>
      </div>
    </ModalDialog>
  );
}
