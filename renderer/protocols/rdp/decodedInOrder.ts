// The order of what the gateway sends a page that decodes RemoteFX itself
// (paintingSocket.ts): RDP bytes go to IronRDP at once unless RemoteFX that
// came before them is still being decoded, in which case they wait for its
// pixels to be painted. So IronRDP acknowledges a frame (its end marker comes
// after the frame's RemoteFX) only once the frame is on the canvas, which is
// what the gateway's frame pacing measures.
//
// Every RemoteFX message goes to every decoder, each to decode its share of
// the tiles (remoteFxDecoder.ts, shareOfRuns); the message is painted once all
// have answered, all of it at once, so a frame is never shown half decoded
// (nor at all when a share could not be decoded).
import type { PaintedRect } from './remoteFxDecoder';
import type { FromDecoder, ToDecoder } from './remoteFxWorker';

interface Entry {
  ready: boolean;
  run: () => void;
}

interface Decoding extends Entry {
  rects: PaintedRect[];
  /** Decoders yet to answer. */
  owed: number;
  /** A decoder could not decode its share. */
  failed: boolean;
}

export interface DecoderPort {
  postMessage(message: ToDecoder, transfer: Transferable[]): void;
}

export class DecodedInOrder {
  private readonly queue: Entry[] = [];
  private readonly waiting = new Map<number, Decoding>();
  private nextId = 0;
  private failed = false;

  constructor(
    private readonly decoders: readonly DecoderPort[],
    private readonly paint: (rects: PaintedRect[]) => void,
  ) {}

  /** A tag-1 message (its buffer goes to the last decoder, a copy to each other). */
  remoteFx(message: ArrayBuffer): void {
    if (this.failed) return;
    const id = this.nextId++;
    const count = this.decoders.length;
    const entry: Decoding = { ready: false, rects: [], owed: count, failed: false, run: () => this.paint(entry.rects) };
    this.waiting.set(id, entry);
    this.queue.push(entry);
    this.decoders.forEach((decoder, index) => {
      const last = index === count - 1;
      decoder.postMessage({ id, message: last ? message : message.slice(0), share: { index, count } }, last ? [message] : []);
    });
  }

  /** Bytes for IronRDP: `deliver` runs now, or after the RemoteFX before them is painted. */
  rdp(deliver: () => void): void {
    if (this.queue.length === 0) deliver();
    else this.queue.push({ ready: true, run: deliver });
  }

  /** A decoder's answer: once every decoder has answered, the rectangles painted, then what waited on them. */
  answer(answer: FromDecoder): void {
    if (!('id' in answer)) return;
    const entry = this.waiting.get(answer.id);
    if (!entry) return;
    if ('rects' in answer) entry.rects.push(...answer.rects);
    else {
      // Not one share of it painted: as if it had not come.
      console.warn('RemoteFX message not decoded:', answer.error);
      entry.failed = true;
    }
    if (--entry.owed > 0) return;
    if (entry.failed) entry.rects = [];
    this.waiting.delete(answer.id);
    entry.ready = true;
    this.drain();
  }

  /** A decoder failed and answers nothing more: what waits goes on unpainted, later RemoteFX is dropped, the session goes on. */
  fail(why: string): void {
    console.warn('the RemoteFX decoder failed:', why);
    this.failed = true;
    for (const entry of this.waiting.values()) {
      entry.ready = true;
      entry.rects = [];
    }
    this.waiting.clear();
    this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0 && this.queue[0]!.ready) this.queue.shift()!.run();
  }
}
