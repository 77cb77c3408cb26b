// The clipboard policy enforced in the gateway for VNC (bridges/vncClipboardFilter.ts):
// real Xvnc, the real gateway under a machine-wide policy, and a Node client
// playing the page, which sends what a page would (or a page that did not
// keep to the policy). What reaches the remote clipboard is read there with xclip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { openSessionRelay, startGatewayHarness, type GatewayHarness } from './gatewayHarness';
import type { ControlEvent, CreateSessionResponse } from '../../shared/api/contract';
import type { ClipboardPolicy } from '../../shared/policy/policySchema';
import { relayStream, type RelayStream } from '../support/relayStream';

const PASSWORD = 'pw-3390';

let xvnc: XvncServer;

before(async () => {
  xvnc = await startXvnc({ width: 640, height: 480, xterm: false, password: PASSWORD });
});

after(async () => {
  await disposeXvnc(xvnc);
});

const remoteClipboard = () => xvnc.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '');
const setRemoteClipboard = (text: string) => xvnc.x('sh', ['-c', `printf '%s' "$0" | xclip -selection clipboard -i >/dev/null 2>&1`, text]);

/** A session under `clipboard`, played by a Node page to the desktop (signed in by the gateway, None offered to the page). */
async function pageAtDesktop(clipboard: ClipboardPolicy | null): Promise<{ harness: GatewayHarness; session: CreateSessionResponse; ws: ReturnType<GatewayHarness['socket']>; stream: RelayStream }> {
  const harness = await startGatewayHarness(clipboard ? { machinePolicy: { schemaVersion: 1, clipboard } } : {});
  const { session, ws, stream } = await openSessionRelay(harness, { name: 'Clipboard', protocol: 'vnc', host: '127.0.0.1', port: xvnc.port }, PASSWORD);
  assert.equal((await stream.read(12)).toString('latin1'), 'RFB 003.008\n');
  ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
  assert.deepEqual([...(await stream.read(2))], [1, 1], 'None, the gateway having signed in');
  ws.send(Buffer.from([1]));
  assert.equal((await stream.read(4)).readUInt32BE(0), 0);
  ws.send(Buffer.from([1]));
  const head = await stream.read(24);
  await stream.read(head.readUInt32BE(20));
  return { harness, session, ws, stream };
}

function clientCutText(text: string): Buffer {
  const data = Buffer.from(text, 'latin1');
  const head = Buffer.alloc(8);
  head[0] = 6;
  head.writeInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}

/** Waits for the remote clipboard to read `text`; false if it does not within `ms`. */
async function remoteClipboardBecomes(text: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await remoteClipboard()) === text) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

for (const policy of [null, 'to-local-only', 'none'] as const) {
  const shared = policy === null;
  test(`${shared ? 'no policy: text the page sends reaches the remote clipboard' : `clipboard "${policy}": text the page sends never reaches the remote clipboard, and the session goes on`}`, async (t) => {
    await setRemoteClipboard('on the remote computer');
    const { harness, ws, stream } = await pageAtDesktop(policy);
    t.after(() => harness.close());
    // Text, then an update request in the same message: the request is answered, so the stream was framed past the text.
    ws.send(Buffer.concat([clientCutText('from this computer'), Buffer.from([3, 0, 0, 0, 0, 0, 0, 16, 0, 16])]));
    assert.equal((await stream.read(1))[0], 0, 'a FramebufferUpdate: the session goes on');
    assert.equal(await remoteClipboardBecomes('from this computer', shared ? 5000 : 1500), shared);
    if (!shared) assert.equal(await remoteClipboard(), 'on the remote computer');
    ws.close();
  });
}

test('under a clipboard policy, a message the gateway cannot frame ends the session, said on the control channel', async (t) => {
  const { harness, session, ws } = await pageAtDesktop('none');
  t.after(() => harness.close());
  const control = await harness.control(session.controlPath);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(Buffer.from([99, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(await closed, 4000);
  const deadline = Date.now() + 3000;
  while (!control.events.some((e) => e.type === 'error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const error = control.events.find((e): e is Extract<ControlEvent, { type: 'error' }> => e.type === 'error');
  assert.equal(error?.code, 'policy-clipboard-unchecked');
  assert.equal(error?.detail, 'client message type 99');
  control.close();
});

/** Reads one ServerCutText (the page asked for no updates, so nothing else comes); null if none comes within `ms`. */
async function serverCutText(stream: RelayStream, ms: number): Promise<{ flags: number | null; length: number } | null> {
  const read = (async () => {
    const head = await stream.read(8);
    assert.equal(head[0], 3, 'ServerCutText');
    const length = head.readInt32BE(4);
    const body = await stream.read(Math.abs(length));
    return { flags: length < 0 ? body.readUInt32BE(0) : null, length };
  })();
  return Promise.race([read, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
}

const NOTIFY = 1 << 27;
const PROVIDE = 1 << 28;

for (const policy of [null, 'to-remote-only'] as const) {
  test(`${policy === null ? 'no policy: the server announces its clipboard (Extended Clipboard), the page asks, and the text comes' : 'clipboard "to-remote-only": the server announces its clipboard, the page\u2019s request for it is left out, and no text comes'}`, async (t) => {
    const { harness, ws, stream } = await pageAtDesktop(policy);
    t.after(() => harness.close());
    // As noVNC does: raw and the Extended Clipboard pseudo-encoding, then, on the server's caps, its own (all five actions, text).
    const encodings = Buffer.alloc(12);
    encodings[0] = 2;
    encodings.writeUInt16BE(2, 2);
    encodings.writeInt32BE(0, 4);
    encodings.writeInt32BE(-1063131698, 8);
    ws.send(encodings);
    const serverCaps = await serverCutText(stream, 3000);
    assert.ok(serverCaps && serverCaps.flags !== null && serverCaps.flags & (1 << 24), 'the server\u2019s caps');
    const caps = Buffer.alloc(16);
    caps[0] = 6;
    caps.writeInt32BE(-8, 4);
    caps.writeUInt32BE(((0x1f << 24) | 1) >>> 0, 8);
    ws.send(caps);
    await setRemoteClipboard('remote secret');
    // An empty notify may come first (the clipboard's old owner gone), then one with text.
    let notify = await serverCutText(stream, 3000);
    if (notify?.flags === NOTIFY >>> 0) notify = await serverCutText(stream, 3000);
    assert.equal(notify?.flags, (NOTIFY | 1) >>> 0, 'the server announces text');
    // The page asks for it, as noVNC does on a notify.
    const request = Buffer.alloc(12);
    request[0] = 6;
    request.writeInt32BE(-4, 4);
    request.writeUInt32BE(((1 << 25) | 1) >>> 0, 8);
    ws.send(request);
    const provided = await serverCutText(stream, policy === null ? 3000 : 1500);
    if (policy === null) assert.equal(provided?.flags, (PROVIDE | 1) >>> 0, 'the text is provided');
    else assert.equal(provided, null, 'no text comes');
    ws.close();
  });
}
