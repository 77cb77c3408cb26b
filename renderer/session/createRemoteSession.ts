// Picks the adapter for a protocol. Adapters load lazily: the RDP one pulls a
// large WASM bundle that a VNC-only user never needs.
import type { Protocol } from '../../shared/profiles/profileSchema';
import type { RemoteSession } from './remoteSession';

export async function createRemoteSession(protocol: Protocol): Promise<RemoteSession> {
  switch (protocol) {
    case 'vnc': {
      const { VncSession } = await import('../protocols/vnc/vncSession');
      return new VncSession();
    }
    case 'rdp': {
      const { RdpSession } = await import('../protocols/rdp/rdpSession');
      return new RdpSession();
    }
    case 'spice':
      // The SPICE adapter (spice-html5) goes in protocols/spice/ and is added here.
      throw new UnsupportedProtocolError(protocol);
  }
}

/** No adapter exists for this protocol in this version. */
export class UnsupportedProtocolError extends Error {
  constructor(readonly protocol: Protocol) {
    super(`${protocol.toUpperCase()} is not supported in this version of DeskBridge.`);
  }
}
