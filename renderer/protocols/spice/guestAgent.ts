// The SPICE guest agent's messages (spice-protocol's vd_agent.h): what the
// clipboard and the desktop's size need, which spice-html5 does not do.
//
// The agent (spice-vdagent in a Linux guest, the SPICE Guest Tools in
// Windows) talks to the client through the main channel: each of its messages
// (a 20-byte header, then the payload) comes in pieces of at most 2048 bytes,
// and a piece may end one message and begin the next. spice-html5 reads
// every piece as a whole message, so a clipboard of more than about 2 KB
// would be lost; AgentStream puts the pieces together again.
//
// The clipboard is shared "by demand", as virt-viewer shares it: whoever
// copies announces it (GRAB, with the types it has), and the text travels only
// when the other side pastes (REQUEST, then CLIPBOARD with the bytes). Text
// only (UTF-8), the CLIPBOARD selection only (the client announces no
// selection capability, so the agent leaves the X PRIMARY selection out).

import type { FileTransferUpdate } from '../../session/remoteSession';
import { AgentMessage } from '../../../shared/spice/agentMessages';

export { AgentMessage };

export const AGENT_PROTOCOL = 1;
const HEADER_BYTES = 20;

export const AgentCap = {
  MOUSE_STATE: 0,
  MONITORS_CONFIG: 1,
  REPLY: 2,
  CLIPBOARD_BY_DEMAND: 5,
  SPARSE_MONITORS_CONFIG: 7,
  GUEST_LINEEND_LF: 8,
  GUEST_LINEEND_CRLF: 9,
  MAX_CLIPBOARD: 10,
  FILE_XFER_DISABLED: 13,
} as const;

const CLIPBOARD_NONE = 0;
const CLIPBOARD_UTF8_TEXT = 1;

/** What this client announces: spice-html5's own (mouse state, monitors config, reply) and the clipboard by demand. */
export const CLIENT_CAPS =
  (1 << AgentCap.MOUSE_STATE) | (1 << AgentCap.MONITORS_CONFIG) | (1 << AgentCap.REPLY) | (1 << AgentCap.CLIPBOARD_BY_DEMAND) | (1 << AgentCap.MAX_CLIPBOARD);

/** The largest clipboard text taken from the remote side (and the limit told to the agent): 16 MiB, as a long document. */
export const MAX_CLIPBOARD_BYTES = 16 * 1024 * 1024;

export interface ReceivedAgentMessage {
  type: number;
  data: Uint8Array;
}

/**
 * Puts the agent's messages together from the main channel's AGENT_DATA
 * pieces. A message larger than `maxBytes` is skipped (its bytes read and
 * dropped), and `dropped` says what was lost.
 */
export class AgentStream {
  private header = new Uint8Array(HEADER_BYTES);
  private headerFill = 0;
  private current: { type: number; size: number; data: Uint8Array | null; fill: number } | null = null;

  constructor(
    private readonly maxBytes = MAX_CLIPBOARD_BYTES + 64,
    private readonly dropped: (type: number, size: number) => void = () => undefined,
  ) {}

  push(piece: Uint8Array): ReceivedAgentMessage[] {
    const out: ReceivedAgentMessage[] = [];
    let at = 0;
    while (at < piece.length) {
      if (!this.current) {
        const take = Math.min(HEADER_BYTES - this.headerFill, piece.length - at);
        this.header.set(piece.subarray(at, at + take), this.headerFill);
        this.headerFill += take;
        at += take;
        if (this.headerFill < HEADER_BYTES) break;
        this.headerFill = 0;
        const view = new DataView(this.header.buffer);
        const type = view.getUint32(4, true);
        const size = view.getUint32(16, true);
        const keep = size <= this.maxBytes;
        if (!keep) this.dropped(type, size);
        this.current = { type, size, data: keep ? new Uint8Array(size) : null, fill: 0 };
      }
      const message = this.current;
      const take = Math.min(message.size - message.fill, piece.length - at);
      message.data?.set(piece.subarray(at, at + take), message.fill);
      message.fill += take;
      at += take;
      if (message.fill === message.size) {
        this.current = null;
        if (message.data) out.push({ type: message.type, data: message.data });
      }
    }
    return out;
  }

  reset(): void {
    this.headerFill = 0;
    this.current = null;
  }
}

/** An agent message's payload as spice-html5's send_agent_message wants it (it adds the header and cuts it into pieces). */
export interface AgentPayload {
  buffer_size(): number;
  to_buffer(buffer: ArrayBuffer, at?: number): number;
}

export function agentPayload(bytes: Uint8Array): AgentPayload {
  return {
    buffer_size: () => bytes.length,
    to_buffer(buffer: ArrayBuffer, at = 0): number {
      new Uint8Array(buffer, at, bytes.length).set(bytes);
      return at + bytes.length;
    },
  };
}

function words(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setUint32(i * 4, value >>> 0, true));
  return bytes;
}

export function capabilitiesMessage(request: boolean, caps = CLIENT_CAPS): Uint8Array {
  return words(request ? 1 : 0, caps);
}

/** The capability bits an ANNOUNCE_CAPABILITIES payload carries, and whether it asks for ours. */
export function readCapabilities(data: Uint8Array): { request: boolean; has(cap: number): boolean } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const request = data.byteLength >= 4 && view.getUint32(0, true) !== 0;
  const caps: number[] = [];
  for (let at = 4; at + 4 <= data.byteLength; at += 4) caps.push(view.getUint32(at, true));
  return { request, has: (cap) => ((caps[cap >> 5] ?? 0) & (1 << (cap & 31))) !== 0 };
}

/**
 * One monitor of the given size at 0,0 (VDAgentMonitorsConfig: the count,
 * the flags, then height, width, depth, x, y for each monitor).
 */
export function monitorsConfigMessage(width: number, height: number): Uint8Array {
  return words(1, 0, height, width, 32, 0, 0);
}

export interface ClipboardTransport {
  /** Sends one agent message (spice-html5 adds the header, cuts it into pieces and minds the tokens). */
  send(type: number, payload: Uint8Array): void;
  /** Text the remote side copied. */
  remoteText(text: string): void;
}

/**
 * The clipboard both ways through the agent. The owner feeds it the agent's
 * messages (`receive`) and the text the user copied locally (`localText`).
 */
export class AgentClipboard {
  private agentCaps: { has(cap: number): boolean } | null = null;
  /** Which way the policy lets text go (policySchema.ts `clipboard`); set at connect. */
  private allowed = { toRemote: true, toLocal: true };
  /** Text the local side owns on the remote clipboard (given on the remote side's REQUEST). */
  private local: string | null = null;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly transport: ClipboardTransport) {}

  /** The policy's directions; where neither is allowed, the agent is not told this client shares a clipboard at all. */
  allow(directions: { toRemote: boolean; toLocal: boolean }): void {
    this.allowed = { ...directions };
    if (!directions.toRemote) this.local = null;
  }

  /** Whether the policy lets the clipboard go either way at all. */
  private get shared(): boolean {
    return this.allowed.toRemote || this.allowed.toLocal;
  }

  /** The capabilities this client announces to the agent. */
  capabilities(): number {
    return this.shared ? CLIENT_CAPS : CLIENT_CAPS & ~((1 << AgentCap.CLIPBOARD_BY_DEMAND) | (1 << AgentCap.MAX_CLIPBOARD));
  }

  /** Whether the agent has said it shares the clipboard the way this client does. */
  get ready(): boolean {
    return this.agentCaps?.has(AgentCap.CLIPBOARD_BY_DEMAND) === true;
  }

  /** Whether the agent announced this capability. */
  agentHas(cap: number): boolean {
    return this.agentCaps?.has(cap) === true;
  }

  /** Whether the agent has announced itself at all (an agent too old for the clipboard is ready === false). */
  get announced(): boolean {
    return this.agentCaps !== null;
  }

  /** The agent went away (or came back): nothing it knew holds. */
  agentGone(): void {
    this.agentCaps = null;
  }

  /** Handles one agent message; false when it is not the clipboard's (or the capabilities'). */
  receive(message: ReceivedAgentMessage): boolean {
    const { type, data } = message;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    switch (type) {
      case AgentMessage.ANNOUNCE_CAPABILITIES: {
        const caps = readCapabilities(data);
        this.agentCaps = caps;
        if (caps.request) this.transport.send(AgentMessage.ANNOUNCE_CAPABILITIES, capabilitiesMessage(false, this.capabilities()));
        if (caps.has(AgentCap.MAX_CLIPBOARD) && this.shared) this.transport.send(AgentMessage.MAX_CLIPBOARD, words(MAX_CLIPBOARD_BYTES));
        // Text copied before the agent was there is announced now.
        if (this.local !== null && this.ready) this.grab();
        return true;
      }
      case AgentMessage.CLIPBOARD_GRAB: {
        // The remote side copied: the local text is no longer what a paste there gives.
        this.local = null;
        const types: number[] = [];
        for (let at = 0; at + 4 <= data.byteLength; at += 4) types.push(view.getUint32(at, true));
        // Where the policy keeps remote text from this computer, it is never asked for.
        if (types.includes(CLIPBOARD_UTF8_TEXT) && this.allowed.toLocal) this.transport.send(AgentMessage.CLIPBOARD_REQUEST, words(CLIPBOARD_UTF8_TEXT));
        return true;
      }
      case AgentMessage.CLIPBOARD: {
        if (data.byteLength < 4 || view.getUint32(0, true) !== CLIPBOARD_UTF8_TEXT || !this.allowed.toLocal) return true;
        const bytes = data.subarray(4);
        // A C string may come with its terminating NUL.
        const end = bytes.length > 0 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
        this.transport.remoteText(this.fromGuest(this.decoder.decode(bytes.subarray(0, end))));
        return true;
      }
      case AgentMessage.CLIPBOARD_REQUEST: {
        const wanted = data.byteLength >= 4 ? view.getUint32(0, true) : CLIPBOARD_NONE;
        if (wanted === CLIPBOARD_UTF8_TEXT && this.local !== null) {
          const text = this.encoder.encode(this.toGuest(this.local));
          const reply = new Uint8Array(4 + text.length);
          reply.set(words(CLIPBOARD_UTF8_TEXT));
          reply.set(text, 4);
          this.transport.send(AgentMessage.CLIPBOARD, reply);
        } else {
          // Nothing of that type here: the paste on the remote side gets nothing rather than waiting.
          this.transport.send(AgentMessage.CLIPBOARD, words(CLIPBOARD_NONE));
        }
        return true;
      }
      case AgentMessage.CLIPBOARD_RELEASE:
        return true;
      default:
        return false;
    }
  }

  /** Text copied locally: announced to the remote side, given when it pastes. */
  localText(text: string): void {
    if (!this.allowed.toRemote) return;
    this.local = text;
    if (this.ready) this.grab();
  }

  private grab(): void {
    this.transport.send(AgentMessage.CLIPBOARD_GRAB, words(CLIPBOARD_UTF8_TEXT));
  }

  /** A guest that ends lines with CR LF (Windows) gets them so, and the page's text has LF only. */
  private toGuest(text: string): string {
    const lf = text.replace(/\r\n/g, '\n');
    return this.agentCaps?.has(AgentCap.GUEST_LINEEND_CRLF) ? lf.replace(/\n/g, '\r\n') : lf;
  }

  private fromGuest(text: string): string {
    return this.agentCaps?.has(AgentCap.GUEST_LINEEND_CRLF) ? text.replace(/\r\n/g, '\n') : text;
  }
}

// File transfer to the guest (virt-viewer's drag and drop): START names the
// file (a key file, as GLib writes it), the agent answers CAN_SEND_DATA, the
// bytes follow in DATA messages, and the agent's SUCCESS says the file is in
// its folder (spice-vdagent: the user's Downloads folder, or as configured).

const XFER_CAN_SEND_DATA = 0;
const XFER_CANCELLED = 1;
const XFER_SUCCESS = 3;
const XFER_NOT_ENOUGH_SPACE = 4;
const XFER_SESSION_LOCKED = 5;
const XFER_AGENT_NOT_CONNECTED = 6;
const XFER_DISABLED = 7;
/** Read and sent at a time; the agent's pieces are 2 KB, so this is 32 of them. */
const XFER_CHUNK_BYTES = 64 * 1024;
/** Pieces waiting for the server's tokens before the next chunk is read (memory stays small for a large file). */
const XFER_BACKLOG_PIECES = 64;

/** What the session view is told of a file as it goes (its `detail` says why it failed, in a user's words). */
export type TransferUpdate = FileTransferUpdate;

export interface FileTransferTransport {
  send(type: number, payload: Uint8Array): void;
  /** Agent pieces still waiting for the server's tokens. */
  backlog(): number;
  /** Whether the agent announced a capability (one that says file transfer is off refuses every file at once). */
  agentHas(cap: number): boolean;
  update(transfer: TransferUpdate): void;
}

/** A key-file value as GLib writes it (so a name with a line break or backslash survives). */
function keyFileValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/^ /, '\\s');
}

export function fileXferStartMessage(id: number, name: string, size: number): Uint8Array {
  const text = new TextEncoder().encode(`[vdagent-file-xfer]\nname=${keyFileValue(name)}\nsize=${size}\n\0`);
  const out = new Uint8Array(4 + text.length);
  new DataView(out.buffer).setUint32(0, id, true);
  out.set(text, 4);
  return out;
}

export function fileXferDataMessage(id: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + bytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, id, true);
  view.setBigUint64(4, BigInt(bytes.length), true);
  out.set(bytes, 12);
  return out;
}

const XFER_REFUSALS: Record<number, string> = {
  [XFER_CANCELLED]: 'the remote computer cancelled it',
  [XFER_NOT_ENOUGH_SPACE]: 'there is not enough space on the remote computer',
  [XFER_SESSION_LOCKED]: 'the remote session is locked',
  [XFER_AGENT_NOT_CONNECTED]: 'no one is signed in on the remote computer to receive it',
  [XFER_DISABLED]: 'file transfer is turned off on the remote computer',
};

interface Transfer extends TransferUpdate {
  file: Blob;
}

export class AgentFileTransfer {
  private nextId = 1;
  private readonly transfers = new Map<number, Transfer>();

  constructor(private readonly transport: FileTransferTransport) {}

  start(file: Blob, name: string): void {
    const transfer: Transfer = { id: this.nextId++, name, size: file.size, sent: 0, state: 'waiting', file };
    if (this.transport.agentHas(AgentCap.FILE_XFER_DISABLED)) return this.fail(transfer, XFER_REFUSALS[XFER_DISABLED]!);
    this.transfers.set(transfer.id, transfer);
    this.report(transfer);
    this.transport.send(AgentMessage.FILE_XFER_START, fileXferStartMessage(transfer.id, name, file.size));
  }

  /** Handles FILE_XFER_STATUS; false for any other message. */
  receive(message: ReceivedAgentMessage): boolean {
    if (message.type !== AgentMessage.FILE_XFER_STATUS) return false;
    if (message.data.byteLength < 8) return true;
    const view = new DataView(message.data.buffer, message.data.byteOffset, message.data.byteLength);
    const transfer = this.transfers.get(view.getUint32(0, true));
    if (!transfer) return true;
    const result = view.getUint32(4, true);
    if (result === XFER_CAN_SEND_DATA) {
      if (transfer.state === 'waiting') void this.sendData(transfer);
    } else if (result === XFER_SUCCESS) {
      transfer.sent = transfer.size;
      transfer.state = 'done';
      this.transfers.delete(transfer.id);
      this.report(transfer);
    } else {
      this.fail(transfer, XFER_REFUSALS[result] ?? 'the remote computer could not save it');
    }
    return true;
  }

  /** The agent or the session went away: what was under way failed. */
  stopAll(why: string): void {
    for (const transfer of [...this.transfers.values()]) this.fail(transfer, why);
  }

  private async sendData(transfer: Transfer): Promise<void> {
    transfer.state = 'sending';
    this.report(transfer);
    for (let at = 0; at < transfer.size && this.transfers.has(transfer.id); at += XFER_CHUNK_BYTES) {
      while (this.transport.backlog() > XFER_BACKLOG_PIECES && this.transfers.has(transfer.id)) await new Promise((r) => setTimeout(r, 10));
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await transfer.file.slice(at, at + XFER_CHUNK_BYTES).arrayBuffer());
      } catch {
        return this.fail(transfer, 'the file could not be read on this computer');
      }
      if (!this.transfers.has(transfer.id)) return;
      this.transport.send(AgentMessage.FILE_XFER_DATA, fileXferDataMessage(transfer.id, bytes));
      transfer.sent = at + bytes.length;
      this.report(transfer);
    }
    // An empty file is one empty DATA message: the agent finishes it when it has as many bytes as announced.
    if (transfer.size === 0 && this.transfers.has(transfer.id)) this.transport.send(AgentMessage.FILE_XFER_DATA, fileXferDataMessage(transfer.id, new Uint8Array(0)));
  }

  private fail(transfer: Transfer, detail: string): void {
    this.transfers.delete(transfer.id);
    transfer.state = 'failed';
    transfer.detail = detail;
    this.report(transfer);
  }

  private report(transfer: Transfer): void {
    const { file: _file, ...update } = transfer;
    this.transport.update(update);
  }
}
