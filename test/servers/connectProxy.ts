// An HTTP CONNECT proxy on loopback that behaves as Proxmox VE's spiceproxy
// does for a console file: it knows the ticket each console file names as its
// host ("pvespiceproxy:<time>:<vmid>:<node>::<hmac>") and tunnels a CONNECT to
// that ticket's port to the virtual machine's SPICE server; any other target
// gets 403, as spiceproxy answers an expired or forged ticket. Proxmox's own
// spiceproxy needs a Proxmox cluster, which no test machine has; the SPICE
// server behind it is the real one (spiceServer.ts).
import net from 'node:net';

export interface ConnectProxy {
  port: number;
  /** Every request line the proxy was sent ("CONNECT host:port HTTP/1.1"), in order. */
  requests: string[];
  /** Tunnels a CONNECT to `authority` ("host:port" as the client writes it) to the server at 127.0.0.1:`port`. */
  route(authority: string, port: number): void;
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const routes = new Map<string, number>();
  const requests: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const requestLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      requests.push(requestLine);
      const [method, authority] = requestLine.split(' ');
      const port = method === 'CONNECT' && authority ? routes.get(authority) : undefined;
      if (port === undefined) {
        client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const upstream = net.connect({ host: '127.0.0.1', port }, () => {
        client.write('HTTP/1.1 200 OK\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      open.add(upstream);
      upstream.on('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    route: (authority, port) => routes.set(authority, port),
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
