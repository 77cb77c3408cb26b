// The RDCleanPath endpoint for IronRDP's web client (see rdcleanpath/rdCleanPathPdu.ts).
// Sequence: read one request PDU; check its ticket against the destination it
// names; connect and forward the client's X.224 request; read the whole
// confirm; TLS handshake as the client (or, when the client's X.224 request
// is the one the certificate preflight sent, take over the preflight's
// connection, already that far: rdp/heldTransport.ts); check the certificate
// is the one the ticket was bound to; answer with the confirm and the chain;
// then relay plaintext both ways. Malformed, oversized or unauthorised requests get an
// RDCleanPath error and a closed socket, never a connection.
import type WebSocket from 'ws';
import type { ErrorCode } from '../../../shared/errors/errorCodes';
import { sha256Fingerprint } from '../certificates/certificateTrust';
import type { Logger } from '../logging/logger';
import type { GatewaySession, SessionRegistry } from '../sessions/sessionRegistry';
import type { TicketBook } from '../tickets/sessionTickets';
import { DerError, probeLength } from './rdcleanpath/der';
import { MAX_REQUEST_BYTES, RDCLEANPATH_ERROR, asRequest, decodePdu, errorPdu, responsePdu } from './rdcleanpath/rdCleanPathPdu';
import { PROTOCOL, X224Error, requestedProtocols } from './rdp/x224';
import { openRdpTransport } from './rdp/rdpTransport';
import { CLIPBOARD_CHANNEL, ClientStreamRewriter, RESIZABLE_CLIENT_BUILD, type ClientSettings } from './rdp/clientSettings';
import { FramePacer } from './rdp/framePacing';
import { RemoteFxTileFilter } from './rdp/remoteFxTiles';
import { RemoteFxTranscoder, TAG_RDP } from './rdp/remoteFxTranscoder';
import { ServerStreamWatch, serverEndReason } from './rdp/serverStreamWatch';
import { PointerEvents } from './rdp/pointerEvents';
import { pointerToShow } from './rdp/pointerScaling';
import type { PointerShape } from './rdp/serverPointer';
import { pumpBytes, toBuffer } from './socketPump';
import { RoundTripTimer } from './roundTrips';
import { DeadLinkProbe } from './rdp/deadLinkProbe';
import type { RelayTimeouts } from './tcpRelay';

const REQUEST_TIMEOUT_MS = 10_000;
/** How often the dead-link probe's timing is looked at (rdp/deadLinkProbe.ts). */
const PROBE_TICK_MS = 500;
/** How often the frame pacing is asked whether the server is owed an acknowledgement. */
const PACING_TICK_MS = 20;

/**
 * After an auto-logon, how long the page waits to say "Connected" while the server has drawn nothing that tells
 * whether it signed in (rdp/serverStreamWatch.ts, 6). xrdp takes about 1 s to start a session and about 2 s to
 * refuse a password (PAM's delay); a server that says nothing goes on after this.
 */
const SIGN_IN_WAIT_MS = 10_000;

/** MS-RDPBCGR 2.2.10.2 Early User Authorization Result PDU: ACCESS_DENIED. */
const EARLY_AUTH_ACCESS_DENIED = 0x00000005;

/**
 * Watches the CredSSP exchange (MS-CSSP), visible in clear here because TLS
 * ends in the gateway, to tell a failed sign-in from a lost connection when
 * a server just closes the socket, as freerdp-shadow does on a wrong password.
 */
export class CredSspObserver {
  private phase: 'credssp' | 'early-auth' | 'done';
  private clientRequests = 0;
  private earlyAuthResult: number | null = null;

  constructor(selectedProtocol: number) {
    const nla = (selectedProtocol & (PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX)) !== 0;
    this.phase = nla ? 'credssp' : 'done';
    this.expectsEarlyAuth = (selectedProtocol & PROTOCOL.HYBRID_EX) !== 0;
  }

  private readonly expectsEarlyAuth: boolean;

  fromClient(chunk: Buffer): void {
    if (this.phase !== 'credssp') return;
    // TSRequest is a DER SEQUENCE (0x30); the first TPKT (0x03) from the client means CredSSP is over.
    if (chunk[0] === 0x30) this.clientRequests++;
    else if (chunk[0] === 0x03) this.phase = 'done';
  }

  fromServer(chunk: Buffer): void {
    if (this.phase === 'credssp' && this.expectsEarlyAuth && this.clientRequests >= 3 && chunk.length === 4 && chunk[0] !== 0x30) {
      this.earlyAuthResult = chunk.readUInt32LE(0);
      this.phase = 'done';
    }
  }

  /** What a close by the server means now. */
  closeReason(): { code: ErrorCode; evidence: string } {
    if (this.earlyAuthResult === EARLY_AUTH_ACCESS_DENIED) return { code: 'access-denied', evidence: 'Early User Authorization Result: ACCESS_DENIED' };
    if (this.phase === 'credssp' && this.clientRequests >= 2) {
      return { code: 'sign-in-failed', evidence: `server closed during CredSSP after ${this.clientRequests} client TSRequests (credentials sent, no success)` };
    }
    return { code: 'server-closed', evidence: 'server closed the connection' };
  }
}

export function serveRdCleanPath(
  socket: WebSocket,
  sessionIdFromUrl: string,
  deps: { sessions: SessionRegistry; tickets: TicketBook; logger: Logger; timeouts?: RelayTimeouts },
  /** The page decodes RemoteFX itself (rdp/remoteFxTranscoder.ts): every message to it is tagged. */
  painting = false,
): void {
  const log = deps.logger.child('rdcleanpath');
  const forPage = (pdu: Uint8Array): Uint8Array => (painting ? Buffer.concat([Buffer.from([TAG_RDP]), pdu]) : pdu);
  let buffered = Buffer.alloc(0);
  let handled = false;

  const refuse = (status: number, why: string, session?: GatewaySession, code?: ErrorCode) => {
    log.warn('refused RDCleanPath request', { why, status });
    if (session && code) deps.sessions.fail(session, code, why);
    socket.send(forPage(errorPdu({ errorCode: RDCLEANPATH_ERROR.general, httpStatusCode: status })), () => socket.close(1008, 'refused'));
  };

  const timer = setTimeout(() => {
    if (!handled) refuse(408, 'no request in time');
  }, REQUEST_TIMEOUT_MS);

  const onMessage = (data: Buffer | ArrayBuffer | Buffer[]) => {
    if (handled) return;
    buffered = Buffer.concat([buffered, toBuffer(data)]);
    const probe = probeLength(buffered, MAX_REQUEST_BYTES);
    if (probe.kind === 'incomplete') {
      if (buffered.length > MAX_REQUEST_BYTES) refuseOnce(413, 'request too large');
      return;
    }
    if (probe.kind === 'invalid') return refuseOnce(probe.reason.includes('exceeds') ? 413 : 400, `bad request: ${probe.reason}`);
    if (buffered.length < probe.totalLength) return;
    if (buffered.length > probe.totalLength) return refuseOnce(400, 'bytes after the request before the response');
    handled = true;
    clearTimeout(timer);
    socket.off('message', onMessage);
    handleRequest(buffered).catch((error: unknown) => {
      log.error('RDCleanPath request failed', { error: (error as Error).message });
      refuse(500, 'internal error');
    });
  };
  const refuseOnce = (status: number, why: string) => {
    handled = true;
    clearTimeout(timer);
    socket.off('message', onMessage);
    refuse(status, why);
  };
  socket.on('message', onMessage);
  socket.on('close', () => clearTimeout(timer));

  const handleRequest = async (bytes: Buffer) => {
    let request;
    try {
      request = asRequest(decodePdu(bytes));
      requestedProtocols(request.x224ConnectionRequest);
    } catch (error) {
      if (error instanceof DerError || error instanceof X224Error) return refuse(400, `malformed request: ${error.message}`);
      throw error;
    }
    const redeemed = deps.tickets.redeem(request.proxyAuth, 'rdcleanpath', request.destination);
    if (!redeemed.ok) return refuse(403, `ticket ${redeemed.reason}`);
    const session = deps.sessions.get(redeemed.grant.sessionId);
    if (!session || session.id !== sessionIdFromUrl) return refuse(403, 'ticket belongs to another session');
    if (request.preconnectionBlob !== undefined) return refuse(501, 'preconnection blobs are not supported', session, 'feature-unsupported');
    const expected = redeemed.grant.certificateFingerprint;
    if (!expected) return refuse(500, 'ticket without an accepted certificate', session, 'internal');

    deps.sessions.setState(session, 'securing');
    // The certificate preflight's connection, when IronRDP asks for just what it asked for (rdp/heldTransport.ts); else a new one.
    const held = session.heldTransport?.take(request.x224ConnectionRequest);
    session.heldTransport = null;
    if (held && !held.transport) log.info('RDP connection made anew, not the certificate check\'s', { session: session.id, why: held.why });
    const transport = held?.transport ?? (await openRdpTransport({ host: session.host, port: session.port, x224Request: request.x224ConnectionRequest, timeouts: deps.timeouts }));
    if (transport.kind === 'negotiation-failed') {
      deps.sessions.fail(session, transport.code, `X.224 negotiation failure code ${transport.failureCode}`);
      socket.send(forPage(errorPdu({ errorCode: RDCLEANPATH_ERROR.negotiation }, transport.confirm)), () => socket.close(1000));
      return;
    }
    if (transport.kind === 'failed') {
      deps.sessions.fail(session, transport.code, transport.detail);
      socket.send(forPage(errorPdu({ errorCode: RDCLEANPATH_ERROR.general, ...(transport.tlsAlert !== undefined ? { tlsAlertCode: transport.tlsAlert } : { httpStatusCode: 502 }) })), () => socket.close(1000));
      return;
    }
    const leaf = transport.chain[0];
    const actual = leaf ? sha256Fingerprint(leaf) : '';
    if (actual !== expected) {
      // INVARIANT: the client hears nothing from this server, so CredSSP never starts and no credential leaves.
      transport.socket.destroy();
      log.warn('server certificate differs from the accepted one', { session: session.id });
      deps.sessions.fail(session, 'certificate-changed', `expected ${expected}, got ${actual}`);
      socket.send(forPage(errorPdu({ errorCode: RDCLEANPATH_ERROR.general, tlsAlertCode: 42 })), () => socket.close(1000));
      return;
    }

    deps.sessions.setLink(session, transport.roundTripMs);
    // Bettered by the connection sequence's own exchanges up to the Client Info PDU, each answered before the client
    // goes on (CredSSP's TSRequests, MCS Connect Initial, Attach User, the channel joins): the figure above is one
    // exchange, and one made on a busy machine (a page compiling IronRDP on the same cores) can read several times the link.
    const trips = new RoundTripTimer(undefined, transport.roundTripMs);
    const observer = new CredSspObserver(transport.selectedProtocol);
    const nla = (transport.selectedProtocol & (PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX)) !== 0;
    // HYBRID_EX: the server sends an Early User Authorization Result after CredSSP.
    const earlyAuth = (transport.selectedProtocol & PROTOCOL.HYBRID_EX) !== 0;
    // Frames paced to what the client can draw (see rdp/framePacing.ts).
    const pacer = new FramePacer();
    // RemoteFX taken out of IronRDP's stream for the page's decoder, when the page asked for it, less the
    // tiles the page shows already (see rdp/remoteFxTranscoder.ts); otherwise IronRDP gets RemoteFX less
    // the tiles it has (see rdp/remoteFxTiles.ts).
    const transcoder = painting ? new RemoteFxTranscoder(nla, earlyAuth) : null;
    const tiles = transcoder ? null : new RemoteFxTileFilter(nla, earlyAuth);
    let refreshSent = false;
    let finished = false;
    let probeTimer: NodeJS.Timeout | undefined;
    // Acknowledgements of the gateway's own: the truth, when the server was told an older frame and no
    // frame followed (it may be waiting for it); and, while the client is on its first frame, an older one.
    // The tick runs only while one may come due (most of a session: never).
    let pacingTimer: NodeJS.Timeout | undefined;
    const pacingTick = () => {
      const now = performance.now();
      const due = pacer.dueAt(now);
      if (due !== null) {
        const ack = rewriter.frameAcknowledge(due);
        // Null while half a client PDU is on its way: next tick.
        if (ack) {
          session.bytesToHost += ack.length;
          transport.socket.write(ack);
          pacer.sent(now);
        }
      }
      if (!pacer.mayBeDue && pacingTimer !== undefined) {
        clearInterval(pacingTimer);
        pacingTimer = undefined;
      }
    };
    const armPacing = () => {
      if (finished || pacingTimer !== undefined || !pacer.mayBeDue) return;
      pacingTimer = setInterval(pacingTick, PACING_TICK_MS);
      pacingTimer.unref();
    };
    // The clipboard policy (clientSettings.ts): shared no way, the server never hears of the client's clipboard channel;
    // one way only, or no files, the client's messages on it that would go the forbidden way are emptied, changed
    // or left out (clipboardChannel.ts).
    const ways = { toRemote: session.redirection.clipboardToRemote, toLocal: session.redirection.clipboardToLocal, files: session.redirection.fileTransfer };
    const noClipboard = !ways.toRemote && !ways.toLocal;
    const limited = !noClipboard && (!ways.toRemote || !ways.toLocal || !ways.files);
    const settings: ClientSettings = {
      want32Bpp: true,
      keyboardLayout: session.keyboardLayout,
      autologon: true,
      clientBuild: RESIZABLE_CLIENT_BUILD,
      blockedChannels: noClipboard ? [CLIPBOARD_CHANNEL] : [],
      startProgram: session.startProgram,
      ...(limited ? { clipboardLimits: { ways, channelIds: () => watch.channelIds } } : {}),
    };
    const rewriter = new ClientStreamRewriter(settings, nla, (frameId) => {
      // The client has drawn a frame: the toolbar's frames/s readout (the page's RDP library has no such event).
      session.framesDrawn++;
      const told = pacer.acknowledged(frameId, performance.now());
      armPacing();
      return told;
    });
    const finish = (reason: ErrorCode | null, detail?: string) => {
      if (finished) return;
      finished = true;
      clearInterval(probeTimer);
      clearTimeout(signInTimer);
      clearInterval(pacingTimer);
      pointerEvents.close();
      session.bridgeClosers.delete(closer);
      if (pointers.set > 0) log.info('RDP pointer shapes', { session: session.id, ...pointers });
      if (pacer.stats.acks > 0) log.info('RDP frame pacing', { session: session.id, ...pacer.stats });
      if (probe.stats.asked > 0) log.info('RDP dead-link probes', { session: session.id, ...probe.stats });
      if (rewriter.clipboardChanged > 0) log.info('clipboard messages emptied or left out by policy', { session: session.id, messages: rewriter.clipboardChanged });
      const tileStats = transcoder ? transcoder.tileStats : tiles!.stats;
      if (tileStats.tiles > 0 || tileStats.stoppedBecause) log.info('RemoteFX tiles left out', { session: session.id, ...tileStats });
      if (transcoder) {
        const { messages, tiles: decoded, stoppedBecause } = transcoder.stats;
        if (messages > 0 || stoppedBecause) log.info('RemoteFX decoded by the page', { session: session.id, messages, tiles: decoded, stoppedBecause, refreshSent });
      }
      // One line however it ends (the page closing, the user, the server, a dead link), as the VNC/SPICE relay writes.
      if (reason && reason !== 'user-ended') deps.sessions.fail(session, reason, detail);
      log.info('RDP session ended', { session: session.id, reason: reason ?? 'closed', ...(detail ? { detail } : {}), bytesFromHost: session.bytesFromHost, bytesToHost: session.bytesToHost });
      transport.socket.destroy();
      if (socket.readyState === socket.OPEN) socket.close(reason && reason !== 'user-ended' ? 4000 : 1000, reason ?? 'closed');
      if (session.bridgeClosers.size === 0 && session.state !== 'disconnected') deps.sessions.setState(session, 'disconnected');
    };
    const closer = (reason: ErrorCode) => finish(reason);
    // Dead-link probe: IronRDP has none, and a black-holed link looks like an idle desktop (rdp/deadLinkProbe.ts).
    const probe = new DeadLinkProbe(Date.now());
    probeTimer = setInterval(() => {
      const now = Date.now();
      if (transport.socket.isPaused()) return probe.paused(now);
      const due = probe.due(now);
      if (!due) return;
      if ('dead' in due) return finish('connection-lost', due.dead);
      // Null while half a client PDU is on its way: next tick.
      const pdu = rewriter.refreshRectProbe();
      if (!pdu) return;
      probe.sent(now);
      session.bytesToHost += pdu.length;
      transport.socket.write(pdu);
    }, PROBE_TICK_MS);
    probeTimer.unref();
    session.bridgeClosers.add(closer);

    socket.send(forPage(responsePdu(transport.confirm, transport.chain, transport.serverAddr)));
    deps.sessions.setState(session, nla ? 'authenticating' : 'connecting');
    let reported = false;
    // An auto-logon's outcome (rdp/serverStreamWatch.ts, 6): the page says "Connected" only once the gateway has told it
    // the server drew the session (ControlEvent 'signIn'), so a password xrdp refused is never "Connected", and it ends
    // the attempt as a refused password, as NLA's does. The stream itself flows on: IronRDP readies its session while
    // the server signs in, and the refused window's first drawing never reaches the page (the watch reads each chunk
    // before it is passed on, and a finished session passes nothing).
    let signInTimer: NodeJS.Timeout | undefined;
    let finalizedAt = 0;
    /** The pointer shape the page was last told of. */
    let lastPointer: PointerShape | null = null;
    const pointers = { set: 0, told: 0, dropped: 0 };
    // At most one shape a display frame, the last one always (rdp/pointerEvents.ts).
    const pointerEvents = new PointerEvents<PointerShape>((shape) => {
      // A cached pointer named again while it is the one shown (the server's cache gives the same shape back): nothing new.
      if (shape === lastPointer) return;
      lastPointer = shape;
      pointers.told++;
      // The page shows it on IronRDP's canvas; the IronRDP build we ship drops every pointer update (rdp/serverPointer.ts).
      if (shape.kind !== 'image') deps.sessions.setPointer(session, { shape: shape.kind });
      else {
        // No more pixels than the page can show (a Windows large pointer is 384×384; the page shows 128 at most).
        const shown = pointerToShow(shape);
        deps.sessions.setPointer(session, { shape: 'image', image: { width: shown.width, height: shown.height, hotspotX: shown.hotspotX, hotspotY: shown.hotspotY, rgba: shown.rgba.toString('base64') } });
      }
    });
    const watch = new ServerStreamWatch(nla, earlyAuth, (found) => {
      const detail = `${found.path} bitmap ${found.sourceWidth} px wide for a ${found.destinationWidth} px rectangle at ${found.bitsPerPixel} bpp`;
      log.warn('server sends bitmaps this IronRDP build draws sheared', { session: session.id, detail });
      deps.sessions.warn(session, 'picture-distorted', detail);
    }, (frameId) => {
      pacer.frameBegun(frameId, performance.now());
      armPacing();
    }, noClipboard ? null : {
      channelId: (): number | null => {
        const index = rewriter.clipboardChannelIndex;
        return index === null ? null : (watch.channelIds?.[index] ?? null);
      },
      opened: (remote) => {
        log.info("the server's clipboard opened", { session: session.id, files: remote.files });
        deps.sessions.setRemoteClipboard(session, remote);
      },
    }, {
      autologon: () => nla === false && rewriter.report.autologon === true,
      finalized: () => {
        finalizedAt = performance.now();
        signInTimer = setTimeout(() => {
          log.info('the server drew nothing that tells whether its auto-logon signed in; going on', { session: session.id });
          deps.sessions.setSignIn(session, 'undecided');
        }, SIGN_IN_WAIT_MS);
        signInTimer.unref();
      },
      unchecked: () => deps.sessions.setSignIn(session, 'not-checked'),
      outcome: (signedIn, evidence) => {
        clearTimeout(signInTimer);
        const msAfterFontMap = Math.round(performance.now() - finalizedAt);
        log.info('auto-logon outcome', { session: session.id, signedIn, evidence, msAfterFontMap });
        if (!signedIn) {
          // The evidence is in the log line above; the user reads what it means (xrdp draws the same window when it
          // cannot start a session for the account, which the stream cannot tell from a refused password).
          finish('auth-failed', 'The remote computer showed its own sign-in screen instead of the desktop: it did not accept this user name and password, or could not start a session for the account.');
          return;
        }
        deps.sessions.setSignIn(session, 'signed-in');
      },
    }, (shape) => {
      pointers.set++;
      pointerEvents.offer(shape);
    }, (why) => {
      // One line a dropped pointer, but a server that keeps breaking them does not fill the log: the first, then every hundredth.
      pointers.dropped++;
      if (pointers.dropped === 1 || pointers.dropped % 100 === 0) log.warn('a pointer shape from the server was dropped', { session: session.id, why, dropped: pointers.dropped });
    });
    const fromServer = (chunk: Buffer): Buffer | Buffer[] => {
      if (finished) return [];
      if (!transcoder) return tiles!.push(chunk);
      const messages = transcoder.push(chunk);
      const { refreshWanted, screen } = transcoder.stats;
      // Transcoding stopped after painting began: IronRDP needs the whole picture once.
      if (refreshWanted && screen && !refreshSent) {
        const refresh = rewriter.refreshRect(screen.width, screen.height);
        if (refresh) {
          refreshSent = true;
          session.bytesToHost += refresh.length;
          transport.socket.write(refresh);
          log.info('RemoteFX left to IronRDP from here; the whole screen asked for again', { session: session.id, why: transcoder.stats.stoppedBecause });
        }
      }
      return messages;
    };
    pumpBytes(socket, transport.socket, session, {
      transformFromHost: fromServer,
      transformToHost: (chunk) => {
        const out = rewriter.push(chunk);
        // INVARIANT: a session under a clipboard policy goes no further once the gateway cannot read what it must (the channel list; one way only, every clipboard message).
        if (rewriter.policyUnchecked) {
          finish('policy-clipboard-unchecked', rewriter.report.clipboardUnchecked ?? `the client's stream was not read: ${rewriter.report.gaveUp ?? 'unknown'}`);
          return [];
        }
        if (rewriter.settled && !reported) {
          reported = true;
          log.info('client settings adjusted', { session: session.id, ...rewriter.report });
          // The user asked for one program and the server will show the whole desktop: said on the session, as mstsc
          // says what it cannot do. Not ended: a start program is no boundary (the server's policy is), the desktop
          // is what the account may open with any client, and a retry would fail the same way.
          const notSent = rewriter.startProgramNotSent;
          if (notSent) {
            log.warn('start program not sent; the server opens its desktop', { session: session.id, why: notSent });
            deps.sessions.warn(session, 'start-program-not-sent', notSent);
          }
        }
        return out;
      },
      toHost: (c) => {
        observer.fromClient(c);
        if (!rewriter.settled) trips.sent();
      },
      fromHost: (c) => {
        probe.heard(Date.now());
        if (trips.received()) deps.sessions.setLink(session, trips.shortest);
        observer.fromServer(c);
        watch.push(c);
        // A stream the watch could not follow to the Font Map: nothing will tell the sign-in, and the page is not kept waiting.
        if (!watch.watching && !session.signIn) {
          log.info('the server stream was not followed to the end of the connection sequence; the sign-in goes unchecked', { session: session.id });
          deps.sessions.setSignIn(session, 'undecided');
        }
      },
    });
    // A connection held since the preflight was paused when taken (nothing is lost): it flows from here.
    transport.socket.resume();
    transport.socket.on('error', (error: NodeJS.ErrnoException) => finish('connection-lost', error.code ?? error.message));
    transport.socket.on('close', () => {
      const credssp = observer.closeReason();
      // A reason from CredSSP (sign-in) wins; then what the server said when it ended the session.
      const { code, evidence } = credssp.code !== 'server-closed' ? credssp : (serverEndReason(watch.errorInfo, watch.ultimatumReason) ?? credssp);
      finish(code, evidence);
    });
    // The page closes its socket once IronRDP has read the server's end (a Disconnect Provider Ultimatum), which
    // may be before the server closes the connection (xrdp waits a moment): the reason is the server's, not none,
    // or the page, told nothing, takes it for a lost link and signs the user straight back in.
    const pageClosed = () => {
      const ended = watch.ultimatumReason !== null ? serverEndReason(watch.errorInfo, watch.ultimatumReason) : null;
      finish(ended?.code ?? null, ended?.evidence);
    };
    socket.on('close', pageClosed);
    socket.on('error', pageClosed);
  };
}
