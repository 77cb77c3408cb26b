// A known X cursor for the root window, which Xvnc and the SPICE server send to their clients as they send the X
// server's pointer: a 12x10 pattern of black, white and grey, every pixel opaque, with its hotspot at an odd place
// (5, 3), so that a cursor shown at the wrong scale, offset or with its hotspot rounded is told apart from it.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

export const KNOWN_CURSOR = { width: 12, height: 10, hotspot: { x: 5, y: 3 } } as const;
/**
 * The image's size: the pattern at its top left, the rest transparent, as real cursors are. Square: spice-html5 makes
 * its PNG with the width and height the wrong way round (cursor.js set_cursor), which only a square survives.
 */
const IMAGE = 24;

/**
 * The cursor's pixel at (x, y): B black, W white or G grey. Three colours, not two: the X server makes a cursor of two
 * opaque colours a core (two-colour) cursor (RENDER's CreateCursor), which the SPICE server's driver does not send.
 * Greys only, the same whichever order a client takes the red and blue bytes in (spice-html5 swaps them).
 */
export function knownCursorPixel(x: number, y: number): 'B' | 'W' | 'G' {
  const v = (x * x + 3 * y) % 5;
  return v < 2 ? 'B' : v === 2 ? 'G' : 'W';
}

/** CRC-32 (ISO 3309, as PNG's chunks carry it). */
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The cursor as an RGBA PNG (PNG spec §11: IHDR, IDAT of filter-0 rows, IEND). */
function knownCursorPng(): Buffer {
  const width = IMAGE;
  const height = IMAGE;
  const rows = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < KNOWN_CURSOR.height; y++) {
    for (let x = 0; x < KNOWN_CURSOR.width; x++) {
      const colour = { B: [0, 0, 0], W: [255, 255, 255], G: [128, 128, 128] }[knownCursorPixel(x, y)];
      rows.set([...colour, 255], y * (1 + width * 4) + 1 + x * 4);
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, filter 0, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * The arguments of `xsetroot` that make the known cursor the root window's: an ARGB Xcursor file (made by xcursorgen
 * in `dir`), which every server here sends as it is (spice-html5 shows only ARGB cursors, not two-colour ones).
 */
export async function knownCursorArgs(dir: string): Promise<string[]> {
  const png = path.join(dir, 'known-cursor.png');
  const config = path.join(dir, 'known-cursor.cfg');
  const file = path.join(dir, 'known-cursor.xcursor');
  await writeFile(png, knownCursorPng());
  await writeFile(config, `${IMAGE} ${KNOWN_CURSOR.hotspot.x} ${KNOWN_CURSOR.hotspot.y} ${png}\n`);
  execFileSync('xcursorgen', [config, file]);
  return ['-xcf', file, String(IMAGE)];
}
