// A RemoteFX decoding thread of the page (an RDP session that paints has one
// per core, up to four; see paintingSocket.ts). In: the WebAssembly module
// once, then every one of the gateway's RemoteFX messages in order ({ id,
// message, share }: the tag byte, then for each RemoteFX message its
// destination left and top as 16-bit little-endian, its length as 32-bit
// little-endian and its bytes; and which share of their tiles is this
// thread's, see remoteFxDecoder.ts). Out: for each, in the same order, the
// RGBA rectangles its share paints (their buffers transferred) or why they
// could not be decoded.
import { RemoteFxDecoder, instantiateTileDecoder, type PaintedRect, type Share } from './remoteFxDecoder';

export type ToDecoder = { module: WebAssembly.Module } | { id: number; message: ArrayBuffer; share: Share };
export type FromDecoder = { ready: true } | { ready: false; error: string } | { id: number; rects: PaintedRect[] } | { id: number; error: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToDecoder>) => void) | null;
  postMessage(message: FromDecoder, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

let decoder: RemoteFxDecoder | null = null;
let starting: Promise<void> | null = null;

scope.onmessage = (event) => {
  const data = event.data;
  if ('module' in data) {
    starting = instantiateTileDecoder(data.module).then(
      (wasm) => {
        decoder = new RemoteFxDecoder(wasm);
        scope.postMessage({ ready: true });
      },
      (error: unknown) => scope.postMessage({ ready: false, error: String(error) }),
    );
    return;
  }
  const decode = () => {
    try {
      if (!decoder) throw new Error('the RemoteFX decoder did not start');
      const view = new DataView(data.message);
      const rects: PaintedRect[] = [];
      for (let at = 1; at + 8 <= view.byteLength; ) {
        const length = view.getUint32(at + 4, true);
        if (at + 8 + length > view.byteLength) throw new Error('a RemoteFX message longer than what came');
        rects.push(...decoder.decode(new Uint8Array(data.message, at + 8, length), view.getUint16(at, true), view.getUint16(at + 2, true), data.share));
        at += 8 + length;
      }
      scope.postMessage({ id: data.id, rects }, rects.map((r) => r.pixels.buffer));
    } catch (error) {
      scope.postMessage({ id: data.id, error: error instanceof Error ? error.message : String(error) });
    }
  };
  // Messages that came while the module was being instantiated wait for it, in order.
  if (decoder || !starting) decode();
  else starting = starting.then(decode);
};
