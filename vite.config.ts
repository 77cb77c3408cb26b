import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { sendPdusAsBytes } from './renderer/protocols/rdp/ironRdpSends.ts';

/** IronRDP's PDUs leave as bytes, not as Blobs: see renderer/protocols/rdp/ironRdpSends.ts. */
function ironRdpSendsBytes(): Plugin {
  return {
    name: 'deskbridge-ironrdp-sends-bytes',
    transform(code, id) {
      if (!/@devolutions[\\/]iron-remote-desktop-rdp[\\/]/.test(id)) return null;
      const changed = sendPdusAsBytes(code);
      if (changed === null) {
        this.warn('IronRDP: its Blob and send imports were not found; PDUs go out as Blobs (slower keystrokes)');
        return null;
      }
      return { code: changed, map: null };
    },
  };
}

// noVNC 1.7 uses top-level await, so the bundle targets ES2022.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: '/',
  plugins: [react(), ironRdpSendsBytes()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The gateway serves a strict CSP: no inline scripts, so no inlined module preload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // IronRDP's backend is one ~6 MB chunk with its WASM inlined; it is loaded on demand.
    chunkSizeWarningLimit: 7000,
  },
});
