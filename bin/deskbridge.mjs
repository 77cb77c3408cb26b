#!/usr/bin/env node
// The `deskbridge` command. The code lives in dist/cli.mjs, built by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('DeskBridge is not built yet. Run `npm run build` (or `npm start`) in its folder first.\n');
  process.exit(1);
}
await import(cli);
