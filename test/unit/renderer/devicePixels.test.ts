// "Optimise for high-resolution displays": the ratio a connection works at, and sizes in whole device pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desktopScaleFactor, devicePixels, pixelRatio } from '../../../renderer/session/devicePixels';

test('the option off, or a display of one device pixel per CSS pixel (or fewer, zoomed out): CSS pixels, as before', () => {
  assert.equal(pixelRatio(false, 2), 1);
  assert.equal(pixelRatio(true, 1), 1);
  assert.equal(pixelRatio(true, 0.8), 1);
  assert.equal(pixelRatio(true, Number.NaN), 1);
  assert.equal(pixelRatio(true, 2), 2);
  assert.equal(pixelRatio(true, 1.5), 1.5);
});

test('a CSS size in whole device pixels, never more than the area holds; even where asked (RDP widths)', () => {
  assert.equal(devicePixels(900, 2), 1800);
  assert.equal(devicePixels(801, 1.5), 1201);
  assert.equal(devicePixels(100, 1.15), 115, 'not 114, from 114.99999999999999');
  assert.equal(devicePixels(565.5, 2), 1131);
  assert.equal(devicePixels(565.5, 2, true), 1130);
  assert.equal(devicePixels(801, 1.25, true), 1000);
});

test('RDP\u2019s desktop scale factor: the ratio in percent, within the 100 to 500 the display control channel allows', () => {
  assert.deepEqual([1, 1.25, 1.5, 2, 3, 6].map(desktopScaleFactor), [100, 125, 150, 200, 300, 500]);
  assert.equal(desktopScaleFactor(1.1 * 1.1), 121);
});
