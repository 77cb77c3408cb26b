// The clipboard policy enforced in the gateway for SPICE
// (bridges/spiceAgentFilter.ts): a real SPICE server (Xorg with spiceqxl) and
// guest agent (spice-vdagentd + spice-vdagent), the real gateway under a
// machine-wide policy, and a Node client playing a page that does NOT keep to
// the policy: it offers its text to the guest and asks for the guest's as a
// page would with "both". What the guest's clipboard holds is read there with
// xclip; what the page gets is read off its main channel.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { startSpiceServer, disposeSpiceServer, type SpiceServer } from '../servers/spiceServer';
import { openSessionRelay, startGatewayHarness } from './gatewayHarness';
import type { ClipboardPolicy } from '../../shared/policy/policySchema';
import { AgentMessage } from '../../shared/spice/agentMessages';
import { SPICE_CAPS, spiceAgentPieces, spiceLinkMessage, spiceMini } from '../support/spiceWire';

// A guest of its own for each test: its agent starts afresh, as for a user's first connect.
let guest: SpiceServer;

beforeEach(async () => {
  guest = await startSpiceServer({ xterm: false, agent: true });
});

afterEach(async () => {
  await disposeSpiceServer(guest);
});

const guestClipboard = () => guest.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '');
const setGuestClipboard = (text: string) => guest.x('sh', ['-c', `printf '%s' "$0" | xclip -selection clipboard -i >/dev/null 2>&1`, text]);

const MSG = { MAIN_INIT: 103, AGENT_CONNECTED: 107, AGENT_DATA: 109, AGENT_TOKEN: 110, AGENT_CONNECTED_TOKENS: 115 };
const MSGC_MAIN_AGENT_START = 106;
const AGENT = AgentMessage;
const CAP_CLIPBOARD_BY_DEMAND = 1 << 5;
const UTF8_TEXT = 1;
const u32 = (...values: number[]) => Buffer.from(new Uint32Array(values).buffer);

/** A page's main channel to the guest through the gateway, under `policy`: linked, the agent started, its messages read as they come. */
async function mainChannel(policy: { clipboard?: ClipboardPolicy; allowFileTransfer?: boolean }) {
  const harness = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, ...policy } });
  const { ws, stream } = await openSessionRelay(harness, { name: 'Guest', protocol: 'spice', host: '127.0.0.1', port: guest.port });
  ws.send(spiceLinkMessage(1, SPICE_CAPS.AUTH_SELECTION | SPICE_CAPS.MINI_HEADER));
  const header = await stream.read(16);
  assert.equal(header.toString('latin1', 0, 4), 'REDQ');
  const reply = await stream.read(header.readUInt32LE(12));
  assert.equal(reply.readUInt32LE(0), 0, 'the server accepted the link');
  // No password (ticketing off): any ticket will do, encrypted with the server's key as spice-html5 does.
  const key = createPublicKey({ key: reply.subarray(4, 166), format: 'der', type: 'spki' });
  const ticket = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from([0]));
  ws.send(Buffer.concat([u32(1), ticket]));
  assert.equal((await stream.read(4)).readUInt32LE(0), 0, 'signed in');

  const agentMessages: { type: number; payload: Buffer }[] = [];
  let tokensBack = 0;
  let agentUp = false;
  let agentBuffer = Buffer.alloc(0);
  let closed = false;
  ws.on('close', () => (closed = true));
  const read = async () => {
    while (!closed) {
      const head = await stream.read(6);
      const body = await stream.read(head.readUInt32LE(2));
      const type = head.readUInt16LE(0);
      if (type === MSG.MAIN_INIT && body.readUInt32LE(16) === 1) agentUp = true;
      if (type === MSG.AGENT_CONNECTED || type === MSG.AGENT_CONNECTED_TOKENS) agentUp = true;
      if (type === MSG.AGENT_TOKEN) tokensBack += body.readUInt32LE(0);
      if (type === MSG.AGENT_DATA) {
        agentBuffer = Buffer.concat([agentBuffer, body]);
        while (agentBuffer.length >= 20 && agentBuffer.length >= 20 + agentBuffer.readUInt32LE(16)) {
          const size = agentBuffer.readUInt32LE(16);
          agentMessages.push({ type: agentBuffer.readUInt32LE(4), payload: agentBuffer.subarray(20, 20 + size) });
          agentBuffer = agentBuffer.subarray(20 + size);
        }
      }
    }
  };
  void read().catch(() => undefined);
  const sendAgent = (type: number, payload: Buffer) => {
    for (const piece of spiceAgentPieces(type, payload)) ws.send(piece);
  };
  ws.send(spiceMini(MSGC_MAIN_AGENT_START, u32(10)));
  await waitUntil(() => agentUp, 'the guest agent to be connected');
  // As a page does first: ask for the agent's capabilities, saying the clipboard goes by demand.
  sendAgent(AGENT.ANNOUNCE_CAPABILITIES, u32(1, CAP_CLIPBOARD_BY_DEMAND));
  await waitUntil(() => agentMessages.some((m) => m.type === AGENT.ANNOUNCE_CAPABILITIES), 'the agent\u2019s capabilities');
  return {
    agentMessages,
    tokensBack: () => tokensBack,
    sendAgent,
    /** Answers the guest's requests for this computer's text with `text`, as a page does. */
    answerRequests(text: string) {
      const timer = setInterval(() => {
        while (agentMessages.some((m) => m.type === AGENT.CLIPBOARD_REQUEST)) {
          agentMessages.splice(agentMessages.findIndex((m) => m.type === AGENT.CLIPBOARD_REQUEST), 1);
          sendAgent(AGENT.CLIPBOARD, Buffer.concat([u32(UTF8_TEXT), Buffer.from(text)]));
        }
      }, 20);
      return () => clearInterval(timer);
    },
    /** Ends the page's channel; the gateway's log once its relay has ended. */
    async close(): Promise<string> {
      ws.close();
      await new Promise((r) => setTimeout(r, 300));
      const lines = harness.logs().join('\n');
      await harness.close();
      return lines;
    },
  };
}

async function waitUntil(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** This computer's text offered to the guest: what the guest's clipboard holds once something there pastes. */
async function offerText(page: Awaited<ReturnType<typeof mainChannel>>, text: string): Promise<string> {
  const stop = page.answerRequests(text);
  try {
    page.sendAgent(AGENT.CLIPBOARD_GRAB, u32(UTF8_TEXT));
    await new Promise((r) => setTimeout(r, 500));
    return await guestClipboard();
  } finally {
    stop();
  }
}

/** Text copied on the guest: what the page gets when it asks for it (null: nothing within 2 s). */
async function askForGuestText(page: Awaited<ReturnType<typeof mainChannel>>, text: string): Promise<string | null> {
  await setGuestClipboard(text);
  await waitUntil(() => page.agentMessages.some((m) => m.type === AGENT.CLIPBOARD_GRAB), 'the guest\u2019s clipboard grab');
  page.sendAgent(AGENT.CLIPBOARD_REQUEST, u32(UTF8_TEXT));
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const answer = page.agentMessages.find((m) => m.type === AGENT.CLIPBOARD);
    if (answer) return answer.payload.subarray(4).toString('utf8');
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

test('SPICE with the clipboard shared both ways: a page\u2019s text reaches the guest and the guest\u2019s reaches the page (the filter is not in the way)', async () => {
  const page = await mainChannel({ clipboard: 'both' });
  try {
    assert.equal(await offerText(page, 'from the page'), 'from the page');
    assert.equal(await askForGuestText(page, 'from the guest'), 'from the guest');
  } finally {
    await page.close();
  }
});

test('SPICE with the clipboard only to this computer: a page that offers its text anyway does not reach the guest; the gateway hands back the tokens; the guest\u2019s text still comes', async () => {
  await setGuestClipboard('guest before');
  const page = await mainChannel({ clipboard: 'to-local-only' });
  let logs = '';
  try {
    assert.equal(await offerText(page, 'local secret'), 'guest before', 'the guest never heard of the page\u2019s text');
    await waitUntil(() => page.tokensBack() >= 1, 'the token of the grab left out');
    // The agent's stream is whole after the left-out message: the guest still answers.
    assert.equal(await askForGuestText(page, 'guest text'), 'guest text');
  } finally {
    logs = await page.close();
  }
  assert.match(logs, /clipboard messages left out by policy.*dropped=1 tokensGiven=1/);
});

test('SPICE with the clipboard only to the remote computer: a page that asks for the guest\u2019s text anyway gets none; its own text still goes', async () => {
  const page = await mainChannel({ clipboard: 'to-remote-only' });
  try {
    assert.equal(await askForGuestText(page, 'guest secret'), null);
    await waitUntil(() => page.tokensBack() >= 1, 'the token of the request left out');
    assert.equal(await offerText(page, 'page text'), 'page text');
  } finally {
    await page.close();
  }
});
