// "Optimise for high-resolution displays" (the profile's highDpi): on a display
// with more than one device pixel per CSS pixel (devicePixelRatio 2 on a HiDPI
// laptop, 1.5 on a Windows screen scaled to 150 %), the remote desktop is asked
// for and shown in device pixels, one remote pixel to one device pixel, as
// TigerVNC's viewer and "Optimize for Retina displays" do. Off, or at a ratio of
// 1, everything is in CSS pixels as before.

/** Device pixels per CSS pixel for a connection: the display's ratio with highDpi on (never below 1), else 1. */
export function pixelRatio(highDpi: boolean, devicePixelRatio: number = globalThis.devicePixelRatio ?? 1): number {
  if (!highDpi || !Number.isFinite(devicePixelRatio) || devicePixelRatio <= 1) return 1;
  return devicePixelRatio;
}

/**
 * A size in CSS pixels as whole device pixels, rounded down so the picture never overflows the area (801 CSS px at
 * 1.5: 1201, shown at 800.67 CSS px). `even`: an even number (RDP's widths).
 */
export function devicePixels(css: number, ratio: number, even = false): number {
  // A hair of tolerance: 640 × 1.1 is 704.0000000000001, and a box measured at 399.99998 is 400 CSS px.
  const exact = Math.floor(css * ratio + 1e-3);
  return even ? exact - (exact % 2) : exact;
}

/**
 * Calls `changed` whenever devicePixelRatio changes (the window moved to a screen of another density, the browser
 * zoomed), as the resize observers follow the window's size: a media query on the ratio now, made anew after each
 * change. Returns the call that stops watching.
 */
export function watchDevicePixelRatio(changed: (ratio: number) => void): () => void {
  let stop = (): void => undefined;
  const watch = (): void => {
    if (typeof matchMedia !== 'function') return;
    const query = matchMedia(`(resolution: ${devicePixelRatio}dppx)`);
    const onChange = (): void => {
      query.removeEventListener('change', onChange);
      watch();
      changed(devicePixelRatio);
    };
    query.addEventListener('change', onChange);
    stop = () => query.removeEventListener('change', onChange);
  };
  watch();
  return () => stop();
}

/**
 * Mouse events carry whole CSS pixels in Chromium (MouseEvent.clientX is truncated); pointer events carry the
 * fraction, which on a display of ratio 2 is the device pixel. Code reading mouse events (noVNC, the SPICE session's
 * own input) would reach only every other remote pixel: each mouse event inside `element` is given the position of
 * the pointer event that came just before it for the same input (the same whole CSS pixel), while `active()` says so.
 * Returns the call that stops.
 */
export function keepFractionalPointer(element: HTMLElement, active: () => boolean): () => void {
  let last: { clientX: number; clientY: number } | null = null;
  const onPointer = (event: PointerEvent): void => {
    last = event.pointerType === 'mouse' ? { clientX: event.clientX, clientY: event.clientY } : null;
  };
  const onMouse = (event: MouseEvent): void => {
    const pointer = last;
    if (!pointer || !active() || Math.abs(pointer.clientX - event.clientX) >= 1 || Math.abs(pointer.clientY - event.clientY) >= 1) return;
    Object.defineProperty(event, 'clientX', { value: pointer.clientX });
    Object.defineProperty(event, 'clientY', { value: pointer.clientY });
  };
  const pointerTypes = ['pointerdown', 'pointerup', 'pointermove'] as const;
  const mouseTypes = ['mousedown', 'mouseup', 'mousemove', 'wheel'] as const;
  // Capturing, on an ancestor: before the library's own listeners on its canvas.
  for (const type of pointerTypes) element.addEventListener(type, onPointer, { capture: true });
  for (const type of mouseTypes) element.addEventListener(type, onMouse as EventListener, { capture: true });
  return () => {
    for (const type of pointerTypes) element.removeEventListener(type, onPointer, { capture: true });
    for (const type of mouseTypes) element.removeEventListener(type, onMouse as EventListener, { capture: true });
  };
}

/**
 * RDP's desktop scale factor for a ratio (MS-RDPEDISP 2.2.2.2.1, as mstsc sends its display's scaling): the ratio in
 * percent, 100 to 500, so Windows draws text at a readable size on a desktop of that many device pixels.
 */
export function desktopScaleFactor(ratio: number): number {
  return Math.min(500, Math.max(100, Math.round(ratio * 100)));
}
