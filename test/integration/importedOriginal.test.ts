// The imported file kept beside a saved connection (for exports that change only what the user changed) goes
// when the connection is deleted: it may hold Remmina's encrypted password. An .rdp's password lines are not kept at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { API } from '../../shared/api/contract';
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
  assert.equal((await h.call('DELETE', API.profile(remmina))).status, 204);
  assert.deepEqual(await kept(), [`${rdp}.rdp`, `${remmina}.remmina`].sort());
  const restored = await h.call('POST', API.restore(remmina));
  assert.equal(restored.status, 200, JSON.stringify(restored.json));
  assert.equal(restored.json.name, 'Lab');
  await windowEnded();
  assert.deepEqual(await kept(), [`${rdp}.rdp`, `${remmina}.remmina`].sort(), 'kept with the connection put back');
  // Deleted for good: gone once Undo is over, and Undo then says so.
  assert.equal((await h.call('DELETE', API.profile(remmina))).status, 204);
  await windowEnded();
  assert.deepEqual(await kept(), [`${rdp}.rdp`]);
  const late = await h.call('POST', API.restore(remmina));
  assert.equal(late.status, 404);
  assert.match(late.json.message, /can no longer be put back/);
  assert.equal((await h.call('DELETE', API.profile(rdp))).status, 204);
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
