// Runs inside the page (bundled by esbuild into one script and injected): on
// every animation frame it reads only the code row of the remote desktop's
// canvas, decodes it, and records each new frame with the wall-clock time it
// was seen. Node reads the record back and does the arithmetic (webClient.ts).
import { STRIP, CODE_BYTES, decodeCode, readStrip } from './frameCode';

export interface ProbeRecord {
  /** Per new frame: 16-bit number, low 32 bits of its encoded ms, key count, wall ms when seen. */
  frames: [number, number, number, number][];
  /** Wall ms of each keydown the page received (the moment input enters the client). */
  keyDowns: number[];
  /** Wall ms of each read whose check value failed (torn between two frames), after the first valid one. */
  tornAt: number[];
  startedAt: number;
  canvasFound: boolean;
}

interface Probe {
  start(selector: string): void;
  stop(): ProbeRecord;
  peek(): { frames: number; first: [number, number, number, number] | null };
}

const wallNow = () => performance.timeOrigin + performance.now();

function findCanvas(selector: string): HTMLCanvasElement | null {
  let best: HTMLCanvasElement | null = null;
  const consider = (canvas: HTMLCanvasElement) => {
    if (canvas.isConnected && canvas.width >= STRIP.width && (!best || canvas.width * canvas.height > best.width * best.height)) best = canvas;
  };
  const visit = (root: ParentNode) => {
    for (const el of root.querySelectorAll('*')) {
      if (el instanceof HTMLCanvasElement) consider(el);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  for (const el of document.querySelectorAll(selector)) {
    if (el instanceof HTMLCanvasElement) consider(el);
    else visit(el);
    if (el.shadowRoot) visit(el.shadowRoot);
  }
  return best;
}

function createProbe(): Probe {
  let running = false;
  let selector = '';
  let canvas: HTMLCanvasElement | null = null;
  let context: CanvasRenderingContext2D | null = null;
  let record: ProbeRecord = { frames: [], keyDowns: [], tornAt: [], startedAt: 0, canvasFound: false };
  const bytes = new Array<number>(CODE_BYTES).fill(0);
  const previous = new Array<number>(CODE_BYTES).fill(-1);
  let lastFrame = -1;
  let anyValid = false;
  const onKey = () => record.keyDowns.push(wallNow());
  const tick = () => {
    if (!running) return;
    requestAnimationFrame(tick);
    if (!canvas || !canvas.isConnected) {
      canvas = findCanvas(selector);
      context = canvas ? canvas.getContext('2d', { willReadFrequently: true }) : null;
      if (!context) return;
      record.canvasFound = true;
    }
    const seenAt = wallNow();
    const strip = context!.getImageData(STRIP.x, STRIP.y, STRIP.width, STRIP.height).data;
    readStrip(strip, STRIP.width * 4, 4, bytes);
    let same = true;
    for (let i = 0; i < CODE_BYTES; i++) if (bytes[i] !== previous[i]) same = false;
    if (same) return;
    for (let i = 0; i < CODE_BYTES; i++) previous[i] = bytes[i]!;
    const stamp = decodeCode(bytes);
    if (!stamp) {
      if (anyValid) record.tornAt.push(seenAt);
      return;
    }
    anyValid = true;
    if (stamp.frame === lastFrame) return;
    lastFrame = stamp.frame;
    record.frames.push([stamp.frame, stamp.timeLow, stamp.keys, seenAt]);
  };
  return {
    start(sel) {
      selector = sel;
      record = { frames: [], keyDowns: [], tornAt: [], startedAt: wallNow(), canvasFound: false };
      lastFrame = -1;
      anyValid = false;
      previous.fill(-1);
      canvas = null;
      if (!running) {
        running = true;
        window.addEventListener('keydown', onKey, true);
        requestAnimationFrame(tick);
      }
    },
    stop() {
      running = false;
      window.removeEventListener('keydown', onKey, true);
      return record;
    },
    peek() {
      return { frames: record.frames.length, first: record.frames[0] ?? null };
    },
  };
}

(window as unknown as { __frameProbe: Probe }).__frameProbe ??= createProbe();
