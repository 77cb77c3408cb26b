import { useId, useRef } from 'react';
import { useModalDialog } from '../app/useModalDialog';
import { validity } from './certificateValidity';
import type { CertificatePromptBody } from '../../shared/api/contract';

export type CertificateDecision = 'once' | 'always' | 'cancel';

/**
 * Who the server claims to be, shown before anything is sent to it (as mstsc and Guacamole users expect).
 * `allowAlways` false (a kiosk, a device many people share): "Trust once" only, so no one person pins it for all.
 */
export function CertificateDialog({ prompt, onDecision, allowAlways = true }: { prompt: CertificatePromptBody; onDecision: (d: CertificateDecision) => void; allowAlways?: boolean }) {
  const id = useId();
  const changed = prompt.error === 'certificate-changed';
  const cert = prompt.certificate;
  const ref = useRef<HTMLDivElement>(null);
  useModalDialog(ref, () => onDecision('cancel'));
  return (
    <div className="session-overlay">
      <div ref={ref} className="dialog dialog-wide" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} tabIndex={-1}>
        <h2 id={`${id}-title`}>{changed ? 'The server\u2019s certificate has changed' : 'Check the server\u2019s identity'}</h2>
        <p className={changed ? 'warning-text' : ''}>{prompt.message}</p>
        {prompt.reason && <p>Why it is not trusted automatically: {prompt.reason}.</p>}
        <dl className="certificate">
          <dt>Host</dt>
          <dd>{prompt.host}</dd>
          <dt>Subject</dt>
          <dd>{cert.subject}</dd>
          <dt>Issuer</dt>
          <dd>{cert.issuer}</dd>
          <dt>Valid</dt>
          <dd>
            {validity(cert.validFrom, cert.validTo)}
          </dd>
          <dt>SHA-256 fingerprint</dt>
          <dd className="fingerprint" data-testid="certificate-fingerprint">
            {cert.fingerprintSha256}
          </dd>
          {changed && prompt.previousFingerprint && (
            <>
              <dt>Fingerprint you trusted before</dt>
              <dd className="fingerprint">{prompt.previousFingerprint}</dd>
            </>
          )}
        </dl>
        <div className="actions">
          <button type="button" onClick={() => onDecision('once')}>
            Trust once
          </button>
          {allowAlways && (
            <button type="button" onClick={() => onDecision('always')}>
              Trust always
            </button>
          )}
          <button type="button" autoFocus onClick={() => onDecision('cancel')}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
