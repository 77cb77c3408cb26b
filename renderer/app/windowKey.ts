// The window key (ARCHITECTURE.md, "Who may talk to the gateway"): the start
// redirect hands it to this window in the URL fragment, which no browser sends
// to a server. It moves to sessionStorage (which a reload and a duplicated tab
// keep, and no other window sees) and out of the address, then goes with every
// API call in a header; the cookie alone, which the browser would send to any
// port of 127.0.0.1, opens nothing.
import { WINDOW_KEY_HEADER } from '../../shared/api/contract';

const STORAGE_NAME = 'deskbridge.windowKey';

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage switched off: the key lives as long as the page
  }
}

let key: string | null = null;

/** Takes the key out of the address (keeping the rest of the fragment, such as `connect=`) into sessionStorage. */
export function adoptWindowKey(): void {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromAddress = fragment.get('key');
  if (fromAddress) {
    key = fromAddress;
    storage()?.setItem(STORAGE_NAME, fromAddress);
    fragment.delete('key');
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return;
  }
  key = storage()?.getItem(STORAGE_NAME) ?? null;
}

/** The header to send with an API call: none when this window was not started with a key (the gateway says 401). */
export function windowKeyHeaders(): Record<string, string> {
  return key ? { [WINDOW_KEY_HEADER]: key } : {};
}
