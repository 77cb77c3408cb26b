// The clipboard policy (policySchema.ts `clipboard`) enforced in the gateway
// for VNC, in the one direction the gateway can see whole: the page's
// messages to the server (RFB 7.5, "Client to server messages"). Once the
// gateway has signed in for the page (vncSignIn.ts), everything the page sends
// is a sequence of client messages, each of a length known from its first
// bytes, so the gateway frames them and, where the policy keeps this
// computer's text from the remote clipboard, leaves out the ones that would
// put it there:
//
// - ClientCutText (type 6) with text: dropped;
// - the Extended Clipboard form of it (a negative length, then flags): the
//   "provide" and "notify" actions carry or offer local text and are dropped;
//   "caps", "request" and "peek" carry none and pass, so text from the
//   remote computer still arrives where the policy lets it.
//
// Where text may not come from the remote computer, the Extended Clipboard's
// "request" and "peek" are dropped too: a server that announces its
// clipboard ("notify") then never sends it. A server without the Extended
// Clipboard pushes its text in ServerCutText, inside its stream of updates,
// which the gateway does not frame: that direction is the page's to refuse
// (the session adapters drop remote clipboard text where the policy says so).
//
// A client message it does not know ends the session: the page is ours and
// sends none, and passing bytes it cannot frame would let text through.
// PointerEvent's length depends on the ExtendedMouseButtons pseudo-encoding
// (7 bytes once the server accepts it), which the gateway cannot see accepted
// (that is in the server's updates), so it is taken out of the page's
// SetEncodings: every PointerEvent is then 6 bytes.

/** ExtendedMouseButtons pseudo-encoding (-316). */
const ENCODING_EXTENDED_MOUSE_BUTTONS = -316;

/** Extended Clipboard actions, in the flags' top byte. */
const CLIPBOARD_CAPS = 1 << 24;
const CLIPBOARD_REQUEST = 1 << 25;
const CLIPBOARD_PEEK = 1 << 26;
const CLIPBOARD_NOTIFY = 1 << 27;
const CLIPBOARD_PROVIDE = 1 << 28;

/** No client message noVNC sends comes near this; a longer one is not taken whole into memory. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export type FilterOutcome = { ok: true; toServer: Buffer[] } | { ok: false; why: string };

export interface ClipboardDirections {
  toRemote: boolean;
  toLocal: boolean;
}

export class VncClipboardFilter {
  constructor(private readonly allowed: ClipboardDirections) {}

  private pending: Buffer = Buffer.alloc(0);
  private failed: string | null = null;
  /** How many messages with local text were left out (for the log). */
  dropped = 0;

  /** Takes what the page sent; returns the whole messages that may go to the server, or why the stream cannot be framed. */
  push(chunk: Buffer): FilterOutcome {
    if (this.failed) return { ok: false, why: this.failed };
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const toServer: Buffer[] = [];
    while (this.pending.length > 0) {
      const length = messageLength(this.pending);
      if (typeof length === 'string') {
        this.failed = length;
        return { ok: false, why: length };
      }
      if (length === null) break;
      const message = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      const kept = this.judge(message);
      if (kept) toServer.push(kept);
      else this.dropped++;
    }
    return { ok: true, toServer };
  }

  /** The message as it goes to the server, or null to leave it out. */
  private judge(message: Buffer): Buffer | null {
    switch (message[0]) {
      case 6: {
        const length = message.readInt32BE(4);
        // Latin-1 text: local text, always.
        if (length >= 0) return this.allowed.toRemote ? message : null;
        const flags = message.length >= 12 ? message.readUInt32BE(8) : 0;
        // Caps lists every action the page takes (all five from noVNC): a message of its own, with no text.
        if (flags & CLIPBOARD_CAPS) return message;
        if (flags & (CLIPBOARD_PROVIDE | CLIPBOARD_NOTIFY) && !this.allowed.toRemote) return null;
        if (flags & (CLIPBOARD_REQUEST | CLIPBOARD_PEEK) && !this.allowed.toLocal) return null;
        return flags & (CLIPBOARD_CAPS | CLIPBOARD_REQUEST | CLIPBOARD_PEEK | CLIPBOARD_PROVIDE | CLIPBOARD_NOTIFY) ? message : null;
      }
      case 2:
        return withoutEncoding(message, ENCODING_EXTENDED_MOUSE_BUTTONS);
      default:
        return message;
    }
  }
}

/** The whole length of the client message at the start of `b`: null when more bytes are needed, a reason when it cannot be framed. */
function messageLength(b: Buffer): number | null | string {
  const type = b[0]!;
  const need = (n: number) => (b.length >= n ? n : null);
  switch (type) {
    case 0: // SetPixelFormat
      return need(20);
    case 2: // SetEncodings: count at 2
      return b.length < 4 ? null : need(4 + 4 * b.readUInt16BE(2));
    case 3: // FramebufferUpdateRequest
      return need(10);
    case 4: // KeyEvent
      return need(8);
    case 5: // PointerEvent (ExtendedMouseButtons is kept off: always 6)
      return need(6);
    case 6: {
      // ClientCutText: length at 4, signed (negative: Extended Clipboard, its absolute value)
      if (b.length < 8) return null;
      const length = Math.abs(b.readInt32BE(4));
      if (length > MAX_MESSAGE_BYTES) return `ClientCutText of ${length} bytes`;
      return need(8 + length);
    }
    case 150: // EnableContinuousUpdates
      return need(10);
    case 248: // ClientFence: payload length at 8
      return b.length < 9 ? null : need(9 + b[8]!);
    case 250: // xvp
      return need(4);
    case 251: // SetDesktopSize: screens at 6
      return b.length < 8 ? null : need(8 + 16 * b[6]!);
    case 255: {
      // QEMU client message: sub-type at 1
      if (b.length < 2) return null;
      if (b[1] === 0) return need(12); // Extended Key Event
      if (b[1] === 1) {
        // Audio: operation at 2 (0 enable, 1 disable: 4 bytes; 2 set format: 10)
        if (b.length < 4) return null;
        const operation = b.readUInt16BE(2);
        if (operation === 0 || operation === 1) return need(4);
        if (operation === 2) return need(10);
        return `QEMU audio operation ${operation}`;
      }
      return `QEMU client message ${b[1]}`;
    }
    default:
      return `client message type ${type}`;
  }
}

/** SetEncodings without one encoding (the count rewritten). */
function withoutEncoding(message: Buffer, encoding: number): Buffer {
  const count = message.readUInt16BE(2);
  const kept: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = message.readInt32BE(4 + 4 * i);
    if (value !== encoding) kept.push(value);
  }
  if (kept.length === count) return message;
  const out = Buffer.alloc(4 + 4 * kept.length);
  out[0] = 2;
  out.writeUInt16BE(kept.length, 2);
  kept.forEach((value, i) => out.writeInt32BE(value, 4 + 4 * i));
  return out;
}
