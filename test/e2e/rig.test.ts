// The test hosts themselves, without the app: when an end-to-end test fails,
// these say whether the server side of the rig still does what the tests
// assume (known pixels, the RFB greeting, the three failing hosts, the keyring).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { startKeyring } from '../servers/keyring';
import { closedPort, droppingPort, silentListener } from '../servers/network';
import { disposeXvnc, startXvnc, XTERM_BG } from '../servers/xvnc';
import { close, hexColour } from '../servers/xwd';

/** Connects and collects what the host sends within `ms`; `error` is the connect error code, if any. */
function probe(port: number, ms: number, send?: Buffer): Promise<{ connected: boolean; error?: string; received: Buffer }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let connected = false;
    const finish = (error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ connected, error, received: Buffer.concat(chunks) });
    };
    const timer = setTimeout(() => finish(), ms);
    socket.on('connect', () => {
      connected = true;
      if (send) socket.write(send);
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // The version greeting, then (after our reply) the security types.
      if (!send && chunks.length === 1) socket.write(Buffer.from('RFB 003.008\n'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code));
  });
}

function listeningAddresses(port: number): string[] {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[3] ?? '');
}

test('Xvnc without auth: greets, listens on loopback only, shows the known colours, and stops', async (t) => {
  const server = await startXvnc({ background: '#336699' });
  t.after(() => disposeXvnc(server));
  assert.deepEqual(listeningAddresses(server.port), [`127.0.0.1:${server.port}`]);
  const greeting = await probe(server.port, 1000);
  assert.equal(greeting.received.subarray(0, 12).toString(), 'RFB 003.008\n');
  // RFC 6143 §7.1.2: number of types, then the types; 1 is None.
  assert.deepEqual([...greeting.received.subarray(12)], [1, 1]);

  const screen = await server.screen();
  assert.equal(`${screen.width}x${screen.height}`, '1024x768');
  assert.ok(close(screen.pixel(900, 700), hexColour('#336699'), 0), `background is rgb(${screen.pixel(900, 700)})`);
  assert.ok(close(screen.pixel(300, 200), hexColour(XTERM_BG), 0), `xterm area is rgb(${screen.pixel(300, 200)})`);

  await server.x('xdotool', ['mousemove', '613', '411']);
  assert.match(await server.x('xdotool', ['getmouselocation']), /x:613 y:411 /);

  const text = '€ 日本 ü';
  await server.x('sh', ['-c', `printf '%s' "$0" | xclip -selection clipboard -i >/dev/null 2>&1`, text]);
  assert.equal(await server.x('xclip', ['-o', '-selection', 'clipboard']), text);

  const display = server.display.slice(1);
  await server.stop();
  assert.equal((await probe(server.port, 500)).error, 'ECONNREFUSED');
  assert.equal(existsSync(`/tmp/.X${display}-lock`), false, 'the X server left its lock file: it did not stop');
});

test('Xvnc with VncAuth offers only VncAuth', async (t) => {
  const server = await startXvnc({ password: 'Rig-pass', xterm: false });
  t.after(() => disposeXvnc(server));
  const greeting = await probe(server.port, 1000);
  assert.deepEqual([...greeting.received.subarray(12)], [1, 2]);
});

test('the failing hosts: refused at once, silent forever, and packets dropped', async () => {
  const refused = await probe(await closedPort(), 2000);
  assert.equal(refused.error, 'ECONNREFUSED');

  const silent = await silentListener();
  try {
    const result = await probe(silent.port, 1500);
    assert.equal(result.connected, true);
    assert.equal(result.received.length, 0, 'the silent listener spoke');
  } finally {
    await silent.close();
  }

  const dropping = await droppingPort();
  let removed = false;
  try {
    const started = Date.now();
    const result = await probe(dropping.port, 1500);
    assert.equal(result.connected, false);
    assert.equal(result.error, undefined, `the connect failed (${result.error}) instead of hanging`);
    assert.ok(Date.now() - started >= 1400);
    await dropping.close();
    removed = true;
    assert.equal((await probe(dropping.port, 1500)).error, 'ECONNREFUSED', 'after close() the port refuses again');
    assert.doesNotMatch(execFileSync('iptables', ['-w', '-S', 'INPUT'], { encoding: 'utf8' }), new RegExp(`--dport ${dropping.port} `));
  } finally {
    if (!removed) await dropping.close();
  }
});

test('gnome-keyring on a private bus: a secret stored there is read back, and its processes end with it', async (t) => {
  const keyring = await startKeyring();
  let stopped = false;
  t.after(async () => {
    if (!stopped) await keyring.stop();
  });
  await new Promise<void>((resolve, reject) => {
    const child = execFile('secret-tool', ['store', '--label', 'rig', 'service', 'DeskBridge-rig', 'username', 'probe'], { env: keyring.env, timeout: 5000 }, (error) => (error ? reject(error) : resolve()));
    child.stdin?.end('Grüße-日本');
  });
  assert.equal(await keyring.lookup({ service: 'DeskBridge-rig', username: 'probe' }), 'Grüße-日本');
  assert.equal(await keyring.lookup({ service: 'DeskBridge-rig', username: 'nobody' }), null);
  assert.equal(keyring.pids.length, 2);
  await keyring.stop();
  stopped = true;
  const alive = keyring.pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  assert.deepEqual(alive, [], 'processes of the keyring session outlived stop()');
});
