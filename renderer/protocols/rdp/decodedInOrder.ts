// The order of what the gateway sends a page that decodes RemoteFX itself
// (paintingSocket.ts): RDP bytes go to IronRDP at once unless RemoteFX that
// came before them is still being decoded, in which case they wait for its
// pixels to be painted. So IronRDP acknowledges a frame (its end marker comes
// after the frame's RemoteFX) only once the frame is on the canvas, which is
// what the gateway's frame pacing measures.
import type { PaintedRect } from './remoteFxDecoder';
import type { FromDecoder, ToDecoder } from './remoteFxWorker';

interface Entry {
  ready: boolean;
  run: () => void;
}

export interface DecoderPort {
  postMessage(message: ToDecoder, transfer: Transferable[]): void;
}

export class DecodedInOrder {
  private readonly queue: Entry[] = [];
  private readonly waiting = new Map<number, Entry & { rects: PaintedRect[] }>();
  private nextId = 0;
  private failed = false;

  constructor(
    private readonly decoder: DecoderPort,
    private readonly paint: (rects: PaintedRect[]) => void,
  ) {}

  /** A tag-1 message (its buffer goes to the decoder). */
  remoteFx(message: ArrayBuffer): void {
    if (this.failed) return;
    const id = this.nextId++;
    const entry = { ready: false, rects: [] as PaintedRect[], run: () => this.paint(entry.rects) };
    this.waiting.set(id, entry);
    this.queue.push(entry);
    this.decoder.postMessage({ id, message }, [message]);
  }

  /** Bytes for IronRDP: `deliver` runs now, or after the RemoteFX before them is painted. */
  rdp(deliver: () => void): void {
    if (this.queue.length === 0) deliver();
    else this.queue.push({ ready: true, run: deliver });
  }

  /** The decoder's answer: its rectangles painted, then what waited on them. */
  answer(answer: FromDecoder): void {
    if (!('id' in answer)) return;
    const entry = this.waiting.get(answer.id);
    if (!entry) return;
    this.waiting.delete(answer.id);
    if ('rects' in answer) entry.rects = answer.rects;
    else console.warn('RemoteFX message not decoded:', answer.error);
    entry.ready = true;
    this.drain();
  }

  /** The decoder failed and answers nothing more: what waits goes on unpainted, later RemoteFX is dropped, the session goes on. */
  fail(why: string): void {
    console.warn('the RemoteFX decoder failed:', why);
    this.failed = true;
    for (const entry of this.waiting.values()) entry.ready = true;
    this.waiting.clear();
    this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0 && this.queue[0]!.ready) this.queue.shift()!.run();
  }
}
