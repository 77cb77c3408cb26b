// SpiceAgentFilter (electron/gateway/bridges/spiceAgentFilter.ts): the
// clipboard and file policy on a SPICE main channel, below the page. Bytes
// built here as spice-html5 and spice-server send them;
// test/integration/spicePolicy.test.ts runs it against a real server and agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpiceAgentFilter, type SpiceAgentWays } from '../../../electron/gateway/bridges/spiceAgentFilter';
import { AgentMessage } from '../../../shared/spice/agentMessages';
import { SPICE_CAPS, spiceAgentPieces, spiceLinkHeader, spiceLinkMessage, spiceMini } from '../../support/spiceWire';

const { AUTH_SELECTION, MINI_HEADER } = SPICE_CAPS;
const linkMess = (channelType: number, caps = AUTH_SELECTION | MINI_HEADER) => spiceLinkMessage(channelType, caps);

function linkReply(caps = AUTH_SELECTION | MINI_HEADER): Buffer {
  const reply = Buffer.alloc(178 + 4);
  reply.writeUInt32LE(1, 166);
  reply.writeUInt32LE(0, 170);
  reply.writeUInt32LE(178, 174);
  reply.writeUInt32LE(caps, 178);
  return Buffer.concat([spiceLinkHeader(reply.length), reply]);
}

const auth = (mechanism = 1) => Buffer.concat([Buffer.from(new Uint32Array([mechanism]).buffer), Buffer.alloc(128, 7)]);
const linkResult = Buffer.alloc(4);

const mini = spiceMini;
const agentPieces = spiceAgentPieces;

const MONITORS_CONFIG = AgentMessage.MONITORS_CONFIG;

/** A filter past the link on a main channel; what the link sent each way. */
function linked(ways: SpiceAgentWays, options: { pageCaps?: number; serverCaps?: number; mechanism?: number } = {}) {
  const filter = new SpiceAgentFilter(ways);
  const first = filter.push(linkMess(1, options.pageCaps));
  assert.ok(first.ok);
  assert.deepEqual(filter.fromServer(linkReply(options.serverCaps)), [linkReply(options.serverCaps)]);
  const ticket = filter.push(auth(options.mechanism));
  const result = filter.fromServer(linkResult);
  return { filter, ticket, result };
}

const tokensIn = (messages: Buffer[]) => messages.filter((m) => m.readUInt16LE(0) === 110).reduce((n, m) => n + m.readUInt32LE(6), 0);

test('text only to this computer: the page\u2019s clipboard grab and text are left out, a token handed back for each piece; the rest of the agent\u2019s stream goes untouched', () => {
  const { filter, ticket } = linked({ toRemote: false, toLocal: true, files: true });
  assert.ok(ticket.ok);
  const monitors = agentPieces(MONITORS_CONFIG, Buffer.alloc(24, 1));
  const grab = agentPieces(AgentMessage.CLIPBOARD_GRAB, Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]));
  const text = agentPieces(AgentMessage.CLIPBOARD, Buffer.alloc(5000, 0x41)); // three pieces
  const request = agentPieces(AgentMessage.CLIPBOARD_REQUEST, Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]));
  const other = mini(110, Buffer.from([1, 0, 0, 0])); // a non-agent message of the page's
  const outcome = filter.push(Buffer.concat([...monitors, ...grab, ...text, ...request, other]));
  assert.ok(outcome.ok);
  assert.ok(Buffer.concat(outcome.toServer).equals(Buffer.concat([...monitors, ...request, other])));
  assert.equal(tokensIn(outcome.toPage), 4, 'one token for each piece left out');
  assert.equal(filter.dropped, 2);
  assert.equal(filter.tokensGiven, 4);
});

test('text only to the remote computer, and no files: the page\u2019s requests for the guest\u2019s text and its file copies are left out', () => {
  const { filter } = linked({ toRemote: true, toLocal: false, files: false });
  const grab = agentPieces(AgentMessage.CLIPBOARD_GRAB, Buffer.alloc(8));
  const request = agentPieces(AgentMessage.CLIPBOARD_REQUEST, Buffer.alloc(8));
  const start = agentPieces(AgentMessage.FILE_XFER_START, Buffer.alloc(100));
  const data = agentPieces(AgentMessage.FILE_XFER_DATA, Buffer.alloc(3000));
  const outcome = filter.push(Buffer.concat([...grab, ...request, ...start, ...data]));
  assert.ok(outcome.ok);
  assert.ok(Buffer.concat(outcome.toServer).equals(Buffer.concat(grab)));
  assert.equal(tokensIn(outcome.toPage), 4);
});

test('bytes a few at a time, either way: the same messages reach the server, and tokens wait for the end of the server\u2019s message under way', () => {
  const { filter } = linked({ toRemote: false, toLocal: true, files: true });
  const monitors = agentPieces(MONITORS_CONFIG, Buffer.alloc(24, 1));
  const grab = agentPieces(AgentMessage.CLIPBOARD_GRAB, Buffer.alloc(8));
  // The server is in the middle of a message of 10 bytes.
  const serverMessage = mini(101, Buffer.alloc(10, 9));
  const served: Buffer[] = filter.fromServer(serverMessage.subarray(0, 9));
  const stream = Buffer.concat([...grab, ...monitors]);
  const toServer: Buffer[] = [];
  const toPage: Buffer[] = [];
  for (let at = 0; at < stream.length; at += 3) {
    const outcome = filter.push(stream.subarray(at, at + 3));
    assert.ok(outcome.ok);
    toServer.push(...outcome.toServer);
    toPage.push(...outcome.toPage);
  }
  assert.ok(Buffer.concat(toServer).equals(Buffer.concat(monitors)));
  assert.equal(toPage.length, 0, 'no token in the middle of the server\u2019s message');
  const rest = filter.fromServer(serverMessage.subarray(9));
  served.push(...rest);
  assert.ok(Buffer.concat(served.slice(0, -1)).equals(serverMessage), 'the server\u2019s message passes whole…');
  assert.equal(tokensIn([served.at(-1)!]), 1, '…and the token follows it');
});

test('a channel other than main passes untouched; so does the link', () => {
  const filter = new SpiceAgentFilter({ toRemote: false, toLocal: false, files: false });
  const link = linkMess(3);
  const grab = agentPieces(AgentMessage.CLIPBOARD_GRAB, Buffer.alloc(8));
  const outcome = filter.push(Buffer.concat([link, auth(), ...grab]));
  assert.ok(outcome.ok);
  assert.ok(Buffer.concat(outcome.toServer).equals(Buffer.concat([link, auth(), ...grab])));
  assert.deepEqual(filter.fromServer(linkReply()), [linkReply()]);
});

test('what cannot be checked ends the session: no mini headers, a SASL sign-in, a piece mixing a left-out message with another', () => {
  const noMini = linked({ toRemote: false, toLocal: true, files: true }, { serverCaps: AUTH_SELECTION });
  const after = noMini.filter.push(agentPieces(MONITORS_CONFIG, Buffer.alloc(24))[0]!);
  assert.equal(after.ok, false);
  assert.match(!after.ok ? after.why : '', /mini headers/);

  const sasl = linked({ toRemote: false, toLocal: true, files: true }, { mechanism: 2 });
  assert.equal(sasl.ticket.ok, false);

  const { filter } = linked({ toRemote: false, toLocal: true, files: true });
  const monitors = agentPieces(MONITORS_CONFIG, Buffer.alloc(24))[0]!.subarray(6);
  const grab = agentPieces(AgentMessage.CLIPBOARD_GRAB, Buffer.alloc(8))[0]!.subarray(6);
  const mixed = filter.push(mini(107, Buffer.concat([monitors, grab])));
  assert.equal(mixed.ok, false);
});

test('everything allowed but files: text passes both ways', () => {
  const { filter } = linked({ toRemote: true, toLocal: true, files: false });
  const pieces = [...agentPieces(AgentMessage.CLIPBOARD_GRAB, Buffer.alloc(8)), ...agentPieces(AgentMessage.CLIPBOARD, Buffer.from('hello')), ...agentPieces(AgentMessage.CLIPBOARD_REQUEST, Buffer.alloc(8))];
  const outcome = filter.push(Buffer.concat(pieces));
  assert.ok(outcome.ok);
  assert.ok(Buffer.concat(outcome.toServer).equals(Buffer.concat(pieces)));
  assert.equal(filter.dropped, 0);
});
