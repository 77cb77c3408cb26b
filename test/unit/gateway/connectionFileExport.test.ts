// Export to another format never drops what decides where the connection goes
// (an SSH tunnel, an RD Gateway, RemoteApp), and never describes a protocol
// the format has no word for: it carries it, or refuses in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportProfile } from '../../../electron/gateway/profiles/connectionFileImport';
import { parseConnectionFile } from '../../../shared/connectionFiles/connectionFile';
import { exportRdpFile } from '../../../shared/connectionFiles/rdpFile';
import { encodeConnectionFileText } from '../../../shared/connectionFiles/textEncoding';
import { profileSchema, type Profile } from '../../../shared/profiles/profileSchema';
import { expectOk, fixture, utf16, utf8 } from '../connectionFiles/fixtureFiles';

const SSH_RDP = '[remmina]\nname=Jump desk\nprotocol=RDP\nserver=desk-9.internal.corp.example\nssh_tunnel_enabled=1\nssh_tunnel_server=bastion.corp.example:22\nssh_tunnel_username=ops\n';
const GATEWAY_REMMINA = '[remmina]\nname=Gateway desk\nprotocol=RDP\nserver=desk-10.internal.corp.example\ngateway_server=rdgw.corp.example:443\n';

/** A saved profile made from a file, with the file kept under imported/ as the import keeps it (or not, for a duplicate). */
async function imported(t: { after: (fn: () => Promise<void>) => void }, fileName: string, bytes: Uint8Array, keepOriginal = true) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-export-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const result = expectOk(parseConnectionFile(fileName, bytes));
  const profile: Profile = profileSchema.parse({ ...result.draft, id: 'profile-1', createdAt: 'now', updatedAt: 'now' });
  if (keepOriginal) {
    await mkdir(path.join(dataDir, 'imported'));
    await writeFile(path.join(dataDir, 'imported', `${profile.id}.${result.format}`), bytes);
  }
  return { profile, dataDir };
}

function refusal(outcome: { ok: true } | { ok: false; message: string }): string {
  if (outcome.ok) assert.fail('expected the export to be refused');
  return outcome.message;
}

test('an SSH tunnel from .remmina: .rdp is refused naming the tunnel and .remmina; .remmina keeps the tunnel', async (t) => {
  const { profile, dataDir } = await imported(t, 'jump.remmina', encodeConnectionFileText(SSH_RDP, 'utf-8'));
  assert.equal(
    refusal(await exportProfile(profile, dataDir, 'rdp')),
    'This connection goes through the SSH tunnel bastion.corp.example:22, which an .rdp file cannot describe: export it as .remmina.',
  );
  const same = await exportProfile(profile, dataDir, 'remmina');
  assert.ok(same.ok);
  assert.match(utf8(same.bytes), /^ssh_tunnel_enabled=1$/m);
  assert.match(utf8(same.bytes), /^ssh_tunnel_server=bastion\.corp\.example:22$/m);
});

test('a duplicate without its original file cannot export a tunnel it only names', async (t) => {
  const { profile, dataDir } = await imported(t, 'jump.remmina', encodeConnectionFileText(SSH_RDP, 'utf-8'), false);
  assert.match(refusal(await exportProfile(profile, dataDir, 'remmina')), /SSH tunnel bastion\.corp\.example:22; that is kept only in the file this connection was imported from/);
});

test('an RD Gateway goes across: .rdp to .remmina as gateway_server, .remmina to .rdp as gatewayhostname, and a re-import flags it again', async (t) => {
  const fromRdp = await imported(t, 'gateway.rdp', fixture('gateway.rdp'));
  const asRemmina = await exportProfile(fromRdp.profile, fromRdp.dataDir, 'remmina');
  assert.ok(asRemmina.ok);
  assert.match(utf8(asRemmina.bytes), /^gateway_server=gateway\.example\.com$/m);
  assert.deepEqual(expectOk(parseConnectionFile('x.remmina', asRemmina.bytes)).draft.unsupportedFeatures, ['RD Gateway (gateway.example.com)']);

  const fromRemmina = await imported(t, 'gw.remmina', encodeConnectionFileText(GATEWAY_REMMINA, 'utf-8'));
  const asRdp = await exportProfile(fromRemmina.profile, fromRemmina.dataDir, 'rdp');
  assert.ok(asRdp.ok);
  const text = utf16(asRdp.bytes);
  assert.match(text, /^gatewayhostname:s:rdgw\.corp\.example:443\r$/m);
  assert.match(text, /^gatewayusagemethod:i:1\r$/m, 'always through the gateway, never straight to the host');
  assert.deepEqual(expectOk(parseConnectionFile('x.rdp', asRdp.bytes)).draft.unsupportedFeatures, ['RD Gateway (rdgw.corp.example:443)']);
});

test('RemoteApp (and broker info) from .rdp: .remmina is refused naming the program and .rdp', async (t) => {
  const { profile, dataDir } = await imported(t, 'Excel.rdp', fixture('remoteapp.rdp'));
  const message = refusal(await exportProfile(profile, dataDir, 'remmina'));
  assert.match(message, /^This connection opens the RemoteApp program Excel, which a \.remmina file cannot describe: export it as \.rdp\./);
  assert.match(message, /connection broker .*export it as \.rdp\.$/);
  assert.ok((await exportProfile(profile, dataDir, 'rdp')).ok);
});

test('a SPICE (or VNC) connection is not written as an .rdp file', async (t) => {
  const { profile, dataDir } = await imported(t, 'lab.remmina', fixture('lab-vnc.remmina'));
  assert.equal(refusal(await exportProfile(profile, dataDir, 'rdp')), 'This is a VNC connection, which an .rdp file cannot describe (it holds only RDP connections): export it as .remmina.');
  const spice = { ...profile, protocol: 'spice' as const, unsupportedFeatures: [] };
  assert.match(refusal(await exportProfile(spice, dataDir, 'rdp')), /^This is a SPICE connection, which an \.rdp file cannot describe/);
  assert.throws(() => exportRdpFile(spice), /only RDP/);
});
