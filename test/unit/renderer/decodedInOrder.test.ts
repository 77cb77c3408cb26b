// The order in which a page that decodes RemoteFX itself paints and hands
// IronRDP what the gateway sent (renderer/protocols/rdp/decodedInOrder.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodedInOrder } from '../../../renderer/protocols/rdp/decodedInOrder';
import type { PaintedRect } from '../../../renderer/protocols/rdp/remoteFxDecoder';
import type { ToDecoder } from '../../../renderer/protocols/rdp/remoteFxWorker';

function setup() {
  const log: string[] = [];
  const posted: { id: number; message: ArrayBuffer }[] = [];
  const order = new DecodedInOrder(
    [{ postMessage: (m: ToDecoder, transfer: Transferable[]) => {
      assert.ok('id' in m);
      assert.deepEqual(transfer, [m.message], 'the message is handed over, not copied');
      assert.deepEqual(m.share, { index: 0, count: 1 });
      posted.push(m);
    } }],
    (rects) => log.push(`paint ${rects.map((r) => r.x).join(',')}`),
  );
  const rect = (x: number): PaintedRect => ({ x, y: 0, width: 1, height: 1, pixels: new Uint8Array(4) });
  return { log, posted, order, rect };
}

test('RDP bytes after RemoteFX wait until its pixels are painted; before it, and with nothing pending, they go at once', () => {
  const { log, posted, order, rect } = setup();
  order.rdp(() => log.push('rdp 1'));
  order.remoteFx(new ArrayBuffer(4));
  order.remoteFx(new ArrayBuffer(4));
  order.rdp(() => log.push('rdp 2 (frame end)'));
  assert.deepEqual(log, ['rdp 1']);
  order.answer({ id: posted[0]!.id, rects: [rect(1)] });
  assert.deepEqual(log, ['rdp 1', 'paint 1']);
  order.answer({ id: posted[1]!.id, rects: [rect(2), rect(3)] });
  assert.deepEqual(log, ['rdp 1', 'paint 1', 'paint 2,3', 'rdp 2 (frame end)']);
  order.rdp(() => log.push('rdp 3'));
  assert.equal(log.at(-1), 'rdp 3');
});

test('a message the decoder could not decode, or a decoder that fails, does not stop the session', () => {
  const { log, posted, order } = setup();
  order.remoteFx(new ArrayBuffer(4));
  order.rdp(() => log.push('rdp 1'));
  order.answer({ id: posted[0]!.id, error: 'RemoteFX block type 0xc0de unknown' });
  assert.deepEqual(log, ['paint ', 'rdp 1']);
  order.remoteFx(new ArrayBuffer(4));
  order.rdp(() => log.push('rdp 2'));
  order.fail('the worker crashed');
  assert.deepEqual(log, ['paint ', 'rdp 1', 'paint ', 'rdp 2']);
  // From then on RemoteFX is dropped and RDP bytes go at once.
  order.remoteFx(new ArrayBuffer(4));
  order.rdp(() => log.push('rdp 3'));
  assert.equal(posted.length, 2);
  assert.equal(log.at(-1), 'rdp 3');
});

test('with several decoders, each gets the message and its share; it is painted once all have answered, in any order', () => {
  const log: string[] = [];
  const posted: { decoder: number; message: Extract<ToDecoder, { id: number }>; transferred: boolean }[] = [];
  const decoders = [0, 1, 2].map((decoder) => ({
    postMessage: (m: ToDecoder, transfer: Transferable[]) => {
      assert.ok('id' in m);
      posted.push({ decoder, message: m, transferred: transfer.includes(m.message) });
    },
  }));
  const rect = (x: number): PaintedRect => ({ x, y: 0, width: 1, height: 1, pixels: new Uint8Array(4) });
  const order = new DecodedInOrder(decoders, (rects) => log.push(`paint ${rects.map((r) => r.x).sort().join(',')}`));
  const message = new Uint8Array([1, 2, 3, 4]).buffer;
  order.remoteFx(message);
  order.rdp(() => log.push('rdp (frame end)'));
  assert.deepEqual(posted.map((p) => [p.decoder, p.message.share.index, p.message.share.count, p.transferred]), [[0, 0, 3, false], [1, 1, 3, false], [2, 2, 3, true]]);
  // The copies hold the message's bytes; the last decoder was handed the message itself.
  for (const p of posted.slice(0, 2)) assert.deepEqual([...new Uint8Array(p.message.message)], [1, 2, 3, 4]);
  const id = posted[0]!.message.id;
  order.answer({ id, rects: [rect(2)] });
  order.answer({ id, rects: [rect(1)] });
  assert.equal(log.length, 0, 'not painted while a decoder still decodes its share');
  order.answer({ id, rects: [rect(3), rect(4)] });
  assert.deepEqual(log, ['paint 1,2,3,4', 'rdp (frame end)']);

  // A share that could not be decoded: nothing of that message is painted, the stream goes on.
  order.remoteFx(new ArrayBuffer(4));
  order.rdp(() => log.push('rdp 2'));
  const second = posted.at(-1)!.message.id;
  order.answer({ id: second, rects: [rect(5)] });
  order.answer({ id: second, error: 'the RemoteFX tile decoder aborted' });
  order.answer({ id: second, rects: [rect(6)] });
  assert.deepEqual(log.slice(2), ['paint ', 'rdp 2']);
});
