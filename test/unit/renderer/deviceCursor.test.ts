// "Optimise for high-resolution displays" and the remote cursor: the libraries' CSS cursor values, as the page reads
// them back, written at one image pixel per device pixel with the hotspot where whole CSS pixels reach it exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorInDevicePixels, hotspotAt, parseCursorImage } from '../../../renderer/session/deviceCursor';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

test('a cursor image as noVNC, IronRDP and spice-html5 write it, read back: its url, address, hotspot and fallbacks', () => {
  assert.deepEqual(parseCursorImage(`url("${PNG}") 7 3, default`), { url: `url("${PNG}")`, href: PNG, hotspot: { x: 7, y: 3 }, fallbacks: ', default' });
  // spice-html5's percent-encoded PNG, unquoted; and a quote escaped in a quoted one.
  assert.deepEqual(parseCursorImage('url(data:image/png,%89PNG%0D) 0 12, default')?.hotspot, { x: 0, y: 12 });
  assert.equal(parseCursorImage('url("data:a\\"b\\2c c") 1 1, auto')?.href, 'data:a"b,c');
  assert.deepEqual(parseCursorImage(`url("${PNG}")`), { url: `url("${PNG}")`, href: PNG, hotspot: null, fallbacks: '' });
  for (const keyword of ['none', 'default', 'auto', '', `image-set(url("${PNG}") 2x) 3 1, default`]) assert.equal(parseCursorImage(keyword), null, keyword);
});

test('a hotspot in whole CSS pixels at the ratio, with the transparent pixels before the image that make it exact', () => {
  assert.deepEqual(hotspotAt(6, 2), { css: 3, pad: 0 });
  assert.deepEqual(hotspotAt(7, 2), { css: 4, pad: 1 }, 'the image one pixel wider, the hotspot at device pixel 8 = CSS 4');
  assert.deepEqual(hotspotAt(0, 2), { css: 0, pad: 0 });
  assert.deepEqual(hotspotAt(9, 3), { css: 3, pad: 0 });
  assert.deepEqual(hotspotAt(10, 3), { css: 4, pad: 2 });
  // At 1.5 only every second CSS pixel is a whole device pixel: 6 CSS = 9 device pixels.
  assert.deepEqual(hotspotAt(7, 1.5), { css: 6, pad: 2 });
  assert.deepEqual(hotspotAt(6, 1.5), { css: 4, pad: 0 });
  // A ratio with no whole multiple nearby (a zoom's): the first CSS pixel past the hotspot, as Chromium rounds down.
  assert.deepEqual(hotspotAt(7, 1.0999), { css: 7, pad: 0 });
});

test('the value at one image pixel per device pixel: image-set at the ratio, the hotspot divided, the fallbacks kept; keywords left alone', () => {
  const at2 = cursorInDevicePixels(`url("${PNG}") 6 10, default`, 2);
  assert.equal(at2?.value(at2.image.url), `image-set(url("${PNG}") 2x) 3 5, default`);
  assert.deepEqual(at2?.pad, { left: 0, top: 0 });
  const odd = cursorInDevicePixels(`url("${PNG}") 7 4, default`, 2);
  assert.deepEqual(odd?.pad, { left: 1, top: 0 });
  assert.equal(odd?.value('url("data:padded")'), 'image-set(url("data:padded") 2x) 4 2, default');
  const noHotspot = cursorInDevicePixels(`url("${PNG}"), auto`, 1.5);
  assert.equal(noHotspot?.value(noHotspot.image.url), `image-set(url("${PNG}") 1.5x), auto`);
  assert.equal(cursorInDevicePixels('none', 2), null);
});
