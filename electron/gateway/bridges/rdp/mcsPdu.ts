// MCS (T.125) and GCC (T.124) pieces that the readers of both directions of
// an RDP connection need (MS-RDPBCGR 2.2.1.3 and 2.2.1.4, 2.2.8.1.1.1.1):
// where a Send Data Request's or Indication's user data begins, and the
// user data blocks of the Connect-Initial (the client's, after the H.221
// key "Duca") and the Connect-Response (the server's, after "McDn").

/** T.125 DomainMCSPDU choice 25, SendDataRequest, PER-encoded: 25 << 2. */
export const MCS_SEND_DATA_REQUEST = 0x64;
/** Choice 26, SendDataIndication. */
export const MCS_SEND_DATA_INDICATION = 0x68;

/**
 * Where the user data of the Send Data Request or Indication in this TPKT
 * begins: after TPKT and X.224 (7), initiator (2), channel id (2),
 * priority and segmentation (1), and the PER length (1 or 2). Null if the
 * PDU ends before its length.
 */
export function sendDataUserData(tpkt: Buffer): number | null {
  const lengthAt = 7 + 6;
  const lengthByte = tpkt[lengthAt];
  if (lengthByte === undefined) return null;
  return lengthAt + (lengthByte & 0x80 ? 2 : 1);
}

export interface GccBlock {
  type: number;
  /** Where the block's header (type 2, length 2) begins. */
  offset: number;
  length: number;
}

/**
 * Hands `each` the GCC user data blocks that follow `key` in `pdu`, in order,
 * until it returns false ('stopped'); 'end' when they are all read, or why
 * they could not be.
 */
export function walkGccUserData(pdu: Buffer, key: Buffer, each: (block: GccBlock) => boolean): 'end' | 'stopped' | 'no-key' | 'truncated' | 'malformed' {
  const at = pdu.indexOf(key);
  if (at < 0) return 'no-key';
  // The PER length of the user data, then the blocks.
  let offset = at + key.length;
  const lengthByte = pdu[offset];
  if (lengthByte === undefined) return 'truncated';
  offset += lengthByte & 0x80 ? 2 : 1;
  while (offset + 4 <= pdu.length) {
    const length = pdu.readUInt16LE(offset + 2);
    if (length < 4 || offset + length > pdu.length) return 'malformed';
    if (!each({ type: pdu.readUInt16LE(offset), offset, length })) return 'stopped';
    offset += length;
  }
  return 'end';
}
