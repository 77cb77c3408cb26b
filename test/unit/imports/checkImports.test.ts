import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
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
    'electron/main/m.ts': "import { app } from 'electron';\nimport { o } from '../cli/options';\nimport { r } from '../cli/deskbridge';",
    'shared/s.ts': "import { z } from 'zod';",
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
  ];
  for (const e of expected) assert.ok(violations.some((v) => v.includes(e)), `missing: ${e}\n${violations.join('\n')}`);
  assert.equal(violations.length, expected.length, violations.join('\n'));
  assert.ok(violations.every((v) => v.startsWith('Bad layering: ')));
});
