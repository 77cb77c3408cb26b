// The gateway closes a loopback connection another local user made (http/peerUser.ts). Against the kernel's real
// table: a client started as another user (setpriv, as root) is cut before its request is read, so the start code it
// took off Chromium's command line stays the browser's; the same request from this user gets in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loopbackPeerUid } from '../../../electron/gateway/http/peerUser';
import { startGateway } from '../../../electron/gateway/index';
import { createLogger } from '../../../electron/gateway/logging/logger';

test('the owner of the client side of a loopback connection, read from the kernel\u2019s table', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-peer-'));
  try {
    const table = path.join(dir, 'tcp');
    await writeFile(
      table,
      [
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
        '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 11 1',
        '   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 12 1',
        '   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 13 1',
      ].join('\n'),
    );
    assert.equal(loopbackPeerUid(0xc350, 0x1f90, [table]), 1001, 'the client socket (local port 50000 to 8080), not the server\u2019s');
    assert.equal(loopbackPeerUid(0xc351, 0x1f90, [table]), null);
    assert.equal(loopbackPeerUid(0xc350, 0x1f90, [path.join(dir, 'none')]), null, 'no table: not known');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const root = typeof process.getuid === 'function' && process.getuid() === 0 && process.platform === 'linux';
const canSwitch = root && spawnSync('setpriv', ['--version']).status === 0;

test('another local user\u2019s connection is cut before its request is read; the start code it tried still works for this user', { skip: !canSwitch && 'needs root on Linux and setpriv, to run a client as another user' }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-peer-gw-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html>');
  const lines: string[] = [];
  const gateway = await startGateway({ port: 0, dataDir: path.join(dir, 'data'), shell: 'browser', rendererDir: dir, secretsKeyDir: path.join(dir, 'keys'), machinePolicyFile: path.join(dir, 'none.json'), logger: createLogger({ sink: (line) => lines.push(line) }) });
  try {
    const start = new URL(gateway.startUrl());
    // As "nobody" would, having read the address off /proc/PID/cmdline: a GET of the start address.
    const script = `require('http').get({host:'127.0.0.1',port:${gateway.port},path:${JSON.stringify(start.pathname + start.search)},headers:{host:'127.0.0.1:${gateway.port}'}},(r)=>{console.log('status '+r.statusCode)}).on('error',(e)=>console.log('error '+e.code))`;
    // Not execFileSync: the gateway runs in this process and must go on serving while the client runs.
    const other = await new Promise<string>((resolve, reject) =>
      execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8', timeout: 10_000, cwd: os.tmpdir() }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))),
    );
    assert.match(other, /^error (ECONNRESET|EPIPE)$/, `another user: ${other}`);
    assert.ok(lines.some((line) => line.includes('refused a connection from another local user')), lines.join('\n'));
    // The code was not spent: the browser this user started still signs in with it.
    const mine = await new Promise<number>((resolve, reject) => http.get({ host: '127.0.0.1', port: gateway.port, path: start.pathname + start.search, headers: { host: `127.0.0.1:${gateway.port}` } }, (r) => resolve(r.statusCode ?? 0)).on('error', reject));
    assert.equal(mine, 200);
    // And a plain connection of this user's is served as ever.
    const socket = net.connect(gateway.port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.destroy();
  } finally {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  }
});
