// "To open a second window, start deskbridge again": two gateways on one data
// folder. What each saves stays saved, and each window's next list shows the other's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { API } from '../../shared/api/contract';
import { startGatewayHarness } from './gatewayHarness';

test('two gateways on one data folder: connections made in either are all kept, listed in both, a password with its connection', async (t) => {
  const a = await startGatewayHarness();
  t.after(() => a.close());
  const b = await startGatewayHarness({ dataDir: a.dataDir });
  t.after(() => b.close());
  const create = async (h: typeof a, name: string, password?: string) => {
    const created = await h.call('POST', API.profiles, { profile: { name, protocol: 'vnc', host: '127.0.0.1', port: 5901 }, ...(password ? { password } : {}) });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    return created.json.id as string;
  };
  await create(a, 'From-A-1');
  const fromB = await create(b, 'From-B-1', 'secret');
  await create(a, 'From-A-2');
  const onDisk = JSON.parse(await readFile(path.join(a.dataDir, 'profiles.json'), 'utf8')).profiles.map((p: { name: string }) => p.name).sort();
  assert.deepEqual(onDisk, ['From-A-1', 'From-A-2', 'From-B-1']);
  for (const h of [a, b]) {
    const listed = (await h.call('GET', API.profiles)).json as { name: string }[];
    assert.deepEqual(listed.map((p) => p.name).sort(), ['From-A-1', 'From-A-2', 'From-B-1']);
  }
  const inB = ((await b.call('GET', API.profiles)).json as { id: string; hasSavedPassword: boolean }[]).find((p) => p.id === fromB);
  assert.equal(inB?.hasSavedPassword, true);
  // Deleted in A: gone from B's next list too, and an edit in B is refused as for any deleted connection.
  assert.equal((await a.call('DELETE', API.profile(fromB))).status, 200);
  assert.deepEqual(((await b.call('GET', API.profiles)).json as { name: string }[]).map((p) => p.name).sort(), ['From-A-1', 'From-A-2']);
  const edit = await b.call('PUT', API.profile(fromB), { profile: { name: 'From-B-1 edited', protocol: 'vnc', host: '127.0.0.1', port: 5901 } });
  assert.equal(edit.status, 404);
});
