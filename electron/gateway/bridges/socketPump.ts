// Moves bytes between a browser WebSocket and a host socket (TCP or TLS),
// with backpressure both ways and byte counts for the session's stats.
// Shared by the TCP relay (VNC, SPICE) and the RDCleanPath endpoint (RDP).
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { GatewaySession } from '../sessions/sessionRegistry';

/** Pause reading from the host while this much is queued towards the browser. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1 * 1024 * 1024;

export interface PumpHooks {
  /** Sees each chunk from the browser before it goes to the host. */
  toHost?: (chunk: Buffer) => void;
  /** Replaces each chunk from the browser with what goes to the host (after `toHost` has seen what goes). */
  transformToHost?: (chunk: Buffer) => Buffer[];
  /** Sees each chunk from the host before it goes to the browser. */
  fromHost?: (chunk: Buffer) => void;
  /**
   * Replaces each chunk from the host with what goes to the browser (after
   * `fromHost` has seen it): one message, or several (possibly none).
   */
  transformFromHost?: (chunk: Buffer) => Buffer | Buffer[];
}

export function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/**
 * Starts pumping. The caller handles close and error events of both ends.
 * Returns how to send the browser a message of the caller's own, with the same backpressure.
 */
export function pumpBytes(socket: WebSocket, host: Duplex, session: GatewaySession, hooks: PumpHooks = {}): { toBrowser: (message: Buffer) => void } {
  let queuedToBrowser = 0;
  host.on('data', (chunk: Buffer) => {
    hooks.fromHost?.(chunk);
    session.bytesFromHost += chunk.length;
    const out = hooks.transformFromHost ? hooks.transformFromHost(chunk) : chunk;
    if (Array.isArray(out)) for (const message of out) send(message);
    else send(out);
  });
  const send = (message: Buffer) => {
    if (message.length === 0) return;
    queuedToBrowser += message.length;
    if (queuedToBrowser > HIGH_WATER) host.pause();
    socket.send(message, { binary: true, compress: false }, () => {
      queuedToBrowser -= message.length;
      if (queuedToBrowser < LOW_WATER && host.isPaused()) host.resume();
    });
  };
  host.on('drain', () => socket.resume());
  socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const pieces = hooks.transformToHost ? hooks.transformToHost(toBuffer(data)) : [toBuffer(data)];
    for (const chunk of pieces) {
      hooks.toHost?.(chunk);
      session.bytesToHost += chunk.length;
      if (!host.write(chunk)) socket.pause();
    }
  });
  return { toBrowser: send };
}
