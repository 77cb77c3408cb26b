// The imported file kept beside a saved connection (for exports that change only what the user changed) goes
// when the connection is deleted: it may hold Remmina's encrypted password. An .rdp's password lines are not kept at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { API } from '../../shared/api/contract';
import { messageFor } from '../../shared/errors/errorCodes';
import { startGatewayHarness } from './gatewayHarness';

test('deleting an imported connection deletes the original kept for it, and only that one, once it can no longer be put back', async (t) => {
  const h = await startGatewayHarness({ undoDeleteMs: 300 });
  t.after(() => h.close());
  const importFile = async (fileName: string, text: string) => {
    const result = await h.call('POST', API.importFile, { fileName, contentBase64: Buffer.from(text).toString('base64') });
    assert.equal(result.status, 201, JSON.stringify(result.json));
    return result.json.profile.id as string;
  };
  const remmina = await importFile('Lab.remmina', '[remmina]\nname=Lab\nprotocol=VNC\nserver=lab.example\npassword=Zm9vYmFyYmF6\n');
  const rdp = await importFile('Desk.rdp', 'full address:s:desk.example\r\npassword 51:b:01000000D08C9DDF0115D1118C7A00C04FC297EB\r\n');
  const kept = async () => (await readdir(path.join(h.dataDir, 'imported')).catch(() => [] as string[])).sort();
  assert.deepEqual(await kept(), [`${rdp}.rdp`, `${remmina}.remmina`].sort());
  const windowEnded = () => new Promise((resolve) => setTimeout(resolve, 600));
  // While the delete can be undone the original stays, and Undo brings the connection back with it.
  const deleted = await h.call('DELETE', API.profile(remmina));
  assert.equal(deleted.status, 200);
  // The answer says for how long it can be put back: the gateway's window (the page offers Undo by it).
  assert.ok(deleted.json.undoableForMs > 200 && deleted.json.undoableForMs <= 300, JSON.stringify(deleted.json));
  assert.deepEqual(await kept(), [`${rdp}.rdp`, `${remmina}.remmina`].sort());
  const restored = await h.call('POST', API.restore(remmina));
  assert.equal(restored.status, 200, JSON.stringify(restored.json));
  assert.equal(restored.json.name, 'Lab');
  await windowEnded();
  assert.deepEqual(await kept(), [`${rdp}.rdp`, `${remmina}.remmina`].sort(), 'kept with the connection put back');
  // Deleted for good: gone once Undo is over, and Undo then says so.
  assert.equal((await h.call('DELETE', API.profile(remmina))).status, 200);
  await windowEnded();
  assert.deepEqual(await kept(), [`${rdp}.rdp`]);
  const late = await h.call('POST', API.restore(remmina));
  assert.equal(late.status, 404);
  assert.match(late.json.message, /can no longer be put back: its delete is final/);
  assert.equal((await h.call('DELETE', API.profile(rdp))).status, 200);
  await windowEnded();
  assert.deepEqual(await kept(), []);
});

test("an .rdp's password lines are not kept with the connection; the same file imported again is still the same connection", async (t) => {
  const h = await startGatewayHarness();
  t.after(() => h.close());
  const text = 'full address:s:desk.example\r\nusername:s:ann\r\npassword:s:Winter2026!\r\ngatewaypassword:s:GwSecret1\r\npassword 51:b:01000000D08C9DDF\r\nx-keep:s:kept\r\n';
  const importFile = () => h.call('POST', API.importFile, { fileName: 'Desk.rdp', contentBase64: Buffer.from(text).toString('base64') });
  const first = await importFile();
  assert.equal(first.status, 201, JSON.stringify(first.json));
  assert.ok((first.json.notes as string[]).some((n) => /password in plain text; it was not imported/.test(n)), JSON.stringify(first.json.notes));
  const kept = await readFile(path.join(h.dataDir, 'imported', `${first.json.profile.id}.rdp`), 'utf8');
  assert.equal(kept, 'full address:s:desk.example\r\nusername:s:ann\r\nx-keep:s:kept\r\n');
  const again = await importFile();
  assert.equal(again.status, 201);
  assert.deepEqual([again.json.profile.id, again.json.alreadyImported], [first.json.profile.id, true]);
});

test('a kept original whose connection is gone (a gateway stopped inside the undo window) is removed at the next start; others stay', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-kept-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const first = await startGatewayHarness({ dataDir });
  const imported = await first.call('POST', API.importFile, { fileName: 'Lab.remmina', contentBase64: Buffer.from('[remmina]\nname=Lab\nprotocol=VNC\nserver=lab.example\n').toString('base64') });
  assert.equal(imported.status, 201);
  const live = imported.json.profile.id as string;
  await first.close();
  // What a killed gateway leaves: the file of a connection deleted moments before, no connection for it.
  const dir = path.join(dataDir, 'imported');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'gone-1234.remmina'), '[remmina]\npassword=Zm9vYmFyYmF6\n');
  await writeFile(path.join(dir, 'fresh-5678.rdp'), 'full address:s:x\r\n');
  const old = new Date(Date.now() - 10 * 60_000);
  await utimes(path.join(dir, 'gone-1234.remmina'), old, old);
  await utimes(path.join(dir, `${live}.remmina`), old, old);
  const second = await startGatewayHarness({ dataDir });
  t.after(() => second.close());
  // The sweep runs once the start's deferred deletions are done.
  const deadline = Date.now() + 5000;
  while ((await readdir(dir)).includes('gone-1234.remmina') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // A young file (an import under way in another window writes it just after its connection) stays, as does the live one's.
  assert.deepEqual((await readdir(dir)).sort(), [`${live}.remmina`, 'fresh-5678.rdp'].sort());
});

/** profiles.json as a version before start programs wrote it: the program only a label, no startProgram field. */
async function asBeforeStartPrograms(dataDir: string, ids: string[]): Promise<void> {
  const file = path.join(dataDir, 'profiles.json');
  const stored = JSON.parse(await readFile(file, 'utf8')) as { profiles: Record<string, unknown>[] };
  for (const profile of stored.profiles) {
    if (!ids.includes(profile.id as string)) continue;
    profile.unsupportedFeatures = [`Start program (${profile.startProgram as string})`];
    delete profile.startProgram;
    delete profile.startFolder;
  }
  await writeFile(file, JSON.stringify(stored));
}

test('a connection imported before start programs were taken gets its program from the kept file, once, at start or at Connect; without the file, Connect says to enter it', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-start-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const first = await startGatewayHarness({ dataDir });
  const importFile = async (fileName: string, program: string) => {
    const text = `full address:s:127.0.0.1:1\r\nalternate shell:s:${program}\r\nshell working directory:s:C:\\Work\r\n`;
    const result = await first.call('POST', API.importFile, { fileName, contentBase64: Buffer.from(text).toString('base64') });
    assert.equal(result.status, 201, JSON.stringify(result.json));
    return result.json.profile.id as string;
  };
  const kept = await importFile('Kept.rdp', 'notepad.exe');
  const gone = await importFile('Gone.rdp', 'calc.exe');
  await first.close();
  await asBeforeStartPrograms(dataDir, [kept, gone]);
  await rm(path.join(dataDir, 'imported', `${gone}.rdp`));

  const second = await startGatewayHarness({ dataDir });
  t.after(() => second.close());
  const profile = async (id: string) => (await second.call('GET', API.profiles)).json.find((p: { id: string }) => p.id === id);
  // Read at start: the list, the settings and an export show the program before any Connect.
  const read = await profile(kept);
  assert.deepEqual([read.startProgram, read.startFolder, read.unsupportedFeatures], ['notepad.exe', 'C:\\Work', []]);
  assert.ok(second.logs().some((line) => line.includes('start program read from the kept original file') && line.includes(kept)), 'logged');
  // Its file gone: Connect names what to do, and the page shows what the file asked for.
  const refused = await second.call('POST', API.sessions, { profileId: gone });
  assert.equal(refused.status, 422, JSON.stringify(refused.json));
  assert.equal(refused.json.error, 'start-program-unread');
  assert.match(refused.json.message, /Open the connection's settings and enter the start program again\. DeskBridge no longer has a copy of its file\.$/);
  assert.deepEqual([refused.json.features, refused.json.reason], [['Start program (calc.exe)'], 'DeskBridge no longer has a copy of its file.']);
  // Entered again in its settings: the label goes, and with it the refusal.
  const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, hasSavedPassword: _h, managed: _m, ...draft } = await profile(gone);
  const saved = await second.call('PUT', API.profile(gone), { profile: { ...draft, startProgram: 'calc.exe' } });
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  assert.deepEqual([saved.json.startProgram, saved.json.unsupportedFeatures], ['calc.exe', []]);

  // One that comes after the start (another window, an older version, wrote it): read at Connect, which then goes on.
  await asBeforeStartPrograms(dataDir, [kept]);
  const connect = await second.call('POST', API.sessions, { profileId: kept });
  assert.notEqual(connect.json?.error, 'start-program-unread');
  assert.notEqual(connect.json?.error, 'feature-unsupported', JSON.stringify(connect.json));
  assert.deepEqual([(await profile(kept)).startProgram, (await profile(kept)).unsupportedFeatures], ['notepad.exe', []]);
});

test('a start program too long to send: the connection is imported without it, with a note; Connect says the limit and the length and what to do, until one is entered', async (t) => {
  const h = await startGatewayHarness();
  t.after(() => h.close());
  const text = `full address:s:127.0.0.1:1\r\nusername:s:ann\r\nalternate shell:s:${'x'.repeat(300)}\r\n`;
  const imported = await h.call('POST', API.importFile, { fileName: 'Long.rdp', contentBase64: Buffer.from(text).toString('base64') });
  assert.equal(imported.status, 201, JSON.stringify(imported.json));
  assert.deepEqual([imported.json.profile.host, imported.json.profile.username, imported.json.profile.startProgram], ['127.0.0.1', 'ann', '']);
  assert.ok((imported.json.notes as string[]).includes("Line 3: the start program ('alternate shell') is 300 characters long, and an RDP start program holds 255 at most, so it was left out. Until a shorter one is entered in the connection's settings, DeskBridge will not connect rather than open the whole desktop."), JSON.stringify(imported.json.notes));
  const id = imported.json.profile.id as string;
  const refused = await h.call('POST', API.sessions, { profileId: id });
  assert.equal(refused.status, 422, JSON.stringify(refused.json));
  assert.equal(refused.json.error, 'start-program-unread');
  assert.equal(refused.json.reason, "Line 3: the start program ('alternate shell') is 300 characters long, and an RDP start program holds 255 at most.");
  // Opened without being saved ("Connect now"): it has no settings to enter one in, so refused in one sentence.
  const opened = await h.call('POST', API.importFile, { fileName: 'Long.rdp', contentBase64: Buffer.from(text).toString('base64'), mode: 'open' });
  const once = await h.call('POST', API.sessions, { profileId: opened.json.profile.id });
  assert.deepEqual([once.status, once.json.error, once.json.message], [422, 'start-program-too-long', messageFor('start-program-too-long')]);
  // A shorter one entered: it connects as any other (here to a closed port, so no further than the host).
  const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, hasSavedPassword: _h, managed: _m, ...draft } = imported.json.profile;
  const saved = await h.call('PUT', API.profile(id), { profile: { ...draft, startProgram: 'run-ledger.cmd' } });
  assert.deepEqual([saved.status, saved.json.unsupportedFeatures], [200, []]);
  const connect = await h.call('POST', API.sessions, { profileId: id });
  assert.ok(!['start-program-unread', 'feature-unsupported'].includes(connect.json?.error), JSON.stringify(connect.json));
});
