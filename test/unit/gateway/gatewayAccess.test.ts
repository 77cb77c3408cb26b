// The gateway's refusals, against the real HTTP server on loopback: no
// cookie, no window key, a reused start code, a wrong Origin, a wrong Host, an expired
// ticket, a ticket for another target. Every refusal also means no TCP
// connection to the target was attempted, which a listener here checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startGateway, type RunningGateway } from '../../../electron/gateway/index';
import { createLogger } from '../../../electron/gateway/logging/logger';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from '../../../electron/gateway/http/accessControl';
import type { CreateSessionResponse, ProfileView } from '../../../shared/api/contract';
import { windowKeyIn } from '../../support/windowKey';

process.env.DESKBRIDGE_SECRETS = 'file';

let gateway: RunningGateway;
let root: string;
let target: net.Server;
let targetPort: number;
let targetConnections = 0;
const targetSockets = new Set<net.Socket>();

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(options: { method?: string; path: string; headers?: Record<string, string>; body?: unknown }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: gateway.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${gateway.port}`, ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A window's start: the cookie and the window key (from the start page), as the headers of an API call. */
async function signIn(): Promise<{ cookie: string; 'x-deskbridge-key': string }> {
  const url = new URL(gateway.startUrl());
  const reply = await request({ path: url.pathname + url.search });
  assert.equal(reply.status, 200);
  const cookie = reply.headers['set-cookie']?.[0] ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  return { cookie: cookie.split(';')[0] ?? '', 'x-deskbridge-key': windowKeyIn(reply.body) };
}

function openSocket(pathAndQuery: string, headers: Record<string, string>): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}${pathAndQuery}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
    ws.on('error', () => resolve({ opened: false }));
  });
}

const BUILT_STYLE = "'sha256-UEQQwcFRd1bhGGwv7iDA6ItaadRXeJK+pzLA0vzkNm8='";

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-gw-'));
  const rendererDir = path.join(root, 'renderer');
  await import('node:fs/promises').then((fs) => fs.mkdir(rendererDir));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>DeskBridge</title>');
  // The build's list of the inline style sheets its libraries add (vite.config.ts); a keyword slipped into it is not a hash.
  await writeFile(path.join(rendererDir, 'csp-styles.json'), JSON.stringify({ styleSrc: [BUILT_STYLE, "'unsafe-inline'"] }));
  target = net.createServer((socket) => {
    targetConnections++;
    // Greets as a VNC server does, and stays: a connection made by a session request is then the relay's.
    targetSockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => targetSockets.delete(socket));
    socket.write('RFB 003.008\n');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as net.AddressInfo).port;
  gateway = await startGateway({
    port: 0,
    dataDir: path.join(root, 'data'),
    shell: 'browser',
    rendererDir,
    secretsKeyDir: path.join(root, 'keys'),
    machinePolicyFile: path.join(root, 'no-machine-policy.json'),
    logger: createLogger({ sink: () => undefined }),
    ticketTtlMs: 300,
  });
});

after(async () => {
  await gateway.close();
  for (const socket of targetSockets) socket.destroy();
  await new Promise<void>((resolve) => target.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

test('static files are public and carry the CSP', async () => {
  const reply = await request({ path: '/' });
  assert.equal(reply.status, 200);
  const policy = reply.headers['content-security-policy'] ?? '';
  assert.equal(policy, contentSecurityPolicy([BUILT_STYLE]));
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self' 'wasm-unsafe-eval';/);
  // Inline style sheets: only those the build found in the libraries it bundles, by hash; none where it wrote no list.
  assert.match(policy, new RegExp(`style-src 'self' ${BUILT_STYLE.replace(/[+]/g, '\\+')};`));
  assert.match(CONTENT_SECURITY_POLICY, /style-src 'self';/);
  assert.doesNotMatch(policy, /style-src [^;]*unsafe-inline/);
  // Style attributes (IronRDP sizes its screen with one, spice-html5 places its video with one) stay allowed.
  assert.match(policy, /style-src-attr 'unsafe-inline';/);
  // IronRDP's WebAssembly is a file of its own (renderer/protocols/rdp/ironRdpWasm.ts): nothing fetches data: URLs.
  assert.match(CONTENT_SECURITY_POLICY, /connect-src 'self';/);
  // SPICE's sound plays from a MediaSource the page makes (a blob: URL of its own origin); nothing else is allowed as media.
  assert.match(CONTENT_SECURITY_POLICY, /media-src 'self' blob:;/);
  assert.equal((await request({ path: '/../../etc/passwd' })).status, 404);
});

test('the API refuses a call without the session cookie', async () => {
  const reply = await request({ path: '/api/profiles' });
  assert.equal(reply.status, 401);
});

test('the cookie alone opens no API call: a window needs its key, which travels only in the start page, in no address', async () => {
  const url = new URL(gateway.startUrl());
  const reply = await request({ path: url.pathname + url.search });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.location, undefined, 'no redirect: an address would go into the browser\u2019s history');
  assert.equal(reply.headers['cache-control'], 'no-store');
  const key = windowKeyIn(reply.body);
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(reply.body.includes('<title>DeskBridge</title>'), 'the app\u2019s own page');
  const cookie = (reply.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  assert.equal(cookie.includes(key), false, 'the key is not the cookie');

  const window = { cookie, 'x-deskbridge-key': key, origin: gateway.origin };
  const created = await request({ method: 'POST', path: '/api/profiles', headers: window, body: { profile: { name: 'Kept', protocol: 'vnc', host: '127.0.0.1', port: targetPort }, password: 'sekrit-88' } });
  assert.equal(created.status, 201);
  const profile = JSON.parse(created.body) as ProfileView;

  // What a page on another port of 127.0.0.1 receives from the browser, and can replay with any Origin: the cookie, with no key.
  const list = await request({ path: '/api/profiles', headers: { cookie } });
  assert.equal(list.status, 401);
  assert.equal(JSON.parse(list.body).error, 'no-window-key');
  assert.equal(list.body.includes('Kept'), false);
  const before = targetConnections;
  const forged = await request({ method: 'POST', path: '/api/sessions', headers: { cookie, origin: gateway.origin }, body: { profileId: profile.id } });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.includes('sekrit'), false);
  assert.equal((await request({ method: 'POST', path: '/api/sessions', headers: { ...window, 'x-deskbridge-key': 'guess' }, body: { profileId: profile.id } })).status, 401, 'a wrong key');
  assert.equal((await request({ method: 'POST', path: '/api/sessions', headers: { 'x-deskbridge-key': key, origin: gateway.origin }, body: { profileId: profile.id } })).status, 401, 'the key without the cookie');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(targetConnections, before, 'no refused session request reached the host');

  assert.equal((await request({ path: '/api/profiles', headers: window })).status, 200);
  // A second window's start replaces the browser's cookie; the first window's key goes on working with it.
  const second = await signIn();
  assert.equal((await request({ path: '/api/profiles', headers: { cookie: second.cookie, 'x-deskbridge-key': key } })).status, 200);
});

test('a start code works once', async () => {
  const url = new URL(gateway.startUrl());
  assert.equal((await request({ path: url.pathname + url.search })).status, 200);
  const again = await request({ path: url.pathname + url.search });
  assert.equal(again.status, 403);
  assert.equal(again.headers['set-cookie'], undefined);
  assert.equal((await request({ path: '/start?code=guess' })).status, 403);
});

test('a wrong Host is refused everywhere (DNS rebinding)', async () => {
  const signedIn = await signIn();
  assert.equal((await request({ path: '/api/profiles', headers: { ...signedIn, host: `evil.example:${gateway.port}` } })).status, 421);
  assert.equal((await request({ path: '/', headers: { host: `localhost:${gateway.port}` } })).status, 421);
});

test('a wrong or missing Origin is refused for changes, a right one accepted', async () => {
  const signedIn = await signIn();
  const profile = { name: 'X', protocol: 'vnc', host: '127.0.0.1', port: targetPort };
  const evil = await request({ method: 'POST', path: '/api/profiles', headers: { ...signedIn, origin: 'http://evil.example' }, body: { profile } });
  assert.equal(evil.status, 403);
  const none = await request({ method: 'POST', path: '/api/profiles', headers: { ...signedIn }, body: { profile } });
  assert.equal(none.status, 403);
  const good = await request({ method: 'POST', path: '/api/profiles', headers: { ...signedIn, origin: gateway.origin }, body: { profile } });
  assert.equal(good.status, 201);
  const bad = await request({ method: 'POST', path: '/api/profiles', headers: { ...signedIn, origin: gateway.origin }, body: { profile: { ...profile, host: '', port: 0 } } });
  assert.equal(bad.status, 400);
  const fields = JSON.parse(bad.body).fields;
  assert.ok(fields.host && fields.port);
});

test('relay tickets: wrong target, reuse, expiry, wrong Origin and no cookie are refused before any connection', async () => {
  const signedIn = await signIn();
  const { cookie } = signedIn;
  const headers = { ...signedIn, origin: gateway.origin };
  const created = await request({ method: 'POST', path: '/api/profiles', headers, body: { profile: { name: 'T', protocol: 'vnc', host: '127.0.0.1', port: targetPort } } });
  const profile = JSON.parse(created.body) as ProfileView;
  const newSession = async () => JSON.parse((await request({ method: 'POST', path: '/api/sessions', headers, body: { profileId: profile.id } })).body) as CreateSessionResponse;
  const before = targetConnections;
  const connectionsReach = async (n: number) => {
    for (let i = 0; i < 100 && targetConnections < n; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(targetConnections, n);
  };

  const s1 = await newSession();
  // The session request itself connects to its ticket's target (a VNC server speaks first: bridges/heldHostConnection.ts).
  await connectionsReach(before + 1);
  const otherTarget = s1.relayPath.replace(/target=[^&]+/, `target=${encodeURIComponent('127.0.0.1:22')}`);
  assert.equal((await openSocket(otherTarget, headers)).status, 403, 'ticket for another target');
  assert.equal((await openSocket(s1.relayPath, { cookie, origin: 'http://evil.example' })).status, 403, 'wrong origin');
  assert.equal((await openSocket(s1.relayPath, { origin: gateway.origin })).status, 401, 'no cookie');
  assert.equal(targetConnections, before + 1, 'no refused request reached the target');

  assert.equal((await openSocket(s1.relayPath, headers)).opened, true, 'the right ticket opens');
  assert.equal((await openSocket(s1.relayPath, headers)).status, 403, 'a used ticket is refused');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(targetConnections, before + 1, 'the relay went on over the session request\u2019s connection');

  const s2 = await newSession();
  await connectionsReach(before + 2);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await openSocket(s2.relayPath, headers)).status, 403, 'an expired ticket is refused');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(targetConnections, before + 2);
});

test('a VNC session response never carries the saved password (the gateway signs in with it), and profiles never do', async () => {
  const signedIn = await signIn();
  const headers = { ...signedIn, origin: gateway.origin };
  const created = await request({ method: 'POST', path: '/api/profiles', headers, body: { profile: { name: 'S', protocol: 'vnc', host: '127.0.0.1', port: targetPort }, password: 'sekrit-77' } });
  const profile = JSON.parse(created.body) as ProfileView;
  assert.equal(profile.hasSavedPassword, true);
  assert.equal(created.body.includes('sekrit-77'), false);
  const list = await request({ path: '/api/profiles', headers: signedIn });
  assert.equal(list.body.includes('sekrit-77'), false);
  const answer = (await request({ method: 'POST', path: '/api/sessions', headers, body: { profileId: profile.id } })).body;
  assert.equal(answer.includes('sekrit-77'), false);
  const session = JSON.parse(answer) as CreateSessionResponse;
  assert.equal(session.savedPassword, null);
  assert.equal(session.profile.hasSavedPassword, true);
  assert.equal(session.relayPath.includes('sekrit'), false);
  assert.equal(session.encrypted, false);
});

test('PUT /api/library/sort: an order it does not know is a 400 naming the choices, and a window that is not signed in is refused as for any change; neither changes the kept sort', async () => {
  const signedIn = await signIn();
  const headers = { ...signedIn, origin: gateway.origin };
  const kept = async () => (JSON.parse((await request({ path: '/api/state', headers: signedIn })).body) as { librarySort: string }).librarySort;
  const put = (body: unknown, extra: Record<string, string> = headers) => request({ method: 'PUT', path: '/api/library/sort', headers: extra, body });
  assert.equal((await put({ sort: 'host' })).status, 204);
  assert.equal(await kept(), 'host');

  for (const body of [{ sort: 'colour' }, { sort: 'Recent' }, { sort: '' }, { sort: null }, {}, 'recent', ['recent']]) {
    const reply = await put(body);
    assert.equal(reply.status, 400, JSON.stringify(body));
    assert.deepEqual(JSON.parse(reply.body), { error: 'bad-request', message: 'Sort by name, recent or host.' }, JSON.stringify(body));
  }
  assert.equal(await kept(), 'host', 'a refused order changes nothing');

  // The cookie and the key, an Origin of its own and the right Host: as every PUT, POST and DELETE.
  const refusals: [Record<string, string>, number, string][] = [
    [{ 'x-deskbridge-key': signedIn['x-deskbridge-key'], origin: gateway.origin }, 401, 'no-session'],
    [{ cookie: signedIn.cookie, origin: gateway.origin }, 401, 'no-window-key'],
    [{ ...signedIn, origin: 'http://evil.example' }, 403, 'wrong-origin'],
    [{ ...signedIn }, 403, 'missing-origin'],
    [{ ...headers, host: `evil.example:${gateway.port}` }, 421, ''],
  ];
  for (const [extra, status, reason] of refusals) {
    const reply = await put({ sort: 'recent' }, extra);
    assert.equal(reply.status, status, reason || 'wrong host');
    if (reason) assert.equal(JSON.parse(reply.body).error, reason);
  }
  assert.equal(await kept(), 'host', 'no refused request changed the sort');
  assert.equal((await put({ sort: 'recent' })).status, 204, 'the signed-in window still can');
  assert.equal(await kept(), 'recent');
});
