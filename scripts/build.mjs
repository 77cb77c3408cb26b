// Builds what ships: the renderer (Vite) and the Node side (esbuild bundles).
// dist/renderer/   static files the gateway serves
// dist/cli.mjs     the `deskbridge` command: gateway + browser shell, or launches Electron
// dist/main.mjs    Electron main process
// dist/preload.cjs Electron preload (sandboxed preloads must be CommonJS)
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const quiet = process.argv.includes('--quiet') || process.env.npm_config_loglevel === 'silent';

// dist/ holds only what this build writes: nothing left from an older build (a renamed bundle, a stale map).
rmSync(path.join(root, 'dist'), { recursive: true, force: true });

await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });

const external = ['electron', 'ws', 'bufferutil', 'utf-8-validate', '@napi-rs/keyring'];
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, external, logLevel: 'warning' };
const banner = { js: "import { createRequire as __dbCreateRequire } from 'node:module'; const require = __dbCreateRequire(import.meta.url);" };
await Promise.all([
  esbuild({ ...common, format: 'esm', banner, entryPoints: [path.join(root, 'electron/cli/deskbridge.ts')], outfile: path.join(root, 'dist/cli.mjs') }),
  esbuild({ ...common, format: 'esm', banner, entryPoints: [path.join(root, 'electron/main/index.ts')], outfile: path.join(root, 'dist/main.mjs') }),
  esbuild({ ...common, format: 'cjs', entryPoints: [path.join(root, 'electron/preload/index.ts')], outfile: path.join(root, 'dist/preload.cjs') }),
]);
if (!quiet) console.log('built dist/renderer, dist/cli.mjs, dist/main.mjs, dist/preload.cjs');
