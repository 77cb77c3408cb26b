// The Client Info PDU rebuilt with a start program (MS-RDPBCGR 2.2.1.11.1.1
// TS_INFO_PACKET: AlternateShell and WorkingDir), which asks the server to run
// that program in place of the desktop's shell, as mstsc does for an .rdp's
// "alternate shell" and FreeRDP for /shell: and /shell-dir:. IronRDP's web
// client always sends both empty, and unlike the fields clientSettings.ts sets
// in place, these strings change the PDU's length: the TPKT length and the MCS
// Send Data Request's PER-encoded user data length are written anew. X.224's
// data TPDU and the basic security header (TLS: no encryption, no MAC) carry
// no length; the domain, user name, password and the extended info after the
// working directory are copied as the client sent them.

/** MS-RDPBCGR 2.2.1.11.1.1 flags: the strings are UTF-16LE (else ANSI, which this rewrite does not write). */
const INFO_UNICODE = 0x00000010;
/** CodePage (4), flags (4), then the five cb fields (2 each): cbDomain, cbUserName, cbPassword, cbAlternateShell, cbWorkingDir. */
const FIXED_PART = 18;
const CB_ALTERNATE_SHELL = 14;
const CB_WORKING_DIR = 16;
/** AlternateShell and WorkingDir are at most 512 bytes each, their NUL included (2.2.1.11.1.1). */
export const MAX_START_STRING_BYTES = 512;
/** PER length of the MCS user data: one byte below 0x80, else two (0x80 | high bits, low byte) below 0x4000 (T.125, X.691). */
const PER_TWO_BYTE_LIMIT = 0x4000;

export interface StartProgram {
  /** The program (with its arguments) the server starts instead of the desktop's shell; empty for none. */
  program: string;
  /** The folder it starts in; empty for the server's default (the user's home). */
  folder: string;
}

/**
 * The Client Info PDU `tpkt` (whose MCS user data, the security header first,
 * begins at `userData`) with `start`'s program and folder in AlternateShell
 * and WorkingDir, or why it was left as it is: a PDU whose lengths do not
 * agree, ANSI strings, or a string too long for the field.
 */
export function withStartProgram(tpkt: Buffer, userData: number, start: StartProgram): { pdu: Buffer } | { leftAlone: string } {
  const info = userData + 4;
  if (tpkt.readUInt16BE(2) !== tpkt.length) return { leftAlone: 'the TPKT length is not the PDU’s' };
  // The Send Data Request's PER length at 13 (mcsPdu.ts sendDataUserData).
  const declared = tpkt[13]! & 0x80 ? ((tpkt[13]! & 0x3f) << 8) | tpkt[14]! : tpkt[13]!;
  if (declared !== tpkt.length - userData) return { leftAlone: 'the MCS user data length is not what follows it' };
  if (info + FIXED_PART > tpkt.length) return { leftAlone: 'the Client Info PDU is too short' };
  if ((tpkt.readUInt32LE(info + 4) & INFO_UNICODE) === 0) return { leftAlone: 'the Client Info PDU’s strings are not Unicode' };
  // Each string is its cb bytes and a NUL of 2 bytes, in this order.
  const lengths = [0, 1, 2, 3, 4].map((i) => tpkt.readUInt16LE(info + 8 + 2 * i));
  if (lengths.some((cb) => cb % 2 !== 0)) return { leftAlone: 'a Client Info string of an odd number of bytes' };
  const stringsAt = info + FIXED_PART;
  const shellAt = stringsAt + lengths[0]! + 2 + lengths[1]! + 2 + lengths[2]! + 2;
  const extraAt = shellAt + lengths[3]! + 2 + lengths[4]! + 2;
  if (extraAt > tpkt.length) return { leftAlone: 'the Client Info strings run past the PDU' };

  const shell = Buffer.from(`${start.program}\0`, 'utf16le');
  const folder = Buffer.from(`${start.folder}\0`, 'utf16le');
  if (shell.length > MAX_START_STRING_BYTES || folder.length > MAX_START_STRING_BYTES) return { leftAlone: 'the start program or its folder is over 255 characters' };

  const fixed = Buffer.from(tpkt.subarray(info, stringsAt));
  fixed.writeUInt16LE(shell.length - 2, CB_ALTERNATE_SHELL);
  fixed.writeUInt16LE(folder.length - 2, CB_WORKING_DIR);
  const body = Buffer.concat([
    tpkt.subarray(userData, info), // basic security header (flags, flagsHi)
    fixed,
    tpkt.subarray(stringsAt, shellAt), // domain, user name, password
    shell,
    folder,
    tpkt.subarray(extraAt), // TS_EXTENDED_INFO_PACKET
  ]);
  if (body.length >= PER_TWO_BYTE_LIMIT) return { leftAlone: 'the Client Info PDU would be too long' };
  const per = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]);
  // TPKT header (4), X.224 data (3), Send Data Request's choice, initiator, channel id, priority (6), then the new length.
  const head = Buffer.from(tpkt.subarray(0, 13));
  const pdu = Buffer.concat([head, per, body]);
  pdu.writeUInt16BE(pdu.length, 2);
  return { pdu };
}
