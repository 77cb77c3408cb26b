// The window key (ARCHITECTURE.md, "Who may talk to the gateway"): the start
// address's answer is this page with the key in a meta element, in no address
// (a URL, even its fragment, would go into the browser's history). It moves to
// sessionStorage (which a reload and a duplicated tab keep, and no other
// window sees), the element goes, and the address becomes "/" (the start code
// in it is spent). The key then goes with every API call in a header; the
// cookie alone, which the browser would send to any port of 127.0.0.1, opens
// nothing.
import { START_PATH, WINDOW_KEY_HEADER, WINDOW_KEY_META } from '../../shared/api/contract';

const STORAGE_NAME = 'deskbridge.windowKey';

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage switched off: the key lives as long as the page
  }
}

let key: string | null = null;

/** Takes the key from the page (a start) into sessionStorage, or from sessionStorage (a reload). */
export function adoptWindowKey(): void {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${WINDOW_KEY_META}"]`);
  if (meta?.content) {
    key = meta.content;
    meta.remove();
    storage()?.setItem(STORAGE_NAME, key);
  } else {
    key = storage()?.getItem(STORAGE_NAME) ?? null;
  }
  if (location.pathname === START_PATH) {
    // A connection asked for at start (?connect=) goes where the app reads it, the fragment.
    const connect = new URLSearchParams(location.search).get('connect');
    history.replaceState(history.state, '', connect ? `/#${new URLSearchParams({ connect })}` : '/');
  }
}

/** The header to send with an API call: none when this window was not started with a key (the gateway says 401). */
export function windowKeyHeaders(): Record<string, string> {
  return key ? { [WINDOW_KEY_HEADER]: key } : {};
}
