import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without types
import { checkImports } from '../../../scripts/checkImports.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('the repository keeps its import rules', () => {
  assert.deepEqual(checkImports(repo), []);
});

test('each forbidden import is caught with a clear message', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-imports-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'shared/a.ts': "import fs from 'node:fs';\nimport { x } from '../renderer/x';",
    'renderer/x.ts': "import path from 'node:path';\nimport { s } from '../shared/s';\nexport const x = 1;",
    'renderer/y.tsx': "const m = await import('../electron/gateway/index');",
    'electron/gateway/g.ts': "import { app } from 'electron';\nimport { w } from '../main/w';",
    'electron/cli/c.ts': "export { x } from '../../renderer/x';",
    'electron/main/m.ts': "import { app } from 'electron';\nimport { o } from '../cli/options';\nimport { runAction } from '../cli/actions';\nimport { r } from '../cli/deskbridge';",
    'shared/s.ts': "import { z } from 'zod';",
    // Each of these is allowed and must not be reported.
    'renderer/ok.tsx': "import { useState } from 'react';\nimport type { Profile } from '../shared/s';\nexport const y = 1;",
    'electron/gateway/ok.ts': "import net from 'node:net';\nimport { WebSocketServer } from 'ws';\nimport { s } from '../../shared/s';",
    'electron/cli/ok.ts': "import { startGateway } from '../gateway/ok';\nimport { parseCli } from './c';",
    'electron/preload/ok.ts': "import { contextBridge } from 'electron';\nimport type { S } from '../../shared/s';",
    // More forbidden ones: a bare builtin, a Node-only package, require(), the preload reaching the gateway.
    'renderer/z.ts': "import fs from 'fs';\nimport WebSocket from 'ws';\nimport { app } from 'electron';",
    'electron/preload/p.ts': "import { startGateway } from '../gateway/ok';\nimport fs from 'node:fs';",
    'electron/cli/r.mjs': "const { app } = require('electron');\nconst m = require('../main/m');",
  };
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  const violations: string[] = checkImports(root);
  const expected = [
    "shared/a.ts imports 'node:fs'",
    "shared/a.ts imports '../renderer/x'",
    "renderer/x.ts imports 'node:path'",
    "renderer/y.tsx imports '../electron/gateway/index'",
    "electron/gateway/g.ts imports 'electron'",
    "electron/gateway/g.ts imports '../main/w'",
    "electron/cli/c.ts imports '../../renderer/x'",
    "electron/main/m.ts imports '../cli/deskbridge'",
    "renderer/z.ts imports 'fs'",
    "renderer/z.ts imports 'ws'",
    "renderer/z.ts imports 'electron'",
    "electron/preload/p.ts imports '../gateway/ok'",
    "electron/preload/p.ts imports 'node:fs'",
    "electron/cli/r.mjs imports 'electron'",
    "electron/cli/r.mjs imports '../main/m'",
  ];
  for (const e of expected) assert.ok(violations.some((v) => v.includes(e)), `missing: ${e}\n${violations.join('\n')}`);
  assert.equal(violations.length, expected.length, violations.join('\n'));
  assert.ok(violations.every((v) => v.startsWith('Bad layering: ')));
});

test('the command fails with exit 1 on a forbidden import and names the file', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-imports-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'scripts'));
  await mkdir(path.join(root, 'renderer'));
  await copyFile(path.join(repo, 'scripts', 'checkImports.mjs'), path.join(root, 'scripts', 'checkImports.mjs'));
  await writeFile(path.join(root, 'renderer', 'bad.ts'), "import { readFile } from 'node:fs/promises';");
  const bad = spawnSync(process.execPath, [path.join(root, 'scripts', 'checkImports.mjs')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /Bad layering: renderer\/bad\.ts imports 'node:fs\/promises'/);
  await writeFile(path.join(root, 'renderer', 'bad.ts'), 'export const fine = 1;');
  const good = spawnSync(process.execPath, [path.join(root, 'scripts', 'checkImports.mjs')], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stderr);
});
