// A build-time change to the IronRDP web client we ship (applied by
// vite.config.ts to its module, nowhere else): its WebAssembly becomes a file
// of its own instead of a base64 `data:` URL inside the JavaScript.
//
// The published build (0.7.0) carries the 4.5 MB module as a 6 MB string in a
// 6 MB chunk. Loading it, Chromium parsed and ran that chunk for ≈280 ms on
// the page's main thread before the module's compilation could even start
// (measured: docs/performance.md), and a `data:` URL is never in the HTTP
// cache, so Chromium could not keep the compiled code between starts. As a
// file (served as application/wasm, hashed name, cached immutable), it
// compiles while it downloads, and the page's CSP no longer needs to allow
// fetching `data:` URLs. The glue's loader already fetches whatever URL it is
// given, so only the literal changes. If the literal is not found exactly
// once, the build stops: with the CSP above, IronRDP could not load.

const INLINE_WASM = /(["'`])data:application\/wasm;base64,([A-Za-z0-9+/]+={0,2})\1/g;
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export interface InlineWasm {
  /** The module's bytes. */
  wasm: Uint8Array<ArrayBuffer>;
  /** The code with the literal replaced by `expression` (which must evaluate to the file's URL). */
  withUrl(expression: string): string;
}

export function splitInlineWasm(code: string): InlineWasm | null {
  const matches = [...code.matchAll(INLINE_WASM)];
  if (matches.length !== 1) return null;
  const match = matches[0] as RegExpMatchArray & { index: number };
  const text = atob(match[2] as string);
  const wasm = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) wasm[i] = text.charCodeAt(i);
  if (!WASM_MAGIC.every((byte, i) => wasm[i] === byte)) return null;
  return {
    wasm,
    withUrl: (expression) => code.slice(0, match.index) + expression + code.slice(match.index + match[0].length),
  };
}
