// Server output for the RDP stream tests: frame markers and fast-path PDUs.

/** A frame marker surface command (action 0 begin, 1 end). */
export function marker(action: number, frameId: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0x0004, 0);
  b.writeUInt16LE(action, 2);
  b.writeUInt32LE(frameId, 4);
  return b;
}

/** Fast-path output PDUs carrying one update of `code`, in fragments of at most `fragment` bytes. */
export function fastPath(code: number, data: Buffer, fragment = 0x7fff - 6): Buffer {
  const pieces: Buffer[] = [];
  for (let at = 0; ; at += fragment) {
    const end = Math.min(at + fragment, data.length);
    const fragmentation = data.length <= fragment ? 0 : at === 0 ? 2 : end === data.length ? 1 : 3;
    const update = Buffer.concat([Buffer.from([code | (fragmentation << 4), (end - at) & 0xff, (end - at) >> 8]), data.subarray(at, end)]);
    const length = update.length + 3;
    pieces.push(Buffer.concat([Buffer.from([0x00, 0x80 | (length >> 8), length & 0xff]), update]));
    if (end === data.length) break;
  }
  return Buffer.concat(pieces);
}
