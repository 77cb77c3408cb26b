// A connection imported before start programs were taken (its program only a label): what is read from its kept
// original, what is saved, and what Connect is told where nothing can be read. The library is a fake here; the
// gateway's own is in test/integration/importedOriginal.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProgramFromKeptOriginal } from '../../../electron/gateway/profiles/connectionFileImport';
import type { ProfileLibrary } from '../../../electron/gateway/profiles/profileLibrary';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { profileSchema, type Profile, type ProfileDraft } from '../../../shared/profiles/profileSchema';

const OLD: Profile = profileSchema.parse({
  id: 'profile-1',
  name: 'Ledger',
  protocol: 'rdp',
  host: 'apps.corp.example',
  port: 3389,
  unsupportedFeatures: ['Start program (ledger.exe /ro)', 'Connection broker load-balance info'],
  createdAt: 'then',
  updatedAt: 'then',
});

/** A library that saves into `saved`, or refuses every write (a data folder that takes none). */
function fakeLibrary(saved: ProfileDraft[], refuse = false): ProfileLibrary {
  return {
    isManaged: (id: string) => id.startsWith('managed-'),
    update: async (id: string, draft: ProfileDraft) => {
      if (refuse) throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
      saved.push(draft);
      return { ...draft, id, createdAt: 'then', updatedAt: 'now', lastConnectedAt: null };
    },
  } as unknown as ProfileLibrary;
}

async function dataDirWith(t: { after: (fn: () => Promise<void>) => void }, text: string | null): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-start-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  if (text !== null) {
    await mkdir(path.join(dir, 'imported'));
    await writeFile(path.join(dir, 'imported', 'profile-1.rdp'), text);
  }
  return dir;
}

const logger = createLogger({ sink: () => undefined });

test('read from the kept .rdp: the program and folder in the fields, only the start label gone, saved once', async (t) => {
  const dir = await dataDirWith(t, 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro\r\nshell working directory:s:D:\\Books\r\nloadbalanceinfo:s:tsv://x\r\n');
  const saved: ProfileDraft[] = [];
  const outcome = await startProgramFromKeptOriginal(fakeLibrary(saved), dir, OLD, logger);
  assert.ok(outcome && 'profile' in outcome);
  assert.deepEqual([outcome.profile.startProgram, outcome.profile.startFolder, outcome.profile.unsupportedFeatures], ['ledger.exe /ro', 'D:\\Books', ['Connection broker load-balance info']]);
  assert.equal(saved.length, 1);
  assert.equal(await startProgramFromKeptOriginal(fakeLibrary(saved), dir, outcome.profile, logger), null, 'nothing to read the second time');
  assert.equal(await startProgramFromKeptOriginal(fakeLibrary(saved), dir, { ...OLD, id: 'managed-x' }, logger), null, "IT's connections are IT's");
});

test('a data folder that takes no writes: this Connect goes on with what was read, unsaved', async (t) => {
  const dir = await dataDirWith(t, 'full address:s:apps.corp.example\r\nalternate shell:s:ledger.exe /ro\r\n');
  const outcome = await startProgramFromKeptOriginal(fakeLibrary([], true), dir, OLD, logger);
  assert.ok(outcome && 'profile' in outcome);
  assert.deepEqual([outcome.profile.startProgram, outcome.profile.updatedAt], ['ledger.exe /ro', 'then']);
});

test('nothing to read: why, in words for the user (the file gone, its program too long, none now)', async (t) => {
  assert.deepEqual(await startProgramFromKeptOriginal(fakeLibrary([]), await dataDirWith(t, null), OLD, logger), { unread: 'DeskBridge no longer has a copy of its file.' });
  const long = await startProgramFromKeptOriginal(fakeLibrary([]), await dataDirWith(t, `full address:s:apps.corp.example\r\nalternate shell:s:${'x'.repeat(300)}\r\n`), OLD, logger);
  assert.deepEqual(long, { unread: "Line 2: the start program ('alternate shell') is 300 characters long, and an RDP start program holds 255 at most." });
  assert.deepEqual(await startProgramFromKeptOriginal(fakeLibrary([]), await dataDirWith(t, 'full address:s:apps.corp.example\r\n'), OLD, logger), { unread: 'Its file names no start program now.' });
});
