// One HTTP server on 127.0.0.1: the renderer's static files, the control API
// and the WebSocket bridges. Anything it does not expect is refused with a
// status code and a log line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CSP_STYLES_FILE, START_PATH, WINDOW_KEY_META, WS } from '../../../shared/api/contract';
import { relayToHost, type RelayTimeouts } from '../bridges/tcpRelay';
import { serveRdCleanPath } from '../bridges/rdCleanPathEndpoint';
import type { Logger } from '../logging/logger';
import type { SessionRegistry } from '../sessions/sessionRegistry';
import type { TicketBook } from '../tickets/sessionTickets';
import { AccessControl, STYLE_HASH_SOURCE, securityHeaders } from './accessControl';
import { ControlApi, sendJson } from './controlApi';
import { sameLocalUser } from './peerUser';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export interface GatewayServerDeps {
  access: AccessControl;
  api: ControlApi;
  sessions: SessionRegistry;
  tickets: TicketBook;
  rendererDir: string;
  logger: Logger;
  relayTimeouts?: RelayTimeouts;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

const SIGNED_OUT_PAGE = `<!doctype html><meta charset="utf-8"><title>DeskBridge</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.5">
<h1>This start address has already been used</h1>
<p>For your security, each address DeskBridge prints works only once and only for a minute.
If this window was already open, go back to it. Otherwise start DeskBridge again and open the new address.</p></body>`;

/**
 * The inline style sheets the renderer's build found in the libraries it bundles (vite.config.ts), for the CSP;
 * none if the file is missing or not what the build writes (then those libraries' `<style>` elements are refused).
 */
function buildStyleHashes(rendererRoot: string, log: Logger): string[] {
  const file = path.join(rendererRoot, CSP_STYLES_FILE);
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const list = (parsed as { styleSrc?: unknown } | null)?.styleSrc;
    if (Array.isArray(list) && list.every((entry) => typeof entry === 'string')) {
      const hashes = (list as string[]).filter((entry) => STYLE_HASH_SOURCE.test(entry));
      if (hashes.length < list.length) log.warn('ignored entries of the build\'s list of inline styles: not hashes', { file, ignored: list.length - hashes.length });
      return hashes;
    }
    log.warn('ignored the build\'s list of inline styles: not a list of hashes', { file });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A renderer folder with no app in it (some tests) has no list either; only a built app without one is worth a word.
    if (code !== 'ENOENT' || existsSync(path.join(rendererRoot, 'index.html'))) {
      log.warn('no list of inline styles from the build: the page may apply none', { file, error: code ?? String(error) });
    }
  }
  return [];
}

export function createGatewayServer(deps: GatewayServerDeps): Server {
  const { access, api, sessions, tickets, logger } = deps;
  const log = logger.child('http');
  const rendererRoot = path.resolve(deps.rendererDir);
  const headers = securityHeaders(buildStyleHashes(rendererRoot, log));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });

  const serveStatic = async (res: ServerResponse, pathname: string): Promise<void> => {
    const relative = pathname === '/' ? 'index.html' : pathname.slice(1);
    const file = path.resolve(rendererRoot, relative);
    if (!file.startsWith(rendererRoot + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await fs.readFile(file);
      const hashed = relative.startsWith('assets/');
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  };

  /** index.html with the window key in a meta element (WINDOW_KEY_META) at the end of its head; null if it is missing. */
  const appPageWithWindowKey = async (windowKey: string): Promise<string | null> => {
    let html: string;
    try {
      html = await fs.readFile(path.join(rendererRoot, 'index.html'), 'utf8');
    } catch {
      return null;
    }
    // base64url: nothing in it needs escaping in an attribute.
    const meta = `<meta name="${WINDOW_KEY_META}" content="${windowKey}">`;
    return html.includes('</head>') ? html.replace('</head>', `${meta}</head>`) : `${meta}${html}`;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!access.hostAllowed(req)) {
      log.warn('refused request with wrong Host', { host: req.headers.host ?? '', path: url.pathname });
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Misdirected request');
      return;
    }
    if (url.pathname === START_PATH && req.method === 'GET') {
      const signIn = access.redeemStartCode(url.searchParams.get('code'));
      if (!signIn) {
        log.warn('refused start code (unknown, used or expired)');
        res.writeHead(403, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(SIGNED_OUT_PAGE);
        return;
      }
      // The app's page itself, with the window key in it: in no address (a URL, even its fragment, goes into the
      // browser's history), only in this one response, which nothing caches. The page moves it to its
      // sessionStorage and its address to "/" (renderer/app/windowKey.ts).
      const page = await appPageWithWindowKey(signIn.windowKey);
      if (page === null) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('The app\u2019s page is missing from this installation.');
        return;
      }
      res.writeHead(200, { 'Set-Cookie': access.sessionCookie(signIn.sessionToken), 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(page);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const method = req.method ?? 'GET';
      const denial = access.check(req, method !== 'GET' && method !== 'HEAD', true);
      if (denial) {
        log.warn('refused API call', { path: url.pathname, method, reason: denial.reason });
        sendJson(res, denial.status, { error: denial.reason, message: 'This window is not signed in to DeskBridge.' });
        return;
      }
      await api.handle(req, res, url.pathname);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    await serveStatic(res, url.pathname);
  };

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      log.error('request failed', { error: (error as Error).message });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  // Another local user's connection is closed before anything of it is read (peerUser.ts): the start code, the
  // cookie and the window key are then worth nothing to anyone but this user.
  server.on('connection', (socket) => {
    if (socket.remotePort === undefined || sameLocalUser(socket.remotePort, socket.localPort ?? 0)) return;
    log.warn('refused a connection from another local user', { port: socket.remotePort });
    socket.destroy();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const denial = access.check(req, true, false);
    if (denial) {
      log.warn('refused WebSocket', { path: url.pathname, reason: denial.reason });
      refuseUpgrade(socket, denial.status, 'Forbidden');
      return;
    }
    if (url.pathname === WS.control) {
      const session = sessions.get(url.searchParams.get('session') ?? '');
      if (!session) {
        refuseUpgrade(socket, 404, 'Not Found');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => sessions.attachControl(session, ws));
      return;
    }
    if (url.pathname === WS.relay) {
      const redeemed = tickets.redeem(url.searchParams.get('ticket') ?? '', 'relay', url.searchParams.get('target') ?? '');
      if (!redeemed.ok) {
        log.warn('refused relay: ticket', { reason: redeemed.reason });
        refuseUpgrade(socket, 403, 'Forbidden');
        return;
      }
      const session = sessions.get(redeemed.grant.sessionId);
      if (!session) {
        refuseUpgrade(socket, 410, 'Gone');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        // SPICE's later channels open while the session is already under way.
        if (session.bridgeClosers.size === 0) sessions.setState(session, 'connecting');
        relayToHost(ws, session, sessions, logger, deps.relayTimeouts);
      });
      return;
    }
    if (url.pathname === WS.rdcleanpath) {
      // The ticket travels inside the RDCleanPath request (proxy_auth), so it is checked there.
      const sessionId = url.searchParams.get('session') ?? '';
      if (!sessions.get(sessionId)) {
        refuseUpgrade(socket, 404, 'Not Found');
        return;
      }
      // paint=1: the page decodes RemoteFX itself; the gateway takes it out of IronRDP's stream (bridges/rdp/remoteFxTranscoder.ts).
      const painting = url.searchParams.get('paint') === '1';
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => serveRdCleanPath(ws, sessionId, { sessions, tickets, logger, ...(deps.relayTimeouts ? { timeouts: deps.relayTimeouts } : {}) }, painting));
      return;
    }
    log.warn('refused WebSocket to unknown path', { path: url.pathname });
    refuseUpgrade(socket, 404, 'Not Found');
  });

  return server;
}
