import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exportVvFile, parseVvFile } from '../../../shared/connectionFiles/vvFile';
import { keyFileValue, parseKeyFileDocument, writeKeyFileDocument } from '../../../shared/connectionFiles/keyFile';
import { encodeConnectionFileText } from '../../../shared/connectionFiles/textEncoding';
import { bytesEqual, expectError, expectOk, fixture, utf8 } from './fixtureFiles';
import { draftArbitrary } from './arbitraries';

test('oVirt SPICE ticket: TLS-only port with its CA and host subject, one-time password apart from the draft, delete-this-file, [ovirt] kept', () => {
  const bytes = fixture('ovirt-spice.vv');
  const imported = expectOk(parseVvFile(bytes, { fileName: 'console.vv' }));
  const { draft } = imported;
  assert.deepEqual([draft.protocol, draft.host, draft.port, draft.name], ['spice', '192.0.2.10', 5901, 'Finance VM']);
  assert.deepEqual(imported.oneTimeSecret, { password: 'c2VjcmV0LXRpY2tldA' });
  assert.equal(JSON.stringify(draft).includes('c2VjcmV0LXRpY2tldA'), false, 'the password is never part of the draft');
  assert.equal(imported.deleteThisFile, true);
  assert.equal(draft.fullscreen, false, 'fullscreen=0');
  // Every channel inside TLS, the certificate checked against the file's own CA and subject.
  assert.equal(draft.spiceSecurity, 'tls');
  assert.match(draft.caCertificate, /^-----BEGIN CERTIFICATE-----\nMIIDxzCC[^\n]+\n-----END CERTIFICATE-----\n?$/);
  assert.equal(draft.certificateSubject, 'O=corp.example,CN=192.0.2.10');
  // A TLS-only console is what DeskBridge connects to, so nothing about that; USB sharing it does not do.
  assert.deepEqual(imported.notes, ['DeskBridge will not apply these settings from the file: share USB devices as they are plugged in (enable-usb-autoshare).']);
  assert.equal(keyFileValue(imported.document, 'ovirt', 'vm-guid'), '5e0a9b6b-8e2a-4c36-9f1e-4b6b2c6d8a10');
  assert.equal(keyFileValue(imported.document, 'virt-viewer', 'ca')?.split('\n')[0], '-----BEGIN CERTIFICATE-----', 'GLib escapes are read');
  bytesEqual(writeKeyFileDocument(imported.document), bytes, 'an unchanged document writes the same bytes');

  // Export as a profile: no password, no oVirt session token, port stays TLS-only, other keys kept.
  const exported = utf8(exportVvFile({ ...draft, name: 'Finance' }, { original: imported.document }));
  assert.equal(exported.includes('password='), false);
  assert.equal(exported.includes('sso-token'), false);
  assert.match(exported, /^port=-1$/m);
  assert.match(exported, /^title=Finance$/m);
  assert.match(exported, /^vm-guid=5e0a9b6b/m);
  assert.match(exported, /^# Password is valid for 120 seconds\.$/m);
  const again = expectOk(parseVvFile(encodeConnectionFileText(exported, 'utf-8')));
  assert.deepEqual([again.draft.port, again.draft.name, again.oneTimeSecret], [5901, 'Finance', null]);
  assert.deepEqual([again.draft.spiceSecurity, again.draft.caCertificate, again.draft.certificateSubject], ['tls', draft.caCertificate, draft.certificateSubject]);
});

test('SPICE with both a plain and a TLS port: TLS for every channel, and the file says which port', () => {
  const text = '[virt-viewer]\ntype=spice\nhost=vm1.example\nport=5900\ntls-port=5901\nhost-subject=CN=vm1.example\n';
  const imported = expectOk(parseVvFile(encodeConnectionFileText(text, 'utf-8')));
  assert.deepEqual([imported.draft.port, imported.draft.spiceSecurity, imported.draft.certificateSubject, imported.draft.caCertificate], [5901, 'tls', 'CN=vm1.example', '']);
  assert.deepEqual(imported.notes, ['DeskBridge connects to this SPICE console\u2019s TLS port (5901) for every channel, not its plain port (5900).'.replace('\u2019', "'")]);
  // Written back: the plain port as it was, the TLS port from the profile.
  const exported = utf8(exportVvFile({ ...imported.draft, port: 5911 }, { original: imported.document }));
  assert.match(exported, /^port=5900$/m);
  assert.match(exported, /^tls-port=5911$/m);
  // A plain profile writes its port and no TLS settings.
  const plain = utf8(exportVvFile({ ...imported.draft, spiceSecurity: 'plain', port: 5930, caCertificate: '', certificateSubject: '' }));
  assert.match(plain, /^port=5930$/m);
  assert.equal(/tls-port|host-subject|^ca=/m.test(plain), false);
});

test('oVirt VNC ticket', () => {
  const imported = expectOk(parseVvFile(fixture('ovirt-vnc.vv')));
  assert.deepEqual([imported.draft.protocol, imported.draft.host, imported.draft.port, imported.draft.name], ['vnc', '192.0.2.11', 5902, 'Kiosk VM']);
  assert.deepEqual(imported.oneTimeSecret, { password: 'Tk9ULVNFQ1JFVA' });
  assert.equal(imported.draft.fullscreen, true, 'fullscreen=1 starts in full screen');
  assert.deepEqual(imported.notes, []);
});

test('plain SPICE with CRLF line endings, a user name and no password', () => {
  const bytes = fixture('lab-spice-crlf.vv');
  const imported = expectOk(parseVvFile(bytes));
  assert.deepEqual([imported.draft.protocol, imported.draft.port, imported.draft.username, imported.draft.name], ['spice', 5930, 'builder', 'Build agent 3']);
  assert.equal(imported.oneTimeSecret, null);
  assert.equal(imported.deleteThisFile, false);
  bytesEqual(writeKeyFileDocument(imported.document), bytes);
  const exported = exportVvFile({ ...imported.draft, port: 5931 }, { original: imported.document });
  assert.equal(utf8(exported), utf8(bytes).replace('port=5930', 'port=5931'), 'changed in place, CRLF kept');
});

test('Proxmox SPICE through its spiceproxy: the VM by its ticket, through the proxy, TLS with the file\'s CA and subject; written back with the proxy', () => {
  const bytes = fixture('proxmox-spice.vv');
  const imported = expectOk(parseVvFile(bytes));
  const { draft } = imported;
  assert.deepEqual([draft.protocol, draft.host, draft.port, draft.name], ['spice', 'pvespiceproxy:65a3e1f2:101:pve1::7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d', 61000, 'VM 101 - win11-desk']);
  assert.equal(draft.spiceProxy, 'http://pve1.corp.example:3128');
  assert.deepEqual([draft.spiceSecurity, draft.certificateSubject], ['tls', 'OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.corp.example']);
  assert.match(draft.caCertificate, /^-----BEGIN CERTIFICATE-----/);
  assert.deepEqual(draft.unsupportedFeatures, []);
  assert.deepEqual(imported.notes, []);
  assert.equal(imported.oneTimeSecret?.password, '83d2f5c0a51e0b7cd1e5d3b1a5c7c1e8d3b5a7f9');
  const exported = utf8(exportVvFile(draft, { original: imported.document }));
  assert.match(exported, /^proxy=http:\/\/pve1\.corp\.example:3128$/m);
  assert.equal(exported.includes('password='), false);
  // A profile without a proxy writes none.
  assert.equal(/^proxy=/m.test(utf8(exportVvFile({ ...draft, host: 'vm1.example', spiceProxy: '' }))), false);
});

test('a SPICE proxy the gateway cannot use is a clear error on its line; a VNC console\'s proxy is marked unsupported', () => {
  const https = expectError(parseVvFile(encodeConnectionFileText('[virt-viewer]\ntype=spice\nhost=192.0.2.5\nport=5900\nproxy=https://proxy.example:3129\n', 'utf-8')));
  assert.deepEqual([https.code, https.line], ['invalid-value', 5]);
  assert.match(https.message, /'proxy' is not valid\. Only HTTP proxies \(http:\/\/…\) are supported, not https\./);
  const withPassword = expectError(parseVvFile(encodeConnectionFileText('[virt-viewer]\ntype=spice\nhost=192.0.2.5\nport=5900\nproxy=http://me:secret@proxy.example:3128\n', 'utf-8')));
  assert.match(withPassword.message, /Leave the user name and password out/);
  const vnc = expectOk(parseVvFile(encodeConnectionFileText('[virt-viewer]\ntype=vnc\nhost=192.0.2.5\nport=5900\nproxy=http://proxy.example:3128\n', 'utf-8')));
  assert.deepEqual(vnc.draft.unsupportedFeatures, ['VNC through a proxy (http://proxy.example:3128)']);
  // A ticket for a host with no proxy to resolve it names the host's line.
  const noProxy = expectError(parseVvFile(encodeConnectionFileText('[virt-viewer]\ntype=spice\nhost=pvespiceproxy:1:2:pve::ab\nport=5900\n', 'utf-8')));
  assert.deepEqual([noProxy.code, noProxy.line], ['invalid-value', 3]);
});

test('USB and smart-card redirection DeskBridge will not do are named in one note, only where asked', () => {
  const asking = '[virt-viewer]\ntype=spice\nhost=192.0.2.5\nport=5900\nenable-usbredir=1\nenable-smartcard=1\n';
  assert.deepEqual(expectOk(parseVvFile(encodeConnectionFileText(asking, 'utf-8'))).notes, [
    'DeskBridge will not apply these settings from the file: share USB devices (enable-usbredir); share smart cards (enable-smartcard).',
  ]);
  const notAsking = '[virt-viewer]\ntype=spice\nhost=192.0.2.5\nport=5900\nenable-usbredir=0\nenable-smartcard=0\n';
  assert.deepEqual(expectOk(parseVvFile(encodeConnectionFileText(notAsking, 'utf-8'))).notes, []);
});

test('malformed .vv files', () => {
  const rdp = expectError(parseVvFile(fixture('malformed/rdp-type.vv')));
  assert.deepEqual([rdp.code, rdp.line], ['unsupported-protocol', 2]);
  assert.match(rdp.message, /^Line 2: this virt-viewer file is of type 'rdp'; DeskBridge opens virt-viewer files only for SPICE or VNC\.$/);
  const noHost = expectError(parseVvFile(fixture('malformed/no-host.vv')));
  assert.equal(noHost.code, 'missing-value');
  assert.match(noHost.message, /no 'host'/);
  const cases: [string, RegExp][] = [
    ['[other]\ntype=vnc\n', /no \[virt-viewer\] section/],
    ['type=vnc\n', /^Line 1: 'type' comes before any \[group\] heading\.$/],
    ['[virt-viewer]\ntype=vnc\nhost=h\nport=59o0\n', /^Line 4: 'port' should be a port number from 1 to 65535, but is '59o0'\.$/],
    ['[virt-viewer]\ntype=vnc\nhost=h\njust words\n', /^Line 4: 'just words' is not a setting/],
    ['[virt-viewer]\nhost=h\n', /no 'type'/],
  ];
  for (const [text, message] of cases) assert.match(expectError(parseVvFile(encodeConnectionFileText(text, 'utf-8'))).message, message, text);
});

test('property: parse(export(draft)) gives the draft back; a password is written only when asked', () => {
  fc.assert(
    fc.property(draftArbitrary(['spice', 'vnc']), fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{1,40}$/)), (draft, password) => {
      const imported = parseVvFile(exportVvFile(draft, { password }));
      if (!imported.ok) assert.fail(imported.error.message);
      const pick = (d: typeof draft) => ({ name: d.name, protocol: d.protocol, host: d.host, port: d.port, username: d.username, fullscreen: d.fullscreen });
      assert.deepEqual(pick(imported.draft), pick(draft));
      assert.deepEqual(imported.oneTimeSecret, password ? { password } : null);
    }),
    { numRuns: 300 },
  );
});

test('property: random bytes never throw out of the parser', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const result = parseVvFile(bytes);
      if (!result.ok) assert.ok(result.error.message.length > 0);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      parseVvFile(encodeConnectionFileText(`[virt-viewer]\n${text}`, 'utf-8'));
      parseKeyFileDocument(encodeConnectionFileText(text, 'utf-8'));
    }),
    { numRuns: 500 },
  );
});

test('virt-viewer settings DeskBridge does not do are named (USB devices shared as plugged in); full screen is done', () => {
  const notes = (keys: string) => expectOk(parseVvFile(new TextEncoder().encode(`[virt-viewer]\ntype=spice\nhost=vm\nport=5900\n${keys}`))).notes;
  assert.deepEqual(notes('fullscreen=1\nenable-usb-autoshare=1\n'), [
    'DeskBridge will not apply these settings from the file: share USB devices as they are plugged in (enable-usb-autoshare).',
  ]);
  assert.deepEqual(notes('fullscreen=0\nenable-usb-autoshare=0\n'), []);
});

test('full screen: fullscreen=1 starts in full screen, 0 in a window; an export keeps the file\'s own word while it says the same', () => {
  const file = (flag: string) => encodeConnectionFileText(`[virt-viewer]\ntype=spice\nhost=vm\nport=5900\ntitle=vm\n${flag}`, 'utf-8');
  for (const [flag, expected] of [['fullscreen=1\n', true], ['fullscreen=true\n', true], ['fullscreen=0\n', false]] as const) {
    const imported = expectOk(parseVvFile(file(flag)));
    assert.equal(imported.draft.fullscreen, expected, flag);
    assert.equal(utf8(exportVvFile(imported.draft, { original: imported.document })), utf8(file(flag)), `${flag}: unchanged`);
    assert.equal(utf8(exportVvFile({ ...imported.draft, fullscreen: !expected }, { original: imported.document })), utf8(file(`fullscreen=${expected ? '0' : '1'}\n`)));
  }
  const silent = expectOk(parseVvFile(file('')));
  assert.equal(silent.fileFields.includes('fullscreen'), false);
  assert.doesNotMatch(utf8(exportVvFile(silent.draft, { original: silent.document })), /fullscreen/);
});
