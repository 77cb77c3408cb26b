import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalisedSubject } from '../../../electron/gateway/certificates/certificateTrust';

test("a virt-viewer host-subject and Node's subject of the same certificate compare equal; another does not", () => {
  const fromFile = normalisedSubject('O=corp.example, CN=192.0.2.10');
  assert.deepEqual(fromFile, normalisedSubject('CN=192.0.2.10\nO=corp.example'));
  assert.deepEqual(fromFile, normalisedSubject('/o=corp.example/CN=192.0.2.10'));
  assert.notDeepEqual(fromFile, normalisedSubject('O=corp.example,CN=192.0.2.11'));
  assert.notDeepEqual(fromFile, normalisedSubject('CN=192.0.2.10'));
  assert.deepEqual(normalisedSubject('OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.corp.example'), ['CN=pve1.corp.example', 'O=Proxmox Virtual Environment', 'OU=PVE Cluster Node']);
});
