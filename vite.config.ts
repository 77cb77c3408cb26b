import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { sendPdusAsBytes } from './renderer/protocols/rdp/ironRdpSends.ts';
import { splitInlineWasm } from './renderer/protocols/rdp/ironRdpWasm.ts';

const IRONRDP_BACKEND = /@devolutions[\\/]iron-remote-desktop-rdp[\\/]/;

/**
 * The two build-time changes to IronRDP's backend module, in one pass over it:
 * its WebAssembly becomes a file of its own (renderer/protocols/rdp/ironRdpWasm.ts)
 * and its PDUs leave as bytes, not as Blobs (renderer/protocols/rdp/ironRdpSends.ts).
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
      return { code: sendingBytes ?? withFile, map: null };
    },
  };
}

// noVNC 1.7 uses top-level await, so the bundle targets ES2022.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: '/',
  plugins: [react(), ironRdpBuildChanges()],
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
