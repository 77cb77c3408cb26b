// The relay names the real cause of a failure on the control channel, which
// noVNC's own disconnect event cannot: a closed port, a listener that never
// speaks, a server that hangs up. Real sockets on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import WebSocket from 'ws';
import { startGateway, type RunningGateway } from '../../../electron/gateway/index';
import { createLogger } from '../../../electron/gateway/logging/logger';
import type { ControlEvent, CreateSessionResponse } from '../../../shared/api/contract';
import { freePort } from '../../servers/processes';
import { windowKeyIn } from '../../support/windowKey';

process.env.DESKBRIDGE_SECRETS = 'file';

let gateway: RunningGateway;
let root: string;
let cookie = '';
let windowKey = '';
const servers: net.Server[] = [];

function post(pathname: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: gateway.port, method: 'POST', path: pathname, headers: { host: `127.0.0.1:${gateway.port}`, origin: gateway.origin, cookie, 'x-deskbridge-key': windowKey, 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Opens a session to host:port and returns the first error the control channel reports, with its delay. */
async function firstError(port: number): Promise<{ code: string; ms: number; relayClose: number }> {
  const profile = JSON.parse((await post('/api/profiles', { profile: { name: `p${port}`, protocol: 'vnc', host: '127.0.0.1', port } })).body);
  const session = JSON.parse((await post('/api/sessions', { profileId: profile.id })).body) as CreateSessionResponse;
  const headers = { cookie, origin: gateway.origin };
  const control = new WebSocket(`ws://127.0.0.1:${gateway.port}${session.controlPath}`, { headers });
  await new Promise((resolve) => control.once('open', resolve));
  const started = Date.now();
  const error = new Promise<Extract<ControlEvent, { type: 'error' }>>((resolve) =>
    control.on('message', (data) => {
      const event = JSON.parse(String(data)) as ControlEvent;
      if (event.type === 'error') resolve(event);
    }),
  );
  const relay = new WebSocket(`ws://127.0.0.1:${gateway.port}${session.relayPath}`, { headers });
  const closed = new Promise<number>((resolve) => relay.on('close', (code) => resolve(code)));
  const event = await error;
  const ms = Date.now() - started;
  const relayClose = await closed;
  control.close();
  return { code: event.code, ms, relayClose };
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-relay-'));
  await mkdir(path.join(root, 'r'));
  await writeFile(path.join(root, 'r', 'index.html'), '<!doctype html>');
  gateway = await startGateway({ port: 0, dataDir: path.join(root, 'd'), shell: 'browser', rendererDir: path.join(root, 'r'), secretsKeyDir: path.join(root, 'k'), machinePolicyFile: path.join(root, 'none.json'), logger: createLogger({ sink: () => undefined }) });
  const start = new URL(gateway.startUrl());
  cookie = await new Promise<string>((resolve) =>
    http.get({ host: '127.0.0.1', port: gateway.port, path: start.pathname + start.search, headers: { host: `127.0.0.1:${gateway.port}` } }, (res) => {
      let page = '';
      res.on('data', (chunk: Buffer) => (page += chunk.toString()));
      res.on('end', () => {
        windowKey = windowKeyIn(page);
        resolve((res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '');
      });
    }),
  );
});

after(async () => {
  await gateway.close();
  for (const server of servers) server.close();
  await rm(root, { recursive: true, force: true });
});

test('a closed port is reported as refused at once', async () => {
  const result = await firstError(await freePort());
  assert.equal(result.code, 'host-refused');
  assert.ok(result.ms < 1000, `took ${result.ms} ms`);
  assert.equal(result.relayClose, 4000);
});

test('a listener that accepts and never speaks is reported as no greeting, within 10 s', async () => {
  const sockets: net.Socket[] = [];
  const port = await listen((socket) => sockets.push(socket));
  const result = await firstError(port);
  for (const socket of sockets) socket.destroy();
  assert.equal(result.code, 'no-greeting');
  assert.ok(result.ms >= 3500 && result.ms < 10_000, `took ${result.ms} ms`);
});

test('a server that greets and then hangs up is reported as server-closed', async () => {
  const port = await listen((socket) => socket.end('RFB 003.008\n'));
  const result = await firstError(port);
  assert.equal(result.code, 'server-closed');
});

test('a server that greets and stops answering while the gateway signs in is reported as no greeting, within 10 s', async () => {
  // RFB 3.8, then silence: the gateway's version is never answered with security types.
  const port = await listen((socket) => socket.write('RFB 003.008\n'));
  const result = await firstError(port);
  assert.equal(result.code, 'no-greeting');
  assert.ok(result.ms < 10_000, `${result.ms} ms`);
  assert.equal(result.relayClose, 4000);
});

// An RFB 3.3 greeting: the gateway signs in only to 3.8 servers (vncSignIn.ts) and leaves others to the page, byte for byte.
test('bytes pass both ways unchanged', async () => {
  const port = await listen((socket) => {
    socket.write('RFB 003.003\n');
    socket.on('data', (d) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
  });
  const profile = JSON.parse((await post('/api/profiles', { profile: { name: 'echo', protocol: 'vnc', host: '127.0.0.1', port } })).body);
  const session = JSON.parse((await post('/api/sessions', { profileId: profile.id })).body) as CreateSessionResponse;
  const relay = new WebSocket(`ws://127.0.0.1:${gateway.port}${session.relayPath}`, { headers: { cookie, origin: gateway.origin } });
  const received: Buffer[] = [];
  const payload = Buffer.from([0, 1, 2, 255, 254, 0x80]);
  await new Promise<void>((resolve) => {
    relay.on('message', (d: Buffer) => {
      received.push(d);
      const all = Buffer.concat(received);
      if (all.length === 1) return;
      if (all.toString('latin1') === 'RFB 003.003\n') relay.send(payload);
      if (all.length >= 12 + 5 + payload.length) resolve();
    });
  });
  relay.close();
  assert.deepEqual(Buffer.concat(received), Buffer.concat([Buffer.from('RFB 003.003\n'), Buffer.from('echo:'), payload]));
});
