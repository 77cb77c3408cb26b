// The app's modal dialogs: the overlay, the dialog's role and name, and its
// keyboard contract (useModalDialog).
import { useId, useRef, type ReactNode } from 'react';
import { useModalDialog } from './useModalDialog';

export function ModalDialog({ title, onCancel, children }: { title: ReactNode; onCancel: () => void; children: ReactNode }) {
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  useModalDialog(ref, onCancel);
  return (
    <div className="session-overlay">
      <div ref={ref} className="dialog" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} tabIndex={-1}>
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
