import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENT_PROTOCOL,
  AgentCap,
  AgentClipboard,
  AgentMessage,
  AgentStream,
  CLIENT_CAPS,
  MAX_CLIPBOARD_BYTES,
  agentPayload,
  capabilitiesMessage,
  monitorsConfigMessage,
  readCapabilities,
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
