import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ClientStreamRewriter, type ClientSettings } from '../../../../electron/gateway/bridges/rdp/clientSettings';
import { ServerStreamWatch, serverChannelIds } from '../../../../electron/gateway/bridges/rdp/serverStreamWatch';
import { splitAt } from './chunks';

const here = path.dirname(fileURLToPath(import.meta.url));
const PDUS = readFileSync(path.join(here, 'fixtures', 'ironrdp-client-pdus.hex'), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => Buffer.from(line, 'hex'));
const STREAM = Buffer.concat(PDUS);
const CONNECT_INITIAL = PDUS[0]!;
const CLIENT_INFO = PDUS[PDUS.length - 1]!;
const AFTER = Buffer.from([0x00, 0x07, 0x01, 0x02, 0x03, 0x04, 0x05]); // a fast-path input PDU

const GERMAN: ClientSettings = { want32Bpp: true, keyboardLayout: 0x0407, autologon: true };

/** Offset of the Client Core Data block (type 0xC001) in a Connect-Initial. */
function coreOffset(pdu: Buffer): number {
  const at = pdu.indexOf(Buffer.from([0x01, 0xc0]), pdu.indexOf('Duca'));
  assert.ok(at > 0);
  return at;
}

function run(settings: ClientSettings, chunks: Buffer[], nla = false) {
  const rewriter = new ClientStreamRewriter(settings, nla);
  const out = Buffer.concat(chunks.flatMap((chunk) => rewriter.push(chunk)));
  return { out, rewriter };
}

test('IronRDP\u2019s own PDUs: 32 bpp asked for, the keyboard layout set, auto-logon on; nothing else changes', () => {
  const { out, rewriter } = run(GERMAN, [STREAM, AFTER]);
  assert.equal(out.length, STREAM.length + AFTER.length);
  const core = coreOffset(CONNECT_INITIAL);
  // IronRDP's hard-coded values, before:
  assert.equal(CONNECT_INITIAL.readUInt16LE(core + 140), 16);
  assert.equal(CONNECT_INITIAL.readUInt32LE(core + 16), 0);
  // After:
  assert.equal(out.readUInt16LE(core + 140), 24, 'highColorDepth');
  assert.equal(out.readUInt16LE(core + 142) & 0x0008, 0x0008, '32 bpp supported');
  assert.equal(out.readUInt16LE(core + 144) & 0x0002, 0x0002, 'RNS_UD_CS_WANT_32BPP_SESSION');
  assert.equal(out.readUInt32LE(core + 16), 0x0407, 'keyboardLayout');
  const infoAt = STREAM.length - CLIENT_INFO.length;
  const flagsAt = infoAt + 7 + 8 + 4 + 4; // TPKT+X.224, SDrq with a 2-byte length, security header, CodePage
  assert.equal(CLIENT_INFO.readUInt32LE(flagsAt - infoAt) & 0x8, 0, 'IronRDP sends no INFO_AUTOLOGON');
  assert.equal(out.readUInt32LE(flagsAt) & 0x8, 0x8, 'INFO_AUTOLOGON set');
  // Every other byte is the client's own.
  const changed = [...out.keys()].filter((i) => out[i] !== Buffer.concat([STREAM, AFTER])[i]);
  const allowed = new Set([core + 16, core + 17, core + 140, core + 142, core + 144, flagsAt]);
  assert.deepEqual(changed.filter((i) => !allowed.has(i)), []);
  assert.ok(rewriter.settled, 'nothing more to change');
  assert.ok(!rewriter.finished, 'still framing, for the probe');
  assert.deepEqual(rewriter.report.autologon, true);
  assert.match(rewriter.report.coreData?.keyboardLayout ?? '', /0x00000000 → 0x00000407/);
});

test('clientBuild: IronRDP\u2019s 0, which xrdp takes for a client that cannot resize, becomes the build asked for; a later build stays', () => {
  const core = coreOffset(CONNECT_INITIAL);
  assert.equal(CONNECT_INITIAL.readUInt32LE(core + 20), 0, 'IronRDP announces build 0');
  const { out, rewriter } = run({ ...GERMAN, clientBuild: 2600 }, [STREAM]);
  assert.equal(out.readUInt32LE(core + 20), 2600);
  assert.equal(rewriter.report.coreData?.clientBuild, '0 \u2192 2600');
  // Nothing else changes beyond what the other settings change.
  const changed = [...out.keys()].filter((i) => out[i] !== run(GERMAN, [STREAM]).out[i]);
  assert.deepEqual(changed, [core + 20, core + 21]);
  const later = Buffer.from(CONNECT_INITIAL);
  later.writeUInt32LE(19041, core + 20);
  const kept = run({ ...GERMAN, clientBuild: 2600 }, [later, ...PDUS.slice(1)]);
  assert.equal(kept.out.readUInt32LE(core + 20), 19041);
  assert.equal(kept.rewriter.report.coreData?.clientBuild, '19041');
});

test('"auto" layout and no want of 32 bpp leave Client Core Data as it was', () => {
  const { out } = run({ want32Bpp: false, keyboardLayout: null, autologon: false }, [STREAM]);
  assert.deepEqual(out, STREAM);
});

test('no password, no auto-logon (the server\u2019s own login screen is the only way in)', () => {
  const info = Buffer.from(CLIENT_INFO);
  const cb = 7 + 8 + 4 + 4 + 4 + 2 + 2; // cbPassword
  info.writeUInt16LE(0, cb);
  const { out } = run(GERMAN, [...PDUS.slice(0, -1), info]);
  assert.equal(out.readUInt32LE(out.length - info.length + 7 + 8 + 4 + 4) & 0x8, 0);
});

test('any split of the stream gives the same bytes as the whole', () => {
  const whole = run(GERMAN, [STREAM, AFTER]).out;
  const all = Buffer.concat([STREAM, AFTER]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 30 }), (cuts) => {
      assert.deepEqual(run(GERMAN, splitAt(all, cuts)).out, whole);
    }),
  );
});

test('with NLA, CredSSP TSRequests pass first, untouched, then the same rewriting', () => {
  const tsRequest = Buffer.concat([Buffer.from([0x30, 0x81, 0x80, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa1, 0x79]), Buffer.alloc(0x79, 0x2a)]);
  const short = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x06]);
  const { out } = run(GERMAN, [tsRequest, short, STREAM], true);
  assert.deepEqual(out.subarray(0, tsRequest.length + short.length), Buffer.concat([tsRequest, short]));
  assert.equal(out.readUInt32LE(tsRequest.length + short.length + coreOffset(CONNECT_INITIAL) + 16), 0x0407);
});

test('a stream it does not understand goes through untouched, and it steps aside', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.boolean(), (bytes, nla) => {
      const input = Buffer.from(bytes);
      const rewriter = new ClientStreamRewriter(GERMAN, nla);
      const out = Buffer.concat([...rewriter.push(input), ...rewriter.push(AFTER)]);
      // Never a byte lost or invented: either all has passed, or what is held is a prefix still being framed.
      const all = Buffer.concat([input, AFTER]);
      assert.ok(out.length <= all.length);
      if (rewriter.finished) assert.equal(out.length, all.length);
    }),
  );
  const garbage = Buffer.from('GET / HTTP/1.1\r\n\r\n');
  const { out, rewriter } = run(GERMAN, [garbage]);
  assert.deepEqual(out, garbage);
  assert.ok(rewriter.finished);
  assert.match(rewriter.report.gaveUp ?? '', /unexpected byte/);
});

test('Client Core Data too short to hold the color depth fields: left alone', () => {
  const pdu = Buffer.from(CONNECT_INITIAL);
  const core = coreOffset(pdu);
  const length = pdu.readUInt16LE(core + 2);
  // Declare the block 120 bytes long and make the rest a block of its own (type 0xC0FF).
  pdu.writeUInt16LE(120, core + 2);
  pdu.writeUInt16LE(0xc0ff, core + 120);
  pdu.writeUInt16LE(length - 120, core + 122);
  const { out, rewriter } = run(GERMAN, [pdu]);
  assert.deepEqual(out, pdu);
  assert.match(rewriter.report.gaveUp ?? '', /too short/);
});

/** A client Confirm Active, as far as the probe reads it: MCS ids, pduSource, share id. */
function confirmActive(shareId: number): Buffer {
  const body = Buffer.alloc(6 + 4 + 2 + 2 + 2 + 4);
  body.writeUInt16LE(body.length, 0);
  body.writeUInt16LE(0x0013, 2); // PDUTYPE_CONFIRMACTIVEPDU | version
  body.writeUInt16LE(1007, 4); // pduSource: the user channel
  body.writeUInt32LE(shareId, 6);
  const mcs = Buffer.from([0x64, 0x00, 0x06, 0x03, 0xeb, 0x70, body.length]);
  const total = 4 + 3 + mcs.length + body.length;
  return Buffer.concat([Buffer.from([0x03, 0x00, 0x00, total]), Buffer.from([0x02, 0xf0, 0x80]), mcs, body]);
}

test('after activation it frames fast-path input and TPKTs, and makes a Refresh Rect probe in the client\u2019s own share', () => {
  const rewriter = new ClientStreamRewriter(GERMAN, false);
  rewriter.push(STREAM);
  assert.equal(rewriter.refreshRectProbe(), null, 'no probe before the Confirm Active');
  rewriter.push(confirmActive(0x000103ea));
  const probe = rewriter.refreshRectProbe();
  assert.ok(probe);
  assert.equal(probe.readUInt16BE(2), probe.length, 'TPKT length');
  assert.deepEqual([...probe.subarray(4, 12)], [0x02, 0xf0, 0x80, 0x64, 0x00, 0x06, 0x03, 0xeb], 'X.224 data, SDrq with the client\u2019s initiator and IO channel');
  const body = probe.subarray(14);
  assert.equal(body.readUInt16LE(0), body.length, 'share control totalLength');
  assert.equal(body.readUInt16LE(2) & 0xf, 0x7, 'a data PDU');
  assert.equal(body.readUInt16LE(4), 1007, 'pduSource');
  assert.equal(body.readUInt32LE(6), 0x000103ea, 'shareId');
  assert.equal(body[14], 0x21, 'PDUTYPE2_REFRESH_RECT');
  assert.equal(body[18], 1, 'one area');
  assert.deepEqual([...body.subarray(22, 30)], [0, 0, 0, 0, 15, 0, 15, 0], '(0,0)-(15,15)');
  // Half a fast-path input PDU held: not at a boundary, so no probe now.
  rewriter.push(Buffer.from([0x00, 0x07, 0x01]));
  assert.equal(rewriter.refreshRectProbe(), null);
  assert.deepEqual(rewriter.push(Buffer.from([0x02, 0x03, 0x04, 0x05])), [Buffer.from([0x00, 0x07, 0x01, 0x02, 0x03, 0x04, 0x05])]);
  assert.ok(rewriter.refreshRectProbe());
  // A reactivation brings a new share id.
  rewriter.push(confirmActive(0x000203ea));
  assert.equal(rewriter.refreshRectProbe()!.subarray(14).readUInt32LE(6), 0x000203ea);
});

test('no two probes in a row ask for the same area (xorgxrdp answers a repeated one with nothing), each a part of the first 64x64 tile', () => {
  const rewriter = new ClientStreamRewriter(GERMAN, false);
  rewriter.push(STREAM);
  rewriter.push(confirmActive(0x000103ea));
  /** The probe's one TS_RECTANGLE16, inclusive: left, top, right, bottom. */
  const area = (probe: Buffer | null): number[] => {
    assert.ok(probe);
    const body = probe.subarray(14);
    assert.equal(body[18], 1, 'one area');
    return [0, 2, 4, 6].map((at) => body.readUInt16LE(22 + at));
  };
  const areas = Array.from({ length: 6 }, () => area(rewriter.refreshRectProbe()));
  assert.deepEqual(areas[0], [0, 0, 15, 15], 'the first probe as before: (0,0)-(15,15)');
  for (let i = 1; i < areas.length; i++) assert.notDeepEqual(areas[i], areas[i - 1], `probe ${i + 1} asks for the area of the probe before it`);
  for (const [left, top, right, bottom] of areas) {
    assert.ok(left === 0 && top === 0 && right! >= left && bottom! >= top, 'a non-empty area at the top left');
    // All of one tile asked for is checksummed by its pixels alone, and those have not changed.
    assert.ok(right! < 63 && bottom! < 63, 'part of the first tile, not all of it');
  }
  // A probe not made (half a client PDU held) does not count as a turn.
  rewriter.push(Buffer.from([0x00, 0x07, 0x01]));
  assert.equal(rewriter.refreshRectProbe(), null);
  rewriter.push(Buffer.from([0x02, 0x03, 0x04, 0x05]));
  assert.notDeepEqual(area(rewriter.refreshRectProbe()), areas.at(-1));
});

/** A client Frame Acknowledge PDU (MS-RDPRFX 2.2.3.1): share headers, then frameID. */
function frameAcknowledge(frameId: number): Buffer {
  const body = Buffer.alloc(6 + 12 + 4);
  body.writeUInt16LE(body.length, 0);
  body.writeUInt16LE(0x0017, 2); // PDUTYPE_DATAPDU | version
  body.writeUInt16LE(1007, 4);
  body.writeUInt32LE(0x000103ea, 6);
  body[6 + 5] = 0x01; // STREAM_LOW
  body.writeUInt16LE(4, 6 + 6);
  body[6 + 8] = 0x38; // PDUTYPE2_FRAME_ACKNOWLEDGE
  body.writeUInt32LE(frameId, 18);
  const mcs = Buffer.from([0x64, 0x00, 0x06, 0x03, 0xeb, 0x70, body.length]);
  const total = 4 + 3 + mcs.length + body.length;
  return Buffer.concat([Buffer.from([0x03, 0x00, 0x00, total]), Buffer.from([0x02, 0xf0, 0x80]), mcs, body]);
}

test('a Frame Acknowledge\u2019s frame id goes through the pacing: the id it returns is written in place, the PDU keeps its length', () => {
  const seen: number[] = [];
  const rewriter = new ClientStreamRewriter(GERMAN, false, (id) => {
    seen.push(id);
    return id === 41 ? 38 : id;
  });
  rewriter.push(STREAM);
  rewriter.push(confirmActive(0x000103ea));
  const whole = Buffer.concat([frameAcknowledge(40), AFTER, frameAcknowledge(41)]);
  // Cut anywhere, even inside the frame id: each acknowledgement is seen once, whole.
  const out = Buffer.concat(splitAt(whole, [3, 30, 39, 44, 60, 77]).flatMap((chunk) => rewriter.push(chunk)));
  assert.deepEqual(seen, [40, 41]);
  assert.equal(out.length, whole.length);
  assert.deepEqual(out, Buffer.concat([frameAcknowledge(40), AFTER, frameAcknowledge(38)]));
  // The gateway's own acknowledgement: the same PDU as the client's, in its share, only between whole client PDUs.
  assert.deepEqual(rewriter.frameAcknowledge(41), frameAcknowledge(41));
  rewriter.push(Buffer.from([0x00, 0x07, 0x01]));
  assert.equal(rewriter.frameAcknowledge(41), null, 'half a fast-path input PDU held');
  rewriter.push(Buffer.from([0x02, 0x03, 0x04, 0x05]));
  assert.ok(rewriter.frameAcknowledge(41));
  // Without a pacing function, nothing changes.
  const plain = new ClientStreamRewriter(GERMAN, false);
  plain.push(STREAM);
  assert.deepEqual(Buffer.concat(plain.push(frameAcknowledge(41))), frameAcknowledge(41));
});

/** The fixture's Connect-Initial with its Client Network Data (its last block) listing `names` instead. */
function withChannels(names: string[]): Buffer {
  const at = CONNECT_INITIAL.indexOf(Buffer.from([0x03, 0xc0]), CONNECT_INITIAL.indexOf('Duca'));
  assert.equal(at + CONNECT_INITIAL.readUInt16LE(at + 2), CONNECT_INITIAL.length, 'CS_NET is the last block');
  const block = Buffer.alloc(8 + 12 * names.length);
  block.writeUInt16LE(0xc003, 0);
  block.writeUInt16LE(block.length, 2);
  block.writeUInt32LE(names.length, 4);
  names.forEach((name, i) => {
    block.write(name, 8 + 12 * i, 'latin1');
    block.writeUInt32LE(0x80800000, 8 + 12 * i + 8);
  });
  const pdu = Buffer.concat([CONNECT_INITIAL.subarray(0, at), block]);
  pdu.writeUInt16BE(pdu.length, 2);
  return pdu;
}

function channelNames(pdu: Buffer): string[] {
  const at = pdu.indexOf(Buffer.from([0x03, 0xc0]), pdu.indexOf('Duca'));
  const count = pdu.readUInt32LE(at + 4);
  return Array.from({ length: count }, (_, i) => pdu.subarray(at + 8 + 12 * i, at + 16 + 12 * i).toString('latin1').replace(/\0+$/, ''));
}

test('a blocked channel (the clipboard\u2019s, where the policy shares none) is renamed in place; the others and every length stay', () => {
  const connectInitial = withChannels(['drdynvc', 'cliprdr', 'rdpsnd']);
  const stream = Buffer.concat([connectInitial, ...PDUS.slice(1)]);
  const { out, rewriter } = run({ ...GERMAN, blockedChannels: ['cliprdr'] }, splitAt(stream, [5, 200, 390, 420]));
  assert.equal(out.length, stream.length);
  assert.deepEqual(channelNames(out.subarray(0, connectInitial.length)), ['drdynvc', 'blocked', 'rdpsnd']);
  assert.deepEqual(rewriter.report.channelsBlocked, ['cliprdr']);
  assert.equal(rewriter.policyUnchecked, false);
  assert.equal(out.readUInt32LE(coreOffset(out) + 16), 0x0407, 'the core data is still set');
  // The options of the renamed channel stay the client's.
  const at = out.indexOf(Buffer.from('blocked', 'latin1'));
  assert.equal(out.readUInt32LE(at + 8), 0x80800000);

  // Upper case, as some clients write it, is the same channel.
  const upper = run({ ...GERMAN, blockedChannels: ['cliprdr'] }, [withChannels(['CLIPRDR'])]);
  assert.deepEqual(channelNames(upper.out), ['blocked']);
  // Without a policy nothing is renamed.
  const open = run(GERMAN, [connectInitial]);
  assert.deepEqual(channelNames(open.out), ['drdynvc', 'cliprdr', 'rdpsnd']);
  assert.equal(open.rewriter.report.channelsBlocked, undefined);
});

test('blocking is reported unchecked when the rewriter steps aside before it read the channel list', () => {
  const garbage = Buffer.from([0x42, 0x00, 0x00, 0x00]);
  const blocked = run({ ...GERMAN, blockedChannels: ['cliprdr'] }, [garbage]);
  assert.ok(blocked.rewriter.finished);
  assert.equal(blocked.rewriter.policyUnchecked, true);
  // Nothing to block: stepping aside is as before.
  assert.equal(run(GERMAN, [garbage]).rewriter.policyUnchecked, false);
  // A Connect-Initial whose channel list does not fit its block.
  const broken = withChannels(['cliprdr']);
  const at = broken.indexOf(Buffer.from([0x03, 0xc0]), broken.indexOf('Duca'));
  broken.writeUInt32LE(5, at + 4);
  const bad = run({ ...GERMAN, blockedChannels: ['cliprdr'] }, [broken]);
  assert.equal(bad.rewriter.policyUnchecked, true);
  assert.match(bad.rewriter.report.gaveUp ?? '', /5 channels/);
});

// One way only (clipboardChannel.ts): the client's messages on the clipboard channel.

const CLIPBOARD_ID = 1005;
const CB = { FORMAT_LIST: 2, FORMAT_DATA_REQUEST: 4, FORMAT_DATA_RESPONSE: 5, CLIP_CAPS: 7, FILECONTENTS_REQUEST: 8, FILECONTENTS_RESPONSE: 9 };

/** A Send Data Request (the client's; `mcs` 0x68: a Send Data Indication, the server's) on `channel` carrying one chunk of a channel message (CHANNEL_PDU_HEADER, then `chunk`). */
function onChannel(channel: number, chunk: Buffer, flags: number, total = chunk.length, mcsType = 0x64): Buffer {
  const channelHeader = Buffer.alloc(8);
  channelHeader.writeUInt32LE(total, 0);
  channelHeader.writeUInt32LE(flags, 4);
  const userData = Buffer.concat([channelHeader, chunk]);
  const per = userData.length < 0x80 ? Buffer.from([userData.length]) : Buffer.from([0x80 | (userData.length >> 8), userData.length & 0xff]);
  const mcs = Buffer.from([mcsType, 0x00, 0x06, channel >> 8, channel & 0xff, 0x70]);
  const length = 4 + 3 + mcs.length + per.length + userData.length;
  return Buffer.concat([Buffer.from([0x03, 0x00, length >> 8, length & 0xff, 0x02, 0xf0, 0x80]), mcs, per, userData]);
}
const FIRST_LAST = 0x03 | 0x10; // CHANNEL_FLAG_FIRST | CHANNEL_FLAG_LAST | CHANNEL_FLAG_SHOW_PROTOCOL
function cliprdr(type: number, data: Buffer, msgFlags = 0): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(type, 0);
  header.writeUInt16LE(msgFlags, 2);
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data]);
}
const text = (s: string) => Buffer.from(`${s}\0`, 'utf16le');
/** The clipboard message a PDU carries: its type, flags and data. */
function message(pdu: Buffer) {
  const at = 13 + (pdu[13]! & 0x80 ? 2 : 1);
  assert.equal(pdu.readUInt16BE(2), pdu.length, 'the TPKT length is the PDU\u2019s');
  assert.equal(pdu.readUInt32LE(at), pdu.length - at - 8, 'the channel header counts the message');
  return { channel: pdu.readUInt16BE(10), channelFlags: pdu.readUInt32LE(at + 4), type: pdu.readUInt16LE(at + 8), msgFlags: pdu.readUInt16LE(at + 10), data: pdu.subarray(at + 16) };
}

function oneWay(ways: { toRemote: boolean; toLocal: boolean; files?: boolean }, session: Buffer[], ids: number[] | null = [1004, CLIPBOARD_ID]) {
  const stream = Buffer.concat([withChannels(['drdynvc', 'cliprdr']), ...PDUS.slice(1)]);
  const rewriter = new ClientStreamRewriter({ ...GERMAN, clipboardLimits: { ways: { files: true, ...ways }, channelIds: () => ids } }, false);
  const head = rewriter.push(stream);
  assert.equal(Buffer.concat(head).length, stream.length);
  const out = session.map((pdu) => rewriter.push(pdu));
  return { out, rewriter };
}

test('clipboard only to this computer: the client\u2019s format list goes empty, its text answers fail, its requests for remote text pass; other channels untouched', () => {
  const formatList = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_LIST, Buffer.concat([Buffer.from([13, 0, 0, 0]), text('')])), FIRST_LAST);
  const response = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_DATA_RESPONSE, text('local secret'), 1), FIRST_LAST);
  const request = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_DATA_REQUEST, Buffer.from([13, 0, 0, 0])), FIRST_LAST);
  const other = onChannel(1004, cliprdr(CB.FORMAT_DATA_RESPONSE, text('not the clipboard')), FIRST_LAST);
  const { out, rewriter } = oneWay({ toRemote: false, toLocal: true }, [formatList, response, request, other, AFTER]);
  const [list, answer, asked, untouched, input] = out.map((pdus) => Buffer.concat(pdus));
  assert.deepEqual({ ...message(list!), data: [...message(list!).data] }, { channel: CLIPBOARD_ID, channelFlags: FIRST_LAST, type: CB.FORMAT_LIST, msgFlags: 0, data: [] });
  assert.deepEqual([message(answer!).type, message(answer!).msgFlags, message(answer!).data.length], [CB.FORMAT_DATA_RESPONSE, 2, 0], 'CB_RESPONSE_FAIL, no text');
  assert.ok(asked!.equals(request));
  assert.ok(untouched!.equals(other));
  assert.ok(input!.equals(AFTER));
  assert.equal(rewriter.clipboardChanged, 2);
  assert.equal(rewriter.policyUnchecked, false);
});

test('clipboard only to the remote computer: the client\u2019s requests for remote text are left out, its own text goes', () => {
  const request = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_DATA_REQUEST, Buffer.from([13, 0, 0, 0])), FIRST_LAST);
  const response = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_DATA_RESPONSE, text('to the remote'), 1), FIRST_LAST);
  const { out, rewriter } = oneWay({ toRemote: true, toLocal: false }, [request, response]);
  assert.deepEqual(out[0], []);
  assert.ok(Buffer.concat(out[1]!).equals(response));
  assert.equal(rewriter.clipboardChanged, 1);
});

test('a message in several chunks: the first decides, the rest follow it; the next message is judged afresh', () => {
  const body = cliprdr(CB.FORMAT_DATA_RESPONSE, text('x'.repeat(3000)), 1);
  const chunks = [body.subarray(0, 1600), body.subarray(1600, 3200), body.subarray(3200)];
  const pdus = chunks.map((chunk, i) => onChannel(CLIPBOARD_ID, chunk, (i === 0 ? 0x01 : 0) | (i === 2 ? 0x02 : 0), body.length));
  const request = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_DATA_REQUEST, Buffer.from([13, 0, 0, 0])), FIRST_LAST);
  const { out } = oneWay({ toRemote: false, toLocal: true }, [...pdus, request]);
  assert.equal(message(Buffer.concat(out[0]!)).msgFlags, 2, 'the first chunk becomes a whole failed response');
  assert.deepEqual([out[1], out[2]], [[], []], 'the rest of the text is left out');
  assert.ok(Buffer.concat(out[3]!).equals(request));
});

/** A long-name Format List entry (MS-RDPECLIP 2.2.3.1.2.1). */
function longFormat(id: number, name: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(id, 0);
  return Buffer.concat([head, text(name)]);
}
/** Clipboard Capabilities with one general set carrying `flags`. */
function clipCaps(flags: number): Buffer {
  const data = Buffer.alloc(4 + 12);
  data.writeUInt16LE(1, 0);
  data.writeUInt16LE(1, 4); // CB_CAPSTYPE_GENERAL
  data.writeUInt16LE(12, 6);
  data.writeUInt32LE(2, 8); // CB_CAPS_VERSION_2
  data.writeUInt32LE(flags, 12);
  return cliprdr(CB.CLIP_CAPS, data);
}

test('no files, both ways for text: the client says it cannot copy files, its format lists lose the file formats, file contents neither asked for nor given; text untouched', () => {
  // CB_USE_LONG_FORMAT_NAMES | CB_STREAM_FILECLIP_ENABLED | CB_FILECLIP_NO_FILE_PATHS | CB_CAN_LOCK_CLIPDATA | CB_HUGE_FILE_SUPPORT_ENABLED
  const caps = onChannel(CLIPBOARD_ID, clipCaps(0x3e), FIRST_LAST);
  const files = Buffer.concat([longFormat(0xc0a1, 'FileGroupDescriptorW'), longFormat(13, ''), longFormat(0xc0a2, 'FileContents'), longFormat(0xc0a3, 'Preferred DropEffect')]);
  const formatList = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_LIST, files), FIRST_LAST);
  const textOnly = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_LIST, longFormat(13, '')), FIRST_LAST);
  const contentsRequest = onChannel(CLIPBOARD_ID, cliprdr(CB.FILECONTENTS_REQUEST, Buffer.alloc(28)), FIRST_LAST);
  const streamId = Buffer.from([7, 0, 0, 0]);
  const contentsResponse = onChannel(CLIPBOARD_ID, cliprdr(CB.FILECONTENTS_RESPONSE, Buffer.concat([streamId, Buffer.from('local file bytes')]), 1), FIRST_LAST);
  const textResponse = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_DATA_RESPONSE, text('fine'), 1), FIRST_LAST);
  const { out, rewriter } = oneWay({ toRemote: true, toLocal: true, files: false }, [caps, formatList, textOnly, contentsRequest, contentsResponse, textResponse]);
  const [capsOut, listOut, textListOut, requestOut, responseOut, textOut] = out.map((pdus) => Buffer.concat(pdus));
  assert.equal(message(capsOut!).data.readUInt32LE(8), 0x02, 'only long format names left of the general flags');
  assert.ok(message(listOut!).data.equals(Buffer.concat([longFormat(13, ''), longFormat(0xc0a3, 'Preferred DropEffect')])), 'the file formats left out, the rest as they were');
  assert.ok(textListOut!.equals(textOnly), 'a list without files goes as it came');
  assert.equal(requestOut!.length, 0, 'the client never asks for a remote file');
  assert.deepEqual([message(responseOut!).type, message(responseOut!).msgFlags, [...message(responseOut!).data]], [CB.FILECONTENTS_RESPONSE, 2, [...streamId]], 'a failed answer for the same stream, no bytes');
  assert.ok(textOut!.equals(textResponse));
  assert.equal(rewriter.clipboardChanged, 4);
});

test('no files and text only to this computer: a format list with files and text goes empty, not just without its files', () => {
  const files = Buffer.concat([longFormat(0xc0a1, 'FileGroupDescriptorW'), longFormat(13, '')]);
  const caps = onChannel(CLIPBOARD_ID, clipCaps(0x06), FIRST_LAST);
  const formatList = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_LIST, files), FIRST_LAST);
  const { out } = oneWay({ toRemote: false, toLocal: true, files: false }, [caps, formatList]);
  assert.equal(message(Buffer.concat(out[0]!)).data.readUInt32LE(8), 0x02, 'the file flag cleared');
  assert.equal(message(Buffer.concat(out[1]!)).data.length, 0);
});

test('no files: a short-name format list (no long names announced) loses its file formats too; one that cannot be read goes empty', () => {
  const shortFormat = (id: number, name: string) => {
    const entry = Buffer.alloc(36);
    entry.writeUInt32LE(id, 0);
    Buffer.from(name, 'utf16le').copy(entry, 4, 0, 32);
    return entry;
  };
  const list = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_LIST, Buffer.concat([shortFormat(13, ''), shortFormat(0xc0a1, 'FileGroupDescriptorW')])), FIRST_LAST);
  const broken = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_LIST, Buffer.alloc(35)), FIRST_LAST);
  const { out } = oneWay({ toRemote: true, toLocal: true, files: false }, [list, broken]);
  assert.ok(message(Buffer.concat(out[0]!)).data.equals(shortFormat(13, '')));
  assert.equal(message(Buffer.concat(out[1]!)).data.length, 0);
});

test('one way only, and the server\u2019s channel ids unknown: unchecked, nothing on a channel goes', () => {
  const request = onChannel(CLIPBOARD_ID, cliprdr(CB.FORMAT_DATA_REQUEST, Buffer.from([13, 0, 0, 0])), FIRST_LAST);
  const { out, rewriter } = oneWay({ toRemote: true, toLocal: false }, [request], null);
  assert.deepEqual(out[0], []);
  assert.equal(rewriter.policyUnchecked, true);
  assert.match(rewriter.report.clipboardUnchecked ?? '', /channel ids/);
});

/** A server's MCS Connect Response whose network data gives the client's two channels the ids 1004 and 1005. */
function connectResponse(): Buffer {
  const core = Buffer.from([0x01, 0x0c, 0x08, 0x00, 0x04, 0x00, 0x08, 0x00]);
  const net = Buffer.from([0x03, 0x0c, 0x0c, 0x00, 0xeb, 0x03, 0x02, 0x00, 0xec, 0x03, 0xed, 0x03]);
  const blocks = Buffer.concat([core, net]);
  const response = Buffer.concat([Buffer.from([0x03, 0x00, 0x00, 0x00, 0x02, 0xf0, 0x80, 0x7f, 0x66, 0x40]), Buffer.alloc(20), Buffer.from('McDn', 'latin1'), Buffer.from([blocks.length]), blocks]);
  response.writeUInt16BE(response.length, 2);
  return response;
}

test('the server\u2019s channel ids, from its Connect Response\u2019s network data', () => {
  const response = connectResponse();
  assert.deepEqual(serverChannelIds(response), [1004, 1005]);
  assert.equal(serverChannelIds(response.subarray(0, response.length - 3)), null, 'cut short');
});

// What the server's clipboard can do (serverStreamWatch.ts, 5): read for every session, policy or not.

test('the clipboard channel is found in the client\u2019s list without a policy, and not where the client asks for none', () => {
  assert.equal(run(GERMAN, [withChannels(['drdynvc', 'CLIPRDR', 'rdpsnd'])]).rewriter.clipboardChannelIndex, 1);
  assert.equal(run(GERMAN, [withChannels(['drdynvc', 'rdpsnd'])]).rewriter.clipboardChannelIndex, null);
  assert.equal(run({ ...GERMAN, blockedChannels: ['rdpsnd'] }, [withChannels(['cliprdr', 'rdpsnd'])]).rewriter.clipboardChannelIndex, 0);
});

const CB_MONITOR_READY = 1;
const CB_STREAM_FILECLIP_ENABLED = 0x04;
const fromServer = (channel: number, message: Buffer, flags = FIRST_LAST) => onChannel(channel, message, flags, message.length, 0x68);

/** What the watch reports of the server's clipboard, fed `pdus` after a Connect Response, however the stream is cut. */
function serverClipboard(pdus: Buffer[], clipboardIndex: number | null = 1): { files: boolean }[] {
  const stream = Buffer.concat([connectResponse(), ...pdus]);
  const results: string[] = [];
  let first: { files: boolean }[] = [];
  for (const cuts of [[], [3, 40, 57, 60, 80], Array.from({ length: stream.length }, (_, i) => i)]) {
    const opened: { files: boolean }[] = [];
    const watch = new ServerStreamWatch(false, false, () => undefined, () => undefined, {
      channelId: (): number | null => (clipboardIndex === null ? null : (watch.channelIds?.[clipboardIndex] ?? null)),
      opened: (remote) => opened.push(remote),
    });
    for (const chunk of splitAt(stream, cuts)) watch.push(chunk);
    results.push(JSON.stringify(opened));
    if (cuts.length === 0) first = opened;
  }
  assert.equal(new Set(results).size, 1, `the same however the stream is cut: ${results.join(' / ')}`);
  return first;
}

test('the server\u2019s clipboard: its capabilities say whether it copies files, told once its Monitor Ready opens it', () => {
  const ready = cliprdr(CB_MONITOR_READY, Buffer.alloc(0));
  // xrdp's chansrv: capabilities with file copying, then Monitor Ready.
  assert.deepEqual(serverClipboard([fromServer(1005, clipCaps(0x02 | CB_STREAM_FILECLIP_ENABLED | 0x08)), fromServer(1005, ready)]), [{ files: true }]);
  // Text only: capabilities without it, or none at all (MS-RDPECLIP's defaults).
  assert.deepEqual(serverClipboard([fromServer(1005, clipCaps(0x02)), fromServer(1005, ready)]), [{ files: false }]);
  assert.deepEqual(serverClipboard([fromServer(1005, ready)]), [{ files: false }]);
  // Told once: a second Monitor Ready (a reactivation) says nothing new.
  assert.deepEqual(serverClipboard([fromServer(1005, ready), fromServer(1005, clipCaps(CB_STREAM_FILECLIP_ENABLED)), fromServer(1005, ready)]), [{ files: false }]);
  // A server that never opens it (freerdp-shadow has no clipboard), or says so on another channel: nothing.
  assert.deepEqual(serverClipboard([]), []);
  assert.deepEqual(serverClipboard([fromServer(1004, clipCaps(CB_STREAM_FILECLIP_ENABLED)), fromServer(1004, ready)]), []);
  // A client that asked for no clipboard channel: nothing, whatever comes.
  assert.deepEqual(serverClipboard([fromServer(1005, ready)], null), []);
  // Only a message's first chunk names its type; a compressed one is not read.
  assert.deepEqual(serverClipboard([fromServer(1005, ready, 0x02), fromServer(1005, ready, FIRST_LAST | 0x00200000)]), []);
});
