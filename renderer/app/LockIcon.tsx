/**
 * The "managed by your organisation" mark: drawn, not the 🔒 emoji, which a system without a colour-emoji font
 * (Debian's Chromium by default) shows as an empty box.
 */
export function LockIcon() {
  return (
    <svg className="lock-icon" viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor" />
    </svg>
  );
}
