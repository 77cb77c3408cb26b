// The decoding workers a connect prepares (paintingSocket.ts): each connect's
// are its own, taken by its session or ended by its release, and ended by the
// expiry when nobody takes them. Workers, the tile decoder's download and its
// compile are stand-ins here; what is checked is which workers run.
/// <reference path="../../../renderer/protocols/rdp/tileDecoderUrl.d.ts" />
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';

// The tile decoder's address comes from a Vite virtual module; here any address does.
register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'virtual:remotefx-tile-decoder') return { url: 'data:text/javascript,export default "http://127.0.0.1/tile-decoder.wasm"', shortCircuit: true };
  return next(specifier, context);
}`)}`,
);

class StandInWorker {
  static started: StandInWorker[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  running = true;
  constructor() {
    StandInWorker.started.push(this);
  }
  postMessage(message: object): void {
    if ('module' in message) queueMicrotask(() => this.onmessage?.({ data: { ready: true } }));
  }
  terminate(): void {
    this.running = false;
  }
}
Object.assign(globalThis, { Worker: StandInWorker, fetch: async () => new Response(new Uint8Array(8)) });
Object.assign(WebAssembly, { compileStreaming: async () => ({}) as WebAssembly.Module });

const { warmUpPainting, releasePreparedPainting, startPainting, PREPARED_FOR_MS } = await import('../../../renderer/protocols/rdp/paintingSocket');

/** Lets the workers' start (a compile, then each worker's answer) finish. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const running = () => StandInWorker.started.filter((w) => w.running);
const canvas = () => null;

test("one tab's connect ending does not end the workers another tab's connect prepared", async () => {
  StandInWorker.started = [];
  const tabA = {};
  const tabB = {};
  warmUpPainting(tabA);
  warmUpPainting(tabB);
  await settle();
  const [a, b] = [StandInWorker.started.slice(0, StandInWorker.started.length / 2), StandInWorker.started.slice(StandInWorker.started.length / 2)];
  assert.ok(a.length > 0 && a.length === b.length, 'each connect started its own workers');
  releasePreparedPainting(tabB); // B's certificate refused
  await settle();
  assert.ok(b.every((w) => !w.running), "B's workers ended");
  assert.ok(a.every((w) => w.running), "A's workers still running");
  const started = StandInWorker.started.length;
  const painting = await startPainting('ws://127.0.0.1:1/rdp?x=1', canvas, tabA);
  assert.equal(StandInWorker.started.length, started, "A's session took A's prepared workers, none started anew");
  assert.match(painting.address, /paint=1/);
  painting.release();
  assert.equal(running().length, 0);
});

test('a second attempt of the same connect keeps what the first prepared; a session without prepared workers starts its own', async () => {
  StandInWorker.started = [];
  const tab = {};
  warmUpPainting(tab);
  warmUpPainting(tab); // "Trust once": the next attempt of the same connect
  await settle();
  const prepared = StandInWorker.started.length;
  const other = await startPainting('ws://127.0.0.1:1/rdp', canvas, {});
  assert.equal(StandInWorker.started.length, 2 * prepared, 'a session of another connect started its own workers');
  other.release();
  const own = await startPainting('ws://127.0.0.1:1/rdp', canvas, tab);
  assert.equal(StandInWorker.started.length, 2 * prepared, 'this connect took what it prepared');
  own.release();
  assert.equal(running().length, 0);
});

test('prepared workers nobody takes end when PREPARED_FOR_MS runs out', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  StandInWorker.started = [];
  const tab = {};
  warmUpPainting(tab); // a tab closed while its certificate question was open: no release comes
  await settle();
  assert.ok(running().length > 0);
  mock.timers.tick(PREPARED_FOR_MS - 1);
  await settle();
  assert.ok(running().length > 0, 'still there just before the expiry');
  mock.timers.tick(1);
  await settle();
  assert.equal(running().length, 0, 'ended at the expiry');
  // Nothing is left to take: that connect's session would start its own.
  const painting = await startPainting('ws://127.0.0.1:1/rdp', canvas, tab);
  assert.equal(running().length, StandInWorker.started.length / 2);
  painting.release();
});
