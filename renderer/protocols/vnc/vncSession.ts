// VNC through noVNC (MPL-2.0, maintained), behind the protocol-agnostic
// session interface. The gateway relays raw RFB bytes; noVNC speaks RFB.
import RFB from '@novnc/novnc';
import type { ScalingMode, VncQuality } from '../../../shared/profiles/profileSchema';
import type { SessionRedirection } from '../../../shared/policy/policySchema';
import { SessionEmitter, type ConnectParams, type RemoteSession, type SessionEvents } from '../../session/remoteSession';
import { refusedBeforePassword, vncRefusal } from './vncRefusal';
import { copyThroughScratch, type NoVncCopyDisplay } from './copyRect';
import { isDrawingQueue } from './drawingQueue';
import { answerFencesAfterDrawing, type NoVncRfbInternals } from './fences';
import { decodeImagesOffThread, type NoVncDisplay } from './imageDecoding';
import { VNC_PICTURE_SETTINGS } from './pictureQuality';
import { queueBlitsFromTheirOffset, type NoVncBlitDisplay } from './queuedBlits';
import { adaptFarUpdates, type FarUpdateMode, type NoVncFarInternals, type NoVncFarMessages } from './farUpdates';
import { askForUpdatesWhenNear, farRoundTrip, filterEncodings, setFarAsking, useGatewayRoundTrip, type NoVncMessages } from './updateRequests';
import { pressesAndReleases } from '../../session/keyCombos';
import { LinkWatch, watchLink } from '../../session/linkWatch';
import { devicePixels, keepFractionalPointer, pixelRatio, watchDevicePixelRatio } from '../../session/devicePixels';
import { showCursorInDevicePixels } from '../../session/deviceCursor';

/** How pictures come, in a user's words: the stats readout's tooltip (SessionView) and the page's console. */
const UPDATES_NEAR = 'each picture asked for once the last is drawn';
const UPDATES_STREAMED = 'pictures streamed by the server (continuous updates)';
const UPDATES_FAR_ASKED = 'each picture asked for once the last is drawn, while large pictures take longer to draw than the round trip (streamed otherwise)';

// The dead-link probe (../../session/linkWatch.ts), a message the server must answer at once:
// RFC 6143 §7.5.3 FramebufferUpdateRequest: type 3, incremental 0, x 0, y 0, width 1, height 1.
const PROBE = new Uint8Array([3, 0, 0, 0, 0, 0, 0, 1, 0, 1]);

interface NoVncInternals {
  _display?: NoVncDisplay & { flip?: (fromQueue?: boolean) => void; _renderQ?: unknown[] };
}

/**
 * What "Optimise for high-resolution displays" takes over in noVNC 1.7: the size of its screen element, which it asks
 * the server for (_requestRemoteResize) and scales to (_updateScale, with scaleViewport); and the scale its display
 * shows the canvas at (Display.scale: CSS pixels per remote pixel, which pointer positions are divided by).
 */
interface NoVncSizing {
  _screenSize?: () => { w: number; h: number };
  _updateScale?: () => void;
  _fixScrollbars?: () => void;
  _display?: { scale: number };
}

/** X11 keysyms of the keys "Send keys" uses (keyCombos.ts), by KeyboardEvent.code. */
const KEYSYMS: Readonly<Record<string, number>> = {
  ControlLeft: 0xffe3, AltLeft: 0xffe9, MetaLeft: 0xffeb, Delete: 0xffff, Backspace: 0xff08, Tab: 0xff09, PrintScreen: 0xff61,
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`F${i + 1}`, 0xffbe + i])),
};

export class VncSession implements RemoteSession {
  private readonly events = new SessionEmitter();
  readonly countsFrames = true;
  private rfb: RFB | null = null;
  private surface: HTMLElement | null = null;
  private userEnded = false;
  private connected = false;
  private deadLink = false;
  /** The server refused the sign-in, or the connection before any (`beforePassword`): its reason. */
  private securityFailure: { reason: string; beforePassword: boolean } | null = null;
  /** The saved password, sent by the gateway only for a server it could not sign in to (see connect). */
  private savedPassword: string | null = null;
  /**
   * The gateway signs in inside TLS (VeNCrypt TLSVnc, which noVNC cannot do) and asked for the password: the
   * relay's socket, for the answer; and the password this attempt was started with (typed at a Reconnect), if any.
   */
  private gatewayAsks: WebSocket | null = null;
  private typedPassword: string | null = null;
  private stopWatchingLink: (() => void) | null = null;
  private scaling: ScalingMode | null = null;
  /** What the policy lets the session carry (CreateSessionResponse.redirection); nothing until connected. */
  private redirection: SessionRedirection = { clipboardToRemote: false, clipboardToLocal: false, fileTransfer: false };
  private quality: VncQuality | null = null;
  private fitWatch: { resize: ResizeObserver; canvas: MutationObserver } | null = null;
  /** The connection's "Optimise for high-resolution displays" (pixelRatio); off until connect. */
  private highDpi = false;
  /** Stops following devicePixelRatio and the pointer's device pixels (useDevicePixels). */
  private stopWatchingRatio: (() => void) | null = null;

  on<K extends keyof SessionEvents>(event: K, listener: (value: SessionEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  connect({ surface, info, wsOrigin, password, username }: ConnectParams): void {
    this.surface = surface;
    this.redirection = info.redirection;
    this.typedPassword = password ?? null;
    // noVNC takes a plain WebSocket we open ourselves, so we can count its bytes.
    const socket = new WebSocket(wsOrigin + info.relayPath);
    socket.binaryType = 'arraybuffer';
    // The relay's first message may be the gateway's note, in text (electron/gateway/bridges/tcpRelay.ts):
    // the round trip it timed to the server while signing in for the page (vncSignIn.ts), or, for a
    // server it could not sign in to, the saved password, for noVNC's question; or, where it signs in
    // inside TLS with no saved password, its question for one. Not RFB: neither noVNC nor the counts see it.
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data !== 'string') return;
      event.stopImmediatePropagation();
      const note = JSON.parse(event.data) as { roundTripMs?: unknown; savedPassword?: unknown; needPassword?: unknown };
      if (note.needPassword === true) this.askForGateway(socket);
      const roundTripMs = note.roundTripMs;
      if (noVncSocket && typeof roundTripMs === 'number' && Number.isFinite(roundTripMs) && roundTripMs >= 0) useGatewayRoundTrip(noVncSocket, roundTripMs);
      if (typeof note.savedPassword === 'string' && note.savedPassword !== '') this.savedPassword = note.savedPassword;
    });
    let receivedBytes = 0;
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer>) => {
      receivedBytes += event.data.byteLength;
      this.events.emit('bytes', event.data.byteLength);
    });
    // noVNC has no event for the handshake's progress. The first bytes from the host
    // are its RFB version greeting (RFC 6143 §7.1.1), after which the security
    // handshake begins: from then on the host is found and we are signing in.
    socket.addEventListener('message', () => !this.connected && this.events.emit('state', 'authenticating'), { once: true });
    // A near server is asked for one update at a time rather than streaming (updateRequests.ts).
    // Timed from before noVNC attaches, so this sees each message before noVNC answers it;
    // only where noVNC's encodings can be filtered, or the timing would have no use.
    const nameNoVncSocket = filterEncodings((RFB as unknown as { messages?: NoVncMessages }).messages ?? {})
      ? askForUpdatesWhenNear(socket, (shortest, asking) => {
          const updates = asking ? UPDATES_NEAR : UPDATES_STREAMED;
          console.info(`VNC: shortest handshake round trip ${shortest.toFixed(1)} ms: ${updates}`);
          this.events.emit('link', { roundTripMs: shortest, updates });
        })
      : null;
    const rfb = new RFB(surface, socket, { shared: true, ...(password ? { credentials: { password, ...(username ? { username } : {}) } } : {}) });
    this.rfb = rfb;
    const noVncSocket = (rfb as unknown as { _sock?: object })._sock;
    const display = (rfb as unknown as NoVncInternals)._display;
    if (noVncSocket) nameNoVncSocket?.(noVncSocket, display && isDrawingQueue(display) ? display : undefined);
    // A far server streams, except while its large pictures take the page long to draw (farUpdates.ts).
    if (nameNoVncSocket && noVncSocket) {
      adaptFarUpdates(rfb as unknown as NoVncFarInternals, (RFB as unknown as { messages: NoVncFarMessages }).messages, {
        farRoundTrip: () => farRoundTrip(noVncSocket),
        receivedBytes: () => receivedBytes,
        setAsking: (asking) => setFarAsking(noVncSocket, asking),
        changed: (mode: FarUpdateMode) => {
          const updates = mode === 'asking' ? UPDATES_FAR_ASKED : UPDATES_STREAMED;
          console.info(`VNC: ${updates}`);
          this.events.emit('link', { roundTripMs: farRoundTrip(noVncSocket) ?? 0, updates });
        },
      });
    }
    rfb.focusOnClick = true;
    // noVNC lets go of held keys only when the window loses the focus. The desktop losing it to the toolbar
    // (Ctrl+Alt+Home, which is pressed there) must let go of them too, or the remote side keeps Ctrl and Alt down.
    const keyboard = (rfb as unknown as { _keyboard?: { _allKeysUp?: () => void } })._keyboard;
    const noVncCanvas = (rfb as unknown as { _canvas?: HTMLCanvasElement })._canvas;
    if (keyboard?._allKeysUp && noVncCanvas) noVncCanvas.addEventListener('blur', () => keyboard._allKeysUp?.());
    rfb.clipViewport = false;
    // The window's size asked of the server as it changes (ExtendedDesktopSize), where the connection says so and the server allows it.
    rfb.resizeSession = info.profile.vncDesktopSize === 'fit-window';
    rfb.background = '#1b1f24';
    rfb.viewOnly = info.profile.viewOnly;
    this.highDpi = info.profile.highDpi === true;
    if (this.highDpi) this.useDevicePixels(rfb);
    // Set before the handshake, so the server's first picture is already at this quality.
    this.setPictureQuality(this.quality ?? info.profile.vncQuality);
    this.setScaling(this.scaling ?? info.profile.scaling);
    if (display) {
      this.countFrames(display);
      decodeImagesOffThread(display);
      copyThroughScratch(display as NoVncCopyDisplay);
      queueBlitsFromTheirOffset(display as NoVncBlitDisplay);
    }
    answerFencesAfterDrawing(rfb as unknown as NoVncRfbInternals);
    this.events.emit('state', 'connecting');
    rfb.addEventListener('connect', () => {
      this.connected = true;
      this.events.emit('state', 'connected');
      this.watchLink(socket);
    });
    rfb.addEventListener('credentialsrequired', (event) => {
      const types = ((event as CustomEvent<{ types?: string[] }>).detail?.types ?? ['password']) as string[];
      // The saved password, once, where only a password is asked for; a refused one is not tried again.
      const saved = this.savedPassword;
      this.savedPassword = null;
      if (saved !== null && !types.includes('username')) {
        rfb.sendCredentials({ password: saved });
        return;
      }
      this.events.emit('state', 'authenticating');
      this.events.emit('credentialsRequired', { username: types.includes('username'), password: types.includes('password') });
    });
    rfb.addEventListener('securityfailure', (event) => {
      const detail = (event as CustomEvent<{ status?: number; reason?: string }>).detail;
      // Where noVNC read the refusal (core/rfb.js _negotiateSecurity, _handleSecurityResult): with the security types
      // (none offered, or 3.3's type 0), before anything was sent for a sign-in, or as the SecurityResult after it.
      const beforePassword = refusedBeforePassword(rfb);
      this.securityFailure = { reason: detail?.reason || (beforePassword ? '' : 'Authentication failure'), beforePassword };
    });
    // Where the policy keeps remote text from this computer, the server's clipboard goes no further than noVNC.
    rfb.addEventListener('clipboard', (event) => {
      if (this.redirection.clipboardToLocal) this.events.emit('clipboard', (event as CustomEvent<{ text: string }>).detail.text);
    });
    rfb.addEventListener('disconnect', () => {
      this.unwatchFit();
      this.stopWatchingRatio?.();
      this.stopWatchingRatio = null;
      this.rfb = null;
      this.stopWatchingLink?.();
      this.events.emit('state', 'disconnected');
      if (this.userEnded) this.events.emit('disconnected', { code: 'user-ended' });
      else if (this.deadLink) this.events.emit('disconnected', { code: 'connection-lost', detail: 'The remote computer stopped answering.' });
      else if (this.securityFailure !== null) this.events.emit('disconnected', vncRefusal(this.securityFailure));
      // Otherwise noVNC does not know why; the gateway's control channel does.
      else this.events.emit('disconnected', { code: null });
    });
  }

  /**
   * Finds a dead link without mistaking an idle desktop for one (linkWatch.ts):
   * the probe asks the server for one pixel, non-incrementally, which it must
   * answer at once. noVNC sends whole messages per call and JavaScript runs one
   * task at a time, so a message sent here never splits one of noVNC's. A
   * spare update is harmless to it.
   */
  private watchLink(socket: WebSocket): void {
    const watch = new LinkWatch(performance.now());
    socket.addEventListener('message', () => watch.received(performance.now()));
    this.stopWatchingLink = watchLink(
      watch,
      () => {
        if (socket.readyState !== WebSocket.OPEN) return false;
        socket.send(PROBE);
        return true;
      },
      () => {
        this.deadLink = true;
        socket.close();
      },
    );
  }

  /**
   * noVNC has no public "frame drawn" event. Its display's flip() runs once
   * per completed framebuffer update, so counting calls to it gives frames/s.
   * Guarded: if a later noVNC renames it, the readout shows no frame rate
   * rather than breaking the session.
   */
  private countFrames(display: NonNullable<NoVncInternals['_display']>): void {
    const flip = display.flip;
    if (typeof flip !== 'function') return;
    display.flip = (fromQueue?: boolean) => {
      // While decoding is queued, flip() only queues itself and runs again later with
      // fromQueue = true: count the call that draws, not both.
      const draws = fromQueue === true || (display._renderQ?.length ?? 0) === 0;
      flip.call(display, fromQueue);
      if (draws) this.events.emit('frame', undefined);
    };
  }

  disconnect(): void {
    this.userEnded = true;
    this.rfb?.disconnect();
  }

  sendCredentials(credentials: { username?: string; password: string }): void {
    const gateway = this.gatewayAsks;
    this.gatewayAsks = null;
    if (gateway) gateway.send(JSON.stringify({ password: credentials.password }));
    else this.rfb?.sendCredentials(credentials);
  }

  /** The gateway's question for the password (TLSVnc, none saved): the one this attempt was given, once, or the user's. */
  private askForGateway(socket: WebSocket): void {
    const typed = this.typedPassword;
    this.typedPassword = null;
    if (typed !== null) {
      socket.send(JSON.stringify({ password: typed }));
      return;
    }
    this.gatewayAsks = socket;
    this.events.emit('state', 'authenticating');
    this.events.emit('credentialsRequired', { username: false, password: true });
  }

  sendCtrlAltDel(): void {
    this.rfb?.sendCtrlAltDel();
  }

  sendKeys(codes: readonly string[]): void {
    const rfb = this.rfb;
    if (!rfb) return;
    for (const { key: code, down } of pressesAndReleases(codes)) {
      const keysym = KEYSYMS[code];
      // With QEMU's extended key events (TigerVNC, QEMU) noVNC sends the physical key too.
      if (keysym !== undefined) rfb.sendKey(keysym, code, down);
    }
  }

  setScaling(mode: ScalingMode): void {
    this.scaling = mode;
    if (!this.rfb) return;
    // actual: 1:1 pixels, the container scrolls (no clipping, or noVNC would pan
    // by dragging instead of scrollbars). fit: see applyFit.
    this.rfb.clipViewport = false;
    if (mode === 'fit') this.watchFit();
    else {
      this.unwatchFit();
      this.rfb.scaleViewport = false;
    }
  }

  /** Asks the server for the preset's JPEG quality and compression; noVNC sends them at once while connected. */
  setPictureQuality(quality: VncQuality): void {
    this.quality = quality;
    if (!this.rfb) return;
    const { qualityLevel, compressionLevel } = VNC_PICTURE_SETTINGS[quality];
    this.rfb.qualityLevel = qualityLevel;
    this.rfb.compressionLevel = compressionLevel;
  }

  /**
   * "Fit to window" shrinks a desktop larger than the window and shows a
   * smaller one pixel for pixel, centred, never enlarged: enlarging blurs text
   * and costs the compositor a resample of the whole picture on every update
   * (measured: Chromium's GPU process 0.21 → 0.10 CPU s/s for a 1024×768
   * desktop scrolling in a larger window; docs/performance-history.md). The desktop's
   * size is the canvas's own (its width and height attributes); it is checked
   * again when the window or the desktop changes size.
   */
  private applyFit(): void {
    const canvas = this.canvas();
    if (!this.rfb || !this.surface || !canvas || this.scaling !== 'fit') return;
    const ratio = this.ratio();
    const larger = canvas.width > devicePixels(this.surface.clientWidth, ratio) || canvas.height > devicePixels(this.surface.clientHeight, ratio);
    if (this.rfb.scaleViewport !== larger) this.rfb.scaleViewport = larger;
    // In device pixels, the scale depends on the ratio as well as on the sizes (useDevicePixels).
    else if (ratio !== 1) (this.rfb as unknown as NoVncSizing)._updateScale?.();
  }

  /** Device pixels per CSS pixel for this connection now (1: CSS pixels, as without the option). */
  private ratio(): number {
    return pixelRatio(this.highDpi);
  }

  /**
   * One remote pixel per device pixel, where the display has more than one per CSS pixel (devicePixels.ts). noVNC
   * measures its screen element in CSS pixels, for the size it asks the server for ("Fit the window") and for the
   * scale it shows the canvas at; here the size is in device pixels, and the scale is 1/ratio (or smaller, where "Fit
   * to window" shrinks a larger desktop), so the canvas's CSS box is its pixel size / ratio. noVNC divides pointer
   * positions by that same scale, so a click lands on the remote pixel under it. At a ratio of 1, noVNC's own.
   * Guarded: where a later noVNC renames these, the option does nothing.
   */
  private useDevicePixels(rfb: RFB): void {
    const sizing = rfb as unknown as NoVncSizing;
    const screenSize = sizing._screenSize;
    const updateScale = sizing._updateScale;
    if (typeof screenSize !== 'function' || typeof updateScale !== 'function' || !sizing._display || typeof sizing._display.scale !== 'number') return;
    sizing._screenSize = () => {
      const css = screenSize.call(rfb);
      const ratio = this.ratio();
      return ratio === 1 ? css : { w: devicePixels(css.w, ratio), h: devicePixels(css.h, ratio) };
    };
    sizing._updateScale = () => {
      const ratio = this.ratio();
      const display = sizing._display;
      if (ratio === 1 || !display) {
        updateScale.call(rfb);
        return;
      }
      let scale = 1 / ratio;
      const canvas = this.canvas();
      if (this.scaling === 'fit' && this.surface && canvas && canvas.width > 0 && canvas.height > 0) {
        const room = Math.min(this.surface.clientWidth / canvas.width, this.surface.clientHeight / canvas.height);
        if (room > 0) scale = Math.min(scale, room);
      }
      if (display.scale !== scale) display.scale = scale;
      sizing._fixScrollbars?.call(rfb);
    };
    // The server's cursor, which noVNC sets on its canvas in remote pixels (deviceCursor.ts), in device pixels too.
    const canvas = this.canvas();
    const cursor = canvas ? showCursorInDevicePixels(canvas, () => this.ratio()) : null;
    // Another screen or zoom: the scale follows, and "Fit the window" asks for the new size in device pixels.
    const stopWatching = watchDevicePixelRatio(() => {
      if (!this.rfb) return;
      this.applyFit();
      sizing._updateScale?.call(rfb);
      cursor?.refresh();
      if (rfb.resizeSession) rfb.resizeSession = true;
    });
    // noVNC reads mouse events, in whole CSS pixels: given the pointer's device pixel, a click reaches every remote pixel.
    const stopPointer = this.surface ? keepFractionalPointer(this.surface, () => this.ratio() !== 1) : () => undefined;
    this.stopWatchingRatio = () => {
      stopWatching();
      stopPointer();
      cursor?.stop();
    };
  }

  private watchFit(): void {
    this.applyFit();
    const canvas = this.canvas();
    if (this.fitWatch || !this.surface || !canvas) return;
    const resize = new ResizeObserver(() => this.applyFit());
    resize.observe(this.surface);
    const attributes = new MutationObserver(() => this.applyFit());
    attributes.observe(canvas, { attributes: true, attributeFilter: ['width', 'height'] });
    this.fitWatch = { resize, canvas: attributes };
  }

  private unwatchFit(): void {
    this.fitWatch?.resize.disconnect();
    this.fitWatch?.canvas.disconnect();
    this.fitWatch = null;
  }

  pasteText(text: string): void {
    // The gateway leaves such text out as well (vncClipboardFilter.ts).
    if (this.redirection.clipboardToRemote) this.rfb?.clipboardPasteFrom(text);
  }

  focus(): void {
    this.rfb?.focus({ preventScroll: true });
  }

  canvas(): HTMLCanvasElement | null {
    return this.surface?.querySelector('canvas') ?? null;
  }
}
