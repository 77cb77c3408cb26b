// Where each PDU of an RDP server's output ends, as the gateway sees it once
// TLS is off (MS-RDPBCGR): with NLA, CredSSP TSRequests (DER) and, with
// HYBRID_EX, a 4-byte Early User Authorization Result first; then slow-path
// PDUs (TPKT, 2.2.8.1.1.1.1) and fast-path output (2.2.9.1.2). Shared by the
// stream watch (serverStreamWatch.ts) and the RemoteFX tile filter
// (remoteFxTiles.ts).
import { probeLength } from '../rdcleanpath/der';

export interface ServerFraming {
  /** 'credssp' until RDP begins (the framing moves it on). */
  phase: 'credssp' | 'rdp';
  /** The server sends an Early User Authorization Result after CredSSP (HYBRID_EX). */
  readonly earlyAuth: boolean;
}

export function serverFraming(nla: boolean, earlyAuth: boolean): ServerFraming {
  return { phase: nla ? 'credssp' : 'rdp', earlyAuth };
}

/**
 * The length of the PDU at `offset` (only its header need be there), null if
 * its header is not all here, 'unknown' if the stream cannot be framed.
 */
export function serverPduLength(b: Buffer, offset: number, framing: ServerFraming): number | null | 'unknown' {
  const available = b.length - offset;
  const first = b[offset]!;
  if (framing.phase === 'credssp') {
    if (first === 0x03) {
      framing.phase = 'rdp';
      return serverPduLength(b, offset, framing);
    }
    if (first === 0x30) {
      const probe = probeLength(b.subarray(offset), 0x1000000);
      return probe.kind === 'complete' ? probe.totalLength : probe.kind === 'incomplete' ? null : 'unknown';
    }
    // With HYBRID_EX, the server's Early User Authorization Result (4 bytes) ends CredSSP.
    if (framing.earlyAuth) {
      if (available < 4) return null;
      framing.phase = 'rdp';
      return 4;
    }
    return 'unknown';
  }
  if (first === 0x03) {
    if (available < 4) return null;
    const length = b.readUInt16BE(offset + 2);
    return length < 7 ? 'unknown' : length;
  }
  if ((first & 0x3) !== 0) return 'unknown';
  if (available < 2) return null;
  let length = b[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    if (available < 3) return null;
    length = ((length & 0x7f) << 8) | b[offset + 2]!;
    header = 3;
  }
  return length < header ? 'unknown' : length;
}

/** The length of a fast-path PDU's header (2 or 3 bytes). */
export function fastPathHeaderLength(b: Buffer, offset: number): number {
  return b[offset + 1]! & 0x80 ? 3 : 2;
}
