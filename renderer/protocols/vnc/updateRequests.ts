// Updates asked for one at a time, once the last is drawn, when the server is
// near; streamed when far.
//
// noVNC offers the server continuous updates (the ContinuousUpdates
// pseudo-encoding, -313): TigerVNC then streams updates, paced by its own
// congestion control (fences, fences.ts). Against a page that needs longer
// than the server to handle a picture, that control keeps more than one update
// on its way, and each waits behind the one being decoded: measured on the
// bench (docs/performance-history.md, "Updates on request"), full screen
// 1024×768 p50 69 ms with streaming against 26 ms without, and more frames
// shown (42.2 → 49.6 a second), since the server encodes a fresh picture when
// the page asks instead of a stale one ahead of time. Without the
// pseudo-encoding noVNC asks for the next update (RFB's
// FramebufferUpdateRequest) as soon as it has read one, while the JPEG
// rectangles read are still being decoded (imageDecoding.ts); the request is
// held here until the page has drawn them (noVNC's render queue is empty), so
// the server encodes the screen as it is then, on cores the page no longer
// needs, and the picture it sends finds the page idle: measured
// (docs/performance-history.md, "Updates asked for once drawn"), full-screen
// p95 lower in two series of runs (1024×768 56 → 46 and 50 → 45 ms, 1920×1080
// 122 → 97 and 116 → 103 ms), frames/s within the spread. Asking earlier
// instead (as an update starts arriving) did worse.
//
// Asking costs a round trip per update, which caps the frame rate at 1 ÷ the
// round trip: nothing on a LAN, a lot over a long link, where streaming is
// what keeps the frames coming (the reason TigerVNC added it). So the
// handshake's round trips are timed (each message sent there, to the
// server's answer, which comes at once: version, security, ClientInit) and
// continuous updates are left out only when the shortest is at most
// NEAR_SERVER_MS. Where the gateway signed in for the page
// (electron/gateway/bridges/vncSignIn.ts) it timed them itself, next to the
// server, and its figure comes first on the relay (useGatewayRoundTrip); the
// page's own handshake is then with the gateway and not timed. Else the
// adapter times the page's. A busy page makes a round trip look longer, never
// shorter, and the shortest of three or four is the one least disturbed; a
// doubt keeps noVNC's streaming.
//
// A far session streams, except while its large pictures take the page much
// longer to draw than a round trip: farUpdates.ts then turns continuous
// updates off and its requests are held here as a near session's are.

import type { DrawingQueue } from './drawingQueue';

/** RFB's ContinuousUpdates pseudo-encoding (the community extension). */
export const CONTINUOUS_UPDATES = -313;
/** At most this round trip (ms) and updates are asked for one at a time. */
export const NEAR_SERVER_MS = 10;

/** The part of noVNC's RFB.messages (core/rfb.js, 1.7) this relies on. */
export interface NoVncMessages {
  clientEncodings?: (sock: object, encodings: number[]) => void;
  fbUpdateRequest?: (sock: object, incremental: boolean, x: number, y: number, width: number, height: number) => void;
}

const WRAPPED = Symbol('deskbridge.updateRequests');
type Wrapped<F> = F & { [WRAPPED]?: true };

interface RoundTrips {
  /** When the page sent its latest message still waiting for an answer. */
  sentAt: number | null;
  /** The shortest round trip so far (ms). */
  shortest: number;
  /** Set when noVNC first sends its encodings; fixed from then on. */
  asking: boolean | null;
  decided: (shortestMs: number, asking: boolean) => void;
  /** The session's drawing, which an update request waits for (named with noVNC's socket). */
  drawing: DrawingQueue | null;
  /** An update request is waiting for the drawing. */
  holding: boolean;
  /** A far session asking for now, while its pictures take long to draw (farUpdates.ts). */
  farAsking: boolean;
  /** The gateway timed the handshake with the server itself (it signed in): the page's own exchanges are with the gateway, not timed. */
  byGateway: boolean;
}

/** noVNC's sockets (its Websock objects) being timed, and what was decided for each. */
const timings = new WeakMap<object, RoundTrips>();

/**
 * Makes noVNC's SetEncodings leave out continuous updates for sockets whose
 * server is near (askForUpdatesWhenNear), and holds their incremental update
 * requests until what the page has read is drawn. noVNC's messages are shared
 * by every session, so this wraps them once. Returns false, changing nothing,
 * if this noVNC lacks SetEncodings as it was (every session then streams, as
 * noVNC does); without its update request as it was, requests go at once.
 */
export function filterEncodings(messages: NoVncMessages): boolean {
  const own = messages.clientEncodings as Wrapped<NoVncMessages['clientEncodings']>;
  if (typeof own !== 'function') return false;
  if (own[WRAPPED]) return true;
  holdRequestsUntilDrawn(messages);
  const wrapped: Wrapped<typeof own> = function (this: NoVncMessages, sock, encodings) {
    const timing = typeof sock === 'object' && sock !== null ? timings.get(sock) : undefined;
    if (timing && timing.asking === null) {
      timing.asking = timing.shortest <= NEAR_SERVER_MS;
      timing.decided(timing.shortest, timing.asking);
    }
    return own.call(this, sock, timing?.asking ? encodings.filter((encoding) => encoding !== CONTINUOUS_UPDATES) : encodings);
  };
  wrapped[WRAPPED] = true;
  messages.clientEncodings = wrapped;
  return true;
}

/**
 * noVNC asks for the next update (incremental, the whole screen) as soon as it
 * has read the last; for a session asking one at a time, the request is sent
 * once that update is drawn instead. One request at most is held: noVNC sends
 * one per update, all alike.
 */
function holdRequestsUntilDrawn(messages: NoVncMessages): void {
  const own = messages.fbUpdateRequest as Wrapped<NoVncMessages['fbUpdateRequest']>;
  if (typeof own !== 'function' || own[WRAPPED]) return;
  const wrapped: Wrapped<typeof own> = function (this: NoVncMessages, sock, incremental, x, y, width, height) {
    const timing = typeof sock === 'object' && sock !== null ? timings.get(sock) : undefined;
    const drawing = (timing?.asking || timing?.farAsking) && incremental ? timing.drawing : null;
    if (!timing || !drawing?.pending()) return own.call(this, sock, incremental, x, y, width, height);
    if (timing.holding) return;
    timing.holding = true;
    void drawing.flush().then(() => {
      timing.holding = false;
      own.call(this, sock, incremental, x, y, width, height);
    });
  };
  wrapped[WRAPPED] = true;
  messages.fbUpdateRequest = wrapped;
}

/** The part of a WebSocket this watches. */
export interface WatchedSocket {
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  addEventListener(type: 'message', listener: () => void): void;
  removeEventListener(type: 'message', listener: () => void): void;
}

/**
 * Times the handshake's round trips on `socket` (a message the page sends, to
 * the next one it receives) until noVNC first sends its encodings (after
 * ServerInit), when filterEncodings() decides. Call it before noVNC attaches
 * to the socket: its listener must run before noVNC's, or the message noVNC
 * answers would be taken for the answer to that answer. Returns the function
 * that names noVNC's socket object (its Websock, what noVNC passes its
 * messages), known only once noVNC has attached, and its drawing, which
 * update requests wait for. Calls `decided` with the shortest round trip and
 * the choice.
 */
export function askForUpdatesWhenNear(
  socket: WatchedSocket,
  decided: (shortestMs: number, asking: boolean) => void = () => {},
  now: () => number = () => performance.now(),
): (sock: object, drawing?: DrawingQueue) => void {
  const timing: RoundTrips = { sentAt: null, shortest: Infinity, asking: null, decided, drawing: null, holding: false, farAsking: false, byGateway: false };
  const send = socket.send;
  socket.send = function (this: WatchedSocket, data) {
    if (timing.asking === null && timing.sentAt === null) timing.sentAt = now();
    return send.call(this, data);
  };
  const received = () => {
    if (timing.asking !== null) {
      socket.removeEventListener('message', received);
      socket.send = send;
      return;
    }
    if (timing.sentAt === null || timing.byGateway) return;
    timing.shortest = Math.min(timing.shortest, now() - timing.sentAt);
    timing.sentAt = null;
  };
  socket.addEventListener('message', received);
  return (sock, drawing) => {
    timing.drawing = drawing ?? null;
    timings.set(sock, timing);
  };
}

/**
 * The gateway signed in for the page (electron/gateway/bridges/vncSignIn.ts)
 * and timed the handshake's round trips to the server itself: `shortestMs`
 * decides for noVNC's socket `sock`, whose own handshake is with the gateway.
 */
export function useGatewayRoundTrip(sock: object, shortestMs: number): void {
  const timing = timings.get(sock);
  if (!timing || timing.asking !== null) return;
  timing.shortest = shortestMs;
  timing.byGateway = true;
}

/** The handshake's shortest round trip (ms) if noVNC's socket `sock` was found far (it streams); null while undecided or near. */
export function farRoundTrip(sock: object): number | null {
  const timing = timings.get(sock);
  return timing?.asking === false ? timing.shortest : null;
}

/** A far session (farUpdates.ts) now asks for each update, held until drawn as a near one's (true), or streams (false). */
export function setFarAsking(sock: object, asking: boolean): void {
  const timing = timings.get(sock);
  if (timing) timing.farAsking = asking;
}

/** Whether noVNC's socket `sock` was found near and asks for updates one at a time (for tests). */
export function asksForUpdates(sock: object): boolean {
  return timings.get(sock)?.asking === true;
}
