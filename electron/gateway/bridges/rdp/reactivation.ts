// The server's Deactivation-Reactivation Sequence as the IronRDP build we ship
// can follow it.
//
// A server that changes the desktop's size (display control, MS-RDPEDISP
// 3.2.5.2.2) sends a Deactivate All PDU (MS-RDPBCGR 2.2.3.1), then a Demand
// Active with the new size and the connection finalization PDUs, ending with
// its Font Map: the Deactivation-Reactivation Sequence (1.3.1.3), after which
// the client resizes its picture. Two things in xrdp's end the session in that
// IronRDP build:
//
// 1. xrdp sends the Deactivate All as a Share Control Header alone, six bytes
//    (xrdp_rdp_send_deactivate: "why are all the fields missing from the
//    TS_DEACTIVATE_ALL_PDU?"), with no shareId, lengthSourceDescriptor or
//    sourceDescriptor. IronRDP (ironrdp-pdu's ShareControlHeader::decode)
//    reads a shareId with every Share Control Header and fails on the six
//    bytes ("not enough bytes provided to decode: received 6 bytes, expected
//    10 bytes"; fixed upstream in IronRDP #1719, not in a published npm
//    release). FreeRDP and mstsc read the short PDU. The gateway gives IronRDP
//    the whole PDU instead: the share id of the server's last Demand Active
//    (the share being deactivated), and an empty source descriptor as the
//    specification asks for ({0x00}, lengthSourceDescriptor 1).
// 2. IronRDP reads every PDU of the sequence as one of the sequence's own; a
//    virtual channel's PDU among them (xrdp's clipboard opening, soon after
//    connecting, came between the Demand Active and the Synchronize) fails as
//    "invalid pdu type". The gateway holds the server's PDUs on channels other
//    than the one the Deactivate All came on until the server's Font Map, and
//    sends them, in their order, right after it.
//
// TLS ends in the gateway, so it sees these PDUs in clear. Every other PDU,
// and a Deactivate All that already has its fields, is left as it came.

import { MCS_SEND_DATA_INDICATION, sendDataUserData } from './mcsPdu';
import { slowPathDataPdu } from './serverFraming';

/** TS_SHARECONTROLHEADER pduType (MS-RDPBCGR 2.2.8.1.1.1.1), less its version bits. */
const PDUTYPE_DEMANDACTIVEPDU = 0x1;
const PDUTYPE_DEACTIVATEALLPDU = 0x6;
/** 2.2.1.22.1 TS_FONT_MAP_PDU: the server's last PDU of the connection finalization. */
const PDUTYPE2_FONTMAP = 0x28;
const SHARE_CONTROL_HEADER = 6;
/** shareId (4), lengthSourceDescriptor (2), sourceDescriptor (1: 0x00). */
const DEACTIVATE_ALL_BODY = 4 + 2 + 1;
/** More than this held, and the sequence is not one the gateway knows: what it holds goes on. */
const MAX_HELD_BYTES = 1024 * 1024;

export class DeactivationReactivation {
  /** The share id of the server's last Demand Active (0 until one came). */
  private shareId = 0;
  /** Between a Deactivate All and the Font Map that ends the reactivation: its channel (the I/O channel), and what waits. */
  private reactivating: { channel: number; held: Buffer[]; bytes: number } | null = null;
  /** Deactivate All PDUs made whole, and virtual channel PDUs held until a reactivation ended. */
  readonly stats = { completed: 0, held: 0 };

  /** A whole slow-path PDU from the server: what goes to the client in its place (itself, as it came, most of the time). */
  fix(tpkt: Buffer): Buffer[] {
    // X.224 data, then an MCS Send Data Indication with a Share Control Header (no security header: TLS).
    if (tpkt.length < 13 || tpkt[5] !== 0xf0 || tpkt[7] !== MCS_SEND_DATA_INDICATION) return [tpkt];
    const channel = tpkt.readUInt16BE(10);
    const reactivating = this.reactivating;
    if (reactivating && channel !== reactivating.channel) {
      reactivating.held.push(tpkt);
      reactivating.bytes += tpkt.length;
      this.stats.held++;
      if (reactivating.bytes <= MAX_HELD_BYTES) return [];
      this.reactivating = null;
      return reactivating.held;
    }
    const at = sendDataUserData(tpkt);
    if (at === null || at + SHARE_CONTROL_HEADER > tpkt.length) return [tpkt];
    const totalLength = tpkt.readUInt16LE(at);
    const pduType = tpkt.readUInt16LE(at + 2) & 0xf;
    if (reactivating && slowPathDataPdu(tpkt)?.pduType2 === PDUTYPE2_FONTMAP) {
      this.reactivating = null;
      return [tpkt, ...reactivating.held];
    }
    if (pduType === PDUTYPE_DEMANDACTIVEPDU && at + SHARE_CONTROL_HEADER + 4 <= tpkt.length) {
      this.shareId = tpkt.readUInt32LE(at + SHARE_CONTROL_HEADER);
      return [tpkt];
    }
    if (pduType !== PDUTYPE_DEACTIVATEALLPDU) return [tpkt];
    this.reactivating = { channel, held: reactivating?.held ?? [], bytes: reactivating?.bytes ?? 0 };
    // Anything more than the header alone is left as it came; exactly the header, and the PDU ends with it, is xrdp's.
    if (totalLength !== SHARE_CONTROL_HEADER || tpkt.length !== at + SHARE_CONTROL_HEADER) return [tpkt];
    const userData = Buffer.alloc(SHARE_CONTROL_HEADER + DEACTIVATE_ALL_BODY);
    tpkt.copy(userData, 0, at, at + SHARE_CONTROL_HEADER);
    userData.writeUInt16LE(userData.length, 0);
    userData.writeUInt32LE(this.shareId >>> 0, SHARE_CONTROL_HEADER);
    userData.writeUInt16LE(1, SHARE_CONTROL_HEADER + 4);
    userData[SHARE_CONTROL_HEADER + 6] = 0x00;
    // TPKT (4), X.224 data (3), the Send Data Indication up to its user data's PER length (6), which fits in one byte now.
    const whole = Buffer.concat([tpkt.subarray(0, 7 + 6), Buffer.from([userData.length]), userData]);
    whole.writeUInt16BE(whole.length, 2);
    this.stats.completed++;
    return [whole];
  }
}
