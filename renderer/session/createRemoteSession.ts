// Picks the adapter for a protocol. Adapters load lazily: the RDP one pulls a
// large WASM bundle that a VNC-only user never needs. They load ahead of a
// connect where the app can tell one is coming: in idle time once the library
// lists a profile of that protocol (warmUpSessionAdapters), and at Connect,
// alongside the request for the session (preloadSessionAdapter), so that a
// click pays for neither the download nor the compile.
import type { Protocol } from '../../shared/profiles/profileSchema';
import type { RemoteSession } from './remoteSession';

interface Adapter {
  create: () => RemoteSession;
  /** Starts what a connect of this protocol will wait for (WebAssembly compiles; for a connect under way, named by `forConnect`, worker threads too). */
  warmUp?: (forConnect?: object) => void;
  /** Ends what warmUp(owner) started for a connect that ended before its session did (threads; compiled code stays). */
  abandonWarmUp?: (owner: object) => void;
}

const loaders: Partial<Record<Protocol, () => Promise<Adapter>>> = {
  vnc: async () => {
    const { VncSession } = await import('../protocols/vnc/vncSession');
    return { create: () => new VncSession() };
  },
  rdp: async () => {
    const { RdpSession, warmUpRdp, abandonRdpWarmUp } = await import('../protocols/rdp/rdpSession');
    return { create: () => new RdpSession(), warmUp: warmUpRdp, abandonWarmUp: abandonRdpWarmUp };
  },
  spice: async () => {
    const { SpiceSession } = await import('../protocols/spice/spiceSession');
    return { create: () => new SpiceSession() };
  },
};

export async function createRemoteSession(protocol: Protocol): Promise<RemoteSession> {
  const load = loaders[protocol];
  if (!load) throw new UnsupportedProtocolError(protocol);
  return (await load()).create();
}

/**
 * Starts loading a protocol's adapter now; with `forConnect`, for a connect
 * under way that it names (a session view; its session is given the same
 * owner in ConnectParams.warmUpOwner). A failure is left for
 * createRemoteSession to report.
 */
export function preloadSessionAdapter(protocol: Protocol, forConnect?: object): void {
  void loaders[protocol]?.().then(
    (adapter) => adapter.warmUp?.(forConnect),
    () => undefined,
  );
}

/**
 * A connect that preloadSessionAdapter started ended before a session was
 * created (a refused certificate, a failed session request): what the adapter
 * started for it (RDP's decoding threads) ends now, not when it expires.
 */
export function abandonSessionAdapterWarmUp(protocol: Protocol, owner: object): void {
  void loaders[protocol]?.().then(
    (adapter) => adapter.abandonWarmUp?.(owner),
    () => undefined,
  );
}

/** Loads the adapters of these protocols in idle time after the app has drawn. */
export function warmUpSessionAdapters(protocols: Iterable<Protocol>): void {
  const wanted = [...new Set(protocols)].filter((p) => loaders[p]);
  if (wanted.length === 0) return;
  const start = () => wanted.forEach((protocol) => preloadSessionAdapter(protocol));
  if ('requestIdleCallback' in window) window.requestIdleCallback(start, { timeout: 3000 });
  else setTimeout(start, 500);
}

/** No adapter exists for this protocol in this version. */
export class UnsupportedProtocolError extends Error {
  constructor(readonly protocol: Protocol) {
    super(`${protocol.toUpperCase()} is not supported in this version of DeskBridge.`);
  }
}
