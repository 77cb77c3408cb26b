import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// noVNC 1.7 uses top-level await, so the bundle targets ES2022.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: '/',
  plugins: [react()],
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
