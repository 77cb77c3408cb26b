// The server's own screen, captured with `xwd -root` and decoded here
// (X Window Dump format, X11R6 XWDFile.h: a header of 25 big-endian CARD32,
// the window name, the colour map, then the pixels). Tests compare it with
// what the client canvas shows.
import { execFile } from 'node:child_process';

export interface Screen {
  width: number;
  height: number;
  /** [r, g, b] of the pixel at (x, y). */
  pixel(x: number, y: number): [number, number, number];
}

export function parseXwd(data: Buffer): Screen {
  const header = (i: number) => data.readUInt32BE(i * 4);
  const headerSize = header(0);
  const width = header(4);
  const height = header(5);
  const byteOrder = header(7); // 0 LSBFirst, 1 MSBFirst
  const bitsPerPixel = header(11);
  const bytesPerLine = header(12);
  const [redMask, greenMask, blueMask] = [header(14), header(15), header(16)];
  const ncolors = header(19);
  if (bitsPerPixel !== 32 && bitsPerPixel !== 24) throw new Error(`xwd: ${bitsPerPixel} bits per pixel not handled`);
  const start = headerSize + ncolors * 12;
  const bytes = bitsPerPixel / 8;
  const channel = (value: number, mask: number) => {
    const shift = Math.log2(mask & -mask);
    return ((value & mask) >>> shift) & 0xff;
  };
  return {
    width,
    height,
    pixel(x, y) {
      const offset = start + y * bytesPerLine + x * bytes;
      const value = bytes === 4 ? (byteOrder === 0 ? data.readUInt32LE(offset) : data.readUInt32BE(offset)) : byteOrder === 0 ? data.readUIntLE(offset, 3) : data.readUIntBE(offset, 3);
      return [channel(value, redMask), channel(value, greenMask), channel(value, blueMask)];
    },
  };
}

export function captureScreen(display: string): Promise<Screen> {
  return new Promise((resolve, reject) => {
    execFile('xwd', ['-root', '-silent', '-display', display], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(parseXwd(stdout));
    });
  });
}

export function hexColour(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function close(a: readonly number[], b: readonly number[], tolerance: number): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tolerance);
}

/**
 * An X Window Dump of a picture (32-bit TrueColor, most significant byte
 * first), for `xwud -in FILE` to show on a test server's display.
 */
export function writeXwd(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const name = Buffer.from('deskbridge-test\0');
  const header = Buffer.alloc(100);
  const fields = [
    100 + name.length, 7, 2, 24, width, height, 0, 1, 32, 1, 32, 32, width * 4, 4,
    0xff0000, 0xff00, 0xff, 8, 256, 0, width, height, 0, 0, 0,
  ]; // header size, version, ZPixmap, depth, size, x offset, byte order, unit, bit order, pad, bits/pixel, bytes/line, TrueColor, masks, bits/rgb, colormap entries, ncolors, window size, position, border
  fields.forEach((value, i) => header.writeUInt32BE(value, i * 4));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      pixels.writeUInt32BE(((r & 0xff) << 16) | ((g & 0xff) << 8) | (b & 0xff), (y * width + x) * 4);
    }
  }
  return Buffer.concat([header, name, pixels]);
}
