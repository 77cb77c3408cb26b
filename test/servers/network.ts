// Hosts that fail in the three ways users meet: a closed port, a listener
// that accepts and never speaks, and a host that drops packets (an iptables
// DROP rule on loopback for one port, removed again also on failure).
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { freePort } from './processes';

export async function closedPort(): Promise<number> {
  return freePort();
}

export async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port whose SYNs vanish, so a connect hangs as it does to a host that is down. */
export async function droppingPort(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const rule = ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '-j', 'DROP'];
  execFileSync('iptables', ['-A', ...rule]);
  return {
    port,
    async close() {
      execFileSync('iptables', ['-D', ...rule]);
    },
  };
}
