import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { importConnectionFile } from '../../../shared/connectionFiles/importFile';
import { exportRdp, importRdp, parseRdpBytes, parseRdpText, writeRdpBytes, writeRdpText, type RdpDocument } from '../../../shared/connectionFiles/rdpFile';
import { importVv } from '../../../shared/connectionFiles/vvFile';
import { exportRemmina, importRemmina } from '../../../shared/connectionFiles/remminaFile';
import { parseKeyFile, writeKeyFile } from '../../../shared/connectionFiles/keyFile';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'connectionFiles');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(fixtures, name)));

function ok<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) assert.fail(result.error.message);
  return result.value;
}

test('mstsc .rdp (UTF-16LE, BOM, CRLF, unknown keys): fields, and byte-identical round trip', () => {
  const bytes = fixture('mstsc-utf16.rdp');
  const imported = ok(importRdp(bytes, 'Desk 42.rdp'));
  assert.equal(imported.draft.name, 'Desk 42');
  assert.equal(imported.draft.protocol, 'rdp');
  assert.equal(imported.draft.host, 'desk-042.corp.example');
  assert.equal(imported.draft.port, 3390);
  assert.equal(imported.draft.username, 'ann.lee');
  assert.equal(imported.draft.domain, 'CORP');
  assert.equal(imported.draft.desktopSize, 'fixed');
  assert.deepEqual([imported.draft.desktopWidth, imported.draft.desktopHeight], [1920, 1080]);
  assert.equal(imported.draft.rdpSecurity, 'negotiate');
  assert.deepEqual(imported.draft.unsupportedFeatures, []);
  assert.deepEqual(imported.settings, { fullscreen: true, redirectClipboard: true, audioMode: 0, authenticationLevel: 2, autoReconnect: true });
  assert.deepEqual(Buffer.from(writeRdpBytes(imported.document)), Buffer.from(bytes), 'an unchanged document writes the same bytes');
  // Export of the imported profile keeps every other line, unknown ones included.
  const exported = new TextDecoder('utf-16le').decode(exportRdp({ ...imported.draft, port: 3391 }, imported.document).subarray(2));
  assert.match(exported, /^full address:s:desk-042\.corp\.example:3391\r$/m);
  assert.match(exported, /^x-contoso-custom-setting:s:keep me\r$/m);
  assert.match(exported, /^winposstr:s:0,1,0,0,800,600\r$/m);
});

test('RD Gateway, RemoteApp and load-balance info are flagged unsupported, never ignored', () => {
  assert.deepEqual(ok(importRdp(fixture('gateway.rdp'), 'g.rdp')).draft.unsupportedFeatures, ['RD Gateway (rdgw.corp.example)']);
  const app = ok(importRdp(fixture('remoteapp.rdp'), 'r.rdp'));
  assert.deepEqual(app.draft.unsupportedFeatures, ['RemoteApp (||excel)', 'Connection broker load-balance info']);
  assert.ok(app.notes.some((n) => /connecting will refuse/.test(n)));
});

test('a signed .rdp with a password blob: imported with notes, the blob ignored', () => {
  const signed = ok(importRdp(fixture('signed.rdp'), 's.rdp'));
  assert.ok(signed.notes.includes('This file is signed; changing it in DeskBridge will break the signature.'));
  assert.ok(signed.notes.some((n) => /encrypted password, which only Windows can read/.test(n)));
  assert.equal(JSON.stringify(signed.draft).includes('01000000D08C'), false);
});

test('IPv6 and UTF-8 .rdp files', () => {
  const v6 = ok(importRdp(fixture('ipv6.rdp'), 'v6.rdp'));
  assert.deepEqual([v6.draft.host, v6.draft.port], ['fd00::42', 3391]);
  const minimal = ok(importRdp(fixture('minimal-utf8.rdp'), 'm.rdp'));
  assert.deepEqual([minimal.draft.host, minimal.draft.port, minimal.draft.desktopSize], ['127.0.0.1', 33891, 'fit-window']);
});

test('.vv from oVirt: SPICE, one-time password apart from the profile, delete-this-file, other groups kept', () => {
  const vv = ok(importVv(fixture('ovirt-spice.vv'), 'console.vv'));
  assert.equal(vv.draft.protocol, 'spice');
  assert.equal(vv.draft.host, '192.0.2.10');
  assert.equal(vv.draft.port, 5900);
  assert.equal(vv.oneTimePassword, 'c2VjcmV0LXRpY2tldA');
  assert.equal(JSON.stringify(vv.draft).includes('c2VjcmV0LXRpY2tldA'), false, 'the password is never part of the profile');
  assert.equal(vv.deleteThisFile, true);
  assert.ok(vv.notes.some((n) => /SPICE is not supported yet/.test(n)));
  assert.equal(writeKeyFile(vv.document), readFileSync(path.join(fixtures, 'ovirt-spice.vv'), 'utf8'));
  const vnc = ok(importVv(fixture('proxmox-vnc.vv'), 'p.vv'));
  assert.deepEqual([vnc.draft.protocol, vnc.draft.port, vnc.draft.name], ['vnc', 5942, 'VM 101 - kiosk']);
});

test('.remmina: group to folder, labels to tags, encrypted password skipped, unsupported protocol refused, round trip', () => {
  const office = ok(importRemmina(fixture('office.remmina'), 'o.remmina'));
  assert.deepEqual([office.draft.name, office.draft.host, office.draft.port, office.draft.folder, office.draft.tags], ['Office desktop', 'desk-07.corp.example', 3390, 'Finance/Traders', ['finance', 'windows']]);
  assert.deepEqual([office.draft.desktopSize, office.draft.desktopWidth, office.draft.desktopHeight], ['fixed', 1600, 900]);
  assert.ok(office.notes.some((n) => /encrypted with a key only Remmina has/.test(n)));
  const lab = ok(importRemmina(fixture('lab-vnc.remmina'), 'l.remmina'));
  assert.deepEqual([lab.draft.protocol, lab.draft.host, lab.draft.port], ['vnc', 'fd00::7', 5900]);
  const ssh = importRemmina(fixture('ssh.remmina'), 's.remmina');
  assert.equal(ssh.ok, false);
  if (!ssh.ok) assert.match(ssh.error.message, /SSH" is not one DeskBridge supports/);
  const again = ok(importRemmina(exportRemmina(office.draft, office.document), 'o.remmina'));
  assert.deepEqual(again.draft, office.draft);
  assert.match(new TextDecoder().decode(exportRemmina(office.draft, office.document)), /^colordepth=99$/m);
});

test('malformed files give a message naming the line, never a half import', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['cut.rdp', Uint8Array.from([0xff, 0xfe, 0x66, 0x00, 0x75]), /cut short/],
    ['notype.rdp', new TextEncoder().encode('full address:s:host\nscreen mode id 2\n'), /^Line 2: .*name:type:value/],
    ['badint.rdp', new TextEncoder().encode('full address:s:host\ndesktopwidth:i:wide\n'), /^Line 2: 'desktopwidth' should be a whole number/],
    ['noaddress.rdp', new TextEncoder().encode('username:s:ann\n'), /no 'full address'/],
    ['badhost.rdp', new TextEncoder().encode('full address:s:http://x/y\n'), /^Line 1: Enter a host name/],
    ['x.remmina', new TextEncoder().encode('name=x\nserver=y\n'), /^Line 1: "name" comes before any \[group\]/],
    ['rdp.vv', new TextEncoder().encode('[virt-viewer]\ntype=rdp\nhost=x\nport=1\n'), /^Line 2: 'type' must be spice or vnc/],
    ['garbage.bin', Uint8Array.from([0, 159, 146, 150, 0, 1, 2]), /not a connection file|binary|not valid/],
  ];
  for (const [name, bytes, message] of cases) {
    const result = importConnectionFile(name, bytes);
    assert.equal(result.ok, false, name);
    if (!result.ok) assert.match(result.error.message, message, name);
  }
});

const settingLine = fc.record({
  kind: fc.constant('setting' as const),
  name: fc.stringMatching(/^[a-z][a-z0-9 _-]{0,20}$/).filter((n) => n.trim() === n && n.length > 0),
  type: fc.constantFrom('s' as const, 'i' as const, 'b' as const),
  value: fc.string({ maxLength: 30 }).filter((v) => !/[\r\n]/.test(v)),
}).map((l) => ({ ...l, value: l.type === 'i' ? String(Math.abs(l.value.length * 7)) : l.type === 'b' ? '0A1B' : l.value }));
const rdpDoc: fc.Arbitrary<RdpDocument> = fc.record({
  lines: fc.array(fc.oneof(settingLine, fc.constant({ kind: 'blank' as const, raw: '' })), { maxLength: 20 }),
  encoding: fc.constantFrom('utf16le' as const, 'utf8' as const, 'utf8-bom' as const),
  newline: fc.constantFrom('\r\n' as const, '\n' as const),
  finalNewline: fc.constant(true),
});

test('parse(write(doc)) = doc for .rdp documents', () => {
  fc.assert(
    fc.property(rdpDoc, (doc) => {
      const hasContent = doc.lines.length > 0;
      const back = ok(parseRdpBytes(writeRdpBytes(doc)));
      if (hasContent) assert.deepEqual(structuredClone(back.lines), structuredClone(doc.lines));
      assert.equal(writeRdpText(ok(parseRdpText(writeRdpText(doc)))), writeRdpText(doc));
    }),
    { numRuns: 300 },
  );
});

test('parse(write(doc)) = doc for key files', () => {
  const entry = fc.record({ key: fc.stringMatching(/^[a-z][a-z_-]{0,12}$/), value: fc.string({ maxLength: 20 }).filter((v) => !/[\r\n]/.test(v) && v.trim() === v) });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 10 }), (entries) => {
      const text = ['[remmina]', ...entries.map((e) => `${e.key}=${e.value}`)].join('\n') + '\n';
      assert.equal(writeKeyFile(ok(parseKeyFile(text))), text);
    }),
    { numRuns: 300 },
  );
});

test('random bytes and text: a typed result, never an exception', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('a.rdp', 'a.vv', 'a.remmina', 'a.txt'), (bytes, name) => {
      const result = importConnectionFile(name, bytes);
      assert.equal(typeof result.ok, 'boolean');
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('a.rdp', 'a.vv', 'a.remmina'), (text, name) => {
      assert.equal(typeof importConnectionFile(name, new TextEncoder().encode(text)).ok, 'boolean');
    }),
    { numRuns: 2000 },
  );
});
