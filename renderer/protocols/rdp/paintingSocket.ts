// The page's half of RemoteFX decoded outside IronRDP
// (electron/gateway/bridges/rdp/remoteFxTranscoder.ts): IronRDP's WebSocket,
// opened through openIronRdpSocket (a build-time change to IronRDP's glue,
// vite.config.ts), asks the gateway to take RemoteFX out of IronRDP's stream
// (paint=1). Each message from the gateway then starts with a tag byte: 0
// carries RDP bytes, handed on to IronRDP without the tag; 1 carries RemoteFX
// messages that came one after the other, decoded by this session's workers
// (remoteFxWorker.ts: one per core, up to four, each a share of the tiles, as
// FreeRDP spreads a message's tiles over its thread pool) and put on
// IronRDP's canvas here, all at once. Messages
// reach IronRDP and the canvas strictly in the order they came
// (decodedInOrder.ts): what follows a RemoteFX message waits until its pixels
// are on the canvas, so the frame's end marker, which IronRDP acknowledges,
// reaches IronRDP after the frame is painted.
//
// Only a session whose workers started paints (startPainting); any other URL
// gets a plain WebSocket, and a gateway that was not asked sends no tags.
import tileDecoderUrl from 'virtual:remotefx-tile-decoder';
import type { FromDecoder, ToDecoder } from './remoteFxWorker';
import type { PaintedRect } from './remoteFxDecoder';
import { DecodedInOrder } from './decodedInOrder';

interface Painter {
  canvas: () => HTMLCanvasElement | null;
  workers: Worker[];
}

const targets = new Map<string, Painter>();

const TAG_REMOTEFX = 1;
/** A decoder not ready by then is given up: IronRDP decodes, the connection does not wait longer. */
const START_TIMEOUT_MS = 5000;
/** Decoding threads per session: one per core the browser reports, up to this many. */
const MAX_DECODERS = 4;

/** How many decoding threads a session gets here. */
export function decoderCount(cores = globalThis.navigator?.hardwareConcurrency): number {
  return Math.max(1, Math.min(MAX_DECODERS, Number.isInteger(cores) ? cores! : 1));
}

let tileDecoder: Promise<WebAssembly.Module> | null = null;

/** The tile decoder's WebAssembly, compiled once per page; a failed compile is tried again next time. */
function compiledTileDecoder(): Promise<WebAssembly.Module> {
  if (!tileDecoder) {
    const compiling = WebAssembly.compileStreaming(fetch(tileDecoderUrl));
    tileDecoder = compiling;
    compiling.catch(() => {
      if (tileDecoder === compiling) tileDecoder = null;
    });
  }
  return tileDecoder;
}

/** Decoding workers, each handed the compiled tile decoder, once all have said they are ready; none left running if one fails. */
async function startedWorkers(): Promise<Worker[]> {
  const workers: Worker[] = [];
  try {
    const module = await compiledTileDecoder();
    for (let i = decoderCount(); i > 0; i--) workers.push(new Worker(new URL('./remoteFxWorker.ts', import.meta.url), { type: 'module' }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    });
    const started = workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.onmessage = (event: MessageEvent<FromDecoder>) => ('ready' in event.data && event.data.ready ? resolve() : reject(new Error('error' in event.data ? event.data.error : 'no answer')));
          worker.onerror = (event) => reject(new Error(event.message || 'the worker did not load'));
          worker.postMessage({ module } satisfies ToDecoder);
        }),
    );
    await Promise.race([Promise.all(started), timeout]).finally(() => clearTimeout(timer));
    return workers;
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  }
}

/**
 * Workers started for connects under way (warmUpPainting), by the one who
 * started each connect (a session view: several tabs may connect at once),
 * each taken by that connect's startPainting or ended by its release.
 */
const prepared = new Map<object, { workers: Promise<Worker[]>; expiry: ReturnType<typeof setTimeout> }>();
/** Prepared workers no session took by then are ended: idle threads hold memory. */
export const PREPARED_FOR_MS = 30_000;

/**
 * Compiles the tile decoder ahead of a connect (createRemoteSession.ts) and,
 * for a connect under way (`owner` names it), starts its decoding workers too,
 * so that they are ready while the gateway sets the session up rather than
 * after. Once per owner until taken or released: a second attempt of the same
 * connect, after "Trust once", keeps what the first started.
 */
export function warmUpPainting(owner?: object): void {
  void compiledTileDecoder(); // a failure is handled where it is made
  if (!owner || prepared.has(owner)) return;
  const workers = startedWorkers();
  const entry = {
    workers,
    expiry: setTimeout(() => {
      if (prepared.get(owner) === entry) releasePreparedPainting(owner);
    }, PREPARED_FOR_MS),
  };
  prepared.set(owner, entry);
  workers.catch(() => {
    if (prepared.get(owner) !== entry) return;
    clearTimeout(entry.expiry);
    prepared.delete(owner);
  });
}

/**
 * Ends the workers prepared for `owner`'s connect when it will not reach
 * startPainting (the certificate refused, the session request failed, the
 * user disconnected first): their threads and memory go now rather than when
 * PREPARED_FOR_MS runs out. Another connect's prepared workers stay.
 */
export function releasePreparedPainting(owner: object): void {
  const entry = prepared.get(owner);
  if (!entry) return;
  prepared.delete(owner);
  clearTimeout(entry.expiry);
  void entry.workers.then((list) => list.forEach((worker) => worker.terminate()), () => undefined);
}

/**
 * The proxy address to give IronRDP for a session whose canvas the page
 * paints, and how to forget it; the address as it was (IronRDP decodes) when
 * the decoder cannot start here. Takes the workers prepared for `owner`'s
 * connect, if any.
 */
export async function startPainting(address: string, canvas: () => HTMLCanvasElement | null, owner?: object): Promise<{ address: string; release: () => void }> {
  const ready = owner && prepared.get(owner);
  if (ready) {
    prepared.delete(owner);
    clearTimeout(ready.expiry);
  }
  let workers: Worker[];
  try {
    // Workers prepared for this connect, else (none, or they failed) started now.
    workers = await (ready ? ready.workers.catch(() => startedWorkers()) : startedWorkers());
  } catch (error) {
    tileDecoder = null;
    console.warn('RemoteFX left to IronRDP: the page decoder did not start', error);
    return { address, release: () => {} };
  }
  const url = new URL(address);
  url.searchParams.set('paint', '1');
  const painting = url.toString();
  targets.set(painting, { canvas, workers });
  return {
    address: painting,
    release: () => {
      targets.delete(painting);
      for (const worker of workers) worker.terminate();
    },
  };
}

/** Where IronRDP's glue opens its WebSocket. */
export function openIronRdpSocket(url: string): WebSocket {
  const painter = targets.get(url);
  return painter ? paintingSocket(url, painter) : new WebSocket(url);
}

type Listener = EventListenerOrEventListenerObject;

/**
 * A WebSocket whose message listeners (what IronRDP adds, or its onmessage)
 * see only the tag-0 payloads, as the binary type they asked for, and whose
 * close listeners hear of the close after the messages before it.
 */
function paintingSocket(url: string, painter: Painter): WebSocket {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  // IronRDP's listeners for the events that keep their order with the stream: its messages and the close after them.
  const ordered = ['message', 'close'] as const;
  type Ordered = (typeof ordered)[number];
  const isOrdered = (type: string): type is Ordered => (ordered as readonly string[]).includes(type);
  const listeners = { message: new Set<Listener>(), close: new Set<Listener>() };
  const handlers: Record<Ordered, ((event: Event) => unknown) | null> = { message: null, close: null };
  let wantsBlob = false;
  let context: { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D } | null = null;
  const addEventListener = socket.addEventListener.bind(socket);
  const removeEventListener = socket.removeEventListener.bind(socket);

  const paint = (rects: PaintedRect[]) => {
    const target = painter.canvas();
    if (!target) return;
    if (context?.canvas !== target) {
      const found = target.getContext('2d');
      if (!found) return;
      context = { canvas: target, context: found };
    }
    for (const r of rects) context.context.putImageData(new ImageData(new Uint8ClampedArray(r.pixels.buffer), r.width, r.height), r.x, r.y);
  };

  const dispatch = (type: Ordered, event: Event) => {
    for (const listener of listeners[type]) {
      if (typeof listener === 'function') listener.call(socket, event);
      else listener.handleEvent(event);
    }
    handlers[type]?.call(socket, event);
  };

  // What came, in order: RDP bytes (and the close) at once, RemoteFX once every worker answered (decodedInOrder.ts).
  const inOrder = new DecodedInOrder(painter.workers, paint);
  for (const worker of painter.workers) {
    worker.onmessage = (event: MessageEvent<FromDecoder>) => inOrder.answer(event.data);
    worker.onerror = (event) => inOrder.fail(event.message);
  }

  addEventListener('message', (event: MessageEvent) => {
    const data = event.data as ArrayBuffer;
    if (new Uint8Array(data, 0, 1)[0] === TAG_REMOTEFX) {
      inOrder.remoteFx(data);
      return;
    }
    const payload = data.slice(1);
    inOrder.rdp(() => dispatch('message', new MessageEvent('message', { data: wantsBlob ? new Blob([payload]) : payload, origin: event.origin })));
  });
  addEventListener('close', (event: CloseEvent) => inOrder.rdp(() => dispatch('close', event)));

  const property = (type: Ordered) => ({
    get: () => handlers[type],
    set: (value: ((event: Event) => unknown) | null) => {
      handlers[type] = value;
    },
  });
  Object.defineProperties(socket, {
    binaryType: {
      get: () => (wantsBlob ? 'blob' : 'arraybuffer'),
      set: (value: BinaryType) => {
        wantsBlob = value === 'blob';
      },
    },
    onmessage: property('message'),
    onclose: property('close'),
    addEventListener: {
      value: (type: string, listener: Listener | null, options?: boolean | AddEventListenerOptions) => {
        if (!listener) return;
        if (isOrdered(type)) listeners[type].add(listener);
        else addEventListener(type, listener, options);
      },
    },
    removeEventListener: {
      value: (type: string, listener: Listener | null, options?: boolean | EventListenerOptions) => {
        if (!listener) return;
        if (isOrdered(type)) listeners[type].delete(listener);
        else removeEventListener(type, listener, options);
      },
    },
  });
  return socket;
}
