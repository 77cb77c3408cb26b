import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENT_PROTOCOL,
  AgentCap,
  AgentClipboard,
  AgentFileTransfer,
  AgentMessage,
  AgentStream,
  CLIENT_CAPS,
  MAX_CLIPBOARD_BYTES,
  agentPayload,
  capabilitiesMessage,
  monitorsConfigMessage,
  readCapabilities,
  type TransferUpdate,
} from '../../../renderer/protocols/spice/guestAgent';

/** An agent message as the server sends it: the 20-byte header, then the payload. */
function wire(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(20 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, AGENT_PROTOCOL, true);
  view.setUint32(4, type, true);
  view.setUint32(16, payload.length, true);
  out.set(payload, 20);
  return out;
}

const u32 = (...values: number[]) => {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v, true));
  return out;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
const text = (s: string) => new TextEncoder().encode(s);
const words = (bytes: Uint8Array) => Array.from({ length: bytes.length / 4 }, (_, i) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(i * 4, true));

test('agent stream: a message cut into 2 KB pieces comes out whole, once', () => {
  const payload = concat(u32(1), text('x'.repeat(5000)));
  const bytes = wire(AgentMessage.CLIPBOARD, payload);
  const stream = new AgentStream();
  const out = [];
  for (let at = 0; at < bytes.length; at += 2048) out.push(...stream.push(bytes.subarray(at, at + 2048)));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.type, AgentMessage.CLIPBOARD);
  assert.deepEqual(out[0]!.data, payload);
});

test('agent stream: two messages in one piece, a header cut in the middle, an empty payload', () => {
  const a = wire(AgentMessage.CLIPBOARD_RELEASE, new Uint8Array(0));
  const b = wire(AgentMessage.CLIPBOARD_GRAB, u32(1, 2));
  const all = concat(a, b);
  const stream = new AgentStream();
  const first = stream.push(all.subarray(0, 30)); // all of a, 10 bytes of b's header
  assert.deepEqual(first.map((m) => m.type), [AgentMessage.CLIPBOARD_RELEASE]);
  assert.deepEqual(stream.push(all.subarray(30, 35)), []);
  const second = stream.push(all.subarray(35));
  assert.deepEqual(second.map((m) => [m.type, words(m.data)]), [[AgentMessage.CLIPBOARD_GRAB, [1, 2]]]);
});

test('agent stream: a message over the limit is read past and said, the next one still comes', () => {
  const dropped: [number, number][] = [];
  const stream = new AgentStream(100, (type, size) => dropped.push([type, size]));
  const big = wire(AgentMessage.CLIPBOARD, new Uint8Array(300));
  const next = wire(AgentMessage.CLIPBOARD_RELEASE, new Uint8Array(0));
  const out = [...stream.push(big.subarray(0, 150)), ...stream.push(concat(big.subarray(150), next))];
  assert.deepEqual(dropped, [[AgentMessage.CLIPBOARD, 300]]);
  assert.deepEqual(out.map((m) => m.type), [AgentMessage.CLIPBOARD_RELEASE]);
});

test('capabilities: ours include the clipboard by demand; theirs are read bit by bit, over several words', () => {
  assert.deepEqual(words(capabilitiesMessage(true)), [1, CLIENT_CAPS]);
  assert.ok(readCapabilities(u32(0, CLIENT_CAPS)).has(AgentCap.CLIPBOARD_BY_DEMAND));
  const caps = readCapabilities(u32(1, 1 << AgentCap.GUEST_LINEEND_CRLF, 1 << 3));
  assert.equal(caps.request, true);
  assert.ok(caps.has(AgentCap.GUEST_LINEEND_CRLF));
  assert.ok(caps.has(35));
  assert.ok(!caps.has(AgentCap.CLIPBOARD_BY_DEMAND));
});

test('monitors config: one monitor, height before width, 32 bits deep, at 0,0', () => {
  assert.deepEqual(words(monitorsConfigMessage(1280, 800)), [1, 0, 800, 1280, 32, 0, 0]);
  const payload = agentPayload(u32(7, 8));
  const buffer = new ArrayBuffer(12);
  assert.equal(payload.buffer_size(), 8);
  assert.equal(payload.to_buffer(buffer, 4), 12);
  assert.deepEqual(words(new Uint8Array(buffer, 4)), [7, 8]);
});

function clipboard() {
  const sent: [number, Uint8Array][] = [];
  const remote: string[] = [];
  const board = new AgentClipboard({ send: (type, payload) => sent.push([type, payload]), remoteText: (t) => remote.push(t) });
  const agent = (caps: number, request = false) => board.receive({ type: AgentMessage.ANNOUNCE_CAPABILITIES, data: u32(request ? 1 : 0, caps) });
  return { board, sent, remote, agent };
}

test('clipboard: text copied before the agent announced itself is offered once it has; asked for, it is given as UTF-8', () => {
  const { board, sent, agent } = clipboard();
  board.localText('Grüße\nzwei');
  assert.equal(sent.length, 0, 'nothing goes to an agent that has not said it shares the clipboard');
  agent((1 << AgentCap.CLIPBOARD_BY_DEMAND) | (1 << AgentCap.MAX_CLIPBOARD) | (1 << AgentCap.GUEST_LINEEND_LF), true);
  assert.deepEqual(sent.map(([type]) => type), [AgentMessage.ANNOUNCE_CAPABILITIES, AgentMessage.MAX_CLIPBOARD, AgentMessage.CLIPBOARD_GRAB]);
  assert.deepEqual(words(sent[1]![1]), [MAX_CLIPBOARD_BYTES]);
  assert.deepEqual(words(sent[2]![1]), [1]);
  sent.length = 0;
  board.receive({ type: AgentMessage.CLIPBOARD_REQUEST, data: u32(1) });
  assert.equal(sent[0]![0], AgentMessage.CLIPBOARD);
  assert.deepEqual(sent[0]![1], concat(u32(1), text('Grüße\nzwei')));
});

test('clipboard: a Windows guest (CR LF) gets CR LF and gives LF; a request for what is not here gets "none"', () => {
  const { board, sent, remote, agent } = clipboard();
  agent((1 << AgentCap.CLIPBOARD_BY_DEMAND) | (1 << AgentCap.GUEST_LINEEND_CRLF));
  board.localText('a\nb\r\nc');
  sent.length = 0;
  board.receive({ type: AgentMessage.CLIPBOARD_REQUEST, data: u32(1) });
  assert.deepEqual(sent[0]![1], concat(u32(1), text('a\r\nb\r\nc')));
  board.receive({ type: AgentMessage.CLIPBOARD, data: concat(u32(1), text('x\r\ny'), new Uint8Array([0])) });
  assert.deepEqual(remote, ['x\ny']);
  sent.length = 0;
  board.receive({ type: AgentMessage.CLIPBOARD_REQUEST, data: u32(2) }); // a PNG: none here
  assert.deepEqual(sent.map(([type, data]) => [type, words(data)]), [[AgentMessage.CLIPBOARD, [0]]]);
});

test('clipboard: the guest copying text is asked for it; after that the local text is no longer offered', () => {
  const { board, sent, remote, agent } = clipboard();
  agent(1 << AgentCap.CLIPBOARD_BY_DEMAND);
  board.localText('local');
  sent.length = 0;
  board.receive({ type: AgentMessage.CLIPBOARD_GRAB, data: u32(2, 1) });
  assert.deepEqual(sent.map(([type, data]) => [type, words(data)]), [[AgentMessage.CLIPBOARD_REQUEST, [1]]]);
  board.receive({ type: AgentMessage.CLIPBOARD, data: concat(u32(1), text('日本')) });
  assert.deepEqual(remote, ['日本']);
  sent.length = 0;
  board.receive({ type: AgentMessage.CLIPBOARD_REQUEST, data: u32(1) });
  assert.deepEqual(words(sent[0]![1]), [0]);
  // An image only: not asked for.
  sent.length = 0;
  board.receive({ type: AgentMessage.CLIPBOARD_GRAB, data: u32(2) });
  assert.equal(sent.length, 0);
});

test('clipboard: an agent without the clipboard by demand is not ready, and nothing is sent to it', () => {
  const { board, sent, agent } = clipboard();
  agent(1 << AgentCap.MONITORS_CONFIG);
  assert.equal(board.announced, true);
  assert.equal(board.ready, false);
  board.localText('x');
  assert.equal(sent.length, 0);
  board.agentGone();
  assert.equal(board.announced, false);
});

test('clipboard under a policy: one way only, or not at all (the agent is then not told this client shares one)', () => {
  const BY_DEMAND = (1 << AgentCap.CLIPBOARD_BY_DEMAND) | (1 << AgentCap.MAX_CLIPBOARD);
  // Not at all.
  const none = clipboard();
  none.board.allow({ toRemote: false, toLocal: false });
  assert.equal(none.board.capabilities() & BY_DEMAND, 0);
  assert.equal(none.board.capabilities() & (1 << AgentCap.MONITORS_CONFIG), 1 << AgentCap.MONITORS_CONFIG, 'the desktop size is still set');
  none.board.localText('kept here');
  none.agent(BY_DEMAND, true);
  assert.deepEqual(none.sent.map(([type]) => type), [AgentMessage.ANNOUNCE_CAPABILITIES]);
  assert.equal(words(none.sent[0]![1])[1]! & BY_DEMAND, 0);
  none.board.receive({ type: AgentMessage.CLIPBOARD_GRAB, data: u32(1) });
  none.board.receive({ type: AgentMessage.CLIPBOARD, data: concat(u32(1), text('from the guest')) });
  assert.deepEqual(none.remote, []);
  none.board.receive({ type: AgentMessage.CLIPBOARD_REQUEST, data: u32(1) });
  assert.deepEqual(words(none.sent.at(-1)![1]), [0], 'a paste on the guest gets nothing');

  // Only to the remote computer: offered and given, the guest's copy never asked for.
  const out = clipboard();
  out.board.allow({ toRemote: true, toLocal: false });
  assert.equal(out.board.capabilities(), CLIENT_CAPS);
  out.agent(BY_DEMAND);
  out.board.localText('to the guest');
  assert.equal(out.sent.at(-1)![0], AgentMessage.CLIPBOARD_GRAB);
  out.sent.length = 0;
  out.board.receive({ type: AgentMessage.CLIPBOARD_GRAB, data: u32(1) });
  out.board.receive({ type: AgentMessage.CLIPBOARD, data: concat(u32(1), text('from the guest')) });
  assert.deepEqual(out.sent, []);
  assert.deepEqual(out.remote, []);

  // Only to this computer: the guest's copy is asked for, local text is never offered.
  const back = clipboard();
  back.board.allow({ toRemote: false, toLocal: true });
  back.agent(BY_DEMAND);
  back.sent.length = 0;
  back.board.localText('kept here');
  assert.deepEqual(back.sent, []);
  back.board.receive({ type: AgentMessage.CLIPBOARD_GRAB, data: u32(1) });
  assert.equal(back.sent[0]![0], AgentMessage.CLIPBOARD_REQUEST);
  back.board.receive({ type: AgentMessage.CLIPBOARD, data: concat(u32(1), text('from the guest')) });
  assert.deepEqual(back.remote, ['from the guest']);
});

function fileTransfer(backlog = () => 0, agentCaps = readCapabilities(u32(0, 0))) {
  const sent: [number, Uint8Array][] = [];
  const updates: TransferUpdate[] = [];
  const files = new AgentFileTransfer({ send: (type, payload) => sent.push([type, payload]), backlog, agentHas: (cap) => agentCaps.has(cap), update: (u) => updates.push({ ...u }) });
  const status = (id: number, result: number) => files.receive({ type: AgentMessage.FILE_XFER_STATUS, data: u32(id, result) });
  return { files, sent, updates, status };
}
const settle = () => new Promise((r) => setTimeout(r, 30));

test('file transfer: START names the file as a key file, the data follows in 64 KB messages once the agent asks, SUCCESS is done', async () => {
  const { files, sent, updates, status } = fileTransfer();
  const bytes = new Uint8Array(150_000).map((_, i) => i % 256);
  files.start(new Blob([bytes]), 'a\\b\nc.bin');
  assert.equal(sent[0]![0], 10);
  assert.deepEqual(sent[0]![1], concat(u32(1), text('[vdagent-file-xfer]\nname=a\\\\b\\nc.bin\nsize=150000\n\0')));
  assert.equal(updates.at(-1)!.state, 'waiting');
  status(1, 0); // CAN_SEND_DATA
  await settle();
  const data = sent.slice(1);
  assert.deepEqual(data.map(([type, payload]) => [type, payload.length]), [[12, 12 + 65536], [12, 12 + 65536], [12, 12 + 18928]]);
  const view = new DataView(data[2]![1].buffer);
  assert.deepEqual([view.getUint32(0, true), Number(view.getBigUint64(4, true))], [1, 18928]);
  assert.deepEqual(concat(...data.map(([, payload]) => payload.subarray(12))), bytes);
  assert.deepEqual([updates.at(-1)!.state, updates.at(-1)!.sent], ['sending', 150_000]);
  status(1, 3); // SUCCESS
  assert.deepEqual([updates.at(-1)!.state, updates.at(-1)!.sent], ['done', 150_000]);
});

test('file transfer: refusals in a user\'s words, an agent with transfers off, an empty file, and waiting while the server\'s tokens are short', async () => {
  const refused = fileTransfer();
  refused.files.start(new Blob(['x']), 'big.iso');
  refused.status(1, 4); // NOT_ENOUGH_SPACE
  assert.deepEqual([refused.updates.at(-1)!.state, refused.updates.at(-1)!.detail], ['failed', 'there is not enough space on the remote computer']);
  refused.status(1, 0);
  await settle();
  assert.equal(refused.sent.length, 1, 'nothing more for a refused file');

  const off = fileTransfer(undefined, readCapabilities(u32(0, 1 << 13)));
  off.files.start(new Blob(['x']), 'a.txt');
  assert.deepEqual([off.sent.length, off.updates.at(-1)!.state, off.updates.at(-1)!.detail], [0, 'failed', 'file transfer is turned off on the remote computer']);

  const empty = fileTransfer();
  empty.files.start(new Blob([]), 'empty.txt');
  empty.status(1, 0);
  await settle();
  assert.deepEqual(empty.sent.map(([type, payload]) => [type, payload.length]), [[10, empty.sent[0]![1].length], [12, 12]]);

  let backlog = 100;
  const slow = fileTransfer(() => backlog);
  slow.files.start(new Blob([new Uint8Array(70_000)]), 'slow.bin');
  slow.status(1, 0);
  await settle();
  assert.equal(slow.sent.length, 1, 'no data read while 100 pieces wait for tokens');
  backlog = 0;
  await settle();
  assert.equal(slow.sent.length, 3);
  slow.files.stopAll('the session ended');
  assert.deepEqual([slow.updates.at(-1)!.state, slow.updates.at(-1)!.detail], ['failed', 'the session ended']);
});
