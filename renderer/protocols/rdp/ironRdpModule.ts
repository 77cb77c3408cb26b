// IronRDP's web client, loaded once per renderer. The backend is a separate
// chunk with a 4.5 MB WebAssembly file (written out at build time:
// ironRdpWasm.ts), fetched and compiled ahead of the first connect
// (warmUpRdp in rdpSession.ts, from createRemoteSession.ts) so that a connect
// does not pay for it.
import type { IronError, UserInteraction } from '@devolutions/iron-remote-desktop';

export type RdpBackendModule = typeof import('@devolutions/iron-remote-desktop-rdp');

let loading: Promise<RdpBackendModule> | null = null;

export function loadIronRdp(): Promise<RdpBackendModule> {
  if (!loading) {
    loading = (async () => {
      // Importing the component module registers the <iron-remote-desktop> element.
      await import('@devolutions/iron-remote-desktop');
      const backend = await import('@devolutions/iron-remote-desktop-rdp');
      await backend.init('WARN');
      return backend;
    })();
    loading.catch(() => {
      loading = null; // let a later connect try again
    });
  }
  return loading;
}

/** Creates the element and resolves with its interaction object once it is ready. */
export async function createIronRdpElement(host: HTMLElement): Promise<{ element: HTMLElement; ui: UserInteraction; backend: RdpBackendModule }> {
  const backend = await loadIronRdp();
  const element = document.createElement('iron-remote-desktop') as HTMLElement & { module?: unknown; scale?: string; flexcenter?: string; verbose?: string };
  // The backend must be set before the element is attached, or it starts without one.
  element.module = backend.Backend;
  element.setAttribute('scale', 'fit');
  element.setAttribute('flexcenter', 'true');
  element.setAttribute('verbose', 'false');
  // A custom element is inline and sizeless by default; it fills the session surface. IronRDP centres its desktop
  // across ("flexcenter") but not down (its wrapper is only as tall as the picture): a column that centres it puts a
  // desktop smaller than the window in the middle, as noVNC's is ("safe": a taller one still starts at its top).
  element.style.display = 'flex';
  element.style.flexDirection = 'column';
  element.style.justifyContent = 'safe center';
  element.style.width = '100%';
  element.style.height = '100%';
  const ready = new Promise<UserInteraction>((resolve) => {
    element.addEventListener(
      'ready',
      (event) => {
        const ui = (event as CustomEvent<{ irgUserInteraction: UserInteraction }>).detail.irgUserInteraction;
        // Now, inside the event: the component reads this right after "ready" when it sets up
        // its clipboard. DeskBridge moves the text itself (saveRemoteClipboardData / sendClipboardData).
        ui.setEnableAutoClipboard(false);
        resolve(ui);
      },
      { once: true },
    );
  });
  host.appendChild(element);
  const ui = await ready;
  // The component dispatches "ready" before its clipboard setup (initClipboard) has run, and a
  // connect() before that finishes opens no clipboard channel at all. That setup waits on one
  // permission query: let it start, wait for a query of ours queued behind it, then a turn more.
  await new Promise((r) => setTimeout(r, 0));
  await navigator.permissions?.query({ name: 'clipboard-read' as PermissionName }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 0));
  return { element, ui, backend };
}

export function isIronError(value: unknown): value is IronError {
  return typeof value === 'object' && value !== null && typeof (value as IronError).kind === 'function';
}
