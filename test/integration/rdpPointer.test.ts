// The server's pointer shapes on the control channel, against a scripted server that sets its pointer as a hostile
// one may (1000 shapes in a burst) and then sends a large pointer in fast-path fragments: the page is told at most one
// shape a display frame, the last one always, and the stream itself reaches the page byte for byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import { openScriptedSession, startScriptedServerWithCertificate, type ScriptedServer } from './scriptedRdpServer';
import type { ControlEvent } from '../../shared/api/contract';
import { fastPath } from '../unit/gateway/rdp/fastPathPdus';

/** A fast-path New Pointer Update (2.2.9.1.2.1.9): 32x32 at 32 bpp, every pixel this BGRA colour. */
function newPointer(index: number, bgra: number[]): Buffer {
  const head = Buffer.alloc(16);
  [32, index, 0, 0, 32, 32, 128, 4096].forEach((v, i) => head.writeUInt16LE(v, i * 2)); // xorBpp, cacheIndex, hotSpot, size, mask lengths
  const xor = Buffer.alloc(4096);
  for (let at = 0; at < xor.length; at += 4) xor.set(bgra, at);
  return fastPath(0xb, Buffer.concat([head, xor, Buffer.alloc(128)]));
}

/** A fast-path Large Pointer Update (2.2.9.1.2.1.11), 96x96 at 32 bpp, opaque red, in fragments of 16 KB as FreeRDP and xrdp cut. */
function largeRedPointer(): Buffer {
  const head = Buffer.alloc(20);
  [32, 7, 48, 48, 96, 96].forEach((v, i) => head.writeUInt16LE(v, i * 2));
  head.writeUInt32LE(12 * 96, 12);
  head.writeUInt32LE(96 * 96 * 4, 16);
  const xor = Buffer.alloc(96 * 96 * 4);
  for (let at = 0; at < xor.length; at += 4) xor.set([0, 0, 255, 255], at);
  return fastPath(0xc, Buffer.concat([head, xor, Buffer.alloc(12 * 96)]), 16 * 1024 - 128);
}

const BURST = 1000;
const stream = Buffer.concat([...Array.from({ length: BURST }, (_, i) => newPointer(i % 32, [i & 0xff, i >> 8, 0x80, 255])), largeRedPointer()]);

let harness: GatewayHarness;
let server: ScriptedServer;

before(async () => {
  server = await startScriptedServerWithCertificate(stream, 10_000);
  harness = await startGatewayHarness();
});

after(async () => {
  await harness?.close();
  await server?.close();
});

test('a burst of 1000 pointer shapes then a 96x96 pointer in fragments: a few events, the last the large pointer; the stream reaches the page unchanged', async (t) => {
  const { session, control, ws } = await openScriptedSession(harness, server);
  const received: Buffer[] = [];
  let receivedBytes = 0;
  ws.on('message', (data: Buffer) => {
    received.push(data);
    receivedBytes += data.length;
  });
  // The page's first session bytes (this server reads none of them), then the server's pointers.
  ws.send(Buffer.from([0x03, 0x00, 0x00, 0x08, 0x02, 0xf0, 0x80, 0x00]));
  const pointers = (): Extract<ControlEvent, { type: 'pointer' }>[] => control.events.filter((e): e is Extract<ControlEvent, { type: 'pointer' }> => e.type === 'pointer');
  const deadline = Date.now() + 10_000;
  while (receivedBytes < stream.length || pointers().at(-1)?.image?.width !== 96) {
    if (Date.now() > deadline) assert.fail(`after 10 s: ${receivedBytes} of ${stream.length} bytes, ${pointers().length} pointer events, the last ${JSON.stringify(pointers().at(-1)?.image?.width)} wide`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // Nothing more comes after the last shape's window.
  await new Promise((r) => setTimeout(r, 100));
  ws.close();
  control.close();

  assert.ok(Buffer.concat(received).equals(stream), 'the page gets the server\u2019s stream as it was sent');
  const told = pointers();
  const last = told.at(-1)!;
  assert.deepEqual({ ...last.image!, rgba: undefined }, { width: 96, height: 96, hotspotX: 48, hotspotY: 48, rgba: undefined });
  const rgba = Buffer.from(last.image!.rgba, 'base64');
  assert.ok(rgba.equals(Buffer.alloc(96 * 96 * 4).fill(Buffer.from([255, 0, 0, 255]))), 'the large pointer is opaque red');
  t.diagnostic(`${BURST + 1} shapes set, ${told.length} pointer events`);
  assert.ok(told.length < BURST / 10, `${told.length} pointer events for ${BURST + 1} shapes`);

  // The session's end says what the server set and what the page was told.
  const until = Date.now() + 2000;
  const line = () => harness.logs().find((l) => l.includes('RDP pointer shapes') && l.includes(`session="${session.sessionId}"`));
  while (!line() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.match(line() ?? '', new RegExp(`set=${BURST + 1} told=${told.length} dropped=0`));
});

/** A fast-path Large Pointer Update (2.2.9.1.2.1.11), 384×384 at 32 bpp (the largest, a Windows large pointer), opaque green, in 16 KB fragments. */
function largestGreenPointer(): Buffer {
  const head = Buffer.alloc(20);
  [32, 3, 192, 96, 384, 384].forEach((v, i) => head.writeUInt16LE(v, i * 2)); // xorBpp, cacheIndex, hotSpot 192,96, 384×384
  const andMask = ((384 + 15) >> 4) * 2 * 384; // 1 bpp, rows padded to 2 bytes
  head.writeUInt32LE(andMask, 12);
  head.writeUInt32LE(384 * 384 * 4, 16);
  const xor = Buffer.alloc(384 * 384 * 4);
  for (let at = 0; at < xor.length; at += 4) xor.set([0, 200, 0, 255], at); // BGRA
  return fastPath(0xc, Buffer.concat([head, xor, Buffer.alloc(andMask)]), 16 * 1024 - 128);
}

test('a 384×384 pointer reaches the page as 128×128 (what Chromium shows at most), its hotspot scaled with it: a tenth of the bytes', async (t) => {
  const large = largestGreenPointer();
  const own = await startScriptedServerWithCertificate(large, 10_000);
  t.after(() => own.close());
  const { control, ws } = await openScriptedSession(harness, own);
  t.after(() => {
    ws.close();
    control.close();
  });
  ws.send(Buffer.from([0x03, 0x00, 0x00, 0x08, 0x02, 0xf0, 0x80, 0x00]));
  const pointer = (): Extract<ControlEvent, { type: 'pointer' }> | undefined => control.events.find((e): e is Extract<ControlEvent, { type: 'pointer' }> => e.type === 'pointer' && e.shape === 'image');
  const deadline = Date.now() + 10_000;
  while (!pointer()) {
    if (Date.now() > deadline) assert.fail(`after 10 s no pointer event: ${JSON.stringify(control.events.map((e) => e.type))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const event = pointer()!;
  assert.deepEqual({ ...event.image!, rgba: undefined }, { width: 128, height: 128, hotspotX: 64, hotspotY: 32, rgba: undefined });
  const rgba = Buffer.from(event.image!.rgba, 'base64');
  assert.ok(rgba.equals(Buffer.alloc(128 * 128 * 4).fill(Buffer.from([0, 200, 0, 255]))), 'the pointer is opaque green, all of it');
  const bytes = Buffer.byteLength(JSON.stringify(event));
  t.diagnostic(`one pointer event: ${bytes} bytes of JSON for a ${large.length}-byte large pointer update`);
  assert.ok(bytes < 90_000, `${bytes} bytes for one pointer event`);
});
