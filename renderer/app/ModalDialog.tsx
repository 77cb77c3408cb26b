// The app's modal dialogs: the overlay, the dialog's role and name, and its
// keyboard contract (useModalDialog).
import { useId, useRef, type ReactNode } from 'react';
import { useModalDialog } from './useModalDialog';

/** `description`, where given, is the dialog's first paragraph and its accessible description (read out as it opens). */
export function ModalDialog({ title, description, onCancel, children }: { title: ReactNode; description?: ReactNode; onCancel: () => void; children: ReactNode }) {
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  useModalDialog(ref, onCancel);
  return (
    <div className="session-overlay">
      <div ref={ref} className="dialog" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} aria-describedby={description ? `${id}-description` : undefined} tabIndex={-1}>
        <h2 id={`${id}-title`}>{title}</h2>
        {description && <p id={`${id}-description`}>{description}</p>}
        {children}
      </div>
    </div>
  );
}
