// The first RDP connect after start checks the server's certificate against the
// system's roots; a gateway that has RDP profiles parses them while the window
// is still starting (≈100 ms here), one without does not spend the time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from '../../../electron/gateway/index';
import { trustRootsParsed } from '../../../electron/gateway/certificates/certificateTrust';
import { ProfileStore } from '../../../electron/gateway/profiles/profileStore';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { profileDraftSchema } from '../../../shared/profiles/profileSchema';

const quiet = () => createLogger({ sink: () => undefined });
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function gatewayWith(root: string, protocol: 'vnc' | 'rdp') {
  const dataDir = path.join(root, protocol);
  const store = await ProfileStore.open(dataDir, quiet());
  await store.create(profileDraftSchema.parse({ name: 'Desk', protocol, host: '127.0.0.1', port: protocol === 'rdp' ? 3389 : 5900 }));
  return startGateway({ port: 0, dataDir, shell: 'browser', rendererDir: root, secretsKeyDir: path.join(root, 'keys'), machinePolicyFile: path.join(root, 'none.json'), logger: quiet() });
}

test('a gateway with an RDP profile parses the trust roots right after it starts; one with only VNC profiles does not', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-roots-'));
  const gateways: Awaited<ReturnType<typeof gatewayWith>>[] = [];
  try {
    gateways.push(await gatewayWith(root, 'vnc'));
    await tick();
    await tick();
    assert.equal(trustRootsParsed(), false, 'VNC only: nothing parsed');
    gateways.push(await gatewayWith(root, 'rdp'));
    assert.equal(trustRootsParsed(), false, 'not while starting');
    await tick();
    assert.equal(trustRootsParsed(), true, 'parsed once the gateway listens');
  } finally {
    for (const gateway of gateways) await gateway.close();
    await rm(root, { recursive: true, force: true });
  }
});
