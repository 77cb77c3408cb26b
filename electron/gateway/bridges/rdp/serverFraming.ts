// Where each PDU of an RDP server's output ends, as the gateway sees it once
// TLS is off (MS-RDPBCGR): with NLA, CredSSP TSRequests (DER) and, with
// HYBRID_EX, a 4-byte Early User Authorization Result first; then slow-path
// PDUs (TPKT, 2.2.8.1.1.1.1) and fast-path output (2.2.9.1.2); and what a
// slow-path Data PDU is. Shared by the stream watch (serverStreamWatch.ts),
// the RemoteFX tile filter (remoteFxTiles.ts) and the transcoder
// (remoteFxTranscoder.ts); the last two hold each PDU until it is whole
// (forEachWholePdu).
import { probeLength } from '../rdcleanpath/der';
import { MCS_SEND_DATA_INDICATION, sendDataUserData } from './mcsPdu';

const PDUTYPE_DATAPDU = 0x7;
const PACKET_COMPRESSED = 0x20;

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

/**
 * A slow-path Data PDU from the server (2.2.8.1.1.1: TPKT, X.224 data, MCS
 * Send Data Indication, TS_SHARECONTROLHEADER, TS_SHAREDATAHEADER): its
 * pduType2, whether it is bulk-compressed, and where its body starts (the
 * caller checks the body is long enough); null for any other PDU.
 */
export function slowPathDataPdu(tpkt: Buffer): { pduType2: number; compressed: boolean; body: number } | null {
  // X.224 data, then MCS Send Data Indication: initiator (2), channel (2), flags (1), PER length (1-2).
  if (tpkt.length < 8 || tpkt[5] !== 0xf0 || tpkt[7] !== MCS_SEND_DATA_INDICATION) return null;
  let at = sendDataUserData(tpkt);
  if (at === null) return null;
  // TS_SHARECONTROLHEADER: totalLength (2), pduType (2), pduSource (2); TS_SHAREDATAHEADER: shareId (4),
  // pad (1), streamId (1), uncompressedLength (2), pduType2 (1), compressedType (1), compressedLength (2).
  if (at + 6 + 12 > tpkt.length) return null;
  if ((tpkt.readUInt16LE(at + 2) & 0xf) !== PDUTYPE_DATAPDU) return null;
  at += 6;
  return { pduType2: tpkt[at + 8]!, compressed: (tpkt[at + 9]! & PACKET_COMPRESSED) !== 0, body: at + 12 };
}

/** What a PDU is to those that hold each one until it is whole. */
export type WholePdu = { kind: 'credssp' | 'slow-path' | 'fast-path'; pdu: Buffer };

/**
 * Hands `each` the whole PDUs at the start of `data`, in order, until one is
 * not all here, the stream cannot be framed, or `each` returns false.
 * Returns where the first PDU not handed begins and whether framing failed there.
 */
export function forEachWholePdu(data: Buffer, framing: ServerFraming, each: (pdu: WholePdu) => boolean): { offset: number; unframeable: boolean } {
  let offset = 0;
  while (offset < data.length) {
    const inCredssp = framing.phase === 'credssp';
    const length = serverPduLength(data, offset, framing);
    if (length === null) break;
    if (length === 'unknown') return { offset, unframeable: true };
    if (length > data.length - offset) break;
    const pdu = data.subarray(offset, offset + length);
    offset += length;
    if (!each({ kind: inCredssp ? 'credssp' : pdu[0] === 0x03 ? 'slow-path' : 'fast-path', pdu })) break;
  }
  return { offset, unframeable: false };
}
