// The clipboard policy's one-way cases for RDP, in the gateway: the client's
// PDUs on the clipboard's static virtual channel (MS-RDPECLIP over
// MS-RDPBCGR 2.2.6.1 virtual channel PDUs) that would move text the way the
// policy forbids are emptied or left out before they reach the server.
// (Where no way is allowed, the channel itself is kept from the server:
// clientSettings.ts renames it.)
//
// In MS-RDPECLIP data moves only when asked for: a side announces what it
// has (Format List), the other asks (Format Data Request) and is answered
// (Format Data Response). So:
//
// - text may not go to the remote computer: the client's Format List is
//   sent empty (the server answers it as usual, and never asks), and a
//   Format Data Response or File Contents Response from the client is
//   turned into a failed response (so a paste on the remote side ends
//   instead of waiting);
// - text may not come from the remote computer: the client's Format Data
//   Request and File Contents Request are left out, so the server never
//   sends its data.
//
// A message may be cut into chunks (CHANNEL_FLAG_FIRST … CHANNEL_FLAG_LAST);
// only the first names its type, and the rest follow its fate.
import { MCS_SEND_DATA_REQUEST, sendDataUserData } from './mcsPdu';

/** MS-RDPBCGR 2.2.6.1.1 CHANNEL_PDU_HEADER flags. */
const CHANNEL_FLAG_FIRST = 0x01;
const CHANNEL_FLAG_LAST = 0x02;
const CHANNEL_PACKET_COMPRESSED = 0x00200000;

/** MS-RDPECLIP 2.2.1 CLIPRDR_HEADER msgType. */
const CB_FORMAT_LIST = 0x0002;
const CB_FORMAT_DATA_REQUEST = 0x0004;
const CB_FORMAT_DATA_RESPONSE = 0x0005;
const CB_FILECONTENTS_REQUEST = 0x0008;
const CB_FILECONTENTS_RESPONSE = 0x0009;
const CB_RESPONSE_FAIL = 0x0002;

export interface ClipboardWays {
  toRemote: boolean;
  toLocal: boolean;
}

type Fate = 'pass' | 'drop';

export class ClipboardChannelFilter {
  /** What becomes of the chunks after a message's first, until its last. */
  private rest: Fate = 'pass';
  /** Messages emptied or left out (for the log). */
  changed = 0;

  constructor(private readonly ways: ClipboardWays) {}

  /**
   * A whole slow-path PDU from the client (TPKT, X.224, MCS Send Data Request)
   * known to be on the clipboard channel: what goes to the server instead
   * (itself, another PDU, or null for nothing).
   */
  judge(tpkt: Buffer): Buffer | null {
    const at = sendDataUserData(tpkt);
    if (at === null || at + 8 > tpkt.length) return tpkt;
    const flags = tpkt.readUInt32LE(at + 4);
    const first = (flags & CHANNEL_FLAG_FIRST) !== 0;
    const last = (flags & CHANNEL_FLAG_LAST) !== 0;
    if (!first) {
      const fate = this.rest;
      if (last) this.rest = 'pass';
      return fate === 'pass' ? tpkt : null;
    }
    // A compressed message cannot be read: under a one-way policy it does not go.
    if (flags & CHANNEL_PACKET_COMPRESSED || at + 8 + 8 > tpkt.length) return this.outcome(null, last);
    const type = tpkt.readUInt16LE(at + 8);
    if (!this.ways.toRemote) {
      if (type === CB_FORMAT_LIST) return this.outcome(rebuild(tpkt, at, cliprdr(CB_FORMAT_LIST, 0, Buffer.alloc(0))), last);
      if (type === CB_FORMAT_DATA_RESPONSE) return this.outcome(rebuild(tpkt, at, cliprdr(CB_FORMAT_DATA_RESPONSE, CB_RESPONSE_FAIL, Buffer.alloc(0))), last);
      if (type === CB_FILECONTENTS_RESPONSE) {
        // streamId (4) first: the failed response names the stream it answers.
        const streamId = at + 16 + 4 <= tpkt.length ? tpkt.subarray(at + 16, at + 20) : Buffer.alloc(4);
        return this.outcome(rebuild(tpkt, at, cliprdr(CB_FILECONTENTS_RESPONSE, CB_RESPONSE_FAIL, Buffer.from(streamId))), last);
      }
    }
    if (!this.ways.toLocal && (type === CB_FORMAT_DATA_REQUEST || type === CB_FILECONTENTS_REQUEST)) return this.outcome(null, last);
    if (!last) this.rest = 'pass';
    return tpkt;
  }

  /** A first chunk replaced (or left out): the chunks after it, if any, are left out. */
  private outcome(replacement: Buffer | null, last: boolean): Buffer | null {
    this.changed++;
    if (!last) this.rest = 'drop';
    return replacement;
  }
}

/** The MCS channel id a client PDU is sent on, or null if it is not a slow-path Send Data Request. */
export function sendDataChannel(pdu: Buffer): number | null {
  if (pdu[0] !== 0x03 || pdu.length < 12 || pdu[5] !== 0xf0 || pdu[7] !== MCS_SEND_DATA_REQUEST) return null;
  return pdu.readUInt16BE(10);
}

/** A CLIPRDR_HEADER (msgType, msgFlags, dataLen) and its data. */
function cliprdr(type: number, msgFlags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(type, 0);
  header.writeUInt16LE(msgFlags, 2);
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** The PDU with the same TPKT, X.224 and MCS headers (initiator, channel, priority) around a one-chunk message, its channel flags kept (SHOW_PROTOCOL). */
function rebuild(tpkt: Buffer, userDataAt: number, message: Buffer): Buffer {
  const channelHeader = Buffer.alloc(8);
  channelHeader.writeUInt32LE(message.length, 0);
  channelHeader.writeUInt32LE((tpkt.readUInt32LE(userDataAt + 4) | CHANNEL_FLAG_FIRST | CHANNEL_FLAG_LAST) >>> 0, 4);
  const userData = Buffer.concat([channelHeader, message]);
  const perLength = userData.length < 0x80 ? Buffer.from([userData.length]) : Buffer.from([0x80 | (userData.length >> 8), userData.length & 0xff]);
  const mcsHead = tpkt.subarray(7, 13);
  const length = 7 + mcsHead.length + perLength.length + userData.length;
  return Buffer.concat([Buffer.from([0x03, 0x00, length >> 8, length & 0xff]), tpkt.subarray(4, 7), mcsHead, perLength, userData]);
}
