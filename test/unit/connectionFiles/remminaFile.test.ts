import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ENCRYPTED_REMMINA_PASSWORD_NOTE, KEYRING_REMMINA_PASSWORD_NOTE, exportRemminaFile, parseRemminaFile } from '../../../shared/connectionFiles/remminaFile';
import { writeKeyFileDocument } from '../../../shared/connectionFiles/keyFile';
import { encodeConnectionFileText } from '../../../shared/connectionFiles/textEncoding';
import type { ImportedSettings } from '../../../shared/connectionFiles/fileResult';
import type { ProfileDraft } from '../../../shared/profiles/profileSchema';
import { draftArbitrary } from './arbitraries';
import { bytesEqual, expectError, expectOk, fixture, utf8 } from './fixtureFiles';

/** What a .remmina keeps of a profile. */
function comparable(d: ProfileDraft) {
  return {
    name: d.name,
    protocol: d.protocol,
    host: d.host,
    port: d.port,
    username: d.username,
    folder: d.folder,
    tags: d.tags,
    scaling: d.scaling,
    shareClipboard: d.shareClipboard,
    fullscreen: d.fullscreen,
    ...(d.protocol === 'rdp'
      ? { domain: d.domain, rdpSecurity: d.rdpSecurity, startProgram: d.startProgram, startFolder: d.startFolder, desktopSize: d.desktopSize, ...(d.desktopSize === 'fixed' ? { w: d.desktopWidth, h: d.desktopHeight } : {}) }
      : { viewOnly: d.viewOnly }),
    ...(d.protocol === 'vnc' ? { vncQuality: d.vncQuality } : {}),
  };
}

test('Remmina RDP: group to folder, labels to tags, fixed resolution, NLA, encrypted password skipped', () => {
  const bytes = fixture('office-rdp.remmina');
  const imported = expectOk(parseRemminaFile(bytes));
  const { draft } = imported;
  assert.deepEqual(
    [draft.name, draft.protocol, draft.host, draft.port, draft.username, draft.domain, draft.folder, draft.tags],
    ['Office desktop', 'rdp', 'desk-07.corp.example', 3390, 'ann', 'CORP', 'Finance/Traders', ['finance', 'windows']],
  );
  assert.deepEqual([draft.desktopSize, draft.desktopWidth, draft.desktopHeight, draft.scaling, draft.rdpSecurity], ['fixed', 1600, 900, 'fit', 'nla']);
  assert.deepEqual(draft.unsupportedFeatures, []);
  assert.deepEqual(imported.notes, [ENCRYPTED_REMMINA_PASSWORD_NOTE], 'viewmode=4 is the connection\'s own full screen, not a setting left out');
  assert.equal(draft.fullscreen, true, 'viewmode=4 (viewport full screen)');
  assert.deepEqual(imported.settings, { ...imported.settings, colorDepth: 32, quality: 'best' });
  assert.equal(draft.shareClipboard, true, 'disableclipboard=0');
  assert.equal(JSON.stringify(draft).includes('Ud1M8yJjZ2gxnWDuN0YvQA'), false);
  bytesEqual(writeKeyFileDocument(imported.document), bytes);

  // Export over the original: unknown keys stay, changed values in place, the password blanked.
  const exported = utf8(exportRemminaFile({ ...draft, folder: 'Finance/Desk/Front', tags: ['finance'] }, { original: imported.document }));
  const before = utf8(bytes).split('\n');
  const after = exported.split('\n');
  assert.equal(after.length, before.length);
  const changed = before.map((line, i) => [line, after[i]]).filter(([a, b]) => a !== b);
  assert.deepEqual(changed, [
    ['password=Ud1M8yJjZ2gxnWDuN0YvQA==', 'password='],
    ['group=Finance/Traders', 'group=Finance/Desk/Front'],
    ['labels=finance,windows', 'labels=finance'],
  ]);
  assert.match(exported, /^notes_text=Trading floor desk, booked via facilities\.$/m);
});

test('an export of an unchanged .remmina gives back its bytes; a changed field changes only its line', () => {
  // As Remmina users write them by hand: no group, labels, username, security, resolution_mode or scale, which
  // an export must not add (scale=2 and resolution_mode=2 turn on dynamic resolution and the window's size in Remmina).
  const rdp = encodeConnectionFileText('[remmina]\nname=Build box\nprotocol=RDP\nserver=build-3.corp.example\ndomain=CORP\ncolordepth=99\nx-unknown=kept\n', 'utf-8');
  const rdpImport = expectOk(parseRemminaFile(rdp, { fileName: 'b.remmina' }));
  bytesEqual(exportRemminaFile(rdpImport.draft, { original: rdpImport.document }), rdp, 'the RDP file, byte for byte');
  // CRLF, a comment, a blank line, a VNC display number, quality 5 (read as good) and a file without a final line ending.
  const vnc = encodeConnectionFileText('# lab\r\n[remmina]\r\nname=Lab\r\nprotocol=VNC\r\n\r\nserver=lab-1:1\r\nquality=5\r\nviewonly=0', 'utf-8');
  const vncImport = expectOk(parseRemminaFile(vnc));
  bytesEqual(exportRemminaFile(vncImport.draft, { original: vncImport.document }), vnc, 'the VNC file, byte for byte');
  // The same settings as the file says (viewmode=3 reads as full screen) write nothing either.
  const settings = expectOk(parseRemminaFile(encodeConnectionFileText('[remmina]\nprotocol=RDP\nserver=pc\nviewmode=3\n', 'utf-8')));
  assert.equal(utf8(exportRemminaFile(settings.draft, { original: settings.document, settings: settings.settings })), '[remmina]\nprotocol=RDP\nserver=pc\nviewmode=3\n');

  const lines = (bytes: Uint8Array) => utf8(bytes).split('\n');
  const differing = (before: Uint8Array, after: Uint8Array) => {
    const a = lines(before);
    const b = lines(after);
    return b.map((line, i) => [a[i] ?? null, line]).filter(([x, y]) => x !== y);
  };
  assert.deepEqual(differing(rdp, exportRemminaFile({ ...rdpImport.draft, port: 3390 }, { original: rdpImport.document })), [['server=build-3.corp.example', 'server=build-3.corp.example:3390']]);
  assert.deepEqual(differing(rdp, exportRemminaFile({ ...rdpImport.draft, domain: 'LAB' }, { original: rdpImport.document })), [['domain=CORP', 'domain=LAB']]);
  // A key the file did not have is added after the group's last line, and nothing else.
  assert.deepEqual(differing(rdp, exportRemminaFile({ ...rdpImport.draft, username: 'ann' }, { original: rdpImport.document })), [['', 'username=ann'], [null, '']]);
  assert.deepEqual(differing(rdp, exportRemminaFile({ ...rdpImport.draft, scaling: 'actual' }, { original: rdpImport.document })), [['', 'scale=0'], [null, '']]);
  const viewOnly = utf8(exportRemminaFile({ ...vncImport.draft, viewOnly: true }, { original: vncImport.document }));
  assert.equal(viewOnly, utf8(vnc).replace('viewonly=0', 'viewonly=1'));
});

test("an imported .remmina's password is the one line an unchanged export changes", () => {
  const bytes = fixture('office-rdp.remmina');
  const imported = expectOk(parseRemminaFile(bytes));
  const exported = exportRemminaFile(imported.draft, { original: imported.document, settings: imported.settings });
  assert.equal(utf8(exported), utf8(bytes).replace(/^password=.*$/m, 'password='));
});

test('property: over any original, parse(export(draft)) gives the draft back, desktop size and scaling included', () => {
  const optionalLine = (key: string, values: string[]) => fc.option(fc.constantFrom(...values.map((value) => `${key}=${value}\n`)), { nil: '' });
  const originalArbitrary = fc
    .tuple(
      optionalLine('name', ['Old']),
      optionalLine('resolution_mode', ['0', '1', '2']),
      optionalLine('scale', ['0', '1', '2']),
      optionalLine('resolution_width', ['1024']),
      optionalLine('resolution_height', ['768']),
      optionalLine('security', ['', 'nla', 'tls', 'ext', 'rdp']),
      optionalLine('disableclipboard', ['0', '1']),
      optionalLine('username', ['old']),
      optionalLine('domain', ['OLD']),
    )
    .map((keys) => encodeConnectionFileText(`[remmina]\nprotocol=RDP\nserver=old.example\n${keys.join('')}`, 'utf-8'));
  fc.assert(
    fc.property(originalArbitrary, draftArbitrary(['rdp']), (bytes, draft) => {
      const original = expectOk(parseRemminaFile(bytes));
      assert.deepEqual(comparable(expectOk(parseRemminaFile(exportRemminaFile(draft, { original: original.document }))).draft), comparable(draft));
      // And an unchanged export of that original is the original.
      bytesEqual(exportRemminaFile(original.draft, { original: original.document }), bytes);
    }),
    { numRuns: 500 },
  );
});

test('Remmina VNC: bracketed IPv6 with a display number, view-only, keyring password, labels with blanks', () => {
  const imported = expectOk(parseRemminaFile(fixture('lab-vnc.remmina')));
  const { draft } = imported;
  assert.deepEqual([draft.protocol, draft.host, draft.port, draft.viewOnly, draft.folder, draft.tags], ['vnc', 'fd00::7', 5901, true, 'Lab', ['lab', 'linux']]);
  assert.deepEqual(imported.notes, [KEYRING_REMMINA_PASSWORD_NOTE]);
  assert.equal(draft.shareClipboard, false, 'disableclipboard=1');
  assert.equal(draft.fullscreen, false, 'viewmode=1 (scrolled window)');
  assert.equal(imported.settings.quality, 'good');
  assert.equal(imported.settings.colorDepth, 16);
  const again = expectOk(parseRemminaFile(exportRemminaFile(draft, { original: imported.document })));
  assert.deepEqual(again.draft, draft);
  assert.equal(again.notes.length, 0, 'the keyring placeholder was blanked on export');
});

test("Remmina VNC: the file's quality becomes the profile's picture quality, and an export writes the profile's back", () => {
  const vnc = (quality: string | null) =>
    expectOk(parseRemminaFile(encodeConnectionFileText(`[remmina]\nprotocol=VNC\nserver=desk:1\n${quality === null ? '' : `quality=${quality}\n`}`, 'utf-8')));
  assert.deepEqual(['9', '2', '1', '0', null, '5'].map((q) => vnc(q).draft.vncQuality), ['best', 'good', 'medium', 'poor', 'good', 'good']);
  const imported = vnc('0');
  const exported = new TextDecoder().decode(exportRemminaFile({ ...imported.draft, vncQuality: 'medium' }, { original: imported.document }));
  assert.match(exported, /^quality=1$/m);
  assert.doesNotMatch(exported, /^quality=0$/m);
  // RDP keeps Remmina's quality as a setting of the file only (it has no meaning for VNC's presets there).
  const rdp = expectOk(parseRemminaFile(encodeConnectionFileText('[remmina]\nprotocol=RDP\nserver=desk\nquality=0\n', 'utf-8')));
  assert.equal(rdp.settings.quality, 'poor');
  assert.equal(rdp.draft.vncQuality, 'good');
});

test('Remmina SPICE with usetls: TLS at the server\'s port, written back; a CA file it names is said to be unread', () => {
  const text = '[remmina]\nname=Secure VM\nprotocol=SPICE\nserver=vm2.example:5901\nusetls=1\ncacert=/etc/pki/spice/ca.pem\n';
  const imported = expectOk(parseRemminaFile(new TextEncoder().encode(text)));
  assert.deepEqual([imported.draft.protocol, imported.draft.port, imported.draft.spiceSecurity], ['spice', 5901, 'tls']);
  assert.ok(imported.notes.some((n) => n.includes('/etc/pki/spice/ca.pem') && /not read/.test(n)), imported.notes.join('\n'));
  const exported = new TextDecoder().decode(exportRemminaFile(imported.draft, { original: imported.document }));
  assert.match(exported, /^usetls=1$/m);
  const plain = new TextDecoder().decode(exportRemminaFile({ ...imported.draft, spiceSecurity: 'plain' }, { original: imported.document }));
  assert.match(plain, /^usetls=0$/m);
  // The fixture's usetls=0: plain.
  assert.equal(expectOk(parseRemminaFile(fixture('kiosk-spice.remmina'))).draft.spiceSecurity, 'plain');
});

test('Remmina SPICE: nested group, SSH tunnel flagged unsupported, encrypted password skipped', () => {
  const imported = expectOk(parseRemminaFile(fixture('kiosk-spice.remmina')));
  const { draft } = imported;
  assert.deepEqual([draft.protocol, draft.host, draft.port, draft.folder, draft.tags], ['spice', '192.0.2.30', 5931, 'Lab/Kiosks', ['kiosk']]);
  assert.deepEqual(draft.unsupportedFeatures, ['SSH tunnel (jump.corp.example:22)']);
  assert.ok(imported.notes.includes(ENCRYPTED_REMMINA_PASSWORD_NOTE));
  assert.ok(imported.notes.some((n) => /SSH tunnel.*refuse to connect rather than go straight/.test(n)));
  assert.equal(draft.fullscreen, true);
});

test('shared folders, printers and smart cards DeskBridge will not share are named in one note, only where asked', () => {
  const asking = '[remmina]\nprotocol=RDP\nserver=pc\nsharefolder=/home/ann/Shared\nshareprinter=1\nsharesmartcard=1\n';
  assert.deepEqual(expectOk(parseRemminaFile(encodeConnectionFileText(asking, 'utf-8'))).notes, [
    'DeskBridge will not apply these settings from the file: share the folder /home/ann/Shared (sharefolder); share printers (shareprinter); share smart cards (sharesmartcard).',
  ]);
  const notAsking = '[remmina]\nprotocol=RDP\nserver=pc\nsharefolder=\nshareprinter=0\nsharesmartcard=0\n';
  assert.deepEqual(expectOk(parseRemminaFile(encodeConnectionFileText(notAsking, 'utf-8'))).notes, []);
});

test('malformed and unsupported .remmina files', () => {
  const ssh = expectError(parseRemminaFile(fixture('ssh.remmina')));
  assert.deepEqual([ssh.code, ssh.line], ['unsupported-protocol', 3]);
  assert.equal(ssh.message, 'Line 3: this is a Remmina SSH connection; DeskBridge opens only RDP, VNC and SPICE connections.');
  const noGroup = expectError(parseRemminaFile(fixture('malformed/no-group.remmina')));
  assert.deepEqual([noGroup.code, noGroup.line], ['malformed-line', 1]);
  assert.equal(noGroup.message, "Line 1: 'name' comes before any [group] heading.");
  const badPort = expectError(parseRemminaFile(fixture('malformed/bad-port.remmina')));
  assert.equal(badPort.message, "Line 4: 'server' has the port '338900'; a port is a number from 1 to 65535.".replace('338900', '338900'));
  const cases: [string, RegExp][] = [
    ['[other]\nname=x\n', /^This is not a Remmina connection file: it has no \[remmina\] section\.$/],
    ['[remmina]\nname=x\nprotocol=RDP\n', /no 'server'/],
    ['[remmina]\nname=x\nserver=pc\n', /no 'protocol'/],
    ['[remmina]\nprotocol=RDP\nserver=pc\nresolution_mode=0\nresolution_width=90000\nresolution_height=800\n', /^Line 5: 'resolution_width' is not valid\. The width must be 200 to 8192 pixels\.$/],
    ['[remmina]\nprotocol=VNC\nserver=not a host\n', /^Line 3: 'server' is not valid\./],
    ['[remmina\nprotocol=VNC\n', /^Line 1: '\[remmina' is not a valid \[group\] heading\.$/],
  ];
  for (const [text, message] of cases) assert.match(expectError(parseRemminaFile(encodeConnectionFileText(text, 'utf-8'))).message, message, text);
});

test('property: parse(export(draft)) gives the draft back, with its settings', () => {
  const settingsArbitrary = fc.record({
    colorDepth: fc.option(fc.constantFrom(8, 15, 16, 24, 32)),
    quality: fc.option(fc.constantFrom('poor', 'medium', 'good', 'best')),
  }) as fc.Arbitrary<Partial<ImportedSettings>>;
  fc.assert(
    fc.property(draftArbitrary(['rdp', 'vnc', 'spice']), settingsArbitrary, (draft, settings) => {
      const imported = parseRemminaFile(exportRemminaFile(draft, { settings: { ...settings } }));
      if (!imported.ok) assert.fail(imported.error.message);
      assert.deepEqual(comparable(imported.draft), comparable(draft));
      for (const key of ['colorDepth'] as const) assert.equal(imported.settings[key], settings[key] ?? null, key);
      // A VNC profile's picture quality is its own field: the export writes that, not the file's old setting.
      assert.equal(imported.settings.quality, draft.protocol === 'vnc' ? draft.vncQuality : (settings.quality ?? null), 'quality');
    }),
    { numRuns: 300 },
  );
});

test('property: random bytes never throw out of the parser', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const result = parseRemminaFile(bytes);
      if (!result.ok) assert.ok(result.error.message.length > 0);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      parseRemminaFile(encodeConnectionFileText(`[remmina]\nprotocol=RDP\n${text}`, 'utf-8'));
    }),
    { numRuns: 500 },
  );
});

test("Remmina's SSH tunnel in its other forms: pre-1.4 ssh_enabled/ssh_server, and 'true' as Remmina reads booleans", () => {
  const tunnelled = (keys: string) => expectOk(parseRemminaFile(encodeConnectionFileText(`[remmina]\nprotocol=RDP\nserver=desk-9.internal\n${keys}`, 'utf-8')));
  const refusesDirect = (imported: ReturnType<typeof tunnelled>, server: string) => {
    assert.deepEqual(imported.draft.unsupportedFeatures, [`SSH tunnel (${server})`]);
    assert.ok(imported.notes.some((n) => /SSH tunnel.*refuse to connect rather than go straight/.test(n)), imported.notes.join('\n'));
  };
  refusesDirect(tunnelled('ssh_enabled=1\nssh_server=old-bastion:22\n'), 'old-bastion:22');
  refusesDirect(tunnelled('ssh_tunnel_enabled=true\nssh_tunnel_server=bastion:22\n'), 'bastion:22');
  refusesDirect(tunnelled('ssh_tunnel_enabled=True\nssh_tunnel_server=bastion:22\n'), 'bastion:22');
  // Remmina's loader takes a pre-1.4 ssh_enabled over ssh_tunnel_enabled.
  refusesDirect(tunnelled('ssh_tunnel_enabled=0\nssh_enabled=1\nssh_server=old-bastion:22\n'), 'old-bastion:22');
  for (const off of ['ssh_enabled=0\nssh_server=old-bastion:22\n', 'ssh_tunnel_enabled=false\nssh_tunnel_server=bastion\n', 'ssh_tunnel_enabled=1\nssh_enabled=0\n']) {
    assert.deepEqual(tunnelled(off).draft.unsupportedFeatures, [], off);
  }
});

test("every Remmina boolean is read as Remmina reads it: 'true' (or any t…) is on, like 1", () => {
  const read = (text: string) => expectOk(parseRemminaFile(encodeConnectionFileText(text, 'utf-8')));
  assert.equal(read('[remmina]\nprotocol=VNC\nserver=desk\nviewonly=true\ndisableclipboard=True\n').draft.viewOnly, true);
  assert.equal(read('[remmina]\nprotocol=VNC\nserver=desk\nviewonly=true\ndisableclipboard=True\n').draft.shareClipboard, false);
  assert.equal(read('[remmina]\nprotocol=VNC\nserver=desk\nviewonly=false\ndisableclipboard=false\n').draft.viewOnly, false);
  assert.equal(read('[remmina]\nprotocol=SPICE\nserver=vm:5901\nusetls=true\n').draft.spiceSecurity, 'tls');
  assert.deepEqual(read('[remmina]\nprotocol=RDP\nserver=pc\nshareprinter=true\nsharesmartcard=t\n').notes, [
    'DeskBridge will not apply these settings from the file: share printers (shareprinter); share smart cards (sharesmartcard).',
  ]);
});

test("Remmina's resolution_mode: only a custom mode (0, or none) with a real size fixes the desktop; zero sizes never fail", () => {
  const rdp = (keys: string) => encodeConnectionFileText(`[remmina]\nname=Desk\nprotocol=RDP\nserver=pc\n${keys}`, 'utf-8');
  const size = (keys: string) => {
    const { draft } = expectOk(parseRemminaFile(rdp(keys)));
    return draft.desktopSize === 'fixed' ? `${draft.desktopWidth}x${draft.desktopHeight}` : draft.desktopSize;
  };
  // What Remmina writes for "Use client resolution" and "Use initial window size", and a custom mode left at 0×0.
  for (const mode of ['0', '1', '2']) assert.equal(size(`resolution_mode=${mode}\nresolution_width=0\nresolution_height=0\n`), 'fit-window', mode);
  assert.equal(size('resolution_mode=1\nresolution_width=1600\nresolution_height=900\n'), 'fit-window');
  assert.equal(size('resolution_mode=2\nresolution_width=90000\nresolution_height=900\n'), 'fit-window', 'a size the mode does not use is not checked');
  assert.equal(size('resolution_mode=0\nresolution_width=1600\nresolution_height=900\n'), '1600x900');
  assert.equal(size('resolution_width=1600\nresolution_height=900\n'), '1600x900', 'no mode and a size: custom, as Remmina reads it');
  assert.equal(size('resolution_width=0\nresolution_height=0\n'), 'fit-window');
  assert.equal(size('resolution_mode=0\n'), 'fit-window');
  assert.equal(size('resolution_mode=0\nresolution_width=1600\nresolution_height=900\nscale=2\n'), 'fit-window');
  // An unchanged export of such a file gives back its bytes.
  const bytes = rdp('resolution_mode=1\nresolution_width=0\nresolution_height=0\n');
  bytesEqual(exportRemminaFile(expectOk(parseRemminaFile(bytes)).draft, { original: expectOk(parseRemminaFile(bytes)).document }), bytes);
});

test('Remmina settings DeskBridge does not do are named (not full screen, which it does): all monitors, microphone, USB, commands around the connection', () => {
  const notes = (keys: string) => expectOk(parseRemminaFile(encodeConnectionFileText(`[remmina]\nprotocol=RDP\nserver=pc\n${keys}`, 'utf-8'))).notes;
  assert.deepEqual(notes('viewmode=2\nmultimon=1\nmicrophone=1\nusb=1\nprecommand=/usr/local/bin/vpn-up\npostcommand=/usr/local/bin/vpn-down\n'), [
    'DeskBridge will not apply these settings from the file: use all monitors (multimon); send the microphone (microphone); ' +
      'share USB devices (usb); run /usr/local/bin/vpn-up before connecting (precommand); run /usr/local/bin/vpn-down after disconnecting (postcommand).',
  ]);
  assert.match(notes('microphone=sys:pulse\nusb=auto\nmultimon=true\n')[0] ?? '', /use all monitors \(multimon\); send the microphone \(microphone\); share USB devices \(usb\)\.$/);
  assert.deepEqual(notes('viewmode=1\nmultimon=0\nmicrophone=0\nusb=\nprecommand=\npostcommand=\n'), []);
});

test("Remmina's start-up program and path (exec, execpath) are the start program and its folder, no longer unsupported, and written back", () => {
  const file = '[remmina]\nprotocol=RDP\nserver=apps.corp.example\nexec=/usr/bin/ledger --ro\nexecpath=/srv/books\nname=Ledger\n';
  const imported = expectOk(parseRemminaFile(encodeConnectionFileText(file, 'utf-8')));
  assert.equal(imported.draft.startProgram, '/usr/bin/ledger --ro');
  assert.equal(imported.draft.startFolder, '/srv/books');
  assert.deepEqual(imported.draft.unsupportedFeatures, []);
  bytesEqual(exportRemminaFile(imported.draft, { original: imported.document }), encodeConnectionFileText(file, 'utf-8'));
  const changed = new TextDecoder().decode(exportRemminaFile({ ...imported.draft, startProgram: 'xterm', startFolder: '' }, { original: imported.document }));
  assert.equal(changed, '[remmina]\nprotocol=RDP\nserver=apps.corp.example\nexec=xterm\nexecpath=\nname=Ledger\n');
  const fresh = new TextDecoder().decode(exportRemminaFile({ ...imported.draft, startProgram: '', startFolder: '' }));
  assert.doesNotMatch(fresh, /^exec/m, 'nothing written for no start program');
  // Imported before start programs were taken (the program only a label): its lines stay as they were.
  const older = { ...imported.draft, startProgram: '', startFolder: '', unsupportedFeatures: ['Start program (/usr/bin/ledger --ro)'] };
  bytesEqual(exportRemminaFile(older, { original: imported.document }), encodeConnectionFileText(file, 'utf-8'));
  // Over 255 characters: imported without it, flagged (Connect refuses), a note naming the line, length and limit.
  const longFile = `[remmina]\nprotocol=RDP\nserver=apps.corp.example\nexec=${'y'.repeat(300)}\nname=Long\n`;
  const long = expectOk(parseRemminaFile(encodeConnectionFileText(longFile, 'utf-8')));
  assert.deepEqual([long.draft.name, long.draft.startProgram], ['Long', '']);
  assert.match(long.draft.unsupportedFeatures.join(), /^Start program \(y+…\)$/);
  assert.deepEqual(long.notes, [
    "Line 4: the start program ('exec') is 300 characters long, and an RDP start program holds 255 at most, so it was left out. Until a shorter one is entered in the connection's settings, DeskBridge will not connect rather than open the whole desktop.",
  ]);
  bytesEqual(exportRemminaFile(long.draft, { original: long.document }), encodeConnectionFileText(longFile, 'utf-8'));
  // A program entered in its settings (the label gone), then cleared: written cleared, not the file's 300 characters back.
  const cleared = new TextDecoder().decode(exportRemminaFile({ ...long.draft, startProgram: '', unsupportedFeatures: [] }, { original: long.document }));
  assert.equal(cleared, '[remmina]\nprotocol=RDP\nserver=apps.corp.example\nexec=\nname=Long\n');
});

test('full screen: viewmode 2, 3 and 4 start in full screen, 1 in a window; written back in place, a file\'s own mode kept', () => {
  const file = (viewmode: string) => encodeConnectionFileText(`[remmina]\nname=Desk\nprotocol=RDP\nserver=desk\n${viewmode}x-unknown=kept\n`, 'utf-8');
  for (const [mode, expected] of [['1', false], ['2', true], ['3', true], ['4', true]] as const) {
    const bytes = file(`viewmode=${mode}\n`);
    const imported = expectOk(parseRemminaFile(bytes));
    assert.equal(imported.draft.fullscreen, expected, `viewmode=${mode}`);
    assert.deepEqual(imported.notes, [], `viewmode=${mode} is not a setting left out`);
    bytesEqual(exportRemminaFile(imported.draft, { original: imported.document }), bytes, `viewmode=${mode}: unchanged, byte for byte`);
    const toggled = utf8(exportRemminaFile({ ...imported.draft, fullscreen: !expected }, { original: imported.document }));
    assert.equal(toggled, utf8(file(`viewmode=${expected ? '1' : '4'}\n`)), `viewmode=${mode} toggled: only its line`);
  }
  // 0 (Remmina's preference) or no viewmode: the connection's default, and no line added while it stays so.
  for (const viewmode of ['viewmode=0\n', '']) {
    const imported = expectOk(parseRemminaFile(file(viewmode)));
    assert.equal(imported.fileFields.includes('fullscreen'), false);
    bytesEqual(exportRemminaFile(imported.draft, { original: imported.document }), file(viewmode));
    assert.match(utf8(exportRemminaFile({ ...imported.draft, fullscreen: true }, { original: imported.document })), /^viewmode=4$/m);
  }
});
