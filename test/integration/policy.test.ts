// Policy enforced in the gateway, through the API directly (what the UI hides
// is also refused here), against real loopback listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { startGatewayHarness } from './gatewayHarness';
import { closedPort } from '../servers/network';
import { messageFor } from '../../shared/errors/errorCodes';

async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, connections: () => count, close: () => new Promise((r) => server.close(() => r())) };
}

const managed = { id: 'office', name: 'Office desktop', protocol: 'vnc', host: '127.0.0.1', port: 5999, openFields: ['username'] };

test('a managed profile is listed locked; only its open fields change; it cannot be deleted', async (t) => {
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, profiles: [managed] } });
  t.after(() => h.close());
  const list = (await h.call('GET', '/api/profiles')).json;
  const office = list.find((p: { id: string }) => p.id === 'managed-office');
  assert.deepEqual(office.managed, { openFields: ['username'] });
  const { id: _id, createdAt: _c, updatedAt: _u, hasSavedPassword: _h, managed: _m, ...draft } = office;
  const renamed = await h.call('PUT', '/api/profiles/managed-office', { profile: { ...draft, host: 'elsewhere.example' } });
  assert.equal(renamed.status, 403);
  assert.equal(renamed.json.error, 'policy-managed-profile');
  const user = await h.call('PUT', '/api/profiles/managed-office', { profile: { ...draft, username: 'ann' } });
  assert.equal(user.status, 200);
  assert.equal(user.json.username, 'ann');
  assert.equal((await h.call('DELETE', '/api/profiles/managed-office')).status, 403);
  assert.equal((await h.call('POST', '/api/profiles/managed-office/duplicate')).status, 403);
  const again = (await h.call('GET', '/api/profiles')).json.find((p: { id: string }) => p.id === 'managed-office');
  assert.equal(again.username, 'ann');
  assert.equal(again.host, '127.0.0.1');
});

test('a managed profile\u2019s Favourite is the user\u2019s own, even with no field left open, and outlives a policy update', async (t) => {
  const hall = { id: 'hall', name: 'Hall desktop', protocol: 'rdp', host: 'hall.corp.example', port: 3389, favourite: false, username: 'CORP\\kiosk01', desktopSize: 'fixed', desktopWidth: 1920, desktopHeight: 1080 };
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, profiles: [hall] } });
  t.after(() => h.close());
  const listed = (await h.call('GET', '/api/profiles')).json.find((p: { id: string }) => p.id === 'managed-hall');
  assert.deepEqual(listed.managed, { openFields: [] });
  const { id: _id, createdAt: _c, updatedAt: _u, hasSavedPassword: _h, managed: _m, ...draft } = listed;
  const starred = await h.call('PUT', '/api/profiles/managed-hall', { profile: { ...draft, favourite: true } });
  assert.equal(starred.status, 200, JSON.stringify(starred.json));
  assert.equal(starred.json.favourite, true);
  // Only the star is the user's: IT's locked values stay, and no defaults are stored in their place.
  assert.deepEqual([starred.json.username, starred.json.desktopSize, starred.json.desktopWidth, starred.json.keyboardLayout], ['CORP\\kiosk01', 'fixed', 1920, 'local']);
  assert.deepEqual(JSON.parse(await readFile(path.join(h.dataDir, 'managed-overrides.json'), 'utf8')).overrides, { 'managed-hall': { favourite: true } });
  // Still IT's: anything else is refused as before.
  assert.equal((await h.call('PUT', '/api/profiles/managed-hall', { profile: { ...draft, favourite: true, port: 3390 } })).json.error, 'policy-managed-profile');
  // IT's update (the gateway watches the machine-wide file, beside the harness's data folder) keeps the user's star.
  await writeFile(path.join(path.dirname(h.dataDir), 'machine-policy.json'), JSON.stringify({ schemaVersion: 1, profiles: [{ ...hall, name: 'Hall desktop (new)' }] }));
  let after: { name: string; favourite: boolean; username: string } | undefined;
  for (let i = 0; i < 100 && after?.name !== 'Hall desktop (new)'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    after = (await h.call('GET', '/api/profiles')).json.find((p: { id: string }) => p.id === 'managed-hall');
  }
  assert.equal(after?.name, 'Hall desktop (new)');
  assert.equal(after?.favourite, true);
  assert.equal(after?.username, 'CORP\\kiosk01');
});

test('a host outside the allow-list is refused before any connection, also through the API', async (t) => {
  const listener = await countingListener();
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, allowedHosts: ['*.corp.example'] } });
  t.after(async () => {
    await h.close();
    await listener.close();
  });
  for (const protocol of ['vnc', 'rdp']) {
    const created = await h.call('POST', '/api/profiles', { profile: { name: protocol, protocol, host: '127.0.0.1', port: listener.port } });
    assert.equal(created.status, 201);
    const session = await h.call('POST', '/api/sessions', { profileId: created.json.id });
    assert.equal(session.status, 403);
    assert.equal(session.json.error, 'policy-host-forbidden');
  }
  // SPICE through a proxy: the proxy is the host this computer connects to, so it is the one the list is checked against.
  const throughOutsideProxy = await h.call('POST', '/api/profiles', {
    profile: { name: 'pve', protocol: 'spice', spiceSecurity: 'tls', host: 'pvespiceproxy:1:101:pve::ab', port: 61000, spiceProxy: `http://127.0.0.1:${listener.port}` },
  });
  assert.equal(throughOutsideProxy.status, 201);
  const refused = await h.call('POST', '/api/sessions', { profileId: throughOutsideProxy.json.id });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error, 'policy-host-forbidden');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(listener.connections(), 0, 'the listener saw no connection, not even a certificate preflight');
});

test('SPICE through a proxy the allow-list names reaches the proxy, whatever the ticket it is asked for', async (t) => {
  const listener = await countingListener();
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, allowedHosts: ['127.0.0.1'] } });
  t.after(async () => {
    await h.close();
    await listener.close();
  });
  const created = await h.call('POST', '/api/profiles', {
    profile: { name: 'pve', protocol: 'spice', spiceSecurity: 'tls', host: 'pvespiceproxy:1:101:pve::ab', port: 61000, spiceProxy: `http://127.0.0.1:${listener.port}` },
  });
  const session = await h.call('POST', '/api/sessions', { profileId: created.json.id });
  // The listener is no proxy (it closes at once): the certificate check through it fails, after the policy let it through.
  assert.equal(session.status, 502, JSON.stringify(session.json));
  assert.equal(listener.connections(), 1);
});

test('"no saved passwords" stores nothing and refuses the API call', async (t) => {
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, passwords: { save: 'never' } } });
  t.after(() => h.close());
  const state = (await h.call('GET', '/api/state')).json;
  assert.equal(state.policy.passwordSaving, 'never');
  const created = await h.call('POST', '/api/profiles', { profile: { name: 'x', protocol: 'vnc', host: '127.0.0.1', port: 5901 }, password: 'pw-1' });
  assert.equal(created.status, 403);
  assert.equal((await h.call('GET', '/api/profiles')).json.length, 0, 'refused as a whole: the profile was not half-saved');
  const plain = await h.call('POST', '/api/profiles', { profile: { name: 'x', protocol: 'vnc', host: '127.0.0.1', port: 5901 } });
  const saved = await h.call('POST', `/api/profiles/${plain.json.id}/password`, { password: 'pw-2' });
  assert.equal(saved.status, 403);
  assert.equal(saved.json.error, 'policy-no-saved-passwords');
});

test('"keychain only" refuses the weaker file fallback', async (t) => {
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, passwords: { save: 'keychain-only' } } });
  t.after(() => h.close());
  const plain = await h.call('POST', '/api/profiles', { profile: { name: 'x', protocol: 'vnc', host: '127.0.0.1', port: 5901 } });
  assert.equal((await h.call('POST', `/api/profiles/${plain.json.id}/password`, { password: 'pw' })).status, 403);
});

test('forbidden user profiles and unencrypted protocols; IT defaults for new profiles', async (t) => {
  const spice = { ...managed, id: 'spice-desk', name: 'SPICE desktop', protocol: 'spice', port: 5998 };
  const spiceTls = { ...spice, id: 'spice-tls', name: 'SPICE over TLS', spiceSecurity: 'tls', port: await closedPort() };
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, allowUserProfiles: false, allowUnencrypted: false, profiles: [managed, spice, spiceTls] } });
  t.after(() => h.close());
  const created = await h.call('POST', '/api/profiles', { profile: { name: 'mine', protocol: 'rdp', host: 'x.example', port: 3389 } });
  assert.equal(created.status, 403);
  assert.equal(created.json.error, 'policy-no-user-profiles');
  // Nor a connection file opened once ("Connect now", a double-clicked file): refused alike, before any connection.
  const listener = await countingListener();
  t.after(() => listener.close());
  const vv = `[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=${listener.port}\npassword=ticket\n`;
  const opened = await h.call('POST', '/api/import', { fileName: 'console.vv', contentBase64: Buffer.from(vv).toString('base64'), mode: 'open' });
  assert.deepEqual([opened.status, opened.json.error, opened.json.message], [403, 'policy-no-user-profiles', messageFor('policy-no-user-profiles')]);
  assert.equal(listener.connections(), 0);
  // SPICE has no encryption here at all; VNC goes on, signed in to only inside TLS (integration/vncSignIn.test.ts).
  const refused = await h.call('POST', '/api/sessions', { profileId: 'managed-spice-desk' });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error, 'policy-unencrypted-forbidden');
  // SPICE over TLS is not refused by that rule: it goes on to the server (here a port nothing listens on).
  const tls = await h.call('POST', '/api/sessions', { profileId: 'managed-spice-tls' });
  assert.deepEqual([tls.status, tls.json.error], [502, 'host-refused']);
  assert.equal((await h.call('POST', '/api/sessions', { profileId: 'managed-office' })).status, 201);

  const d = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, profileDefaults: { scaling: 'actual', domain: 'CORP' } } });
  t.after(() => d.close());
  const withDefaults = await d.call('POST', '/api/profiles', { profile: { name: 'n', protocol: 'rdp', host: 'h.example', port: 3389 } });
  assert.equal(withDefaults.json.scaling, 'actual');
  assert.equal(withDefaults.json.domain, 'CORP');
});

test('an invalid machine policy is reported and blocks connections; --policy cannot override it', async (t) => {
  const listener = await countingListener();
  const h = await startGatewayHarness({ machinePolicy: '{"schemaVersion": 1, "allowedHosts": "oops"}', commandLinePolicy: { schemaVersion: 1 } });
  t.after(async () => {
    await h.close();
    await listener.close();
  });
  const state = (await h.call('GET', '/api/state')).json;
  assert.equal(state.policy.source, 'machine');
  assert.ok(state.notices.some((n: string) => /policy file .* is invalid/.test(n)), JSON.stringify(state.notices));
  const created = await h.call('POST', '/api/profiles', { profile: { name: 'x', protocol: 'vnc', host: '127.0.0.1', port: listener.port } });
  assert.equal(created.status, 403);
  assert.equal(listener.connections(), 0);
});

test('a connection file opened at start (deskbridge FILE) where policy allows only IT\u2019s connections is not opened, and the app says why', async (t) => {
  const listener = await countingListener();
  const vv = `[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=${listener.port}\npassword=ticket\n`;
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, allowUserProfiles: false }, openFile: { fileName: 'console.vv', bytes: new Uint8Array(Buffer.from(vv)) } });
  t.after(async () => {
    await h.close();
    await listener.close();
  });
  const state = (await h.call('GET', '/api/state')).json;
  assert.equal(state.autoConnectProfileId, null);
  assert.ok(state.notices.includes(`console.vv could not be opened: ${messageFor('policy-no-user-profiles')}`), JSON.stringify(state.notices));
  assert.equal(listener.connections(), 0);
});

test('a connection file opened once before IT came to allow only its own connections is refused at Connect, saying why', async (t) => {
  const listener = await countingListener();
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1 } });
  t.after(async () => {
    await h.close();
    await listener.close();
  });
  const vv = `[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=${listener.port}\npassword=ticket\n`;
  const opened = await h.call('POST', '/api/import', { fileName: 'console.vv', contentBase64: Buffer.from(vv).toString('base64'), mode: 'open' });
  assert.equal(opened.status, 201, JSON.stringify(opened.json));
  // IT's update (the gateway watches the machine-wide file beside the harness's data folder).
  await writeFile(path.join(path.dirname(h.dataDir), 'machine-policy.json'), JSON.stringify({ schemaVersion: 1, allowUserProfiles: false }));
  for (let i = 0; i < 100 && (await h.call('GET', '/api/state')).json.policy.allowUserProfiles !== false; i++) await new Promise((r) => setTimeout(r, 50));
  const session = await h.call('POST', '/api/sessions', { profileId: opened.json.profile.id });
  assert.deepEqual([session.status, session.json.error], [403, 'policy-no-user-profiles']);
  assert.equal(listener.connections(), 0);
});

test('a machine-wide policy deployed while the gateway runs applies within seconds: into a folder missing at start, and over --policy', async (t) => {
  const waitFor = async (h: Awaited<ReturnType<typeof startGatewayHarness>>, source: string) => {
    let state: any;
    for (let i = 0; i < 160 && state?.policy.source !== source; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      state = (await h.call('GET', '/api/state')).json;
    }
    return state;
  };
  // A: no machine policy folder at start (as /etc/deskbridge before IT deploys one).
  const a = await startGatewayHarness({ machinePolicyFolderMissing: true });
  t.after(() => a.close());
  assert.equal((await a.call('GET', '/api/state')).json.policy.source, 'none');
  await mkdir(path.dirname(a.machinePolicyFile), { recursive: true });
  await writeFile(a.machinePolicyFile, JSON.stringify({ schemaVersion: 1, allowUserProfiles: false, passwords: { save: 'never' } }));
  const deployed = await waitFor(a, 'machine');
  assert.equal(deployed.policy.source, 'machine');
  assert.deepEqual([deployed.policy.allowUserProfiles, deployed.policy.passwordSaving], [false, 'never']);
  const refused = await a.call('POST', '/api/profiles', { profile: { name: 'Mine', protocol: 'vnc', host: '127.0.0.1', port: 5999 } });
  assert.deepEqual([refused.status, refused.json.error], [403, 'policy-no-user-profiles']);
  // B: started with --policy while the machine folder exists; the machine-wide file written later wins.
  const b = await startGatewayHarness({ commandLinePolicy: { schemaVersion: 1, clipboard: 'to-remote-only' } });
  t.after(() => b.close());
  assert.equal((await b.call('GET', '/api/state')).json.policy.source, 'command-line');
  await writeFile(b.machinePolicyFile, JSON.stringify({ schemaVersion: 1, allowUserProfiles: false }));
  const won = await waitFor(b, 'machine');
  assert.equal(won.policy.source, 'machine');
  assert.deepEqual([won.policy.allowUserProfiles, won.policy.clipboard], [false, 'both']);
});

test('a user connection named as IT\u2019s managed profile does not stop --connect or the policy\u2019s kiosk from opening IT\u2019s', async (t) => {
  const deskOne = { id: 'desk1', name: 'Desk One', protocol: 'rdp', host: 'desk1.corp.example', port: 3389 };
  const mine = { name: 'desk one', protocol: 'rdp', host: 'mine.corp.example', port: 3389 };
  const connect = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, profiles: [deskOne] }, connect: 'Desk One' });
  t.after(() => connect.close());
  assert.equal((await connect.call('POST', '/api/profiles', { profile: mine })).status, 201);
  const state = (await connect.call('GET', '/api/state')).json;
  assert.equal(state.autoConnectProfileId, 'managed-desk1', JSON.stringify(state.notices));
  assert.ok(!state.notices.some((n: string) => n.includes('saved connections are named')), JSON.stringify(state.notices));
  const kiosk = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, profiles: [deskOne], kiosk: { enabled: true, profile: 'desk one' } } });
  t.after(() => kiosk.close());
  assert.equal((await kiosk.call('POST', '/api/profiles', { profile: mine })).status, 201);
  assert.equal((await kiosk.call('GET', '/api/state')).json.autoConnectProfileId, 'managed-desk1');
  // Two user connections of one name (no managed one) stay ambiguous, as before.
  const users = await startGatewayHarness({ connect: 'Lab' });
  t.after(() => users.close());
  for (const port of [5900, 5901]) assert.equal((await users.call('POST', '/api/profiles', { profile: { name: port === 5900 ? 'Lab' : 'lab', protocol: 'vnc', host: '127.0.0.1', port } })).status, 201);
  const ambiguous = (await users.call('GET', '/api/state')).json;
  assert.equal(ambiguous.autoConnectProfileId, null);
  assert.ok(ambiguous.notices.some((n: string) => n.startsWith('2 saved connections are named "Lab", so nothing was opened at start')), JSON.stringify(ambiguous.notices));
});
