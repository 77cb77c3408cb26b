// SPICE's link and messages as a page (spice-html5) sends them, for tests
// that play the page's part: SpiceLinkHeader ("REDQ", version 2.2, size) and
// SpiceLinkMess, the mini header, and the guest agent's messages in
// AGENT_DATA pieces.

/** SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION and SPICE_COMMON_CAP_MINI_HEADER, as spice-html5 announces them. */
export const SPICE_CAPS = { AUTH_SELECTION: 1 << 0, MINI_HEADER: 1 << 3 } as const;

/** The page's link for a channel; `caps`: its one word of common capabilities (none: no caps at all). */
export function spiceLinkMessage(channelType: number, caps?: number): Buffer {
  const mess = Buffer.alloc(18 + (caps === undefined ? 0 : 4));
  mess.writeUInt32LE(0, 0); // connection id
  mess.writeUInt8(channelType, 4);
  mess.writeUInt8(0, 5); // channel id
  mess.writeUInt32LE(caps === undefined ? 0 : 1, 6);
  mess.writeUInt32LE(0, 10);
  mess.writeUInt32LE(18, 14);
  if (caps !== undefined) mess.writeUInt32LE(caps, 18);
  return Buffer.concat([spiceLinkHeader(mess.length), mess]);
}

export function spiceLinkHeader(size: number): Buffer {
  const header = Buffer.alloc(16);
  header.write('REDQ', 0, 'latin1');
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(size, 12);
  return header;
}

/** A message with SPICE's mini header (type u16, size u32). */
export function spiceMini(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(type, 0);
  header.writeUInt32LE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** SPICE_MSGC_MAIN_AGENT_DATA. */
export const MSGC_MAIN_AGENT_DATA = 107;

/** One guest agent message (VDAgentMessage, protocol 1) in AGENT_DATA pieces of at most 2048 bytes with their mini headers. */
export function spiceAgentPieces(type: number, payload: Buffer): Buffer[] {
  const header = Buffer.alloc(20);
  header.writeUInt32LE(1, 0);
  header.writeUInt32LE(type, 4);
  header.writeUInt32LE(payload.length, 16);
  const whole = Buffer.concat([header, payload]);
  const pieces: Buffer[] = [];
  for (let at = 0; at < whole.length; at += 2042) pieces.push(spiceMini(MSGC_MAIN_AGENT_DATA, whole.subarray(at, at + 2042)));
  return pieces;
}
