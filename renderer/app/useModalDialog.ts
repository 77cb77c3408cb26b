// A modal dialog's keyboard contract (WAI-ARIA dialog pattern): Tab and
// Shift+Tab stay inside it, Escape cancels it wherever the focus is, focus
// starts inside it and goes back where it was when it closes. A dialog in a
// session tab that is hidden (another tab shown) leaves the keys alone.
import { useEffect, useRef, useState, type RefObject } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

const shown = (element: Element) => element.getClientRects().length > 0;

export function useModalDialog(ref: RefObject<HTMLElement | null>, onCancel: () => void): void {
  const cancel = useRef(onCancel);
  cancel.current = onCancel;
  // Read while the dialog first renders: by its effects, an autoFocus inside it has taken the focus.
  const [before] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const focusables = () => [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(shown);
    // React's autoFocus has run by now; otherwise the first control.
    if (shown(dialog) && !dialog.contains(document.activeElement)) (focusables()[0] ?? dialog).focus();
    const onKey = (event: KeyboardEvent) => {
      if (!shown(dialog)) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        cancel.current();
        return;
      }
      if (event.key !== 'Tab') return;
      const items = focusables();
      const first = items[0];
      const last = items[items.length - 1];
      const inside = dialog.contains(document.activeElement);
      if (!first || !last) {
        event.preventDefault();
        return;
      }
      if (event.shiftKey && (!inside || document.activeElement === first)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
        event.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      // Back where the user was, unless something else has taken the focus meanwhile.
      const now = document.activeElement;
      if (before && before.isConnected && shown(before) && (now === null || now === document.body || dialog.contains(now))) before.focus();
    };
  }, [ref, before]);
}
