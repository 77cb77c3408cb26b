// The bench's decoder comparison (`npm run bench -- --decoders`): the RemoteFX
// messages freerdp-shadow sent our page in a run, decoded again here by our
// decoder (the page's RemoteFxDecoder and its WebAssembly, on one thread of
// this Node process) and by FreeRDP's (rfxdecode.c: libfreerdp2, what
// `xfreerdp /rfx` decodes with), message for message. It says what decoding
// costs each client per frame, apart from everything else on its path.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { RemoteFxDecoder, instantiateTileDecoder } from '../../renderer/protocols/rdp/remoteFxDecoder';
import { compileTileDecoder } from '../../scripts/tileDecoder.mjs';

/** One RemoteFX message as the gateway sent it to the page: where it paints and its bytes. */
export interface RemoteFxMessage {
  left: number;
  top: number;
  data: Uint8Array;
}

/** Our decoder, its WebAssembly compiled once for the whole bench (AssemblyScript takes a second). */
let tileDecoderModule: Promise<WebAssembly.Module> | null = null;
async function newDecoder(): Promise<RemoteFxDecoder> {
  tileDecoderModule ??= compileTileDecoder().then((bytes) => WebAssembly.compile(bytes));
  return new RemoteFxDecoder(await instantiateTileDecoder(await tileDecoderModule));
}

/** The tag byte of the gateway's messages that carry RemoteFX (paintingSocket.ts). */
const TAG_REMOTEFX = 1;

/**
 * Runs in the page from its first moment: keeps copies of the gateway's
 * RemoteFX messages (the first, which sets up the decoder's context, and the
 * last `keep - 1`), taken before the page hands them to its decoding workers.
 * `__remoteFxStop()` closes the page's WebSockets (and any opened after), so
 * that the session stops drawing before the messages are read out: a page
 * busy with a 1920x1080 session answers Playwright's calls in seconds each.
 */
export function remoteFxCaptureScript(keep: number): string {
  return `(() => {
  const first = [];
  const last = [];
  const sockets = [];
  let stopped = false;
  const Native = window.WebSocket;
  window.__remoteFxKept = () => first.concat(last);
  window.__remoteFxStop = () => {
    stopped = true;
    for (const socket of sockets) socket.close();
  };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      sockets.push(this);
      if (stopped) this.close();
      this.addEventListener('message', (event) => {
        if (stopped) return;
        const data = event.data;
        if (!(data instanceof ArrayBuffer) || data.byteLength < 9 || new Uint8Array(data, 0, 1)[0] !== ${TAG_REMOTEFX}) return;
        if (first.length === 0) first.push(data.slice(0));
        else {
          last.push(data.slice(0));
          if (last.length > ${Math.max(1, keep - 1)}) last.shift();
        }
      });
    }
  };
})();`;
}

/** The kept messages, read out of the page one at a time (base64: Playwright carries strings). */
export async function keptRemoteFx(page: Page): Promise<RemoteFxMessage[]> {
  const count = await page.evaluate(() => {
    const kept = window as unknown as { __remoteFxKept?: () => ArrayBuffer[]; __remoteFxStop?: () => void };
    kept.__remoteFxStop?.();
    return (kept.__remoteFxKept?.() ?? []).length;
  });
  const messages: RemoteFxMessage[] = [];
  for (let i = 0; i < count; i++) {
    const base64 = await page.evaluate((index) => {
      const buffer = (window as unknown as { __remoteFxKept: () => ArrayBuffer[] }).__remoteFxKept()[index]!;
      const bytes = new Uint8Array(buffer);
      let text = '';
      for (let at = 0; at < bytes.length; at += 32768) text += String.fromCharCode(...bytes.subarray(at, at + 32768));
      return btoa(text);
    }, i);
    messages.push(...splitTagged(Buffer.from(base64, 'base64')));
  }
  return messages;
}

/**
 * A tagged message of the gateway's (the tag byte, then for each RemoteFX
 * message its left and top as 16-bit and its length as 32-bit little-endian,
 * and its bytes) as its RemoteFX messages.
 */
export function splitTagged(tagged: Uint8Array): RemoteFxMessage[] {
  if (tagged[0] !== TAG_REMOTEFX) throw new Error(`not a RemoteFX message of the gateway's (tag ${tagged[0]})`);
  const view = new DataView(tagged.buffer, tagged.byteOffset, tagged.byteLength);
  const out: RemoteFxMessage[] = [];
  for (let at = 1; at < tagged.length; ) {
    if (at + 8 > tagged.length) throw new Error('a RemoteFX message header cut short');
    const length = view.getUint32(at + 4, true);
    if (at + 8 + length > tagged.length) throw new Error('a RemoteFX message longer than what came');
    out.push({ left: view.getUint16(at, true), top: view.getUint16(at + 2, true), data: tagged.subarray(at + 8, at + 8 + length) });
    at += 8 + length;
  }
  return out;
}

/** The messages as rfxdecode.c reads them: each one's left, top, length and bytes. */
export function helperInput(messages: readonly RemoteFxMessage[]): Buffer {
  return Buffer.concat(
    messages.flatMap((m) => {
      const header = Buffer.alloc(8);
      header.writeUInt16LE(m.left, 0);
      header.writeUInt16LE(m.top, 2);
      header.writeUInt32LE(m.data.length, 4);
      return [header, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length)];
    }),
  );
}

/** What decoding cost, per message: the median over the passes after the first. */
export interface DecodeCost {
  wallMs: number;
  cpuMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/**
 * Our decoder on this thread: the first pass sets up its context (the first
 * message's channel) and warms it, then `passes` timed passes over all messages.
 */
export async function oursDecodeCost(messages: readonly RemoteFxMessage[], passes: number): Promise<DecodeCost & { tilesPerMessage: number }> {
  const decoder = await newDecoder();
  for (const m of messages) decoder.decode(m.data, m.left, m.top);
  const tilesPerMessage = decoder.tiles / messages.length;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (const m of messages) decoder.decode(m.data, m.left, m.top);
    wall.push((performance.now() - wall0) / messages.length);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000 / messages.length);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), tilesPerMessage };
}

/** Builds rfxdecode.c; null with the reason when this machine lacks FreeRDP's headers (freerdp2-dev). */
export function buildFreeRdpDecoder(binDir: string, here: string): { path: string } | { missing: string } {
  const out = path.join(binDir, 'rfxdecode');
  try {
    mkdirSync(binDir, { recursive: true });
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'freerdp2', 'winpr2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/);
    execFileSync('cc', ['-O2', '-o', out, path.join(here, 'rfxdecode.c'), ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { path: out };
  } catch {
    return { missing: "FreeRDP's decoder not measured: building test/bench/rfxdecode.c needs pkg-config and the Debian package freerdp2-dev" };
  }
}

/**
 * FreeRDP's decoder on the same messages (its own thread pool, as xfreerdp
 * runs it); with the desktop its first pass painted, as RGBA.
 */
export function freeRdpDecodeCost(helper: string, workDir: string, messages: readonly RemoteFxMessage[], width: number, height: number, passes: number): DecodeCost & { decoded: number; screen: Uint8Array } {
  const file = path.join(workDir, `remotefx-${width}x${height}.bin`);
  const screenFile = path.join(workDir, `remotefx-${width}x${height}.screen`);
  let output: string;
  let bgrx: Buffer;
  try {
    writeFileSync(file, helperInput(messages));
    output = execFileSync(helper, [file, String(width), String(height), String(passes), screenFile], { encoding: 'utf8' });
    bgrx = readFileSync(screenFile);
  } finally {
    rmSync(file, { force: true });
    rmSync(screenFile, { force: true });
  }
  const [count, decoded, wallMs, cpuMs] = output.trim().split(/\s+/).map(Number);
  if (count !== messages.length) throw new Error(`rfxdecode read ${count} messages of ${messages.length}`);
  const screen = new Uint8Array(width * height * 4);
  for (let i = 0; i < screen.length; i += 4) {
    screen[i] = bgrx[i + 2]!;
    screen[i + 1] = bgrx[i + 1]!;
    screen[i + 2] = bgrx[i]!;
    screen[i + 3] = 255;
  }
  return { wallMs: wallMs!, cpuMs: cpuMs!, decoded: decoded!, screen };
}

/** The desktop our decoder paints from the messages, in order, on black (RGBA). */
export async function oursScreen(messages: readonly RemoteFxMessage[], width: number, height: number): Promise<Uint8Array> {
  const decoder = await newDecoder();
  const screen = new Uint8Array(width * height * 4);
  for (let i = 3; i < screen.length; i += 4) screen[i] = 255;
  for (const m of messages)
    for (const r of decoder.decode(m.data, m.left, m.top))
      for (let row = 0; row < r.height && r.y + row < height; row++) {
        const visible = Math.min(r.width, width - r.x);
        screen.set(r.pixels.subarray(row * r.width * 4, (row * r.width + visible) * 4), ((r.y + row) * width + r.x) * 4);
      }
  return screen;
}

/** How far two RGBA desktops differ: the largest difference of a colour value, and the share of pixels off by more than `tolerance`. */
export function screenDifference(a: Uint8Array, b: Uint8Array, tolerance = 2): { maxDifference: number; shareBeyond: number } {
  if (a.length !== b.length) throw new Error('desktops of different sizes');
  let max = 0;
  let beyond = 0;
  for (let i = 0; i < a.length; i += 4) {
    const d = Math.max(Math.abs(a[i]! - b[i]!), Math.abs(a[i + 1]! - b[i + 1]!), Math.abs(a[i + 2]! - b[i + 2]!));
    if (d > max) max = d;
    if (d > tolerance) beyond++;
  }
  return { maxDifference: max, shareBeyond: beyond / (a.length / 4) };
}
