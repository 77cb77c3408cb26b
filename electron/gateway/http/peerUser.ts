// Which local user is on the other end of a loopback TCP connection, where the
// system says (Linux: /proc/net/tcp lists every socket with the user owning
// it). The gateway serves one user: a connection another local user's process
// made (a start code read off Chromium's command line in /proc, a cookie from
// the browser profile of a user who shares the machine) is closed before a
// byte of it is read. A system that does not say (macOS, Windows) is not asked.
import { readFileSync } from 'node:fs';

/** "0100007F:1F90" (little-endian IPv4 as hex, port as hex) → its port. */
function portOf(address: string): number {
  return Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}

/**
 * The uid owning the socket whose local port is `clientPort` and whose remote port is `serverPort` (the client's
 * side of a connection to the gateway), from the kernel's tables; null where they cannot be read or name none.
 */
export function loopbackPeerUid(clientPort: number, serverPort: number, tables: readonly string[] = ['/proc/net/tcp', '/proc/net/tcp6']): number | null {
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 8) continue;
      const [, local = '', remote = ''] = fields;
      if (portOf(local) !== clientPort || portOf(remote) !== serverPort) continue;
      const uid = Number(fields[7]);
      if (Number.isInteger(uid)) return uid;
    }
  }
  return null;
}

/** Whether a connection from `clientPort` to `serverPort` may be served: its owner is this process's user, or unknown. */
export function sameLocalUser(clientPort: number, serverPort: number, ownUid: number | null = typeof process.getuid === 'function' ? process.getuid() : null): boolean {
  if (ownUid === null) return true;
  const peer = loopbackPeerUid(clientPort, serverPort);
  return peer === null || peer === ownUid;
}
