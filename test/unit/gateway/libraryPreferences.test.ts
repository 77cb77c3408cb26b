// The library's sort kept in the data folder (profiles/libraryPreferences.ts): what a missing, damaged or later
// file reads as, and that a choice is read back by the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LIBRARY_PREFERENCES_FILE, LibraryPreferences } from '../../../electron/gateway/profiles/libraryPreferences';

test('the sort chosen is kept for the next start; a missing, damaged or unknown one is by name', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-prefs-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const file = path.join(dataDir, LIBRARY_PREFERENCES_FILE);
  assert.equal(await new LibraryPreferences(dataDir).sort(), 'name', 'no file yet');
  await new LibraryPreferences(dataDir).setSort('recent');
  assert.equal(await new LibraryPreferences(dataDir).sort(), 'recent', 'read back by another instance (the next start)');
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { schemaVersion: 1, sort: 'recent' });
  for (const damaged of ['{', '[]', 'null', '{"schemaVersion":2,"sort":"host"}', '{"schemaVersion":1,"sort":"colour"}', '{"schemaVersion":1}']) {
    await writeFile(file, damaged);
    assert.equal(await new LibraryPreferences(dataDir).sort(), 'name', damaged);
  }
});
