// A TCP relay between the gateway and a test server that counts what crosses
// it and injects faults on command: black-hole (drop), stall, cut. It sees the
// TLS record layer (RFC 8446 §5.1) of each direction, so a test can tell a bare
// handshake from a connection that carried application data. It can also hold
// every chunk for a while each way, so a server on loopback looks as far away
// as a WAN host.
import net from 'node:net';

export interface ConnectionTrace {
  bytesToServer: number;
  bytesToClient: number;
  /** Content types of the TLS records the client sent after the X.224 exchange (22 handshake, 23 application data, 20 CCS, 21 alert). */
  clientRecordTypes: number[];
  /** What the client sent, as it came (client-to-server traffic is small in every test). */
  fromClient: Buffer[];
  closed: boolean;
}

export interface FaultRelayOptions {
  /** Hold every chunk this long in each direction (a round trip of twice this). */
  delayMs?: number;
  /**
   * Hold each connection's first `chunks` chunks from the server `ms` longer
   * (a server slow to start, or a machine busy during the first exchanges);
   * what follows them waits its turn, so the bytes keep their order.
   */
  slowStart?: { chunks: number; ms: number };
  /** A VNC server's RFB version greeting (its first 12 bytes) replaced with this, e.g. "RFB 003.007\n": an older server, as the client sees it. */
  greetingAs?: string;
  /**
   * Holds what a connection's client sends, from its first chunk on, for the
   * milliseconds this returns for that chunk (0: not at all): one connection
   * made slow, picked by what it says first (a SPICE channel by its link message).
   */
  holdClient?: (first: Buffer) => number;
}

export interface FaultRelay {
  port: number;
  connections: ConnectionTrace[];
  /** Stops forwarding in both directions without closing: packets vanish, as on a dead link. */
  blackHole(on: boolean): void;
  /** Closes every open connection at once, as a cut cable or a NAT timeout would. */
  cutAll(): void;
  close(): Promise<void>;
}

/** Splits a byte stream into TLS records, after skipping a leading TPKT (the X.224 request). */
class TlsRecordReader {
  private buffer = Buffer.alloc(0);
  private skippedTpkt = false;
  constructor(private readonly onRecord: (type: number) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (!this.skippedTpkt) {
        if (this.buffer.length < 4) return;
        if (this.buffer[0] === 3) {
          const length = this.buffer.readUInt16BE(2);
          if (this.buffer.length < length) return;
          this.buffer = this.buffer.subarray(length);
        }
        this.skippedTpkt = true;
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = this.buffer.readUInt16BE(3);
      if (this.buffer.length < 5 + length) return;
      this.onRecord(this.buffer[0] as number);
      this.buffer = this.buffer.subarray(5 + length);
    }
  }
}

export async function startFaultRelay(targetPort: number, targetHost = '127.0.0.1', options: FaultRelayOptions = {}): Promise<FaultRelay> {
  const connections: ConnectionTrace[] = [];
  const delayMs = options.delayMs ?? 0;
  // Timers of one delay fire in the order they were set, so the bytes keep their order.
  const forward = (to: net.Socket, chunk: Buffer) => {
    if (delayMs <= 0) to.write(chunk);
    else setTimeout(() => !to.destroyed && to.write(chunk), delayMs);
  };
  /** The server-to-client direction of one connection under `slowStart`: each chunk due at its delay (more for the first few), never before the one ahead of it. */
  const slowStarting = (to: net.Socket, slow: { chunks: number; ms: number }) => {
    let seen = 0;
    let lastDue = 0;
    // One queue in due order and one timer, so no two timers can race.
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | null = null;
    const deliver = () => {
      timer = null;
      while (queue.length > 0 && queue[0]!.due <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(deliver, queue[0]!.due - Date.now());
    };
    return (chunk: Buffer) => {
      const due = Math.max(Date.now() + delayMs + (seen++ < slow.chunks ? slow.ms : 0), lastDue);
      lastDue = due;
      queue.push({ due, chunk });
      timer ??= setTimeout(deliver, due - Date.now());
    };
  };
  const open = new Set<{ client: net.Socket; server: net.Socket }>();
  let blackHoled = false;
  const server = net.createServer((client) => {
    const trace: ConnectionTrace = { bytesToServer: 0, bytesToClient: 0, clientRecordTypes: [], fromClient: [], closed: false };
    connections.push(trace);
    // No Nagle on the relay's own writes (the gateway and the servers turn it off too): a
    // 10-byte update request held for a delayed ACK would add tens of ms no real link has.
    client.setNoDelay(true);
    const upstream = net.connect({ host: targetHost, port: targetPort, noDelay: true });
    const pair = { client, server: upstream };
    open.add(pair);
    const records = new TlsRecordReader((type) => trace.clientRecordTypes.push(type));
    let held: Buffer[] | null = null;
    client.on('data', (chunk: Buffer) => {
      if (blackHoled) return;
      if (trace.fromClient.length === 0 && options.holdClient) {
        const ms = options.holdClient(chunk);
        if (ms > 0) {
          held = [];
          setTimeout(() => {
            for (const waiting of held ?? []) forward(upstream, waiting);
            held = null;
          }, ms);
        }
      }
      trace.bytesToServer += chunk.length;
      trace.fromClient.push(chunk);
      records.push(chunk);
      if (held) held.push(chunk);
      else forward(upstream, chunk);
    });
    const toClient = options.slowStart ? slowStarting(client, options.slowStart) : (chunk: Buffer) => forward(client, chunk);
    let greetingLeft = options.greetingAs ? Buffer.from(options.greetingAs, 'latin1') : Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      if (blackHoled) return;
      trace.bytesToClient += chunk.length;
      if (greetingLeft.length > 0) {
        const n = Math.min(greetingLeft.length, chunk.length);
        chunk = Buffer.concat([greetingLeft.subarray(0, n), chunk.subarray(n)]);
        greetingLeft = greetingLeft.subarray(n);
      }
      toClient(chunk);
    });
    const end = () => {
      trace.closed = true;
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    blackHole(on) {
      blackHoled = on;
    },
    cutAll() {
      for (const pair of open) {
        pair.client.destroy();
        pair.server.destroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of open) {
          pair.client.destroy();
          pair.server.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
