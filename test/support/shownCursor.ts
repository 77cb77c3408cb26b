// The remote cursor as a session shows it, read back from the page (the high-DPI and RDP cursor tests).
import type { Page } from 'playwright-core';
import { KNOWN_CURSOR, knownCursorPixel } from '../servers/knownCursor';
import { sessionView } from './ui';

/**
 * The remote cursor as the session shows it: the canvas's computed CSS cursor (noVNC sets it on its canvas,
 * spice-html5 on the element around it, the RDP session on IronRDP's, inside its component's shadow root), its image
 * decoded by the page. `scale`: image pixels per CSS pixel (image-set's resolution, 1 for a plain url); the hotspot in
 * CSS pixels; each image pixel as B (black), W (white), G (grey), . (transparent) or ? (anything else), row by row
 * (none, and a scale of 0, for a value that is not such an image).
 */
export interface ShownCursor {
  value: string;
  scale: number;
  hotspot: { x: number; y: number };
  rows: string[];
}
export async function shownCursor(page: Page): Promise<ShownCursor> {
  return sessionView(page)
    .getByTestId('session-surface')
    .evaluate(async (surface: HTMLElement) => {
      const value = getComputedStyle((surface.querySelector('canvas') ?? surface.querySelector('iron-remote-desktop')?.shadowRoot?.querySelector('canvas'))!).cursor;
      const match = /^(?:image-set\(url\("([^"]*)"\) ([\d.]+)dppx\)|url\("([^"]*)"\)) (\d+) (\d+), default$/.exec(value);
      if (!match) return { value: value.slice(0, 40), scale: 0, hotspot: { x: 0, y: 0 }, rows: [] };
      const image = new Image();
      image.src = (match[1] ?? match[3])!;
      await image.decode();
      const context = new OffscreenCanvas(image.naturalWidth, image.naturalHeight).getContext('2d')!;
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, image.naturalWidth, image.naturalHeight).data;
      const rows: string[] = [];
      for (let y = 0; y < image.naturalHeight; y++) {
        let row = '';
        for (let x = 0; x < image.naturalWidth; x++) {
          const [r, g, b, a] = data.slice((y * image.naturalWidth + x) * 4, (y * image.naturalWidth + x) * 4 + 4);
          const grey = (r! + g! + b!) / 3;
          row += a! < 30 ? '.' : a! < 220 ? '?' : grey < 40 ? 'B' : grey > 215 ? 'W' : Math.abs(grey - 128) < 20 && Math.abs(r! - b!) < 10 ? 'G' : '?';
        }
        rows.push(row);
      }
      return { value: value.slice(0, 40), scale: match[2] ? Number(match[2]) : 1, hotspot: { x: Number(match[4]), y: Number(match[5]) }, rows };
    });
}

/** Where in the shown image the known cursor's pixels are (its top left), if they are there, one image pixel each. */
export function knownCursorAt(shown: ShownCursor): { x: number; y: number } | null {
  for (let top = 0; top <= 4; top++) {
    for (let left = 0; left <= 4; left++) {
      let all = true;
      for (let y = 0; y < KNOWN_CURSOR.height && all; y++) {
        for (let x = 0; x < KNOWN_CURSOR.width && all; x++) all = shown.rows[top + y]?.[left + x] === knownCursorPixel(x, y);
      }
      if (all) return { x: left, y: top };
    }
  }
  return null;
}
