// The import rules of ARCHITECTURE.md, checked on every `npm test`:
//   shared/            imports nothing of ours, no Node, no DOM-only packages (zod only)
//   renderer/          imports shared/ and browser packages; never node:*, Node builtins, Node-only packages, 'electron' or electron/
//   electron/gateway/  imports shared/; never 'electron', renderer/, electron/main|preload|cli
//   electron/cli/      imports the gateway and shared/; never 'electron', renderer/, electron/main|preload
//   electron/main/     imports the gateway, electron/cli/options, electron/cli/actions and shared/; never renderer/
//                      (never electron/cli/deskbridge, which runs the command as it is imported)
//   electron/preload/  imports 'electron' and shared/ only; no Node modules but events, timers, url (sandboxed)
//   nothing outside renderer/ imports renderer/; only electron/main and electron/preload import 'electron'
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const SOURCE = /\.(ts|tsx|mts|mjs)$/;
// Static imports and re-exports, dynamic import(), and require() (a .mjs can createRequire).
const IMPORT = /(?:^|[^.\w$])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|(?:^|[^.\w$])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^.\w$])require\s*\(\s*['"]([^'"]+)['"]\s*\)/gm;
// What a sandboxed preload may require besides 'electron' (Electron's sandbox docs).
const SANDBOXED_PRELOAD_MODULES = new Set(['events', 'timers', 'url']);
// npm packages that run only under Node: the renderer must never bundle them.
const NODE_ONLY_PACKAGES = new Set(['ws', '@napi-rs/keyring', 'bufferutil', 'utf-8-validate']);
// What electron/main shares with the command: the one option parser, and the actions both do (--list, --import…).
const MAIN_IMPORTS_FROM_CLI = new Set(['electron/cli/options', 'electron/cli/actions']);

function layerOf(rel) {
  if (rel.startsWith('shared/')) return 'shared';
  if (rel.startsWith('renderer/')) return 'renderer';
  for (const l of ['gateway', 'cli', 'main', 'preload']) if (rel.startsWith(`electron/${l}/`)) return l;
  return null;
}

/** Returns the violations in the tree under root, as messages. */
export function checkImports(root) {
  const violations = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (SOURCE.test(name) && !name.endsWith('.d.ts')) checkFile(full);
    }
  };
  const checkFile = (file) => {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const layer = layerOf(rel);
    if (!layer) return;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3];
      const problem = judge(layer, rel, spec, file, root);
      if (problem) violations.push(`Bad layering: ${rel} imports '${spec}': ${problem}`);
    }
  };
  for (const top of ['shared', 'renderer', 'electron']) {
    try {
      walk(path.join(root, top));
    } catch {
      // folder absent in a partial tree
    }
  }
  return violations;
}

function judge(layer, rel, spec, file, root) {
  const isRelative = spec.startsWith('.');
  const target = isRelative ? layerOf(path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep).join('/')) : null;
  const targetRel = isRelative ? path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep).join('/') : null;
  const isNode = NODE_BUILTINS.has(spec);
  const isElectron = spec === 'electron' || spec.startsWith('electron/');
  if (isRelative && target === null) return `${layer} may not reach outside the layered folders (${targetRel})`;
  if (target === 'renderer' && layer !== 'renderer') return 'nothing outside renderer/ may import the renderer';
  if (isElectron && layer !== 'main' && layer !== 'preload') return "only electron/main and electron/preload may import 'electron'";
  switch (layer) {
    case 'shared':
      if (isRelative && target !== 'shared') return 'shared/ imports nothing of ours outside shared/';
      if (!isRelative && spec !== 'zod') return 'shared/ is pure TypeScript: no Node, no DOM packages (zod only)';
      return null;
    case 'renderer':
      if (isNode) return 'the renderer is DOM only: no node:* modules or Node builtins';
      if (NODE_ONLY_PACKAGES.has(spec)) return 'the renderer is DOM only: this package runs only under Node';
      if (isRelative && target !== 'renderer' && target !== 'shared') return 'the renderer may import only shared/';
      return null;
    case 'gateway':
      if (isRelative && target !== 'gateway' && target !== 'shared') return 'the gateway may import only shared/';
      return null;
    case 'cli':
      if (isRelative && !['cli', 'gateway', 'shared'].includes(target)) return 'the CLI may import only the gateway and shared/';
      return null;
    case 'main':
      if (isRelative && !['main', 'gateway', 'shared'].includes(target) && !MAIN_IMPORTS_FROM_CLI.has(targetRel)) return 'electron/main may import only the gateway, electron/cli/options, electron/cli/actions and shared/';
      return null;
    case 'preload':
      if (isRelative && !['preload', 'shared'].includes(target)) return 'the preload may import only shared/';
      if (isNode && !SANDBOXED_PRELOAD_MODULES.has(spec.replace(/^node:/, ''))) return 'a sandboxed preload has no Node modules (only events, timers, url)';
      return null;
    default:
      return null;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const violations = checkImports(root);
  if (violations.length > 0) {
    for (const v of violations) console.error(v);
    console.error(`\n${violations.length} import rule violation(s). See ARCHITECTURE.md, "Layout and import rules".`);
    process.exit(1);
  }
  console.log('import rules: ok');
}
