// The frame clock's code row: what frameclock.c draws in the top-left corner of
// every frame, and how a reader (the page probe, or the X capture loop of a
// native client) turns the pixels back into a frame number and a time.
//
// Layout, shared with frameclock.c (keep the two in step):
//   ROWS x COLS blocks of BLOCK x BLOCK pixels at (0, 0), white = 1, black = 0,
//   bits row-major, most significant bit of each byte first, 8 bytes:
//   [0..1] frame number, 16 bits big-endian (wraps; readers unwrap it)
//   [2..5] wall-clock time in ms (CLOCK_REALTIME), low 32 bits, big-endian
//   [6]    count of key presses the pattern program has seen (wraps)
//   [7]    CRC-8 (polynomial 0x07, init 0) of bytes 0..6, xor 0x55, so that a
//          torn read (half of one frame, half of the next) or a blank strip is
//          discarded rather than misread.
// Blocks of 24 px keep every bit readable through lossy codecs (JPEG, RemoteFX):
// the reader samples only the centre pixel of each block, threshold at mid grey.
// This file has no DOM and no Node imports: it runs in the page too.

export const BLOCK = 24;
export const COLS = 32;
export const ROWS = 2;
export const CODE_BYTES = 8;
/** The strip a reader needs: the rows through the block centres, from y = BLOCK/2. */
export const STRIP = { x: 0, y: BLOCK / 2, width: COLS * BLOCK, height: (ROWS - 1) * BLOCK + 1 } as const;

export interface FrameStamp {
  /** 16-bit frame number as drawn; see FrameNumberUnwrapper. */
  frame: number;
  /** Low 32 bits of the wall-clock ms when the frame was drawn; see stampTime. */
  timeLow: number;
  /** Key presses seen by the pattern program, modulo 256. */
  keys: number;
}

export function crc8(bytes: ArrayLike<number>, length: number): number {
  let crc = 0;
  for (let i = 0; i < length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc ^ 0x55;
}

/** Bytes → stamp, or null when the check value does not match (a torn or foreign read). */
export function decodeCode(bytes: ArrayLike<number>): FrameStamp | null {
  if (crc8(bytes, CODE_BYTES - 1) !== (bytes[CODE_BYTES - 1]! & 0xff)) return null;
  return {
    frame: ((bytes[0]! << 8) | bytes[1]!) >>> 0,
    timeLow: ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0,
    keys: bytes[6]!,
  };
}

/** The inverse, for tests (frameclock.c does the same in C). */
export function encodeCode(frame: number, timeMs: number, keys: number): number[] {
  const low = timeMs % 2 ** 32;
  const bytes = [(frame >> 8) & 0xff, frame & 0xff, (low >>> 24) & 0xff, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff, keys & 0xff];
  bytes.push(crc8(bytes, 7));
  return bytes;
}

/**
 * Reads the code from RGBA pixels of the strip (as getImageData(STRIP) returns
 * them, or XGetImage of the same rectangle): `stride` bytes per row, `channels`
 * bytes per pixel. Row r of blocks is sampled at strip row r * BLOCK.
 */
export function readStrip(pixels: ArrayLike<number>, stride: number, channels = 4, into: number[] = new Array<number>(CODE_BYTES)): number[] {
  for (let i = 0; i < CODE_BYTES; i++) into[i] = 0;
  for (let bit = 0; bit < ROWS * COLS; bit++) {
    const row = Math.floor(bit / COLS);
    const col = bit % COLS;
    const at = row * BLOCK * stride + (col * BLOCK + BLOCK / 2) * channels;
    const sum = pixels[at]! + pixels[at + 1]! + pixels[at + 2]!;
    if (sum > 3 * 127) into[bit >> 3] = into[bit >> 3]! | (0x80 >> (bit & 7));
  }
  return into;
}

/** The full wall-clock ms of a stamp, given a clock reading taken just after the frame was seen. */
export function stampTime(timeLow: number, nowMs: number): number {
  let behind = (Math.floor(nowMs) % 2 ** 32) - timeLow;
  if (behind < -(2 ** 31)) behind += 2 ** 32;
  else if (behind > 2 ** 31) behind -= 2 ** 32;
  return Math.floor(nowMs) - behind;
}

/** Turns the 16-bit frame numbers of successive reads into a steadily counting number. */
export class FrameNumberUnwrapper {
  private last: number | null = null;
  next(frame16: number): number {
    if (this.last === null) {
      this.last = frame16;
      return frame16;
    }
    let step = (frame16 - (this.last & 0xffff)) & 0xffff;
    if (step > 0x8000) step -= 0x10000; // an older frame seen again
    this.last += step;
    return this.last;
  }
}

/** One frame as a reader saw it: when (wall ms) and how late. */
export interface SeenFrame {
  frame: number;
  seenAt: number;
  latencyMs: number;
  keys: number;
}

/** What every client's run reduces to, whatever read its pixels. */
export interface FrameSummary {
  framesSeen: number;
  seconds: number;
  framesPerSecond: number;
  skipped: number;
  latency: { p50: number; p95: number; p99: number };
  /** Reads with a bad check value (torn between two frames). */
  tornReads: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Frames seen within [from, to): frames/s, gaps in the frame numbers, latency percentiles, torn reads (`tornAt`: wall ms of each). */
export function summarise(frames: SeenFrame[], from: number, to: number, tornAt: number[] = []): FrameSummary {
  const inWindow = frames.filter((f) => f.seenAt >= from && f.seenAt < to);
  let skipped = 0;
  for (let i = 1; i < inWindow.length; i++) {
    const gap = inWindow[i]!.frame - inWindow[i - 1]!.frame;
    if (gap > 1) skipped += gap - 1;
  }
  const latencies = inWindow.map((f) => f.latencyMs).sort((a, b) => a - b);
  const seconds = (to - from) / 1000;
  return {
    framesSeen: inWindow.length,
    seconds,
    framesPerSecond: inWindow.length / seconds,
    skipped,
    latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    tornReads: tornAt.filter((t) => t >= from && t < to).length,
  };
}

/** About this long between two key presses of the input-latency test: the picture settles in between. */
export const KEY_GAP_MS = 250;

/**
 * When each key press of the input-latency test is sent, in ms after the
 * first. A key's latency includes the wait for the frame clock's next frame
 * (0 to one frame interval), so presses a whole number of frames apart (250 ms
 * is 15 frames at 60 frames/s) all meet the clock at one phase, and a run's
 * median is that phase's luck. Here each press is a golden-ratio share of a
 * frame interval further on in the clock's phase than the one before (gaps of
 * KEY_GAP_MS and a little more; times rounded to whole ms), so the presses
 * fall at phases spread over the interval.
 */
export function keyPressSchedule(keys: number, fps: number): number[] {
  const frameMs = 1000 / (fps > 0 ? fps : 60);
  const step = (Math.sqrt(5) - 1) / 2;
  const basePhase = (KEY_GAP_MS % frameMs) / frameMs;
  const extraPhase = (((step - basePhase) % 1) + 1) % 1; // in [0, 1): the step on top of what KEY_GAP_MS already moves
  const gap = KEY_GAP_MS + extraPhase * frameMs;
  return Array.from({ length: keys }, (_, i) => Math.round(i * gap));
}
