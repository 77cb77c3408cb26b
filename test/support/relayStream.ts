// A relay WebSocket's binary messages read as one byte stream (the RFB the
// page would read), its text messages (the gateway's notes to the page, such
// as the round trip it timed while signing in) kept apart.
import type WebSocket from 'ws';

export interface RelayStream {
  /** The next `n` bytes, once they are all here. */
  read(n: number): Promise<Buffer>;
  /** The text messages so far, parsed. */
  notes: unknown[];
  /** How many binary bytes have come so far, read or not. */
  received(): number;
}

export function relayStream(ws: WebSocket): RelayStream {
  let buffered = Buffer.alloc(0);
  let waiting: { n: number; resolve: (b: Buffer) => void } | null = null;
  const notes: unknown[] = [];
  let received = 0;
  const serve = () => {
    if (waiting && buffered.length >= waiting.n) {
      const { n, resolve } = waiting;
      waiting = null;
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      resolve(out);
    }
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      notes.push(JSON.parse(data.toString('utf8')));
      return;
    }
    received += data.length;
    buffered = Buffer.concat([buffered, data]);
    serve();
  });
  return {
    notes,
    received: () => received,
    read: (n) =>
      new Promise((resolve) => {
        waiting = { n, resolve };
        serve();
      }),
  };
}
