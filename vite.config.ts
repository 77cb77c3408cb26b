import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { openSocketThrough, sendPdusAsBytes } from './renderer/protocols/rdp/ironRdpSends.ts';
import { splitInlineWasm } from './renderer/protocols/rdp/ironRdpWasm.ts';
import { componentStyleCount, componentStyles } from './renderer/protocols/rdp/ironRdpStyles.ts';
import { CSP_STYLES_FILE } from './shared/api/contract.ts';
import { compileTileDecoder } from './scripts/tileDecoder.mjs';

const IRONRDP_BACKEND = /@devolutions[\\/]iron-remote-desktop-rdp[\\/]/;
const IRONRDP_FRONTEND = /@devolutions[\\/]iron-remote-desktop[\\/]/;

const PAINTING_SOCKET = fileURLToPath(new URL('./renderer/protocols/rdp/paintingSocket.ts', import.meta.url));

/**
 * The build-time changes to IronRDP's backend module, in one pass over it:
 * its WebAssembly becomes a file of its own (renderer/protocols/rdp/ironRdpWasm.ts),
 * its PDUs leave as bytes, not as Blobs (renderer/protocols/rdp/ironRdpSends.ts),
 * and its WebSocket is opened by renderer/protocols/rdp/paintingSocket.ts (RemoteFX
 * decoded by the page's own decoder, painted on IronRDP's canvas).
 */
function ironRdpBuildChanges(): Plugin {
  return {
    name: 'deskbridge-ironrdp',
    transform(code, id) {
      if (!IRONRDP_BACKEND.test(id)) return null;
      const split = splitInlineWasm(code);
      // An error, not a warning: the gateway's CSP allows no data: fetch, so IronRDP could not load at all.
      if (split === null) this.error('IronRDP: its inline WebAssembly (one data:application/wasm literal) was not found; see renderer/protocols/rdp/ironRdpWasm.ts');
      const file = this.emitFile({ type: 'asset', name: 'iron-remote-desktop-rdp.wasm', source: split.wasm });
      const withFile = split.withUrl(`import.meta.ROLLUP_FILE_URL_${file}`);
      const sendingBytes = sendPdusAsBytes(withFile);
      if (sendingBytes === null) this.warn('IronRDP: its Blob and send imports were not found; PDUs go out as Blobs (slower keystrokes)');
      const opened = openSocketThrough(sendingBytes ?? withFile, '__deskbridgeOpenSocket');
      if (opened === null) this.warn('IronRDP: its WebSocket import was not found; RemoteFX is decoded by IronRDP on the page (slower)');
      const changed = opened === null ? (sendingBytes ?? withFile) : `import { openIronRdpSocket as __deskbridgeOpenSocket } from ${JSON.stringify(PAINTING_SOCKET)};\n${opened}`;
      return { code: changed, map: null };
    },
  };
}

/**
 * The hashes of the `<style>` elements IronRDP's components add to the page
 * (renderer/protocols/rdp/ironRdpStyles.ts), written to dist/renderer/csp-styles.json:
 * the only inline style sheets the gateway's CSP lets the page apply.
 */
function ironRdpStyleHashes(): Plugin {
  const hashes = new Set<string>();
  return {
    name: 'deskbridge-ironrdp-styles',
    buildStart() {
      hashes.clear();
    },
    transform(code, id) {
      if (!IRONRDP_FRONTEND.test(id)) return null;
      const styles = componentStyles(code);
      const seen = componentStyleCount(code);
      if (styles.length !== seen) this.error(`IronRDP: ${seen} component style sheets seen, ${styles.length} read whole; the CSP would refuse the others (renderer/protocols/rdp/ironRdpStyles.ts)`);
      if (styles.length === 0) this.error('IronRDP: its components\' styles ({ hash: "svelte-…", code: "…" }) were not found; under the gateway\'s CSP its screen would lose its layout (renderer/protocols/rdp/ironRdpStyles.ts)');
      for (const { css } of styles) hashes.add(`'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`);
      return null;
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: CSP_STYLES_FILE, source: `${JSON.stringify({ styleSrc: [...hashes].sort() }, null, 2)}\n` });
    },
  };
}

const TILE_DECODER = 'virtual:remotefx-tile-decoder';

/** The RemoteFX tile decoder (wasm/remoteFx.ts) compiled to a file of its own; the module's default export is its URL. */
function remoteFxTileDecoder(): Plugin {
  return {
    name: 'deskbridge-remotefx-tile-decoder',
    resolveId: (source) => (source === TILE_DECODER ? `\0${TILE_DECODER}` : null),
    async load(id) {
      if (id !== `\0${TILE_DECODER}`) return null;
      const file = this.emitFile({ type: 'asset', name: 'remoteFx.wasm', source: await compileTileDecoder() });
      return `export default import.meta.ROLLUP_FILE_URL_${file};`;
    },
  };
}

// noVNC 1.7 uses top-level await, so the bundle targets ES2022.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: '/',
  plugins: [react(), ironRdpBuildChanges(), ironRdpStyleHashes(), remoteFxTileDecoder()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The gateway serves a strict CSP: no inline scripts, so no inlined module preload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
