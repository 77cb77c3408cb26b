// "Optimise for high-resolution displays" and the remote cursor. noVNC 1.7 (core/util/cursor.js, Cursor.change) shows
// the server's cursor as a CSS cursor image on its canvas, spice-html5 (cursor.js, set_cursor) on its screen element,
// both as `url(data:…) hotX hotY, default` with the image and the hotspot in remote pixels. CSS takes them in CSS
// pixels: where the desktop is shown one remote pixel per device pixel (devicePixels.ts), the cursor would be twice
// the size of the desktop it points into at a ratio of 2. Written as `image-set(url(…) 2x)`, the image's pixels are
// device pixels, as a native client on that display shows the remote cursor (virt-viewer, mstsc).
//
// The libraries are not changed: what they write into the element's style is read back and rewritten (a
// MutationObserver, whose callback runs before the page is drawn again, so the remote-pixel size is never seen), as
// rdpSession.ts does with the boxes IronRDP sizes. Only the value's form is relied on, no library's internal names.
// RDP's pointer is put on IronRDP's canvas the same way (its component's cursor override: protocols/rdp/remotePointer.ts,
// from the shapes the gateway reads, since the IronRDP build we ship applies none) and is rewritten as theirs.

/** A CSS cursor value that starts with an image, as the libraries write it (read back as the page serialises it). */
export interface CursorImage {
  /** The `url(…)` as written, to be put back unchanged. */
  url: string;
  /** The image's address, unescaped: to draw it again (paddedImage). */
  href: string;
  /** The hotspot in image pixels, or null where the value gives none (the image's own, else its top left). */
  hotspot: { x: number; y: number } | null;
  /** What follows the image: the fallbacks (`, default`), or nothing. */
  fallbacks: string;
}

const CURSOR_IMAGE = /^\s*(url\(\s*("(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|[^"'()\s]*)\s*\))(?:\s+(-?\d*\.?\d+)\s+(-?\d*\.?\d+))?\s*(,[\s\S]*)?$/;

export function parseCursorImage(value: string): CursorImage | null {
  const match = CURSOR_IMAGE.exec(value);
  if (!match) return null;
  const [, url, address, x, y, fallbacks] = match as unknown as [string, string, string, string | undefined, string | undefined, string | undefined];
  return { url, href: unescapeCss(address), hotspot: x !== undefined && y !== undefined ? { x: Number(x), y: Number(y) } : null, fallbacks: fallbacks ?? '' };
}

/** A CSS url's contents without its quotes and escapes (CSS Syntax §4.3.7: `\` and a hex code point, or a character). */
function unescapeCss(token: string): string {
  const quoted = token.startsWith('"') || token.startsWith("'");
  const inner = quoted ? token.slice(1, -1) : token;
  return inner.replace(/\\(?:([0-9a-fA-F]{1,6})\s?|\n|([\s\S]))/g, (_, hex: string | undefined, other: string | undefined) => (hex ? String.fromCodePoint(parseInt(hex, 16)) : other ?? ''));
}

/**
 * A hotspot coordinate in image pixels, as CSS pixels of an image at `ratio` device pixels per image pixel. Chromium
 * keeps a cursor's hotspot in whole CSS pixels (measured: `image-set(url(…) 2x) 1.5 2.5` is taken as `1 2`) and
 * multiplies it by the ratio back into image pixels: an odd hotspot at 2 would be one device pixel off where the
 * pointer really is. `pad` transparent pixels before the image (at its left or top) put the hotspot where whole CSS
 * pixels reach it exactly: the smallest whole CSS position at or past it whose image position is whole (a few tries:
 * at 1.5, every second one), else the first.
 */
export function hotspotAt(hot: number, ratio: number): { css: number; pad: number } {
  const first = Math.max(0, Math.ceil(hot / ratio - 1e-6));
  for (let css = first; css < first + 8; css++) {
    const image = css * ratio;
    if (Math.abs(image - Math.round(image)) < 1e-6) return { css, pad: Math.round(image) - hot };
  }
  return { css: first, pad: Math.max(0, Math.floor(first * ratio + 1e-6) - hot) };
}

/**
 * The cursor value at one image pixel per device pixel: `image-set(url(…) Nx) hotX/N hotY/N, fallbacks`, with the
 * padding its hotspot needs (hotspotAt; none where there is no hotspot). Null for a value that is not an image (a
 * keyword such as `none`), which is shown as it is.
 */
export function cursorInDevicePixels(value: string, ratio: number): { image: CursorImage; value: (url: string) => string; pad: { left: number; top: number } } | null {
  const image = parseCursorImage(value);
  if (!image || !(ratio > 0)) return null;
  const x = image.hotspot ? hotspotAt(image.hotspot.x, ratio) : null;
  const y = image.hotspot ? hotspotAt(image.hotspot.y, ratio) : null;
  return {
    image,
    value: (url) => `image-set(${url} ${ratio}x)${x && y ? ` ${x.css} ${y.css}` : ''}${image.fallbacks}`,
    pad: { left: x?.pad ?? 0, top: y?.pad ?? 0 },
  };
}

/** The image with `left` and `top` transparent pixels before it, as a PNG data URL (null where it cannot be drawn). */
async function paddedImage(href: string, left: number, top: number): Promise<string | null> {
  try {
    const image = new Image();
    image.src = href;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth + left;
    canvas.height = image.naturalHeight + top;
    canvas.getContext('2d')?.drawImage(image, left, top);
    return canvas.toDataURL();
  } catch {
    return null;
  }
}

/** Padded images by source and padding: a desktop uses a handful of cursors, each drawn again only once. */
const PADDED_KEPT = 32;

/**
 * Shows the cursor a library sets on `element` at one image pixel per device pixel while `ratio()` is above 1, and as
 * the library set it at 1. `refresh()` after the ratio changed; `stop()` when the session ends (what is shown stays).
 */
export function showCursorInDevicePixels(element: HTMLElement, ratio: () => number): { refresh(): void; stop(): void } {
  /** The library's value, and ours written over it (as the page reads it back), if any. */
  let theirs = element.style.cursor;
  let ours: string | null = null;
  /** Each change of value or ratio: a padded image drawn for an older one is not used. */
  let generation = 0;
  const padded = new Map<string, string>();

  const write = (value: string): void => {
    element.style.cursor = value;
    ours = element.style.cursor;
  };
  const apply = (): void => {
    const now = ++generation;
    const rewrite = ratio() > 1 ? cursorInDevicePixels(theirs, ratio()) : null;
    if (!rewrite) {
      if (ours !== null && element.style.cursor === ours) element.style.cursor = theirs;
      ours = null;
      return;
    }
    const { image, pad } = rewrite;
    if (pad.left === 0 && pad.top === 0) return write(rewrite.value(image.url));
    const key = `${pad.left},${pad.top} ${image.href}`;
    const kept = padded.get(key);
    if (kept) return write(rewrite.value(`url("${kept}")`));
    // Until the padded image is drawn (a few milliseconds), the right size, the hotspot within a device pixel.
    write(rewrite.value(image.url));
    void paddedImage(image.href, pad.left, pad.top).then((url) => {
      if (!url) return;
      if (padded.size >= PADDED_KEPT) padded.delete(padded.keys().next().value as string);
      padded.set(key, url);
      if (now === generation) write(rewrite.value(`url("${url}")`));
    });
  };
  const observer = new MutationObserver(() => {
    const now = element.style.cursor;
    if (now === ours) return;
    theirs = now;
    ours = null;
    apply();
  });
  observer.observe(element, { attributes: true, attributeFilter: ['style'] });
  apply();
  return {
    refresh: apply,
    stop() {
      observer.disconnect();
      generation++;
    },
  };
}
