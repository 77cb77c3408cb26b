// The start program in the Client Info PDU (clientInfo.ts), on the PDUs
// IronRDP's web client really sent (fixtures/ironrdp-client-pdus.hex), read
// back by a reader of TS_INFO_PACKET written here from MS-RDPBCGR 2.2.1.11.1.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ClientStreamRewriter, type ClientSettings } from '../../../../electron/gateway/bridges/rdp/clientSettings';
import { withStartProgram } from '../../../../electron/gateway/bridges/rdp/clientInfo';
import { splitAt } from './chunks';

const here = path.dirname(fileURLToPath(import.meta.url));
const PDUS = readFileSync(path.join(here, 'fixtures', 'ironrdp-client-pdus.hex'), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => Buffer.from(line, 'hex'));
const BEFORE_INFO = Buffer.concat(PDUS.slice(0, -1));
const CLIENT_INFO = PDUS[PDUS.length - 1]!;
const AFTER = Buffer.from([0x00, 0x07, 0x01, 0x02, 0x03, 0x04, 0x05]); // a fast-path input PDU

const SETTINGS: ClientSettings = { want32Bpp: true, keyboardLayout: 0x0407, autologon: true };
const START = { program: 'C:\\Program Files\\Ledger\\ledger.exe /ro', folder: 'D:\\Données' };

interface ClientInfo {
  tpktLength: number;
  /** The MCS Send Data Request's PER length and what follows it. */
  perLength: number;
  userDataLength: number;
  securityFlags: number;
  flags: number;
  domain: string;
  userName: string;
  password: string;
  alternateShell: string;
  workingDir: string;
  /** TS_EXTENDED_INFO_PACKET, as bytes. */
  extra: Buffer;
}

/** Reads a Client Info PDU field by field: TPKT (4), X.224 (3), SDrq header (6), PER length, security header, TS_INFO_PACKET. */
function readClientInfo(pdu: Buffer): ClientInfo {
  assert.deepEqual([...pdu.subarray(0, 2)], [0x03, 0x00], 'TPKT version');
  assert.deepEqual([...pdu.subarray(4, 7)], [0x02, 0xf0, 0x80], 'X.224 data');
  assert.equal(pdu[7], 0x64, 'MCS Send Data Request');
  const twoBytes = (pdu[13]! & 0x80) !== 0;
  const perLength = twoBytes ? ((pdu[13]! & 0x3f) << 8) | pdu[14]! : pdu[13]!;
  let at = twoBytes ? 15 : 14;
  const userDataLength = pdu.length - at;
  const securityFlags = pdu.readUInt16LE(at);
  at += 4;
  const flags = pdu.readUInt32LE(at + 4);
  const cb = [0, 1, 2, 3, 4].map((i) => pdu.readUInt16LE(at + 8 + 2 * i));
  at += 18;
  const strings = cb.map((length) => {
    const text = pdu.subarray(at, at + length).toString('utf16le');
    assert.equal(pdu.readUInt16LE(at + length), 0, 'the mandatory NUL');
    at += length + 2;
    return text;
  });
  const [domain, userName, password, alternateShell, workingDir] = strings as [string, string, string, string, string];
  return { tpktLength: pdu.readUInt16BE(2), perLength, userDataLength, securityFlags, flags, domain, userName, password, alternateShell, workingDir, extra: pdu.subarray(at) };
}

function rewrite(settings: ClientSettings, chunks: Buffer[]) {
  const rewriter = new ClientStreamRewriter(settings, false);
  const out = Buffer.concat(chunks.flatMap((chunk) => rewriter.push(chunk)));
  return { out, rewriter };
}

test('IronRDP sends no start program; with one, the Client Info PDU carries it and its folder, every length written anew, all else as sent', () => {
  const sent = readClientInfo(CLIENT_INFO);
  assert.equal(sent.alternateShell, '');
  assert.equal(sent.workingDir, '');
  assert.equal(sent.perLength, sent.userDataLength, 'the fixture is consistent');

  const { out, rewriter } = rewrite({ ...SETTINGS, startProgram: START }, [BEFORE_INFO, CLIENT_INFO, AFTER]);
  assert.deepEqual(out.subarray(0, BEFORE_INFO.length), rewrite(SETTINGS, [BEFORE_INFO]).out, 'the PDUs before it as without a start program');
  assert.deepEqual(out.subarray(out.length - AFTER.length), AFTER, 'what follows passes as it came');
  const pdu = out.subarray(BEFORE_INFO.length, out.length - AFTER.length);
  const info = readClientInfo(pdu);
  assert.equal(info.alternateShell, START.program);
  assert.equal(info.workingDir, START.folder);
  assert.equal(info.tpktLength, pdu.length, 'TPKT length');
  assert.equal(info.perLength, info.userDataLength, 'MCS user data length');
  assert.equal(pdu.length, CLIENT_INFO.length + 2 * (START.program.length + START.folder.length));
  assert.equal(info.securityFlags, sent.securityFlags);
  assert.equal(info.flags, sent.flags | 0x8, 'the client\u2019s flags, with INFO_AUTOLOGON');
  assert.equal(info.userName, sent.userName);
  assert.equal(info.password, sent.password);
  assert.equal(info.domain, sent.domain);
  assert.deepEqual(info.extra, sent.extra, 'the extended info (client address, time zone…) unchanged');
  assert.deepEqual(pdu.subarray(7, 13), CLIENT_INFO.subarray(7, 13), 'initiator, channel and priority as sent');
  assert.equal(rewriter.report.startProgram, true);
  assert.ok(rewriter.settled && !rewriter.finished, 'framing goes on after it');
});

test('no start program, or an empty one: the Client Info PDU is the same bytes as before', () => {
  const plain = rewrite(SETTINGS, [BEFORE_INFO, CLIENT_INFO]).out;
  const empty = rewrite({ ...SETTINGS, startProgram: { program: '', folder: '' } }, [BEFORE_INFO, CLIENT_INFO]);
  assert.deepEqual(empty.out, plain);
  assert.equal(empty.rewriter.report.startProgram, undefined);
  assert.equal(plain.length, BEFORE_INFO.length + CLIENT_INFO.length);
});

test('any program and folder up to 255 characters reads back; any split of the stream gives the same bytes', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }).filter((s) => !s.includes('\0')), fc.string({ maxLength: 255 }).filter((s) => !s.includes('\0') && s.length <= 255), (program, folder) => {
      const start = { program: program.slice(0, 255), folder };
      if (Buffer.byteLength(start.program, 'utf16le') > 510) return;
      const { pdu } = withStartProgram(Buffer.from(CLIENT_INFO), 15, start) as { pdu: Buffer };
      assert.ok(pdu, 'rebuilt');
      const info = readClientInfo(pdu);
      assert.equal(info.alternateShell, start.program);
      assert.equal(info.workingDir, start.folder);
      assert.equal(info.perLength, info.userDataLength);
      assert.equal(info.tpktLength, pdu.length);
    }),
    { numRuns: 200 },
  );
  const all = Buffer.concat([BEFORE_INFO, CLIENT_INFO, AFTER]);
  const settings = { ...SETTINGS, startProgram: START };
  const whole = rewrite(settings, [all]).out;
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 30 }), (cuts) => assert.deepEqual(rewrite(settings, splitAt(all, cuts)).out, whole)));
});

test('a short Client Info PDU (one-byte PER length) that grows past 127 bytes gets the two-byte form', () => {
  // Security header, then TS_INFO_PACKET with empty strings (five NULs) and no extended info.
  const body = Buffer.alloc(4 + 18 + 10);
  body.writeUInt16LE(0x0040, 0); // SEC_INFO_PKT
  body.writeUInt32LE(0x00000010, 4 + 4); // INFO_UNICODE
  const head = Buffer.from([0x03, 0x00, 0x00, 0x00, 0x02, 0xf0, 0x80, 0x64, 0x00, 0x04, 0x03, 0xeb, 0x70, body.length]);
  const pdu = Buffer.concat([head, body]);
  pdu.writeUInt16BE(pdu.length, 2);
  assert.equal(readClientInfo(pdu).perLength, body.length, 'one byte before');
  const rebuilt = withStartProgram(pdu, 14, { program: 'x'.repeat(60), folder: '/srv' });
  assert.ok('pdu' in rebuilt);
  assert.ok(rebuilt.pdu[13]! & 0x80, 'two bytes after');
  const info = readClientInfo(rebuilt.pdu);
  assert.equal(info.perLength, info.userDataLength);
  assert.equal(info.alternateShell, 'x'.repeat(60));
  assert.equal(info.workingDir, '/srv');
  assert.equal(info.extra.length, 0);
});

test('what it cannot rebuild it leaves as it came, and says why: ANSI strings, lengths that disagree, a program over 255 characters', () => {
  const ansi = Buffer.from(CLIENT_INFO);
  ansi.writeUInt32LE(ansi.readUInt32LE(15 + 4 + 4) & ~0x10, 15 + 4 + 4);
  const { out, rewriter } = rewrite({ ...SETTINGS, autologon: false, startProgram: START }, [BEFORE_INFO, ansi]);
  assert.deepEqual(out.subarray(BEFORE_INFO.length), ansi);
  assert.match(String(rewriter.report.startProgram), /not Unicode/);

  const wrongLength = Buffer.from(CLIENT_INFO);
  wrongLength[14] = wrongLength[14]! - 1;
  assert.match((withStartProgram(wrongLength, 15, START) as { leftAlone: string }).leftAlone, /MCS user data length/);
  const strings = Buffer.from(CLIENT_INFO);
  strings.writeUInt16LE(0x7ff0, 15 + 4 + 8); // cbDomain past the end
  assert.match((withStartProgram(strings, 15, START) as { leftAlone: string }).leftAlone, /run past/);
  assert.match((withStartProgram(Buffer.from(CLIENT_INFO), 15, { program: 'p'.repeat(256), folder: '' }) as { leftAlone: string }).leftAlone, /over 255/);
  assert.ok('pdu' in withStartProgram(Buffer.from(CLIENT_INFO), 15, { program: 'p'.repeat(255), folder: 'f'.repeat(255) }), '255 characters each fit');
});

test('a start program that did not reach the server is known once the Client Info PDU has passed, with why, for the page to be told', () => {
  const ansi = Buffer.from(CLIENT_INFO);
  ansi.writeUInt32LE(ansi.readUInt32LE(15 + 4 + 4) & ~0x10, 15 + 4 + 4);
  const before = rewrite({ ...SETTINGS, startProgram: START }, [BEFORE_INFO]).rewriter;
  assert.equal(before.startProgramNotSent, null, 'not known before the Client Info PDU');
  assert.match(String(rewrite({ ...SETTINGS, startProgram: START }, [BEFORE_INFO, ansi]).rewriter.startProgramNotSent), /not Unicode/);
  // Encrypted (standard RDP security): the rewriter steps aside, so nothing was put in it.
  const encrypted = Buffer.from(CLIENT_INFO);
  encrypted.writeUInt16LE(encrypted.readUInt16LE(15) | 0x0008, 15); // SEC_ENCRYPT
  assert.match(String(rewrite({ ...SETTINGS, startProgram: START }, [BEFORE_INFO, encrypted]).rewriter.startProgramNotSent), /encrypted/);
  // A stream it did not follow to the Client Info PDU.
  assert.match(String(rewrite({ ...SETTINGS, startProgram: START }, [Buffer.from('GET / HTTP/1.1\r\n\r\n')]).rewriter.startProgramNotSent), /unexpected byte/);
  // Sent, or none asked for (a folder alone is no program): nothing to tell.
  assert.equal(rewrite({ ...SETTINGS, startProgram: START }, [BEFORE_INFO, CLIENT_INFO]).rewriter.startProgramNotSent, null);
  assert.equal(rewrite(SETTINGS, [BEFORE_INFO, ansi]).rewriter.startProgramNotSent, null);
  assert.equal(rewrite({ ...SETTINGS, startProgram: { program: '', folder: '/srv' } }, [BEFORE_INFO, ansi]).rewriter.startProgramNotSent, null);
});
