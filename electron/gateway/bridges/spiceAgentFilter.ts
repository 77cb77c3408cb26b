// The clipboard and file-copying policy for SPICE, in the gateway: on a
// session's main channel, the page's messages to the guest agent that would
// move text or files the way the policy forbids are left out before they
// reach the server (the page itself never sends them: this holds for a page
// that was changed).
//
// What is read, all little-endian:
// - the link (the page's SpiceLinkHeader and SpiceLinkMess, the server's
//   SpiceLinkReply, the page's auth mechanism where it announced
//   AUTH_SELECTION, its 128-byte ticket, the server's 4-byte link result):
//   only a main channel (type 1) is filtered, any other passes untouched;
// - then each message, framed by SPICE's mini header (type u16, size u32),
//   which the page and the server agree on in the link (MINI_HEADER); a
//   session without it cannot be checked and ends;
// - in the page's SPICE_MSGC_MAIN_AGENT_DATA messages, the agent's stream:
//   VDAgentMessage headers (protocol u32, type u32, opaque u64, size u32),
//   each message cut into pieces of at most 2048 bytes, one message's pieces
//   after another (as spice-html5 and spice-gtk send them).
//
// Left out: where text may not go to the remote computer, CLIPBOARD_GRAB
// (this computer has text) and CLIPBOARD (the text); where it may not come
// here, CLIPBOARD_REQUEST (asking for the guest's text, which the guest then
// never sends); where files may not be copied, FILE_XFER_START and
// FILE_XFER_DATA. A whole agent message goes, every piece of it; a piece that
// mixes a left-out message with another cannot be split and ends the session.
//
// Every AGENT_DATA message spends one of the page's agent tokens, which the
// server hands back as it passes them on: for each one left out, the gateway
// hands the page a token itself (SPICE_MSG_MAIN_AGENT_TOKEN, between two of
// the server's messages), so the page's agent traffic never stalls.

import { AgentMessage } from '../../../shared/spice/agentMessages';

/** What the policy lets through (SessionRedirection). */
export interface SpiceAgentWays {
  toRemote: boolean;
  toLocal: boolean;
  files: boolean;
}

const MAGIC = 0x51444552; // "REDQ"
const LINK_HEADER = 16;
const CHANNEL_MAIN = 1;
const CAP_AUTH_SELECTION = 1 << 0;
const CAP_MINI_HEADER = 1 << 3;
const AUTH_SPICE = 1;
const TICKET_BYTES = 128;
const MINI_HEADER = 6;
const MSGC_MAIN_AGENT_DATA = 107;
const MSG_MAIN_AGENT_TOKEN = 110;
const AGENT_HEADER = 20;
/** AGENT_DATA bodies are at most 2048 bytes; anything much larger is not an agent piece a client sends. */
const MAX_AGENT_PIECE = 64 * 1024;


export type SpicePushOutcome = { ok: true; toServer: Buffer[]; toPage: Buffer[] } | { ok: false; why: string };

type PageState = 'link-header' | 'link-mess' | 'auth-mechanism' | 'ticket' | 'messages' | 'passthrough';
type ServerState = 'link-header' | 'link-reply' | 'link-result' | 'messages' | 'passthrough';

export class SpiceAgentFilter {
  /** Agent messages left out (for the log). */
  dropped = 0;
  /** Tokens handed to the page for them. */
  tokensGiven = 0;

  private page: PageState = 'link-header';
  private pageBuffer: Buffer = Buffer.alloc(0);
  /** Bytes of the page's message being passed through unread (not AGENT_DATA), after its header. */
  private pagePassing = 0;
  private pageCaps = 0;
  private pageLinkSize = 0;

  private server: ServerState = 'link-header';
  private serverBuffer: Buffer = Buffer.alloc(0);
  private serverCaps: number | null = null;
  private serverReplySize = 0;
  /** Bytes of the server's message still to come; 0 between messages. */
  private serverRemaining = 0;
  /** A partial mini header of the server's, while one is cut between chunks. */
  private serverHeader: Buffer = Buffer.alloc(0);
  /** Tokens owed to the page, sent at the next boundary between the server's messages. */
  private owedTokens = 0;

  /** The agent message being read from the page's pieces: its body bytes still to come, and whether it is left out. */
  private agentRemaining = 0;
  private agentDropped = false;

  constructor(private readonly ways: SpiceAgentWays) {}

  /** Bytes from the page: what goes to the server, and what the page is told (tokens), or why the session cannot be checked. */
  push(chunk: Buffer): SpicePushOutcome {
    const toServer: Buffer[] = [];
    this.pageBuffer = this.pageBuffer.length > 0 ? Buffer.concat([this.pageBuffer, chunk]) : chunk;
    const step = this.pageStep(toServer);
    if (step !== true) return { ok: false, why: step };
    return { ok: true, toServer, toPage: this.tokensNow() };
  }

  /** Bytes from the server: passed on as they come, with the tokens owed to the page between two of its messages. */
  fromServer(chunk: Buffer): Buffer[] {
    if (this.server === 'passthrough') return [chunk];
    if (this.server === 'messages') return this.serverMessages(chunk);
    // The link, read whole and passed on as it comes; what follows it in the same chunk is read as messages.
    this.serverBuffer = this.serverBuffer.length > 0 ? Buffer.concat([this.serverBuffer, chunk]) : chunk;
    const rest = this.serverLinkStep();
    if (rest === null) return [chunk];
    this.serverBuffer = Buffer.alloc(0);
    const linkPart = chunk.subarray(0, chunk.length - rest.length);
    return [...(linkPart.length > 0 ? [linkPart] : []), ...this.tokensNow(), ...this.serverMessages(rest)];
  }

  /**
   * The server's messages, passed on as they came: the chunk is cut only
   * where owed tokens go in, at the end of one of its messages.
   */
  private serverMessages(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.serverRemaining > 0) {
        const take = Math.min(this.serverRemaining, chunk.length - at);
        this.serverRemaining -= take;
        at += take;
      } else {
        const part = chunk.subarray(at, at + MINI_HEADER - this.serverHeader.length);
        at += part.length;
        this.serverHeader = this.serverHeader.length > 0 ? Buffer.concat([this.serverHeader, part]) : part;
        if (this.serverHeader.length < MINI_HEADER) continue;
        this.serverRemaining = this.serverHeader.readUInt32LE(2);
        this.serverHeader = Buffer.alloc(0);
      }
      if (this.serverRemaining === 0 && this.owedTokens > 0) {
        out.push(chunk.subarray(start, at), ...this.tokensNow());
        start = at;
      }
    }
    if (start < chunk.length) out.push(chunk.subarray(start));
    return out;
  }

  /** Reads the server's link from serverBuffer; returns what follows it once it is over (possibly empty), else null. */
  private serverLinkStep(): Buffer | null {
    for (;;) {
      const buffer = this.serverBuffer;
      if (this.server === 'link-header') {
        if (buffer.length < LINK_HEADER) return null;
        if (buffer.readUInt32LE(0) !== MAGIC) {
          this.server = 'passthrough';
          return null;
        }
        this.serverReplySize = buffer.readUInt32LE(12);
        this.server = 'link-reply';
        continue;
      }
      if (this.server === 'link-reply') {
        if (buffer.length < LINK_HEADER + this.serverReplySize) return null;
        const reply = buffer.subarray(LINK_HEADER, LINK_HEADER + this.serverReplySize);
        // error (4), pub_key (162), num_common_caps (4), num_channel_caps (4), caps_offset (4), caps.
        if (reply.length >= 178) {
          const numCommon = reply.readUInt32LE(166);
          const capsOffset = reply.readUInt32LE(174);
          this.serverCaps = numCommon > 0 && capsOffset + 4 <= reply.length ? reply.readUInt32LE(capsOffset) : 0;
        } else {
          this.serverCaps = 0;
        }
        this.server = 'link-result';
        continue;
      }
      if (this.server === 'link-result') {
        const end = LINK_HEADER + this.serverReplySize + 4;
        if (buffer.length < end) return null;
        this.server = 'messages';
        return buffer.subarray(end);
      }
      return null;
    }
  }

  /** Reads what it can of the page's bytes in pageBuffer; a reason where the session cannot be checked. */
  private pageStep(toServer: Buffer[]): true | string {
    for (;;) {
      const buffer = this.pageBuffer;
      if (buffer.length === 0) return true;
      if (this.page === 'passthrough') {
        this.take(buffer.length, toServer);
        return true;
      }
      if (this.page === 'messages' && this.pagePassing > 0) {
        const n = Math.min(this.pagePassing, buffer.length);
        this.take(n, toServer);
        this.pagePassing -= n;
        continue;
      }
      if (this.page === 'link-header') {
        if (buffer.length < LINK_HEADER) return true;
        if (buffer.readUInt32LE(0) !== MAGIC) return 'the page\u2019s SPICE link did not start with its magic';
        this.pageLinkSize = buffer.readUInt32LE(12);
        this.page = 'link-mess';
        continue;
      }
      if (this.page === 'link-mess') {
        const end = LINK_HEADER + this.pageLinkSize;
        if (buffer.length < end) return true;
        const mess = buffer.subarray(LINK_HEADER, end);
        // connection_id (4), channel_type (1), channel_id (1), num_common_caps (4), num_channel_caps (4), caps_offset (4).
        if (mess.length < 18) return 'the page\u2019s SPICE link message was cut short';
        const channelType = mess.readUInt8(4);
        const numCommon = mess.readUInt32LE(6);
        const capsOffset = mess.readUInt32LE(14);
        this.pageCaps = numCommon > 0 && capsOffset + 4 <= mess.length ? mess.readUInt32LE(capsOffset) : 0;
        this.take(end, toServer);
        if (channelType !== CHANNEL_MAIN) {
          // Not the main channel: no agent on it, nothing to read.
          this.page = 'passthrough';
          this.server = 'passthrough';
          continue;
        }
        this.page = this.pageCaps & CAP_AUTH_SELECTION ? 'auth-mechanism' : 'ticket';
        continue;
      }
      if (this.page === 'auth-mechanism') {
        if (buffer.length < 4) return true;
        if (buffer.readUInt32LE(0) !== AUTH_SPICE) return 'the page chose a sign-in (SASL) whose messages the gateway cannot follow';
        this.take(4, toServer);
        this.page = 'ticket';
        continue;
      }
      if (this.page === 'ticket') {
        if (buffer.length < TICKET_BYTES) return true;
        this.take(TICKET_BYTES, toServer);
        this.page = 'messages';
        continue;
      }
      if (this.page === 'messages') {
        if (this.serverCaps === null) return 'the page sent messages before the server\u2019s link reply';
        if (!(this.pageCaps & CAP_MINI_HEADER) || !(this.serverCaps & CAP_MINI_HEADER)) return 'the SPICE channel does not use mini headers, which the gateway reads';
        if (buffer.length < MINI_HEADER) return true;
        const type = buffer.readUInt16LE(0);
        const size = buffer.readUInt32LE(2);
        if (type !== MSGC_MAIN_AGENT_DATA) {
          this.take(MINI_HEADER, toServer);
          this.pagePassing = size;
          continue;
        }
        if (size > MAX_AGENT_PIECE) return `an agent message piece of ${size} bytes`;
        if (buffer.length < MINI_HEADER + size) return true;
        const body = buffer.subarray(MINI_HEADER, MINI_HEADER + size);
        const verdict = this.judgePiece(body);
        if (typeof verdict === 'string') return verdict;
        if (verdict) this.take(MINI_HEADER + size, toServer);
        else {
          // Left out: the token it spent is handed back to the page (tokensNow).
          this.pageBuffer = this.pageBuffer.subarray(MINI_HEADER + size);
          this.owedTokens++;
        }
        continue;
      }
      return true;
    }
  }

  /** Whether a piece of the agent's stream goes (true), is left out (false), or cannot be judged (why). */
  private judgePiece(body: Buffer): boolean | string {
    let offset = 0;
    let kept = false;
    let left = false;
    if (body.length === 0) return true;
    while (offset < body.length) {
      if (this.agentRemaining === 0) {
        if (offset + AGENT_HEADER > body.length) return 'an agent message header cut between two pieces';
        const type = body.readUInt32LE(offset + 4);
        this.agentRemaining = body.readUInt32LE(offset + 16);
        this.agentDropped = this.forbidden(type);
        if (this.agentDropped) this.dropped++;
        offset += AGENT_HEADER;
      }
      const take = Math.min(this.agentRemaining, body.length - offset);
      this.agentRemaining -= take;
      offset += take;
      if (this.agentDropped) left = true;
      else kept = true;
    }
    if (left && kept) return 'a piece of the agent\u2019s stream that carries a left-out message with another';
    return !left;
  }

  private forbidden(type: number): boolean {
    if (!this.ways.toRemote && (type === AgentMessage.CLIPBOARD_GRAB || type === AgentMessage.CLIPBOARD)) return true;
    if (!this.ways.toLocal && type === AgentMessage.CLIPBOARD_REQUEST) return true;
    if (!this.ways.files && (type === AgentMessage.FILE_XFER_START || type === AgentMessage.FILE_XFER_DATA)) return true;
    return false;
  }

  /** Moves the first `n` bytes of pageBuffer to the server. */
  private take(n: number, toServer: Buffer[]): void {
    toServer.push(this.pageBuffer.subarray(0, n));
    this.pageBuffer = this.pageBuffer.subarray(n);
  }

  /** The owed tokens as one SPICE_MSG_MAIN_AGENT_TOKEN, if the server's stream is between two messages. */
  private tokensNow(): Buffer[] {
    if (this.owedTokens === 0 || this.server !== 'messages' || this.serverRemaining > 0 || this.serverHeader.length > 0) return [];
    const message = Buffer.alloc(MINI_HEADER + 4);
    message.writeUInt16LE(MSG_MAIN_AGENT_TOKEN, 0);
    message.writeUInt32LE(4, 2);
    message.writeUInt32LE(this.owedTokens, MINI_HEADER);
    this.tokensGiven += this.owedTokens;
    this.owedTokens = 0;
    return [message];
  }
}
