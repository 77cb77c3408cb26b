// What a VNC page sends, as bytes on the wire (RFC 6143 and the community
// extensions, big-endian), for tests that read it in a relay.

/** How many times `needle` occurs in `haystack` (overlaps counted). */
export function occurrences(haystack: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) n++;
  return n;
}

/** A message of `type` and one flag byte for the whole `width`×`height` desktop (x 0, y 0). */
function wholeDesktop(type: number, flag: number, width: number, height: number): Buffer {
  const message = Buffer.alloc(10);
  message.writeUInt8(type, 0);
  message.writeUInt8(flag, 1);
  message.writeUInt16BE(width, 6);
  message.writeUInt16BE(height, 8);
  return message;
}

/** An incremental FramebufferUpdateRequest (3) for the whole desktop. */
export function updateRequest(width: number, height: number): Buffer {
  return wholeDesktop(3, 1, width, height);
}

/** EnableContinuousUpdates (150), on or off, for the whole desktop. */
export function enableContinuousUpdates(on: boolean, width: number, height: number): Buffer {
  return wholeDesktop(150, on ? 1 : 0, width, height);
}
