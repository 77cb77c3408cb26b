// X.224 connection setup of RDP (MS-RDPBCGR 2.2.1.1 and 2.2.1.2), inside a
// TPKT (RFC 1006 §6: version 3, reserved 0, 16-bit big-endian total length).
// The gateway builds a Connection Request only for its certificate
// preflight, the same bytes as IronRDP's where it can (so the session may go
// on over that connection: rdp/heldTransport.ts); otherwise it forwards the
// client's own request and reads the server's whole Connection Confirm.

/** MS-RDPBCGR 2.2.1.1.1 RDP_NEG_REQ requestedProtocols flags. */
export const PROTOCOL = { RDP: 0, SSL: 0x1, HYBRID: 0x2, RDSTLS: 0x4, HYBRID_EX: 0x8 } as const;

/** MS-RDPBCGR 2.2.1.2.2 RDP_NEG_FAILURE failureCode. */
export const NEG_FAILURE = {
  SSL_REQUIRED_BY_SERVER: 1,
  SSL_NOT_ALLOWED_BY_SERVER: 2,
  SSL_CERT_NOT_ON_SERVER: 3,
  INCONSISTENT_FLAGS: 4,
  HYBRID_REQUIRED_BY_SERVER: 5,
  SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: 6,
} as const;

export const TPKT_HEADER_LENGTH = 4;
/** A Connection Confirm is 19 bytes; anything past this is not one. */
export const MAX_CONFIRM_LENGTH = 1024;

export type ConnectionConfirm =
  | { kind: 'selected'; protocol: number; flags: number }
  | { kind: 'failure'; failureCode: number }
  /** No RDP_NEG_RSP at all: the server only knows standard RDP security. */
  | { kind: 'legacy' };

export class X224Error extends Error {
  override readonly name = 'X224Error';
}

/** Length of the TPKT starting at buf, if its header is there. */
export function tpktLength(buf: Uint8Array): number | null {
  if (buf.length < TPKT_HEADER_LENGTH) return null;
  if (buf[0] !== 3) throw new X224Error(`not a TPKT (version byte ${buf[0]})`);
  const length = ((buf[2] as number) << 8) | (buf[3] as number);
  if (length < 7) throw new X224Error(`TPKT length ${length} too short`);
  return length;
}

/** The longest routing cookie a Connection Request carries here: its length indicator is one byte. */
const MAX_COOKIE_BYTES = 200;

/**
 * MS-RDPBCGR 2.2.1.1 Client X.224 Connection Request PDU with an RDP_NEG_REQ,
 * after a "Cookie: mstshash=NAME" line when a user name is given (as
 * IronRDP's request carries it, and as load balancers read it to send a
 * user to their server). A name too long for the PDU is left out.
 */
export function connectionRequest(requestedProtocols: number, cookieName?: string): Uint8Array {
  const cookie = cookieName ? Buffer.from(`Cookie: mstshash=${cookieName}\r\n`, 'utf8') : Buffer.alloc(0);
  const routing = cookie.length <= MAX_COOKIE_BYTES ? [...cookie] : [];
  const x224 = [
    6 + routing.length + 8, // length indicator: the rest of the X.224 header, the cookie, RDP_NEG_REQ
    0xe0, // CR CDT
    0, 0, // DST-REF
    0, 0, // SRC-REF
    0, // class option
    ...routing,
    0x01, // RDP_NEG_REQ type (2.2.1.1.1)
    0, // flags
    8, 0, // length, little-endian
    requestedProtocols & 0xff, (requestedProtocols >> 8) & 0xff, (requestedProtocols >> 16) & 0xff, (requestedProtocols >>> 24) & 0xff,
  ];
  const total = TPKT_HEADER_LENGTH + x224.length;
  return Uint8Array.from([3, 0, total >> 8, total & 0xff, ...x224]);
}

/** Reads the requested protocols from a client's Connection Request, if it carries RDP_NEG_REQ. */
export function requestedProtocols(request: Uint8Array): number | null {
  const length = tpktLength(request);
  if (length === null || length !== request.length) throw new X224Error('incomplete Connection Request');
  if (request[5] !== 0xe0) throw new X224Error('not an X.224 Connection Request');
  // RDP_NEG_REQ is the last 8 bytes when present (after an optional cookie or routing token).
  if (length >= 19 && request[length - 8] === 0x01 && request[length - 6] === 8 && request[length - 5] === 0) {
    const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
    return view.getUint32(length - 4, true);
  }
  return null;
}

/** MS-RDPBCGR 2.2.1.2 Server X.224 Connection Confirm PDU. */
export function parseConnectionConfirm(pdu: Uint8Array): ConnectionConfirm {
  const length = tpktLength(pdu);
  if (length === null || length !== pdu.length) throw new X224Error('incomplete Connection Confirm');
  const li = pdu[4] as number;
  if (((pdu[5] as number) & 0xf0) !== 0xd0) throw new X224Error('not an X.224 Connection Confirm');
  if (li < 6 || TPKT_HEADER_LENGTH + 1 + li > length) throw new X224Error('bad X.224 length indicator');
  if (li < 6 + 8) return { kind: 'legacy' };
  const view = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  const type = pdu[11] as number;
  const flags = pdu[12] as number;
  const value = view.getUint32(15, true);
  if (type === 0x02) return { kind: 'selected', protocol: value, flags }; // RDP_NEG_RSP
  if (type === 0x03) return { kind: 'failure', failureCode: value }; // RDP_NEG_FAILURE
  throw new X224Error(`unknown negotiation type ${type}`);
}
