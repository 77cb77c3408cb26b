import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyThroughScratch, type NoVncCopyDisplay, type ScratchSurface } from '../../../renderer/protocols/vnc/copyRect';

// Stand-ins for noVNC's Display and a canvas: they record the draws.
function fakeContext(name: string, log: string[]): CanvasRenderingContext2D {
  const context = {
    imageSmoothingEnabled: true,
    drawImage(image: { name: string }, ...args: number[]) {
      assert.equal(context.imageSmoothingEnabled, false, 'pixels are copied without smoothing');
      log.push(`${name} <- ${image.name} ${args.join(',')}`);
    },
  };
  return context as unknown as CanvasRenderingContext2D;
}

function fakeDisplay() {
  const log: string[] = [];
  const queue: unknown[] = [];
  const display: NoVncCopyDisplay = {
    copyImage: (...args) => log.push(`noVNC copy ${args.join(',')}`),
    _renderQ: queue,
    _backbuffer: { name: 'back' } as unknown as CanvasImageSource,
    _drawCtx: fakeContext('back', log),
    _damage: (...args) => log.push(`damage ${args.join(',')}`),
  };
  const scratchContext = fakeContext('scratch', log);
  const scratch = { name: 'scratch', width: 0, height: 0, getContext: () => scratchContext } as ScratchSurface & { name: string };
  return { display, queue, log, scratch };
}

test('a copy goes out to the scratch canvas and back in, then is marked to be shown', () => {
  const { display, log, scratch } = fakeDisplay();
  assert.equal(copyThroughScratch(display, scratch), true);
  // Scrolling up by 16 lines: the source and destination overlap.
  display.copyImage!(0, 16, 0, 0, 640, 300);
  assert.deepEqual(log, ['scratch <- back 0,16,640,300,0,0,640,300', 'back <- scratch 0,0,640,300,0,0,640,300', 'damage 0,0,640,300']);
  assert.deepEqual([scratch.width, scratch.height], [640, 300]);
  // It only grows.
  display.copyImage!(10, 10, 20, 20, 100, 400);
  assert.deepEqual([scratch.width, scratch.height], [640, 400]);
});

test('while earlier drawing waits in the render queue, noVNC queues the copy itself; from the queue it is drawn here', () => {
  const { display, queue, log, scratch } = fakeDisplay();
  copyThroughScratch(display, scratch);
  queue.push({ type: 'frame' });
  display.copyImage!(0, 16, 0, 0, 640, 300);
  assert.deepEqual(log, ['noVNC copy 0,16,0,0,640,300,']);
  log.length = 0;
  display.copyImage!(0, 16, 0, 0, 640, 300, true);
  assert.equal(log[0], 'scratch <- back 0,16,640,300,0,0,640,300');
});

test("without what it relies on (another noVNC), noVNC's own copy stays", () => {
  const { display, scratch } = fakeDisplay();
  delete display._damage;
  const own = display.copyImage;
  assert.equal(copyThroughScratch(display, scratch), false);
  assert.equal(display.copyImage, own);
});
