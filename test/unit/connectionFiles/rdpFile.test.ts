import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ANSI_FILE_NOTE,
  CLEAR_PASSWORD_NOTE,
  ENCRYPTED_PASSWORD_NOTE,
  GATEWAY_PASSWORD_NOTE,
  LEGACY_SECURITY_NOTE,
  SIGNED_FILE_NOTE,
  exportRdpFile,
  getRdpSetting,
  parseRdpDocument,
  parseRdpFile,
  parseRdpText,
  scaleFactorNote,
  setRdpSetting,
  writeRdpDocument,
} from '../../../shared/connectionFiles/rdpFile';
import { encodeConnectionFileText, type TextEncodingName } from '../../../shared/connectionFiles/textEncoding';
import { exportRefusal } from '../../../shared/connectionFiles/exportCheck';
import { profileDraftSchema, type ProfileDraft } from '../../../shared/profiles/profileSchema';
import type { ImportedSettings } from '../../../shared/connectionFiles/fileResult';
import { bytesEqual, expectError, expectOk, fixture, utf16, utf8 } from './fixtureFiles';
import { draftArbitrary, safeText, words } from './arbitraries';

test('mstsc file (UTF-16LE, BOM, CRLF, unknown keys): every mapped field and setting', () => {
  const imported = expectOk(parseRdpFile(fixture('mstsc-desktop.rdp'), { fileName: 'C:\\Users\\ann\\Desktop\\Desk 42.rdp' }));
  const { draft } = imported;
  assert.equal(draft.name, 'Desk 42');
  assert.equal(draft.protocol, 'rdp');
  assert.equal(draft.host, 'desk-042.corp.example');
  assert.equal(draft.port, 3390);
  assert.equal(draft.username, 'ann.lee');
  assert.equal(draft.domain, 'CORP');
  assert.equal(draft.desktopSize, 'fixed');
  assert.deepEqual([draft.desktopWidth, draft.desktopHeight], [1920, 1080]);
  assert.equal(draft.scaling, 'fit');
  assert.equal(draft.rdpSecurity, 'negotiate');
  assert.deepEqual(draft.unsupportedFeatures, [], 'an empty gatewayhostname with usage method 4 is no gateway');
  assert.equal(draft.fullscreen, true, 'screen mode id:i:2 starts in full screen');
  assert.deepEqual(imported.settings, {
    audioMode: 'remote',
    autoReconnect: true,
    serverAuthentication: 'warn',
    colorDepth: 24,
    quality: null,
  });
  // The file shares printers and smart cards (redirectprinters:i:1, redirectsmartcards:i:1), leaves the sound on the
  // remote computer and asks for 24-bit colour, which DeskBridge does not; its full screen is the connection's own.
  assert.deepEqual(imported.notes, [
    'DeskBridge will not apply these settings from the file: share printers (redirectprinters); share smart cards (redirectsmartcards); ' +
      'play the sound on the remote computer (audiomode:i:1); use 24-bit colour (session bpp:i:24).',
  ]);
  assert.equal(imported.document.encoding, 'utf-16le-bom');
  assert.equal(imported.document.lines.length, 55);
});

test('mstsc file: unchanged document gives the same bytes; a changed value is written in place; unknown lines survive export', () => {
  const bytes = fixture('mstsc-desktop.rdp');
  const { document, draft } = expectOk(parseRdpFile(bytes));
  bytesEqual(writeRdpDocument(document), bytes, 'an unchanged document writes the same bytes');
  const again = expectOk(parseRdpDocument(writeRdpDocument(document)));
  assert.deepEqual(again.document, document);

  // Exporting the unchanged profile over its document changes nothing at all.
  bytesEqual(exportRdpFile(draft, { original: document }), bytes, 'export of an unchanged profile is the original file');

  const exported = exportRdpFile({ ...draft, port: 3391, username: 'bob', desktopSize: 'fit-window' }, { original: document, settings: { audioMode: 'none' } });
  assert.deepEqual([...exported.subarray(0, 2)], [0xff, 0xfe], 'UTF-16LE with BOM, as mstsc writes');
  const text = utf16(exported);
  const before = utf16(bytes).split('\r\n');
  const after = text.split('\r\n');
  assert.equal(after.length, before.length, 'no line added or lost');
  const changed = before.map((line, i) => [line, after[i]]).filter(([a, b]) => a !== b);
  assert.deepEqual(changed, [
    ['full address:s:desk-042.corp.example:3390', 'full address:s:desk-042.corp.example:3391'],
    ['audiomode:i:1', 'audiomode:i:2'],
    ['username:s:CORP\\ann.lee', 'username:s:CORP\\bob'],
    ['dynamic resolution:i:0', 'dynamic resolution:i:1'],
  ]);
  assert.match(text, /^x-contoso-asset-tag:s:FIN-0042 \(keep me\)$/m);
  const reread = expectOk(parseRdpFile(exported));
  assert.deepEqual([reread.draft.port, reread.draft.username, reread.draft.desktopSize, reread.settings.audioMode], [3391, 'bob', 'fit-window', 'none']);
});

test('an export of an unchanged file adds no line; a changed setting is the only line added', () => {
  // Without smart sizing, dynamic resolution or a desktop size, mstsc uses its own defaults; an export must not pin them.
  const bytes = encodeConnectionFileText('screen mode id:i:1\r\nfull address:s:pc.corp.example\r\nusername:s:CORP\\ann\r\nx-unknown:s:kept\r\n', 'utf-16le-bom');
  const imported = expectOk(parseRdpFile(bytes));
  bytesEqual(exportRdpFile(imported.draft, { original: imported.document }), bytes, 'the original file, byte for byte');
  const rescaled = utf16(exportRdpFile({ ...imported.draft, scaling: 'actual' }, { original: imported.document }));
  assert.equal(rescaled, `${utf16(bytes)}smart sizing:i:0\r\n`);
  const cleared = utf16(exportRdpFile({ ...imported.draft, username: '', domain: '' }, { original: imported.document }));
  assert.match(cleared, /^username:s:\r$/m, 'a user name taken out is written out');
});

test('UTF-8 file without BOM, LF, a blank line, IPv6 in brackets, a UPN user name, CredSSP off', () => {
  const bytes = fixture('handwritten-utf8.rdp');
  const imported = expectOk(parseRdpFile(bytes, { fileName: 'lab.rdp' }));
  assert.equal(imported.document.encoding, 'utf-8');
  assert.deepEqual([imported.draft.host, imported.draft.port], ['fd00::42', 3391]);
  assert.deepEqual([imported.draft.username, imported.draft.domain], ['ann@corp.example', '']);
  assert.equal(imported.draft.rdpSecurity, 'tls', 'enablecredsspsupport:i:0 leaves TLS');
  assert.equal(imported.draft.desktopSize, 'fit-window');
  assert.equal(imported.draft.scaling, 'actual');
  assert.equal(imported.draft.shareClipboard, false, 'redirectclipboard:i:0');
  assert.equal(imported.settings.audioMode, 'none');
  assert.equal(imported.document.lines[2]?.kind, 'blank');
  bytesEqual(writeRdpDocument(imported.document), bytes);
  const exported = utf16(exportRdpFile(imported.draft, { original: imported.document }));
  assert.match(exported, /^full address:s:\[fd00::42\]:3391\r$/m, 'IPv6 goes back in brackets');
  assert.match(exported, /^\r$/m, 'the blank line is kept');
});

test('RD Gateway is flagged unsupported, with its host, and not silently bypassed', () => {
  const imported = expectOk(parseRdpFile(fixture('gateway.rdp')));
  assert.deepEqual(imported.draft.unsupportedFeatures, ['RD Gateway (gateway.example.com)']);
  assert.equal(imported.draft.host, 'pc-117.internal.corp.example');
  assert.equal(imported.draft.desktopSize, 'fixed');
  assert.equal(imported.draft.fullscreen, false, 'screen mode id:i:1 is a window');
  assert.ok(imported.notes.some((n) => n.includes('RD Gateway (gateway.example.com)') && /refuse to connect rather than go straight/.test(n)));
  // Re-exported, the gateway lines are still there, so a re-import flags it again.
  const again = expectOk(parseRdpFile(exportRdpFile(imported.draft, { original: imported.document })));
  assert.deepEqual(again.draft.unsupportedFeatures, ['RD Gateway (gateway.example.com)']);
});

test('RemoteApp and connection-broker load-balance info (RD Web, UTF-8 with BOM, CRLF)', () => {
  const bytes = fixture('remoteapp.rdp');
  const imported = expectOk(parseRdpFile(bytes, { fileName: 'Excel.rdp' }));
  assert.equal(imported.document.encoding, 'utf-8-bom');
  assert.deepEqual(imported.draft.unsupportedFeatures, ['RemoteApp (Excel)', 'Connection broker load-balance info']);
  assert.equal(imported.draft.port, 3389, "'server port:i:3389' and no port in the address");
  bytesEqual(writeRdpDocument(imported.document), bytes);
});

test('a signed file with an encrypted password: notes, and the password blob neither imported nor exported', () => {
  const imported = expectOk(parseRdpFile(fixture('signed.rdp')));
  assert.ok(imported.notes.includes(SIGNED_FILE_NOTE));
  assert.ok(imported.notes.includes(ENCRYPTED_PASSWORD_NOTE));
  assert.deepEqual([imported.draft.username, imported.draft.domain], ['ann', 'CORP']);
  assert.equal(JSON.stringify(imported.draft).includes('01000000D08C'), false);
  const exported = utf16(exportRdpFile({ ...imported.draft, domain: 'LAB' }, { original: imported.document }));
  assert.equal(exported.includes('password 51'), false, 'export never writes a password');
  assert.match(exported, /^domain:s:LAB\r$/m, 'the domain line is updated in place');
  assert.match(exported, /^username:s:ann\r$/m);
  assert.match(exported, /^signature:s:AQAB/m, 'the signature line stays (the note says it no longer matches)');
});

test('settings DeskBridge will not apply are named in one note, only where the file asks for them', () => {
  const asking = [
    'full address:s:pc',
    'drivestoredirect:s:*',
    'redirectprinters:i:1',
    'redirectsmartcards:i:1',
    'audiocapturemode:i:1',
    'use multimon:i:1',
    'selectedmonitors:s:0,1',
    'kdcproxyname:s:kdc.corp.example',
  ].join('\r\n');
  const notes = expectOk(parseRdpFile(encodeConnectionFileText(asking, 'utf-8'))).notes;
  assert.equal(notes.length, 1, 'one note for the file, not one per line');
  assert.equal(
    notes[0],
    "DeskBridge will not apply these settings from the file: share this computer's drives (drivestoredirect:s:*); share printers (redirectprinters); share smart cards (redirectsmartcards); " +
      'send the microphone (audiocapturemode); use all monitors (use multimon); use the chosen monitors (selectedmonitors:s:0,1); sign in through the KDC proxy kdc.corp.example (kdcproxyname).',
  );
  const notAsking = ['full address:s:pc', 'drivestoredirect:s:', 'redirectprinters:i:0', 'redirectsmartcards:i:0', 'audiocapturemode:i:0', 'use multimon:i:0', 'selectedmonitors:s:', 'kdcproxyname:s:'];
  assert.deepEqual(expectOk(parseRdpFile(encodeConnectionFileText(notAsking.join('\r\n'), 'utf-8'))).notes, []);
});

test('malformed .rdp files give errors that name the line', () => {
  const noType = expectError(parseRdpFile(fixture('malformed/no-type.rdp')));
  assert.equal(noType.line, 4);
  assert.equal(noType.code, 'malformed-line');
  assert.match(noType.message, /^Line 4: 'full address' has no type/);

  const truncated = expectError(parseRdpFile(fixture('malformed/truncated-utf16.rdp')));
  assert.equal(truncated.code, 'truncated');
  assert.equal(truncated.line, 55, 'the cut is in the last line');
  assert.match(truncated.message, /^Line 55: .*cut short/);

  const garbage = expectError(parseRdpFile(fixture('malformed/garbage.rdp')));
  assert.equal(garbage.code, 'not-text');
  assert.match(garbage.message, /^Line \d+: .*not a connection file/);

  const cases: [string, RegExp][] = [
    ['full address:s:\r\nusername:s:ann\r\n', /^Line 1: 'full address' has no value\.$/],
    ['username:s:ann\r\n', /no 'full address' line/],
    ['full address:s:pc:99999\r\n', /^Line 1: 'full address' has the port '99999'/],
    ['full address:s:my pc\r\n', /^Line 1: 'full address' is not valid\. Enter a host name/],
    ['full address:q:pc\r\n', /^Line 1: 'full address' has the type 'q'/],
    // Where the connection goes is never guessed: an unreadable gateway line would send it straight to the host.
    ['full address:s:pc\r\ngatewayhostname:gw.corp.example\r\n', /^Line 2: 'gatewayhostname' has no type/],
    ['full address:s:pc\r\nremoteapplicationmode:i:\r\n', /^Line 2: 'remoteapplicationmode' has no value\.$/],
    ['just some words\r\n', /^This is not an \.rdp file: none of its lines is a setting/],
    ['', /^The file is empty\.$/],
    ['\r\n  \r\n', /^The file is empty\.$/],
  ];
  for (const [text, message] of cases) {
    const error = expectError(parseRdpFile(encodeConnectionFileText(text, 'utf-8')));
    assert.match(error.message, message, text);
  }
});

test('lenient as mstsc: a comment, an empty value, an out-of-range size and a Windows-1252 file import, with one note naming the lines passed over', () => {
  const text = '; Finance desk, booked via facilities\r\nfull address:s:pc\r\ndesktopwidth:i:\r\ndesktopheight:i:99999\r\nsession bpp:i:thirty-two\r\nusername:s:ann\r\n';
  const imported = expectOk(parseRdpFile(encodeConnectionFileText(text, 'utf-8')));
  assert.deepEqual([imported.draft.host, imported.draft.username, imported.draft.desktopSize], ['pc', 'ann', 'fit-window']);
  assert.equal(imported.settings.colorDepth, null);
  assert.deepEqual(imported.notes, ['DeskBridge passed over lines 1, 3, 4, 5 of this file, which it could not read or use, as Remote Desktop Connection does.']);
  // A later unusable line does not hide an earlier usable one, as mstsc reads them.
  const twice = expectOk(parseRdpFile(encodeConnectionFileText('full address:s:pc\ndesktopwidth:i:1600\ndesktopheight:i:900\ndesktopwidth:i:\n', 'utf-8')));
  assert.deepEqual([twice.draft.desktopSize, twice.draft.desktopWidth, twice.draft.desktopHeight], ['fixed', 1600, 900]);

  // "Jürgen" with ü as the single byte 0xFC: not UTF-8, read as Windows-1252.
  const ansi = Uint8Array.from([...Buffer.from('full address:s:pc\r\nusername:s:J', 'latin1'), 0xfc, ...Buffer.from('rgen\r\n', 'latin1')]);
  const fromAnsi = expectOk(parseRdpFile(ansi));
  assert.equal(fromAnsi.draft.username, 'J\u00fcrgen');
  assert.equal(fromAnsi.document.encoding, 'windows-1252');
  assert.deepEqual(fromAnsi.notes, [ANSI_FILE_NOTE]);
  bytesEqual(writeRdpDocument(fromAnsi.document), ansi, 'an unchanged Windows-1252 document writes the same bytes');
  assert.match(utf16(exportRdpFile(fromAnsi.draft, { original: fromAnsi.document })), /^username:s:J\u00fcrgen\r$/m, 'exported as mstsc writes, UTF-16LE');
});

test('the document keeps lines that do not parse, verbatim; import refuses an unreadable full address rather than guess the computer', () => {
  const text = 'full address:s:pc\r\nnot a setting\r\nfull address:pc2\r\n';
  const document = parseRdpText(text, 'utf-8');
  assert.deepEqual(document.lines.map((l) => l.kind), ['setting', 'unparsed', 'unparsed']);
  bytesEqual(writeRdpDocument(document), encodeConnectionFileText(text, 'utf-8'));
  assert.equal(parseRdpFile(encodeConnectionFileText(text, 'utf-8')).ok, false);
});

test('names are matched without regard to case; a new setting is appended with the file\'s line ending', () => {
  const document = parseRdpText('Full Address:s:pc\nUserName:s:ann', 'utf-8');
  assert.equal(getRdpSetting(document, 'full address')?.value, 'pc');
  const changed = setRdpSetting(setRdpSetting(document, 'username', 's', 'bob'), 'smart sizing', 'i', '1');
  assert.equal(utf8(writeRdpDocument(changed)), 'Full Address:s:pc\nUserName:s:bob\nsmart sizing:i:1\n');
});

test('a fresh export is a plain mstsc-style file', () => {
  const draft = profileDraftSchema.parse({ name: 'New', protocol: 'rdp', host: 'pc.example', port: 3389, username: 'ann', domain: 'CORP' });
  const bytes = exportRdpFile(draft);
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe]);
  const text = utf16(bytes);
  assert.ok(text.endsWith('\r\n'));
  assert.equal(text.split('\r\n').filter(Boolean).every((l) => /^[a-z ]+:[sib]:/.test(l)), true);
  assert.match(text, /^full address:s:pc\.example\r$/m);
  assert.match(text, /^username:s:CORP\\ann\r$/m);
});

test('desktopscalefactor: above 100 turns on “Optimise for high-resolution displays”, with a note; 100 turns it off; without it, the default', () => {
  const read = (text: string) => expectOk(parseRdpFile(encodeConnectionFileText(`full address:s:pc\r\n${text}`, 'utf-16le-bom')));
  for (const percent of [125, 150, 200, 500]) {
    const imported = read(`desktopscalefactor:i:${percent}\r\n`);
    assert.equal(imported.draft.highDpi, true, `${percent} %`);
    assert.ok(imported.fileFields.includes('highDpi'), 'set by the file, so IT\'s default does not replace it');
    assert.deepEqual(imported.notes, [scaleFactorNote(percent)]);
  }
  assert.equal(
    scaleFactorNote(150),
    'This file asks for the remote desktop at a scale of 150 % (desktopscalefactor:i:150). DeskBridge turned on “Optimise for high-resolution displays” instead, which scales it as this display is scaled (not at all on a display at 100 %).',
  );
  const unscaled = read('Desktopscalefactor:i:100\r\n');
  assert.equal(unscaled.draft.highDpi, false);
  assert.ok(unscaled.fileFields.includes('highDpi'), '100 is the file saying "no scaling"');
  assert.deepEqual(unscaled.notes, []);
  const without = read('smart sizing:i:1\r\n');
  assert.ok(!without.fileFields.includes('highDpi'), 'a file without it leaves the option to IT\'s default');
  assert.equal(without.draft.highDpi, false);
  // Outside 100–500 (ignored by the protocol) or not a number: passed over, with the note naming the lines, as other unusable values are.
  const invalid = read('desktopscalefactor:i:50\r\nusername:s:ann\r\ndesktopscalefactor:i:600\r\ndesktopscalefactor:i:big\r\n');
  assert.ok(!invalid.fileFields.includes('highDpi'));
  assert.equal(invalid.draft.username, 'ann');
  assert.deepEqual(invalid.notes, ['DeskBridge passed over lines 2, 4, 5 of this file, which it could not read or use, as Remote Desktop Connection does.']);
  // A later unusable line does not hide an earlier usable one.
  assert.equal(read('desktopscalefactor:i:200\r\ndesktopscalefactor:i:9000\r\n').draft.highDpi, true);
});

test('desktopscalefactor on export: written back only over a file that had it, where the option changed (off is 100, on takes the line out); never added', () => {
  const original = (factor: string) => encodeConnectionFileText(`full address:s:pc\r\ndesktopscalefactor:i:${factor}\r\nx-keep:s:me\r\n`, 'utf-16le-bom');
  const scaled = expectOk(parseRdpFile(original('150')));
  bytesEqual(exportRdpFile(scaled.draft, { original: scaled.document }), original('150'), 'unchanged, the file comes back as it was');
  const turnedOff = utf16(exportRdpFile({ ...scaled.draft, highDpi: false }, { original: scaled.document }));
  assert.equal(turnedOff, 'full address:s:pc\r\ndesktopscalefactor:i:100\r\nx-keep:s:me\r\n', 'off: 100, in place');
  assert.equal(expectOk(parseRdpFile(exportRdpFile({ ...scaled.draft, highDpi: false }, { original: scaled.document }))).draft.highDpi, false);

  const unscaled = expectOk(parseRdpFile(original('100')));
  const turnedOn = utf16(exportRdpFile({ ...unscaled.draft, highDpi: true }, { original: unscaled.document }));
  assert.equal(turnedOn, 'full address:s:pc\r\nx-keep:s:me\r\n', 'on: the line goes, so mstsc scales as its display is scaled');

  // A file without the line, and a fresh export, get none either way: mstsc's own default stands.
  const plain = expectOk(parseRdpFile(encodeConnectionFileText('full address:s:pc\r\n', 'utf-16le-bom')));
  for (const highDpi of [true, false]) {
    assert.doesNotMatch(utf16(exportRdpFile({ ...plain.draft, highDpi }, { original: plain.document })), /desktopscalefactor/i);
    assert.doesNotMatch(utf16(exportRdpFile(profileDraftSchema.parse({ name: 'New', protocol: 'rdp', host: 'pc.example', port: 3389, highDpi }))), /desktopscalefactor/i);
  }
});

// Generators ---------------------------------------------------------------

const rdpLineText = fc.oneof(
  fc.tuple(words, fc.constantFrom('s', 'i', 'b', 'S'), safeText(30)).map(([name, type, value]) => `${name}:${type}:${value}`),
  fc.tuple(words, fc.integer({ min: -5, max: 100000 })).map(([name, n]) => `${name}:i:${n}`),
  fc.constant(''),
  fc.constant('   '),
  safeText(30),
);

const rdpSettingsArbitrary = fc.record({
  audioMode: fc.constantFrom('local', 'remote', 'none'),
  autoReconnect: fc.boolean(),
  serverAuthentication: fc.constantFrom('connect', 'refuse', 'warn', 'unspecified'),
  colorDepth: fc.constantFrom(8, 15, 16, 24, 32),
  quality: fc.constant(null),
}) as fc.Arbitrary<ImportedSettings>;

test('property: any document is written back byte for byte and reads back equal', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(rdpLineText, fc.constantFrom('\r\n', '\n')), { maxLength: 30 }),
      fc.boolean(),
      fc.constantFrom<TextEncodingName>('utf-16le-bom', 'utf-8', 'utf-8-bom'),
      (lines, finalEnding, encoding) => {
        let text = lines.map(([line, eol]) => line + eol).join('');
        if (!finalEnding && text.endsWith('\n')) text = text.replace(/\r?\n$/, '');
        const bytes = encodeConnectionFileText(text, encoding);
        const first = parseRdpDocument(bytes);
        assert.equal(first.ok, true);
        if (!first.ok) return;
        const written = writeRdpDocument(first.document);
        bytesEqual(written, bytes);
        const second = parseRdpDocument(written);
        assert.ok(second.ok);
        if (second.ok) assert.deepEqual(second.document, first.document);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: parse(export(draft)) gives the draft back, with its settings', () => {
  fc.assert(
    fc.property(draftArbitrary(['rdp']), rdpSettingsArbitrary, (anyDraft, settings) => {
      // As an import gives them: level 1 is the connection's "Do not connect".
      const draft: ProfileDraft = { ...anyDraft, untrustedCertificate: settings.serverAuthentication === 'refuse' ? 'refuse' : 'ask' };
      const imported = parseRdpFile(exportRdpFile(draft, { settings: { ...settings } }), { fileName: `${draft.name}.rdp` });
      if (!imported.ok) assert.fail(imported.error.message);
      const pick = (d: ProfileDraft) => ({
        name: d.name,
        protocol: d.protocol,
        host: d.host,
        port: d.port,
        username: d.username,
        domain: d.domain,
        scaling: d.scaling,
        rdpSecurity: d.rdpSecurity,
        desktopSize: d.desktopSize,
        desktopWidth: d.desktopWidth,
        desktopHeight: d.desktopHeight,
        shareClipboard: d.shareClipboard,
        fullscreen: d.fullscreen,
        unsupportedFeatures: d.unsupportedFeatures,
        untrustedCertificate: d.untrustedCertificate,
        startProgram: d.startProgram,
        startFolder: d.startFolder,
      });
      assert.deepEqual(pick(imported.draft), pick(draft));
      assert.deepEqual(imported.settings, { ...settings });
    }),
    { numRuns: 300 },
  );
});

test('property: random bytes and random text give a result, never an exception', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const result = parseRdpFile(bytes);
      if (!result.ok) assert.ok(result.error.message.length > 0);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom<TextEncodingName>('utf-16le-bom', 'utf-8'), (text, encoding) => {
      const result = parseRdpFile(encodeConnectionFileText(text, encoding));
      if (!result.ok) assert.match(result.error.message, /\S/);
    }),
    { numRuns: 500 },
  );
});

test('authentication level 1 ("do not connect if the server cannot be verified") is kept as the connection\'s "Do not connect", and written back as it is set', () => {
  const strict = expectOk(parseRdpFile(new TextEncoder().encode('full address:s:desk.corp.example\r\nauthentication level:i:1\r\n'), { fileName: 'Strict.rdp' }));
  assert.equal(strict.draft.untrustedCertificate, 'refuse');
  for (const level of ['0', '2', '3']) {
    assert.equal(expectOk(parseRdpFile(new TextEncoder().encode(`full address:s:desk.corp.example\r\nauthentication level:i:${level}\r\n`), { fileName: 'Other.rdp' })).draft.untrustedCertificate, 'ask', `level ${level}`);
  }
  const level = (bytes: Uint8Array) => {
    const parsed = parseRdpDocument(bytes);
    return parsed.ok ? getRdpSetting(parsed.document, 'authentication level')?.value : undefined;
  };
  assert.equal(level(exportRdpFile(strict.draft, { original: strict.document })), '1');
  assert.equal(level(exportRdpFile({ ...strict.draft, untrustedCertificate: 'ask' }, { original: strict.document })), '2');
  const fresh = profileDraftSchema.parse({ name: 'New', protocol: 'rdp', host: 'desk.corp.example', port: 3389, untrustedCertificate: 'refuse' });
  assert.equal(level(exportRdpFile(fresh)), '1');
  assert.equal(level(exportRdpFile({ ...fresh, untrustedCertificate: 'ask' })), '2');
});

test('a password in plain text (password:s:, gatewaypassword:s:): a note says it was not kept, and no export writes any password line', () => {
  const text =
    'full address:s:desk.example\r\nusername:s:ann\r\npassword:s:Winter2026!\r\ngatewayhostname:s:gw.example\r\ngatewaypassword:s:GwSecret1\r\n' +
    'gatewayaccesstoken:s:eyJtoken\r\npassword 51:b:01000000D08C9DDF\r\nPassword:x:broken\r\nx-keep:s:kept\r\n';
  const imported = expectOk(parseRdpFile(encodeConnectionFileText(text, 'utf-16le-bom')));
  assert.ok(imported.notes.includes(CLEAR_PASSWORD_NOTE), imported.notes.join('\n'));
  assert.ok(imported.notes.includes(GATEWAY_PASSWORD_NOTE), imported.notes.join('\n'));
  assert.ok(imported.notes.includes(ENCRYPTED_PASSWORD_NOTE));
  assert.equal(JSON.stringify(imported.draft).includes('Winter2026'), false);
  for (const draft of [imported.draft, { ...imported.draft, username: 'bob' }]) {
    const exported = utf16(exportRdpFile(draft, { original: imported.document }));
    for (const secret of ['Winter2026', 'GwSecret1', 'eyJtoken', '01000000D08C', 'broken']) assert.equal(exported.includes(secret), false, `${secret} in\n${exported}`);
    assert.doesNotMatch(exported, /password/i);
    assert.match(exported, /^x-keep:s:kept\r$/m, 'every other line stays');
  }
  // Only a line that holds one is noted.
  const plain = expectOk(parseRdpFile(encodeConnectionFileText('full address:s:desk.example\r\npassword:s:\r\n', 'utf-8')));
  assert.deepEqual(plain.notes, []);
});

test('settings DeskBridge does not do are named, each in words: sound, no reconnecting, colour depth (not full screen, which it does)', () => {
  const notes = (lines: string) => expectOk(parseRdpFile(encodeConnectionFileText(`full address:s:desk.example\r\n${lines}`, 'utf-8'))).notes;
  assert.deepEqual(notes('screen mode id:i:2\r\naudiomode:i:0\r\nautoreconnection enabled:i:0\r\nsession bpp:i:16\r\n'), [
    "DeskBridge will not apply these settings from the file: play the remote computer's sound on this computer (audiomode:i:0); " +
      'not reconnect by itself when the connection drops (autoreconnection enabled:i:0); use 16-bit colour (session bpp:i:16).',
  ]);
  // What DeskBridge does anyway says nothing: a window or full screen, no sound, reconnecting, 32-bit colour, negotiated security.
  assert.deepEqual(notes('screen mode id:i:2\r\n'), []);
  assert.deepEqual(notes('screen mode id:i:1\r\naudiomode:i:2\r\nautoreconnection enabled:i:1\r\nsession bpp:i:32\r\nnegotiate security layer:i:1\r\n'), []);
  assert.deepEqual(notes('negotiate security layer:i:0\r\n'), [LEGACY_SECURITY_NOTE]);
});

test('pcb (a Hyper-V console) and an alternate full address decide where the connection goes: flagged, and connecting refuses', () => {
  const read = (lines: string) => expectOk(parseRdpFile(encodeConnectionFileText(`full address:s:hyperv-1.example:2179\r\n${lines}`, 'utf-8')));
  const vm = read('pcb:s:7C2B7C1A-8F0E-4B6A-9E37-0F3E6A1C2D4B\r\n');
  assert.deepEqual(vm.draft.unsupportedFeatures, ['Preconnection blob (7C2B7C1A-8F0E-4B6A-9E37-0F3E6A1C2D4B)']);
  assert.ok(vm.notes.some((n) => /Preconnection blob.*refuse to connect rather than go straight/.test(n)), vm.notes.join('\n'));
  const alternate = read('alternate full address:s:10.1.2.3\r\n');
  assert.deepEqual(alternate.draft.unsupportedFeatures, ['Alternate address (10.1.2.3)']);
  assert.deepEqual(read('alternate full address:s:HYPERV-1.example:2179\r\n').draft.unsupportedFeatures, [], 'the same address is no other route');
  // Only the .rdp it came from can carry either.
  assert.match(exportRefusal(vm.draft, 'remmina', 'rdp') ?? '', /preconnection blob .*a \.remmina file cannot describe: export it as \.rdp/);
  assert.match(exportRefusal(alternate.draft, 'remmina', 'rdp') ?? '', /alternate address 10\.1\.2\.3.*export it as \.rdp/);
  assert.equal(exportRefusal(vm.draft, 'rdp', 'rdp'), null);
  // An unreadable one is refused, as other routing lines are.
  assert.match(expectError(parseRdpFile(encodeConnectionFileText('full address:s:desk.example\r\npcb:x:vm\r\n', 'utf-8'))).message, /^Line 2: /);
});

test('alternate shell and shell working directory are the start program and its folder (no longer unsupported), written back in place; RemoteApp\u2019s "||alias" stays RemoteApp', () => {
  const file = 'full address:s:apps.corp.example\r\nalternate shell:s:C:\\Program Files\\Ledger\\ledger.exe /ro\r\nshell working directory:s:D:\\Books\r\nsmart sizing:i:1\r\n';
  const imported = expectOk(parseRdpFile(encodeConnectionFileText(file, 'utf-16le-bom')));
  assert.equal(imported.draft.startProgram, 'C:\\Program Files\\Ledger\\ledger.exe /ro');
  assert.equal(imported.draft.startFolder, 'D:\\Books');
  assert.deepEqual(imported.draft.unsupportedFeatures, []);
  assert.ok(imported.fileFields.includes('startProgram') && imported.fileFields.includes('startFolder'));
  // Unchanged: the same bytes. Changed: the lines in place, nothing added.
  bytesEqual(exportRdpFile(imported.draft, { original: imported.document }), encodeConnectionFileText(file, 'utf-16le-bom'));
  const changed = exportRdpFile({ ...imported.draft, startProgram: 'notepad.exe', startFolder: '' }, { original: imported.document });
  assert.equal(
    utf16(changed),
    'full address:s:apps.corp.example\r\nalternate shell:s:notepad.exe\r\nshell working directory:s:\r\nsmart sizing:i:1\r\n',
  );
  // A fresh export writes them only when set.
  const fresh = (draft: ProfileDraft) => utf16(exportRdpFile(draft));
  assert.doesNotMatch(fresh({ ...imported.draft, startProgram: '', startFolder: '' }), /alternate shell|shell working directory/);
  assert.match(fresh(imported.draft), /\r\nalternate shell:s:C:\\Program Files\\Ledger\\ledger\.exe \/ro\r\n/);
  // RemoteApp's form is not a start program: flagged as before, the fields empty, the lines kept as they were.
  const remoteApp = expectOk(parseRdpFile(fixture('remoteapp.rdp')));
  assert.equal(remoteApp.draft.startProgram, '');
  assert.equal(remoteApp.draft.startFolder, '');
  assert.deepEqual(remoteApp.draft.unsupportedFeatures, ['RemoteApp (Excel)', 'Connection broker load-balance info']);
  assert.match(utf16(exportRdpFile(remoteApp.draft, { original: remoteApp.document })), /\r\nalternate shell:s:\|\|EXCEL\r\n/);
  // A start program in a connection still labelled RemoteApp (one saved before the settings refused the pair): the
  // export is refused in words, and the writer leaves the RemoteApp lines as they are (the file stays what the label says).
  const labelledWithProgram = { ...remoteApp.draft, startProgram: 'notepad.exe' };
  assert.equal(exportRefusal(labelledWithProgram, 'rdp', 'rdp'), 'This connection opens the RemoteApp program Excel from its file and also has a start program, which cannot go with a RemoteApp: clear the start program in its settings, then export it.');
  assert.equal(exportRefusal(remoteApp.draft, 'rdp', 'rdp'), null);
  bytesEqual(exportRdpFile(labelledWithProgram, { original: remoteApp.document }), exportRdpFile(remoteApp.draft, { original: remoteApp.document }));
  // A start program written over it in a connection no longer labelled RemoteApp: RemoteApp goes off, so the file opens
  // the program the connection names (mstsc would otherwise still open remoteapplicationprogram); read back, a start
  // program and no RemoteApp.
  const desktop = { ...remoteApp.draft, unsupportedFeatures: remoteApp.draft.unsupportedFeatures.filter((label) => !label.startsWith('RemoteApp')) };
  const overRemoteApp = exportRdpFile({ ...desktop, startProgram: 'notepad.exe' }, { original: remoteApp.document });
  assert.match(utf16(overRemoteApp), /\r\nremoteapplicationmode:i:0\r\n/);
  assert.match(utf16(overRemoteApp), /\r\nalternate shell:s:notepad\.exe\r\n/);
  const readBack = expectOk(parseRdpFile(overRemoteApp));
  assert.equal(readBack.draft.startProgram, 'notepad.exe');
  assert.deepEqual(readBack.draft.unsupportedFeatures, ['Connection broker load-balance info']);
  // ":i:01" is on as the import reads it (a number), so it goes off too.
  const leadingZero = expectOk(parseRdpFile(encodeConnectionFileText('full address:s:pc\r\nremoteapplicationmode:i:01\r\nremoteapplicationprogram:s:||EXCEL\r\nalternate shell:s:||EXCEL\r\n', 'utf-8')));
  assert.deepEqual(leadingZero.draft.unsupportedFeatures, ['RemoteApp (||EXCEL)']);
  const overZero = exportRdpFile({ ...leadingZero.draft, unsupportedFeatures: [], startProgram: 'notepad.exe' }, { original: leadingZero.document });
  assert.match(utf16(overZero), /\r\nremoteapplicationmode:i:0\r\n/);
  assert.deepEqual([expectOk(parseRdpFile(overZero)).draft.startProgram, expectOk(parseRdpFile(overZero)).draft.unsupportedFeatures], ['notepad.exe', []]);
  // Over 255 characters the server would not take: the connection imported without it, flagged so that Connect
  // refuses rather than open the whole desktop, a note naming the line, the length and the limit; the line kept for an export.
  const longFile = `full address:s:pc\r\nusername:s:ann\r\nalternate shell:s:${'x'.repeat(312)}\r\nshell working directory:s:${'d'.repeat(256)}\r\n`;
  const long = expectOk(parseRdpFile(encodeConnectionFileText(longFile, 'utf-16le-bom')));
  assert.deepEqual([long.draft.host, long.draft.username, long.draft.startProgram, long.draft.startFolder], ['pc', 'ann', '', '']);
  assert.equal(long.draft.unsupportedFeatures.length, 1);
  assert.match(long.draft.unsupportedFeatures[0] ?? '', /^Start program \(x{180,}…\)$/);
  assert.ok((long.draft.unsupportedFeatures[0] ?? '').length <= 200);
  assert.deepEqual(long.notes.filter((note) => / characters long/.test(note)), [
    "Line 3: the start program ('alternate shell') is 312 characters long, and an RDP start program holds 255 at most, so it was left out. Until a shorter one is entered in the connection's settings, DeskBridge will not connect rather than open the whole desktop.",
    "Line 4: the start folder ('shell working directory') is 256 characters long, and an RDP start folder holds 255 at most, so it was left out: the program starts in the remote computer's default folder.",
  ]);
  assert.ok(!long.notes.some((note) => /does not support yet/.test(note)), 'one note for it, not also the unsupported list');
  bytesEqual(exportRdpFile(long.draft, { original: long.document }), encodeConnectionFileText(longFile, 'utf-16le-bom'));
  // A program entered in its settings (the label gone), then cleared: the export writes it cleared, not the file's
  // 312 characters back (the original, read today, says '' as well); read back, the whole desktop and no label.
  const cleared = exportRdpFile({ ...long.draft, startProgram: '', unsupportedFeatures: [] }, { original: long.document });
  assert.match(utf16(cleared), /\r\nalternate shell:s:\r\n/);
  assert.deepEqual([expectOk(parseRdpFile(cleared)).draft.startProgram, expectOk(parseRdpFile(cleared)).draft.unsupportedFeatures], ['', []]);
  assert.match(utf16(exportRdpFile({ ...long.draft, startProgram: 'notepad.exe', unsupportedFeatures: [] }, { original: long.document })), /\r\nalternate shell:s:notepad\.exe\r\n/);
  // 255 is still taken.
  assert.equal(expectOk(parseRdpFile(encodeConnectionFileText(`full address:s:pc\r\nalternate shell:s:${'x'.repeat(255)}\r\n`, 'utf-8'))).draft.startProgram, 'x'.repeat(255));
  // A connection imported before start programs were taken (its program only a label, the field empty): an export
  // over its kept original leaves the file's lines as they were, not emptied.
  const older = { ...imported.draft, startProgram: '', startFolder: '', unsupportedFeatures: ['Start program (C:\\Program Files\\Ledger\\ledger.exe /ro)'] };
  bytesEqual(exportRdpFile(older, { original: imported.document }), encodeConnectionFileText(file, 'utf-16le-bom'));
});

test('full screen: screen mode id 2 starts in full screen and 1 in a window, written back in place; nothing else moves', () => {
  const bytes = fixture('mstsc-desktop.rdp');
  const { document, draft } = expectOk(parseRdpFile(bytes));
  assert.equal(draft.fullscreen, true, 'screen mode id:i:2, as mstsc saves it');
  bytesEqual(exportRdpFile(draft, { original: document }), bytes, 'still full screen: the original file');
  const windowed = utf16(exportRdpFile({ ...draft, fullscreen: false }, { original: document })).split('\r\n');
  const changed = utf16(bytes)
    .split('\r\n')
    .map((line, i) => [line, windowed[i]])
    .filter(([a, b]) => a !== b);
  assert.deepEqual(changed, [['screen mode id:i:2', 'screen mode id:i:1']]);
  assert.equal(expectOk(parseRdpFile(exportRdpFile({ ...draft, fullscreen: false }, { original: document }))).draft.fullscreen, false);
  // A file without the line takes the connection's default (IT's profileDefaults, else a window), and keeps its bytes.
  const silent = encodeConnectionFileText('full address:s:pc.example\r\n', 'utf-8');
  const quiet = expectOk(parseRdpFile(silent));
  assert.equal(quiet.fileFields.includes('fullscreen'), false);
  assert.equal(utf16(exportRdpFile(quiet.draft, { original: quiet.document })), 'full address:s:pc.example\r\n', 'no line added');
  assert.match(utf16(exportRdpFile({ ...quiet.draft, fullscreen: true }, { original: quiet.document })), /^screen mode id:i:2\r$/m);
  // A new file says what the connection does.
  const fresh = (fullscreen: boolean) => utf16(exportRdpFile({ ...draft, fullscreen }));
  assert.match(fresh(true), /^screen mode id:i:2\r$/m);
  assert.match(fresh(false), /^screen mode id:i:1\r$/m);
});
