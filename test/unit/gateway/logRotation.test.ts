// The log file is rotated by size while the app runs, not only at start
// (a kiosk that is never restarted must not fill the device's storage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { LOG_FILE, prepareLogFile } from '../../../electron/gateway/logging/fileLog';

const LIMIT = 1000;

async function logFolder(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-log-rotation-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  return prepareLogFile(dataDir);
}

const numbered = (text: string) => text.split('\n').filter(Boolean).map((line) => Number(/ n=(\d+)/.exec(line)![1]));

test('a log file that passes its limit while running is moved to .1 and a new one started; one older file is kept', async (t) => {
  const file = await logFolder(t);
  const logger = createLogger({ file, sink: () => undefined, rotateBytes: LIMIT });
  const child = logger.child('relay');
  // About 70 bytes a line: some 14 files' worth, from the logger and a child alike.
  for (let n = 0; n < 200; n++) (n % 2 ? child : logger).warn('host unreachable', { n });
  assert.deepEqual((await readdir(path.dirname(file))).sort(), [LOG_FILE, `${LOG_FILE}.1`]);
  for (const name of [file, `${file}.1`]) assert.ok((await stat(name)).size <= LIMIT, `${name} is ${(await stat(name)).size} bytes`);
  // Nothing lost at the last rotation: .1 ends where the current file starts, and the current file ends with the last line.
  const older = numbered(await readFile(`${file}.1`, 'utf8'));
  const current = numbered(await readFile(file, 'utf8'));
  const both = [...older, ...current];
  assert.deepEqual(both, both.map((_, i) => both[0]! + i));
  assert.equal(current.at(-1), 199);
  assert.ok(older.length > 5 && (await stat(`${file}.1`)).size > LIMIT - 100, 'the rotated file was full');
});

test('what the file already held when the app started counts towards the limit', async (t) => {
  const file = await logFolder(t);
  await writeFile(file, 'x'.repeat(LIMIT - 50) + '\n');
  const logger = createLogger({ file, sink: () => undefined, rotateBytes: LIMIT });
  logger.info('after the start', { n: 1 });
  assert.equal((await readFile(`${file}.1`, 'utf8')).length, LIMIT - 49);
  assert.deepEqual(numbered(await readFile(file, 'utf8')), [1]);
});

test('a file another process rotated meanwhile is not rotated again', async (t) => {
  const file = await logFolder(t);
  const logger = createLogger({ file, sink: () => undefined, rotateBytes: LIMIT });
  for (let n = 0; n < 12; n++) logger.info('line', { n });
  // A second window's gateway, writing the same file, rotated it.
  await rename(file, `${file}.1`);
  await writeFile(file, '');
  // More than the limit by this logger's count since it started, less in the file.
  for (let n = 12; n < 26; n++) logger.info('line', { n });
  assert.ok((await stat(file)).size < LIMIT);
  assert.deepEqual(numbered(await readFile(`${file}.1`, 'utf8')), [...Array(12).keys()]);
  assert.deepEqual(numbered(await readFile(file, 'utf8')), [...Array(14).keys()].map((i) => 12 + i));
});
