// A connection file opened while the app runs (the Electron shell's second `deskbridge FILE`, handed to the
// running instance): added as a start-time FILE is, and connected by the next page that loads, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API } from '../../shared/api/contract';
import { startGatewayHarness } from './gatewayHarness';

test('a file opened while the app runs is connected by the next page to load, once; a broken one says why', async (t) => {
  const h = await startGatewayHarness();
  t.after(() => h.close());
  const before = (await h.call('GET', API.state)).json;
  assert.equal(before.autoConnectProfileId, null);
  const vv = '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\ntitle=Lab VM\n';
  const opened = await h.gateway.openFile({ fileName: 'lab.vv', bytes: new TextEncoder().encode(vv) });
  assert.deepEqual(opened, { ok: true });
  const state = (await h.call('GET', API.state)).json;
  assert.ok(state.autoConnectProfileId, 'the next page connects it');
  assert.match(state.autoConnectProfileId, /^oneshot-/, 'opened as a file is: a one-shot connection, not saved');
  assert.equal((await h.call('GET', API.state)).json.autoConnectProfileId, null, 'a reload does not connect it again');

  const broken = await h.gateway.openFile({ fileName: 'broken.vv', bytes: new TextEncoder().encode('[virt-viewer]\ntype=spice\n') });
  assert.equal(broken.ok, false);
  assert.ok(!broken.ok && broken.message.length > 0, 'says why');
});

test('a file opened while the app runs, where the policy allows only IT\'s connections, is refused with the policy\'s words', async (t) => {
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, allowUserProfiles: false } });
  t.after(() => h.close());
  const vv = '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\n';
  const opened = await h.gateway.openFile({ fileName: 'lab.vv', bytes: new TextEncoder().encode(vv) });
  assert.equal(opened.ok, false);
  assert.match(!opened.ok ? opened.message : '', /policy/i);
  assert.equal((await h.call('GET', API.state)).json.autoConnectProfileId, null);
});
