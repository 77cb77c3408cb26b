import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConnectionErrorLog } from '../../../electron/gateway/diagnostics/connectionErrorLog';
import { writeDiagnostics } from '../../../electron/gateway/diagnostics/diagnosticsBundle';
import { NO_POLICY, policySchema, type PolicySummary } from '../../../shared/policy/policySchema';

const summary: PolicySummary = {
  source: 'none',
  problems: [],
  invalidFile: null,
  passwordSaving: 'allowed',
  clipboard: 'both',
  allowFileTransfer: true,
  allowUserProfiles: true,
  allowUnencrypted: true,
  allowedHosts: null,
  kiosk: null,
  reconnectMaxDelayMs: 30_000,
};

test('a bundle made right after a connection failed has that failure, although its file is still being written', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-diag-unit-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const log = new ConnectionErrorLog(dataDir);
  await log.load();
  // As the running gateway does: the failure is recorded (its file written in the background),
  // and IT asks for the bundle at once.
  log.record({ sessionId: 's1', profileId: 'p1', protocol: 'vnc', target: '127.0.0.1:5999', code: 'host-refused', detail: 'ECONNREFUSED' });
  const outDir = path.join(dataDir, 'bundle');
  await writeDiagnostics({ dataDir, outDir, version: '1.0.0', policy: NO_POLICY, policySummary: summary, secretsBackend: 'file', profileCount: 1, connectionErrors: log.list() });
  const errors = JSON.parse(await readFile(path.join(outDir, 'last-connection-errors.json'), 'utf8'));
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'host-refused');
  assert.equal(errors[0].target, '127.0.0.1:5999');
  await log.flush();
});

test('the bundle names the policy\u2019s contradictions for IT: a managed profile outside its own allowedHosts', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-diag-unit-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const policy = policySchema.parse({ schemaVersion: 1, allowedHosts: ['*.corp.example'], profiles: [{ id: 'lab', name: 'Lab', protocol: 'rdp', host: 'lab.other.example' }] });
  const outDir = path.join(dataDir, 'bundle');
  await writeDiagnostics({ dataDir, outDir, version: '1.0.0', policy, policySummary: summary, secretsBackend: 'file', profileCount: 1, connectionErrors: [] });
  const written = JSON.parse(await readFile(path.join(outDir, 'effective-policy.json'), 'utf8'));
  assert.deepEqual(written.warnings, ['profile \u201clab\u201d (profiles.0): lab.other.example is outside the policy\'s own allowedHosts, so connecting to it is refused.']);
});
