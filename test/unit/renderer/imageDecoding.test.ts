import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImagesOffThread, type DecodedImage, type NoVncDisplay } from '../../../renderer/protocols/vnc/imageDecoding';

// A stand-in for noVNC's Display: records what enters its render queue.
function fakeDisplay() {
  const queue: { type: string; frame?: { ready: boolean; frame: DecodedImage | null; promise: Promise<void> }; x?: number; width?: number }[] = [];
  const display: NoVncDisplay = {
    imageRect: () => assert.fail("noVNC's own imageRect must not run"),
    _renderQPush: (action) => queue.push(action as (typeof queue)[number]),
  };
  return { display, queue };
}

const image = (name: string): DecodedImage => Object.assign({ name, close() {} }) as unknown as DecodedImage;

test('a JPEG rectangle enters the render queue as a pending frame, in order, and is ready once decoded', async () => {
  const { display, queue } = fakeDisplay();
  const seen: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  assert.equal(
    decodeImagesOffThread(display, async (data, mime) => {
      seen.push(`${mime}:${Array.from(data).join(',')}`);
      await gate;
      return image(`decoded ${data[0]}`);
    }),
    true,
  );
  const received = new Uint8Array([1, 2, 3]);
  display.imageRect!(10, 20, 30, 40, 'image/jpeg', received);
  display.imageRect!(50, 20, 30, 40, 'image/jpeg', new Uint8Array([9]));
  assert.deepEqual(
    queue.map((a) => [a.type, a.x, a.width]),
    [
      ['frame', 10, 30],
      ['frame', 50, 30],
    ],
  );
  // Both handed to the decoder at once (they decode in parallel), neither ready before it answers.
  assert.deepEqual(seen, ['image/jpeg:1,2,3', 'image/jpeg:9']);
  assert.equal(queue[0]!.frame!.ready, false);
  release();
  await queue[1]!.frame!.promise;
  assert.equal(queue[0]!.frame!.ready, true);
  assert.equal((queue[0]!.frame!.frame as unknown as { name: string }).name, 'decoded 1');
  assert.equal((queue[1]!.frame!.frame as unknown as { name: string }).name, 'decoded 9');
});

test('an empty rectangle is skipped, as noVNC does', () => {
  const { display, queue } = fakeDisplay();
  decodeImagesOffThread(display, async () => image('x'));
  display.imageRect!(0, 0, 0, 10, 'image/jpeg', new Uint8Array([1]));
  display.imageRect!(0, 0, 10, 0, 'image/jpeg', new Uint8Array([1]));
  assert.equal(queue.length, 0);
});

test('a rectangle that cannot be decoded becomes a blank, so the queue goes on', async (t) => {
  t.mock.method(console, 'warn', () => {});
  const { display, queue } = fakeDisplay();
  const blank = image('blank');
  decodeImagesOffThread(display, async () => Promise.reject(new Error('corrupt JPEG')), () => blank);
  display.imageRect!(0, 0, 8, 8, 'image/jpeg', new Uint8Array([0xff]));
  await queue[0]!.frame!.promise;
  assert.equal(queue[0]!.frame!.ready, true);
  assert.equal(queue[0]!.frame!.frame, blank);
});

test("without what it relies on (another noVNC, or no decoder in this browser), noVNC's own path stays", () => {
  const own = () => {};
  const noQueue: NoVncDisplay = { imageRect: own };
  assert.equal(decodeImagesOffThread(noQueue, async () => image('x')), false);
  assert.equal(noQueue.imageRect, own);
  const { display } = fakeDisplay();
  const before = display.imageRect;
  assert.equal(decodeImagesOffThread(display, null), false);
  assert.equal(display.imageRect, before);
});
