// A pointer update the server sent in fragments, put together again
// (MS-RDPBCGR 2.2.9.1.2.1 TS_FP_UPDATE: fragmentation FIRST, NEXT…, LAST).
// A fast-path update larger than the server's fragment size comes in several
// fast-path PDUs, one piece each: Windows' large accessibility pointers
// (96×96 at 32 bpp, 37 KB; 384×384, 590 KB), a FreeRDP server's beyond its
// 16 KB fragments. Without this, such a pointer never reaches the page and the
// user keeps the previous shape.
//
// Only pointer updates are held here: the picture's fragments are no business
// of the stream watch, which reads them as they pass and keeps none of them.
// What is held is bounded by the largest pointer the client can announce, plus
// its header (LARGEST_POINTER_UPDATE_BYTES); a sequence beyond it is dropped,
// and its remaining fragments pass unread. The fragments are copied into one
// buffer that doubles as it fills (up to that bound), not kept one by one: a
// hostile server's fragments of 1 byte each (4 on the wire) would otherwise
// cost a Buffer object apiece, 65 MB of heap for 600 KB of pointer. An empty
// NEXT fragment carries nothing and no server needs one: it breaks the
// sequence, so that a stream of them (3 bytes each) costs nothing more.
//
// INVARIANT: the fragments of one update come one after another (a client
// reassembles one update at a time: the Multifragment Update Capability Set,
// 2.2.7.2.6, gives one buffer for it). Any other update between them — a
// picture's, a position, another pointer update — breaks the sequence: what
// was held is dropped, as IronRDP's and FreeRDP's clients drop it, and the
// pointer stays as it was until the server sets it again.
import { LARGEST_POINTER_UPDATE_BYTES } from './serverPointer';
import { FASTPATH_FRAGMENT_FIRST, FASTPATH_FRAGMENT_LAST, FASTPATH_FRAGMENT_SINGLE } from './fastPathOutput';

/** What a pointer update's fragment made: the whole update's data, once its last fragment came; why a sequence was dropped. */
export interface FragmentOutcome {
  whole?: Buffer;
  dropped?: string;
}

/** Nothing made and nothing dropped: one object for the common answer (every picture update asks other()). */
const NOTHING: FragmentOutcome = Object.freeze({});

export class PointerFragments {
  /** The pointer update being put together: its fragments copied one after another into `buffer` (the chunks they came in are not kept), `bytes` of it filled. */
  private held: { code: number; buffer: Buffer; bytes: number } | null = null;
  /** A sequence was dropped before its last fragment: its remaining fragments pass unread, without another word. */
  private skipping = false;

  /** The bytes held now (for tests and measurements). */
  get heldBytes(): number {
    return this.held?.bytes ?? 0;
  }

  /** An update that is not a pointer's came: a sequence being put together is broken (why, if one was). */
  other(): FragmentOutcome {
    return this.broken('another update came between its fragments');
  }

  /** A pointer update of this code and fragmentation; `data` null when not all of it could be read (bulk-compressed, or cut short). */
  take(code: number, fragmentation: number, data: Buffer | null): FragmentOutcome {
    if (fragmentation === FASTPATH_FRAGMENT_SINGLE || fragmentation === FASTPATH_FRAGMENT_FIRST) {
      this.skipping = false;
      const outcome = this.broken(fragmentation === FASTPATH_FRAGMENT_FIRST ? 'a new first fragment came' : 'a whole pointer update came between its fragments');
      if (fragmentation === FASTPATH_FRAGMENT_SINGLE) return data ? { ...outcome, whole: data } : outcome;
      // A new sequence: what follows belongs to it.
      this.skipping = false;
      const also = outcome.dropped ? `${outcome.dropped}; ` : '';
      if (!data) return this.skip(`${also}a pointer update in fragments (code 0x${code.toString(16)}) dropped: its first fragment could not be read`);
      if (data.length > LARGEST_POINTER_UPDATE_BYTES) return this.skip(also + tooLarge(code, data.length));
      this.held = { code, buffer: Buffer.from(data), bytes: data.length };
      return outcome;
    }
    // NEXT or LAST.
    const last = fragmentation === FASTPATH_FRAGMENT_LAST;
    if (this.skipping) {
      if (last) this.skipping = false;
      return NOTHING;
    }
    const held = this.held;
    if (!held) return this.skip(`a fragment of a pointer update (code 0x${code.toString(16)}) without its first`, last);
    if (held.code !== code) return this.skip(this.broken(`a fragment of another pointer update (code 0x${code.toString(16)}) came`).dropped!, last);
    if (!data) return this.skip(this.broken('one of its fragments could not be read').dropped!, last);
    if (!last && data.length === 0) return this.skip(this.broken('an empty fragment came').dropped!);
    const bytes = held.bytes + data.length;
    if (bytes > LARGEST_POINTER_UPDATE_BYTES) {
      this.held = null;
      return this.skip(tooLarge(code, bytes), last);
    }
    if (bytes > held.buffer.length) {
      // Doubling: each byte is copied a few times at most, however small the fragments.
      const grown = Buffer.allocUnsafe(Math.min(LARGEST_POINTER_UPDATE_BYTES, Math.max(bytes, held.buffer.length * 2)));
      held.buffer.copy(grown, 0, 0, held.bytes);
      held.buffer = grown;
    }
    data.copy(held.buffer, held.bytes);
    held.bytes = bytes;
    if (!last) return NOTHING;
    this.held = null;
    return { whole: held.buffer.subarray(0, bytes) };
  }

  /** Drops what is held, saying why (nothing when nothing was held); its fragments still to come pass unread. */
  private broken(because: string): FragmentOutcome {
    const held = this.held;
    if (!held) return NOTHING;
    this.held = null;
    this.skipping = true;
    return { dropped: `a pointer update in fragments (code 0x${held.code.toString(16)}, ${held.bytes} bytes so far) dropped: ${because}` };
  }

  /** Drops the current sequence; its fragments still to come (none after its last) pass unread. */
  private skip(dropped: string, last = false): FragmentOutcome {
    this.held = null;
    this.skipping = !last;
    return { dropped };
  }
}

function tooLarge(code: number, bytes: number): string {
  return `a pointer update in fragments (code 0x${code.toString(16)}) dropped: ${bytes} bytes, more than the largest pointer (${LARGEST_POINTER_UPDATE_BYTES})`;
}
