// A build-time reading of the IronRDP web client we ship (done by
// vite.config.ts on its module, nowhere else): the style sheets its
// components put into the page.
//
// IronRDP's UI is compiled Svelte. Each component carries its CSS as a
// `{ hash: "svelte-…", code: "…" }` object and, when it mounts, adds a
// `<style>` element with that text to the document (or its shadow root). The
// gateway's CSP allows no inline `<style>` elements but those whose text it
// knows by hash (electron/gateway/http/accessControl.ts), so that a style
// injected into the page some other way (an HTML injection; CSS can read
// attributes out of a page through selectors) is not applied. The build
// writes the hashes of the texts found here into the renderer's
// `csp-styles.json`, which the gateway reads at start. If none is found, or
// one is seen but not read whole, the build stops: under that CSP, IronRDP's
// screen would lose its layout.

// A Svelte component's CSS object, as the published build writes it: two
// double-quoted string literals with JSON's escapes.
const SVELTE_CSS = /\{\s*hash:\s*"(svelte-[\w-]+)",\s*code:\s*("(?:[^"\\\n]|\\.)*")\s*\}/g;

export interface ComponentStyle {
  /** The `<style>` element's id (Svelte's scoping class). */
  id: string;
  /** The element's text, exactly as the page will have it. */
  css: string;
}

/** How many Svelte component style objects the code seems to hold (their start alone), to check none was passed over. */
export function componentStyleCount(code: string): number {
  return code.match(/\{\s*hash:\s*"svelte-[\w-]+",\s*code:/g)?.length ?? 0;
}

export function componentStyles(code: string): ComponentStyle[] {
  const styles: ComponentStyle[] = [];
  for (const match of code.matchAll(SVELTE_CSS)) {
    let css: unknown;
    try {
      css = JSON.parse(match[2] as string);
    } catch {
      continue; // a JavaScript escape JSON does not know: not one of these objects
    }
    if (typeof css === 'string' && css.length > 0) styles.push({ id: match[1] as string, css });
  }
  return styles;
}
