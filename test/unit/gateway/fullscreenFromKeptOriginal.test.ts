// Connections imported before "Start in full screen" was read from files were saved without it: at start each takes
// its kept original's value once, so that an export writes back the file's own line (mstsc's screen mode id:i:2,
// Remmina's viewmode=4) rather than "off", which the user never chose. Real store and library on a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ProfileStore } from '../../../electron/gateway/profiles/profileStore';
import { ProfileLibrary } from '../../../electron/gateway/profiles/profileLibrary';
import { exportProfile, fullscreenFromKeptOriginals, importIntoLibrary } from '../../../electron/gateway/profiles/connectionFileImport';
import { ManagedPolicyStore } from '../../../electron/gateway/policy/managedPolicy';
import { ManagedOverrides } from '../../../electron/gateway/policy/managedOverrides';
import { createLogger } from '../../../electron/gateway/logging/logger';
import type { SecretStore } from '../../../electron/gateway/secrets/secretStore';
import type { Profile } from '../../../shared/profiles/profileSchema';

const logger = createLogger({ sink: () => undefined });

const noSecrets: SecretStore = { backend: 'keychain', description: 'none', weaker: false, get: async () => null, set: async () => undefined, delete: async () => undefined } as unknown as SecretStore;

/** As mstsc saves one: UTF-16LE with its byte-order mark, CRLF, screen mode id:i:2 first. */
const MSTSC = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('screen mode id:i:2\r\nuse multimon:i:0\r\ndesktopwidth:i:1920\r\ndesktopheight:i:1080\r\nsession bpp:i:32\r\nfull address:s:pc1.corp.example\r\nusername:s:alice\r\n', 'utf16le')]);
const REMMINA = Buffer.from('[remmina]\nname=Lab\nprotocol=VNC\nserver=lab.corp.example:5901\nviewmode=4\nquality=9\n');
const WINDOWED = Buffer.from('[remmina]\nname=Windowed\nprotocol=VNC\nserver=win.corp.example:5901\nviewmode=1\n');

async function open(dir: string): Promise<ProfileLibrary> {
  const policy = new ManagedPolicyStore({ machineFile: path.join(dir, 'no-policy.json'), commandLineFile: null, cacheDir: dir }, logger);
  await policy.load();
  return new ProfileLibrary(await ProfileStore.open(dir, logger), policy, await ManagedOverrides.open(dir), noSecrets, logger);
}

/** profiles.json as a build before "Start in full screen" wrote it: no `fullscreen` key, except in `keep`. */
async function storedWithoutFullscreen(dir: string, keep: string[] = []): Promise<void> {
  const file = path.join(dir, 'profiles.json');
  const body = JSON.parse(await readFile(file, 'utf8')) as { profiles: Record<string, unknown>[] };
  for (const profile of body.profiles) if (!keep.includes(profile.id as string)) delete profile.fullscreen;
  await writeFile(file, JSON.stringify(body, null, 2));
}

test('imported before full screen was read: an export keeps screen mode id:i:2 and viewmode=4, byte for byte, and the connection starts in full screen as its file says', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-fullscreen-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const first = await open(dir);
  const ids: string[] = [];
  for (const [name, bytes] of [['pc1.rdp', MSTSC], ['lab.remmina', REMMINA], ['windowed.remmina', WINDOWED]] as const) {
    const imported = await importIntoLibrary(first, dir, name, new Uint8Array(bytes), 'save');
    assert.ok(imported.ok);
    ids.push(imported.profile.id);
  }
  await storedWithoutFullscreen(dir);

  const library = await open(dir);
  await fullscreenFromKeptOriginals(library, dir, logger);
  const [rdp, remmina, windowed] = ids.map((id) => library.get(id)!) as [Profile, Profile, Profile];
  assert.deepEqual([rdp.fullscreen, remmina.fullscreen, windowed.fullscreen], [true, true, false]);
  for (const [profile, format, bytes] of [[rdp, 'rdp', MSTSC], [remmina, 'remmina', REMMINA], [windowed, 'remmina', WINDOWED]] as const) {
    const exported = await exportProfile(profile, dir, format);
    assert.ok(exported.ok);
    assert.deepEqual(Buffer.from(exported.bytes), bytes, `${profile.name}: every line as the file had it`);
  }
  // Read once: on disk now, and another start changes nothing.
  const again = await open(dir);
  assert.equal(again.storedWithoutFullscreen(rdp.id), false);
  assert.equal(again.get(rdp.id)!.fullscreen, true);
});

test('a connection saved with full screen off (the user\u2019s choice, in its editor) keeps it: the export writes the change', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-fullscreen-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const first = await open(dir);
  const imported = await importIntoLibrary(first, dir, 'pc1.rdp', new Uint8Array(MSTSC), 'save');
  assert.ok(imported.ok);
  await first.update(imported.profile.id, { ...imported.profile, fullscreen: false });
  await storedWithoutFullscreen(dir, [imported.profile.id]);

  const library = await open(dir);
  await fullscreenFromKeptOriginals(library, dir, logger);
  const profile = library.get(imported.profile.id)!;
  assert.equal(profile.fullscreen, false);
  const exported = await exportProfile(profile, dir, 'rdp');
  assert.ok(exported.ok);
  assert.match(Buffer.from(exported.bytes).toString('utf16le'), /^\ufeff?screen mode id:i:1\r\n/);
});
