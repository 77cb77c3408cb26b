// The decoder comparison's own parts (`npm run bench -- --decoders`): the
// gateway's tagged messages read back into RemoteFX messages, written in the
// form rfxdecode.c reads, and both decoders decoding every one of them.
// Part of `npm test`; alone: `node scripts/runTests.mjs bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFreeRdpDecoder, freeRdpDecodeCost, helperInput, oursDecodeCost, oursScreen, screenDifference, splitTagged } from './decoders';
import { ENTROPY_RLGR3, encodeMessage } from '../unit/gateway/rdp/remoteFxEncoder';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A tagged message as the gateway sends it: tag 1, then each message's left, top, length and bytes. */
function tagged(messages: { left: number; top: number; data: Buffer }[]): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from([1]), helperInput(messages)]));
}

const picture = (x: number, y: number) => [(x * 5) & 255, (y * 3) & 255, (x ^ y) & 255] as const;
const WIDTH = 256;
const HEIGHT = 128;
const first = encodeMessage(picture, [{ x: 0, y: 0, width: WIDTH, height: HEIGHT }], { width: WIDTH, height: HEIGHT, mode: ENTROPY_RLGR3 });
const later = encodeMessage((x, y) => [y & 255, x & 255, 128] as const, [{ x: 64, y: 0, width: 128, height: 64 }], { width: WIDTH, height: HEIGHT, mode: ENTROPY_RLGR3, headers: false, frameIndex: 1 });

test('a tagged message reads back as the RemoteFX messages in it, where each paints', () => {
  const messages = splitTagged(tagged([
    { left: 0, top: 0, data: first },
    { left: 640, top: 480, data: later },
  ]));
  assert.deepEqual(messages.map((m) => [m.left, m.top, m.data.length]), [[0, 0, first.length], [640, 480, later.length]]);
  assert.deepEqual(Buffer.from(messages[1]!.data), later);
});

test('anything else is refused, not misread', () => {
  assert.throws(() => splitTagged(new Uint8Array([0, 1, 2])), /not a RemoteFX message/);
  const cut = tagged([{ left: 0, top: 0, data: first }]).subarray(0, 100);
  assert.throws(() => splitTagged(cut), /longer than what came/);
  assert.throws(() => splitTagged(new Uint8Array([1, 0, 0, 0])), /cut short/);
});

test('our decoder decodes every tile of the messages and says what it cost', async () => {
  const cost = await oursDecodeCost([{ left: 0, top: 0, data: first }, { left: 0, top: 0, data: later }], 2);
  assert.equal(cost.tilesPerMessage, (8 + 2) / 2);
  assert.ok(cost.wallMs > 0 && cost.cpuMs >= 0);
});

test("FreeRDP's decoder reads the same file, decodes every message and paints what ours paints (where freerdp2-dev is installed)", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rfxdecode-'));
  try {
    const helper = buildFreeRdpDecoder(dir, here);
    if ('missing' in helper) {
      t.skip(helper.missing);
      return;
    }
    const messages = [{ left: 0, top: 0, data: first }, { left: 0, top: 0, data: later }];
    const cost = freeRdpDecodeCost(helper.path, dir, messages, WIDTH, HEIGHT, 2);
    assert.equal(cost.decoded, 2);
    assert.ok(cost.wallMs > 0);
    // The two decoders round YCbCr to RGB each their own way: within one or two of each other.
    const ours = await oursScreen(messages, WIDTH, HEIGHT);
    assert.ok(ours.some((v, i) => i % 4 !== 3 && v > 0), 'our desktop is painted');
    const difference = screenDifference(ours, cost.screen);
    assert.ok(difference.maxDifference <= 2, `the desktops differ by up to ${difference.maxDifference}`);
    // And a wrong picture would show: the desktop without the second message (another picture) differs.
    assert.ok(screenDifference(await oursScreen(messages.slice(0, 1), WIDTH, HEIGHT), cost.screen).shareBeyond > 0.05);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
