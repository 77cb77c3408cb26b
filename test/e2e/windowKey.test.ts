// The session cookie reaches every port of 127.0.0.1: a browser binds cookies
// to a host, not a port, so a page served from another local port (another
// user's web server, a developer's dev server) receives it. This test is that
// page: it takes the cookie Chromium sends it and replays it to the gateway,
// as a local attacker would, and nothing opens. The app's own window goes on
// working, across a reload, with its window key (renderer/app/windowKey.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startAppWithBrowser } from '../support/app';
import { createProfile } from '../support/ui';

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function replay(port: number, options: { method: string; path: string; headers: Record<string, string>; body?: unknown }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: { host: `127.0.0.1:${port}`, ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a page on another local port gets the cookie and opens nothing with it; the app window keeps its key across a reload', async (t) => {
  // The host the saved connection points at: any connection to it would be a session the attacker opened.
  let hostConnections = 0;
  const host = net.createServer((socket) => {
    hostConnections++;
    socket.destroy();
  });
  const hostPort = await listen(host);
  // The other local web server, and the Cookie header the browser sends it.
  const cookiesSeen: string[] = [];
  const neighbour = http.createServer((req, res) => {
    cookiesSeen.push(req.headers.cookie ?? '');
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Neighbour</title><p>hello');
  });
  const neighbourPort = await listen(neighbour);
  const cleanups: (() => Promise<void>)[] = [async () => void host.close(), async () => void neighbour.close()];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });
  const { app, browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Payroll desk', port: hostPort, password: 'sekrit-e2e' });
  // The key is in no address (a URL, its fragment included, goes into the browser's history), and the spent start
  // code has left the address bar; nor is it left in the page's markup.
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search + new URL(page.url()).hash, '/', `the address: ${page.url()}`);
  assert.equal(await page.evaluate(() => document.querySelector('meta[name="deskbridge-window-key"]') !== null), false);
  const { profiles } = JSON.parse(await readFile(path.join(app.dataDir, 'profiles.json'), 'utf8')) as { profiles: { id: string }[] };
  const profileId = profiles[0]!.id;

  const other = await browser.context.newPage();
  await other.goto(`http://127.0.0.1:${neighbourPort}/`);
  const stolen = /deskbridge_session=[^;\s]+/.exec(cookiesSeen.join('; '))?.[0];
  assert.ok(stolen, `the browser sends the session cookie to another port of 127.0.0.1 (what this guards against): ${cookiesSeen.join(' | ')}`);

  // Replayed with the app's own Host and Origin, which a script outside a browser sets at will.
  const headers = { cookie: stolen, origin: app.origin };
  const port = Number(new URL(app.origin).port);
  const list = await replay(port, { method: 'GET', path: '/api/profiles', headers });
  assert.equal(list.status, 401, list.body);
  assert.equal(list.body.includes('Payroll'), false);
  const session = await replay(port, { method: 'POST', path: '/api/sessions', headers, body: { profileId } });
  assert.equal(session.status, 401, session.body);
  assert.equal(session.body.includes('sekrit'), false);
  const created = await replay(port, { method: 'POST', path: '/api/profiles', headers, body: { profile: { name: 'Planted', protocol: 'vnc', host: '127.0.0.1', port: hostPort } } });
  assert.equal(created.status, 401, created.body);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(hostConnections, 0, 'no session was opened to the host');

  // The app's window: a reload keeps its key (sessionStorage), and it still opens sessions.
  await page.reload();
  const item = page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Payroll desk', exact: true });
  await item.waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Planted', exact: true }).count(), 0);
  await item.dblclick();
  for (let i = 0; i < 50 && hostConnections === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(hostConnections > 0, 'Connect in the app window reached the host');

  // The app's address opened without a start code, in a window of its own: not signed in, and it says so.
  await other.goto(app.origin);
  await other.getByText('This window is not signed in to DeskBridge').waitFor();
});
