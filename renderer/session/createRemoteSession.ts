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
      throw new Error('SPICE is not supported yet');
  }
}
