// RDP through IronRDP's web client (MIT/Apache-2.0), behind the session
// interface. The gateway is its RDCleanPath proxy: the ticket travels as the
// proxy auth token, never in a URL, and the certificate was accepted before.
import type { UserInteraction } from '@devolutions/iron-remote-desktop';
import type { ScalingMode } from '../../../shared/profiles/profileSchema';
import { FILES_FORBIDDEN, FILES_NEED_CLIPBOARD, FILES_NO_REMOTE_CLIPBOARD, FILES_UNSUPPORTED_REMOTE, SessionEmitter, type ConnectParams, type RemoteSession, type SessionEvents } from '../../session/remoteSession';
import { createIronRdpElement, isIronError, loadIronRdp, type RdpBackendModule } from './ironRdpModule';
import { sendScancodes, type InputSession } from './rdpKeys';
import { xtScancode } from '../../session/scancodes';
import { startPainting, warmUpPainting } from './paintingSocket';
import { RdpFiles } from './rdpFiles';
import { errorCodeForIronError, errorCodeForTermination } from './rdpErrors';
import { desktopScaleFactor, devicePixels, keepFractionalPointer, pixelRatio, watchDevicePixelRatio } from '../../session/devicePixels';
import { showCursorInDevicePixels } from '../../session/deviceCursor';
import type { PointerImage } from '../../../shared/api/contract';
import { pointerCursor } from './remotePointer';

/** IronRDP's ScreenScale values (declared, not exported as a value). */
const SCALE = { fit: 1, real: 3 } as const;
const RESIZE_SETTLE_MS = 400;
/** How long a connected session waits for the gateway's word on the sign-in before saying "Connected" anyway (the gateway's own wait is 10 s). */
const SIGN_IN_FALLBACK_MS = 12_000;

/**
 * Starts what an RDP connect waits for: compiling IronRDP's WebAssembly and the
 * RemoteFX tile decoder's and, once a connect has begun, the decoding workers.
 */
export function warmUpRdp(forConnect?: object): void {
  void loadIronRdp().catch(() => undefined);
  warmUpPainting(forConnect);
}

/** A connect warmUpRdp(owner) prepared for ended before a session started: its decoding workers end now. */
export { releasePreparedPainting as abandonRdpWarmUp } from './paintingSocket';

/** How frames come from an RDP server, in a user's words (the stats readout's tooltip). */
const RDP_FRAMES = 'frames paced by acknowledgements of those this computer has drawn';

export class RdpSession implements RemoteSession {
  private readonly events = new SessionEmitter();
  readonly countsFrames = false;
  private ui: UserInteraction | null = null;
  private backend: RdpBackendModule | null = null;
  /** IronRDP's live session, as it hands it to a file transfer provider once connected (for "Send keys"). */
  private inputSession: InputSession | null = null;
  /** The remote clipboard changed while this window was away: brought here when it is back (onWindowFocus). */
  private remoteClipboardWaiting = false;
  private onWindowFocus: (() => void) | null = null;
  private element: HTMLElement | null = null;
  private userEnded = false;
  /** Whether the policy lets local text reach the remote clipboard (CreateSessionResponse.redirection). */
  private clipboardToRemote = false;
  /** Files through the clipboard, where the policy and the connection let them go at least one way. */
  private files: RdpFiles | null = null;
  /** When the session last asked the server for a new desktop size (display control). */
  private resizedAt: number | null = null;
  private fileTransferAllowed = false;
  /** What the server's clipboard said it can do, once it opened (the gateway read it). */
  private remoteClipboard: { files: boolean } | null = null;
  /** The server's pointer as a CSS cursor (remotePointer.ts): null for the default one, undefined until the server sets one. */
  private pointer: string | null | undefined = undefined;
  private connected = false;
  /**
   * The gateway's word that it has nothing more to check of the sign-in (ControlEvent 'signIn'): until then a
   * connected IronRDP session says "Authenticating…", not "Connected" (xrdp says a refused password only by what it
   * draws, which the gateway reads). A timer stands in should the word never come.
   */
  private signInSettled = false;
  private signInTimer: number | null = null;
  /** "Fit the window": following the window's size starts with "Connected" (announceConnected). */
  private followOnceConnected: (() => void) | null = null;
  private credentials: ((c: { username?: string; password: string }) => void) | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private releasePainting: (() => void) | null = null;
  private scaling: ScalingMode | null = null;
  /** The scale last given to IronRDP, and what it is chosen from. */
  private appliedScale: number | null = null;
  private surface: HTMLElement | null = null;
  private scaleObserver: ResizeObserver | null = null;
  /** Watches the canvas's pixel size, which IronRDP changes when the server changes the desktop's (applyScale). */
  private pixelSizeObserver: MutationObserver | null = null;
  /** The connection's "Optimise for high-resolution displays" (devicePixels.ts); off until run. */
  private highDpi = false;
  /** The desktop scale factor last sent with a size (display control); null: none sent. */
  private sentScaleFactor: number | null = null;
  /** Keeps IronRDP's boxes at the canvas's pixel size / ratio (showInDevicePixels), and stops following the ratio. */
  private boxObserver: MutationObserver | null = null;
  /** Each of IronRDP's boxes: the style attribute it last wrote, and the one showInDevicePixels made of it. */
  private readonly boxStyles = new Map<HTMLElement, { theirs: string | null; ours: string | null }>();
  private stopDevicePixels: (() => void) | null = null;
  /** Asks the server for the window's size now (followWindowSize), e.g. after the ratio changed. */
  private askForWindowSize: (() => void) | null = null;

  on<K extends keyof SessionEvents>(event: K, listener: (value: SessionEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  connect(params: ConnectParams): void {
    this.clipboardToRemote = params.info.redirection.clipboardToRemote;
    this.fileTransferAllowed = params.info.redirection.fileTransfer;
    void this.run(params);
  }

  /** The gateway has nothing more to check of the sign-in: a connected session says so now, a connecting one when it connects. */
  signInChecked(): void {
    if (this.signInSettled) return;
    this.signInSettled = true;
    if (this.signInTimer !== null) window.clearTimeout(this.signInTimer);
    this.signInTimer = null;
    if (this.connected) this.announceConnected();
  }

  /**
   * "Connected", and from then on the desktop follows the window: not while the server still signs in (xrdp runs PAM
   * and starts Xorg then, and a resize in the middle of that is one more chance for its resize races).
   */
  private announceConnected(): void {
    this.events.emit('state', 'connected');
    const follow = this.followOnceConnected;
    this.followOnceConnected = null;
    follow?.();
  }

  gatewayRoundTrip(roundTripMs: number): void {
    this.events.emit('link', { roundTripMs, updates: RDP_FRAMES });
  }

  private async run({ surface, info, wsOrigin, password, username: typedUsername, warmUpOwner }: ConnectParams): Promise<void> {
    const rdp = info.rdp;
    if (!rdp) {
      this.events.emit('disconnected', { code: 'internal', detail: 'no RDP connection data' });
      return;
    }
    this.events.emit('state', 'connecting');
    this.highDpi = info.profile.highDpi === true;
    let username = typedUsername || rdp.username;
    let secret = password;
    if (!secret || !username) {
      // Ask before connecting: CredSSP needs the credentials up front.
      this.events.emit('state', 'authenticating');
      const answer = await new Promise<{ username?: string; password: string }>((resolve) => {
        this.credentials = resolve;
        // The user name the connection has is offered too, to be kept or changed (a refused sign-in may be the
        // wrong account, as mstsc's prompt lets one change it).
        this.events.emit('credentialsRequired', { username: true, password: true, ...(username ? { knownUsername: username } : {}) });
      });
      username = answer.username || username;
      secret = answer.password;
      if (this.userEnded) return;
    }
    // RemoteFX decoded by this page's worker and painted on IronRDP's canvas (paintingSocket.ts);
    // the worker starts while IronRDP loads.
    let canvas: () => HTMLCanvasElement | null = () => null;
    const paintingStarted = startPainting(wsOrigin + rdp.proxyPath, () => canvas(), warmUpOwner);
    try {
      const { element, ui, backend } = await createIronRdpElement(surface);
      canvas = () => element.shadowRoot?.querySelector('canvas') ?? null;
      this.element = element;
      this.ui = ui;
      this.backend = backend;
      if (this.pointer !== undefined) ui.setCursorStyleOverride(this.pointer);
      // IronRDP reads keys only while its element has the focus, and lets go of held ones only when the window
      // loses it: the desktop losing it to the toolbar (Ctrl+Alt+Home, pressed there) would leave Ctrl and Alt
      // down on the remote side. Its user-interaction object has no call for letting go, so it is told the window
      // lost the focus, which is what it listens for (noVNC, in another tab, lets go of nothing it holds then).
      element.addEventListener('focusout', () => window.dispatchEvent(new FocusEvent('blur')));
      ui.setKeyboardUnicodeMode(info.profile.keyboardMode === 'unicode');
      ui.onWarningCallback((message) => this.events.emit('warning', message));
      ui.onClipboardRemoteUpdateCallback(() => {
        // Where the policy keeps remote text from this computer, it is never fetched (the gateway closes the channel where neither way is allowed).
        if (!info.redirection.clipboardToLocal) return;
        // Text (or anything else but files: those come as 'files-available') took the files' place.
        this.files?.remoteClipboardChanged();
        // The remote clipboard changed: bring it to the local one, then tell the view. IronRDP writes the local
        // clipboard itself, which a browser allows only a focused page: copied there while this window is away, it
        // is brought once the window is back (a native client has it here already).
        if (document.hasFocus()) this.bringRemoteClipboard(ui);
        else this.remoteClipboardWaiting = true;
      });
      this.onWindowFocus = () => {
        if (!this.remoteClipboardWaiting) return;
        this.remoteClipboardWaiting = false;
        this.bringRemoteClipboard(ui);
      };
      window.addEventListener('focus', this.onWindowFocus);
      // Files go through the clipboard each way it is shared (rdpFiles.ts); where the policy allows no files,
      // IronRDP never says it can copy them, and the gateway leaves them out (clipboardChannel.ts).
      const upload = info.redirection.fileTransfer && info.redirection.clipboardToRemote;
      const download = info.redirection.fileTransfer && info.redirection.clipboardToLocal;
      if (upload || download) {
        // Files from the remote computer are asked for 1 MB at a time (one round trip each): against xrdp, 20 MB in
        // 6.3 s (3.2 MB/s) against 9.6 s with IronRDP's 64 KB and 7.1 s with 256 KB; the page's CPU is the rest.
        const provider = new backend.RdpFileTransferProvider({ chunkSize: 1024 * 1024 });
        const setSession = provider.setSession.bind(provider);
        provider.setSession = (session) => {
          this.inputSession = session as unknown as InputSession;
          setSession(session);
        };
        ui.enableFileTransfer(provider as never);
        this.files = new RdpFiles(provider, this.events, { upload, download });
      } else {
        // IronRDP hands its live session only to a file transfer provider: one that does nothing else, for "Send keys".
        // (Enabling one turns IronRDP's clipboard on, which it is by default and stays.)
        ui.enableFileTransfer({ getBuilderExtensions: () => [], setSession: (session: unknown) => (this.inputSession = session as InputSession), dispose: () => undefined } as never);
      }
      // The view may have chosen a mode while the component was loading.
      this.setScaling(this.scaling ?? info.profile.scaling);
      const size = this.desktopSize(surface, info.profile);
      const painting = await paintingStarted;
      this.releasePainting = painting.release;
      const builder = ui
        .configBuilder()
        .withUsername(username)
        .withPassword(secret)
        .withDestination(rdp.destination)
        .withProxyAddress(painting.address)
        .withServerDomain(rdp.domain)
        .withAuthToken(rdp.authToken)
        .withDesktopSize(size)
        .withExtension(backend.enableCredssp(rdp.security !== 'tls'))
        .withExtension(backend.displayControl(info.profile.desktopSize === 'fit-window'));
      const started = await ui.connect(builder.build());
      // The component keeps its canvas hidden until told to show it.
      ui.setVisibility(true);
      // IronRDP ignores a scale set while its canvas was hidden: set it again, and again whenever
      // the window or the desktop changes size (applyScale).
      this.surface = surface;
      this.applyScale(true);
      this.scaleObserver = new ResizeObserver(() => this.applyScale());
      this.scaleObserver.observe(surface);
      const shown = this.canvas();
      if (this.highDpi) this.useDevicePixels(surface, shown);
      if (shown) {
        this.scaleObserver.observe(shown);
        // The server changed the desktop's size (the Deactivation-Reactivation Sequence after a display control
        // request): IronRDP has given its canvas the new size in pixels; the box it is shown in follows (applyScale).
        this.pixelSizeObserver = new MutationObserver(() => this.applyScale(true));
        this.pixelSizeObserver.observe(shown, { attributes: true, attributeFilter: ['width', 'height'] });
      }
      this.connected = true;
      this.followOnceConnected = info.profile.desktopSize === 'fit-window' ? () => this.followWindowSize(surface) : null;
      if (this.signInSettled) this.announceConnected();
      else {
        this.events.emit('state', 'authenticating');
        // The gateway goes on by itself 10 s after the connection sequence (SIGN_IN_WAIT_MS); a word lost on the way is not waited for long after.
        this.signInTimer = window.setTimeout(() => this.signInChecked(), SIGN_IN_FALLBACK_MS);
      }
      const termination = await started.run().then(
        (t) => ({ ok: true as const, reason: t.reason() }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      this.finish(termination.ok ? { reason: termination.reason } : { error: termination.error });
    } catch (error) {
      // Failed before the session took the worker: it goes too.
      if (!this.releasePainting) void paintingStarted.then((p) => p.release());
      this.finish({ error });
    }
  }

  private finish(outcome: { reason?: string; error?: unknown }): void {
    if (this.onWindowFocus) window.removeEventListener('focus', this.onWindowFocus);
    this.onWindowFocus = null;
    this.remoteClipboardWaiting = false;
    this.resizeObserver?.disconnect();
    this.scaleObserver?.disconnect();
    this.scaleObserver = null;
    this.pixelSizeObserver?.disconnect();
    this.pixelSizeObserver = null;
    this.boxObserver?.disconnect();
    this.boxObserver = null;
    this.boxStyles.clear();
    this.stopDevicePixels?.();
    this.stopDevicePixels = null;
    this.askForWindowSize = null;
    this.releasePainting?.();
    this.releasePainting = null;
    this.connected = false;
    if (this.signInTimer !== null) window.clearTimeout(this.signInTimer);
    this.signInTimer = null;
    this.followOnceConnected = null;
    this.files?.sessionEnded();
    this.files = null;
    // The element goes with its session, so a reconnect never shows the old picture.
    this.element?.remove();
    this.element = null;
    this.events.emit('state', 'disconnected');
    if (this.userEnded) {
      this.events.emit('disconnected', { code: 'user-ended' });
      return;
    }
    if (outcome.reason !== undefined) {
      this.events.emit('disconnected', { code: errorCodeForTermination(outcome.reason), detail: outcome.reason });
      return;
    }
    const error = outcome.error;
    if (isIronError(error)) {
      const code = errorCodeForIronError(error);
      this.events.emit('disconnected', { code });
      return;
    }
    this.events.emit('disconnected', { code: null, detail: error instanceof Error ? error.message : undefined });
  }

  private desktopSize(surface: HTMLElement, profile: ConnectParams['info']['profile']): { width: number; height: number } {
    if (profile.desktopSize === 'fixed') return { width: profile.desktopWidth, height: profile.desktopHeight };
    return this.windowSize(surface);
  }

  /** The session area's size, in device pixels with highDpi (devicePixels.ts): RDP wants even widths; never below what Windows accepts. */
  private windowSize(surface: HTMLElement): { width: number; height: number } {
    const ratio = this.ratio();
    return { width: Math.max(640, devicePixels(surface.clientWidth, ratio, true)), height: Math.max(480, devicePixels(surface.clientHeight, ratio, true)) };
  }

  /** Device pixels per CSS pixel for this connection now (1: CSS pixels, as without the option). */
  private ratio(): number {
    return pixelRatio(this.highDpi);
  }

  /**
   * With highDpi, the desktop scale factor sent with each new size (display control's monitor layout; IronRDP sends
   * a device scale factor of 100 with it): the ratio in percent, so Windows keeps its text readable on a desktop of
   * device pixels, and 100 again once the ratio is back to 1. IronRDP's web API has no way to send it at connect
   * (TS_UD_CS_CORE): the first one goes with the size asked for again as the window's size is first followed.
   */
  private scaleFactor(): number | undefined {
    const ratio = this.ratio();
    if (ratio === 1 && (this.sentScaleFactor ?? 100) === 100) return undefined;
    this.sentScaleFactor = desktopScaleFactor(ratio);
    return this.sentScaleFactor;
  }

  /** Dynamic resolution: after the window settles at a new size, ask the server for it (display control). */
  private followWindowSize(surface: HTMLElement): void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    // As measured (CSS pixels): the observer's first call, as it starts, asks again where the size asked for at connect
    // was rounded, and with highDpi at a ratio above 1 always, which sends the desktop scale factor (scaleFactor).
    let last = { width: surface.clientWidth, height: surface.clientHeight, ratio: this.ratio() };
    const ask = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        const { width, height } = this.windowSize(surface);
        const ratio = this.ratio();
        if (!this.connected || (width === last.width && height === last.height && ratio === last.ratio)) return;
        last = { width, height, ratio };
        this.resizedAt = performance.now();
        const scaleFactor = this.scaleFactor();
        if (scaleFactor === undefined) this.ui?.resize(width, height);
        else this.ui?.resize(width, height, scaleFactor);
        // IronRDP's component gives the canvas's box the size asked for at once, before the server has answered, and
        // keeps it when the server never does (freerdp-shadow has no display control): the old picture stretched to
        // the new size, blurred, with the pointer mapped wrong. The box stays as the scale makes it from the canvas's
        // pixels, until the server's new size reaches the canvas (pixelSizeObserver).
        this.applyScale(true);
      }, RESIZE_SETTLE_MS);
    };
    this.askForWindowSize = ask;
    this.resizeObserver = new ResizeObserver(ask);
    this.resizeObserver.observe(surface);
  }

  /**
   * "Optimise for high-resolution displays" (devicePixels.ts): the desktop is asked for in device pixels (windowSize),
   * and shown one remote pixel per device pixel. IronRDP's "real" size gives its picture's box (its canvas's parent)
   * the canvas's pixel size in CSS pixels, and the box around it the room to scroll in: both are set here to the pixel
   * size / ratio whenever IronRDP sets them (its component writes them as style attributes). IronRDP maps the pointer
   * from the canvas's pixel size and box, so a click lands where it points; its mouse events are given the pointer's
   * fractional position, which is the device pixel. Another screen or zoom: shown and asked for again.
   */
  private useDevicePixels(surface: HTMLElement, canvas: HTMLCanvasElement | null): void {
    const viewer = canvas?.parentElement;
    const wrapper = viewer?.parentElement;
    if (viewer && wrapper) {
      this.boxObserver = new MutationObserver(() => this.showInDevicePixels());
      for (const box of [viewer, wrapper]) this.boxObserver.observe(box, { attributes: true, attributeFilter: ['style'] });
    }
    this.showInDevicePixels();
    // The server's pointer, set on the canvas in remote pixels (remotePointer.ts), in device pixels too (deviceCursor.ts).
    const cursor = canvas ? showCursorInDevicePixels(canvas, () => this.ratio()) : null;
    const stopWatching = watchDevicePixelRatio(() => {
      this.applyScale(true);
      cursor?.refresh();
      this.askForWindowSize?.();
    });
    const stopPointer = keepFractionalPointer(surface, () => this.ratio() !== 1);
    this.stopDevicePixels = () => {
      stopWatching();
      stopPointer();
      cursor?.stop();
    };
  }

  /**
   * With highDpi at a ratio above 1, IronRDP's boxes at the canvas's pixel size / ratio where it shows the picture 1:1
   * (useDevicePixels). Otherwise (its "fit", the ratio back to 1) they get back what IronRDP last wrote, which it does
   * not write again while its own value is unchanged.
   */
  private showInDevicePixels(): void {
    const canvas = this.canvas();
    const viewer = canvas?.parentElement;
    const wrapper = viewer?.parentElement;
    const surface = this.surface;
    const ratio = this.ratio();
    if (!this.highDpi || !canvas || !viewer || !wrapper || !surface) return;
    for (const element of [viewer, wrapper]) {
      const style = element.getAttribute('style');
      const known = this.boxStyles.get(element);
      if (!known || style !== known.ours) this.boxStyles.set(element, { theirs: style, ours: null });
    }
    if (ratio === 1 || this.appliedScale !== SCALE.real) {
      for (const [element, { theirs, ours }] of this.boxStyles) {
        if (ours === null || element.getAttribute('style') !== ours) continue;
        this.boxStyles.set(element, { theirs, ours: null });
        if (theirs === null) element.removeAttribute('style');
        else element.setAttribute('style', theirs);
      }
      return;
    }
    const width = canvas.width / ratio;
    const height = canvas.height / ratio;
    const set = (element: HTMLElement, values: Record<string, string>) => {
      for (const [property, value] of Object.entries(values)) if (element.style.getPropertyValue(property) !== value) element.style.setProperty(property, value);
      const known = this.boxStyles.get(element);
      this.boxStyles.set(element, { theirs: known?.theirs ?? null, ours: element.getAttribute('style') });
    };
    const box = { width: `${width}px`, height: `${height}px` };
    set(viewer, { ...box, 'min-width': box.width, 'max-width': box.width, 'min-height': box.height, 'max-height': box.height });
    // Larger than the session area (1:1): the room to scroll in is the area; otherwise the picture's own size.
    const scrolls = width > surface.clientWidth || height > surface.clientHeight;
    set(wrapper, scrolls ? { width: `${Math.min(width, surface.clientWidth)}px`, height: `${Math.min(height, surface.clientHeight)}px`, overflow: 'auto' } : { width: 'initial', height: 'initial', overflow: 'initial' });
  }

  disconnect(): void {
    this.userEnded = true;
    if (this.credentials) {
      this.credentials = null;
      this.events.emit('state', 'disconnected');
      this.events.emit('disconnected', { code: 'user-ended' });
      return;
    }
    this.ui?.shutdown();
  }

  sendCredentials(credentials: { username?: string; password: string }): void {
    const resolve = this.credentials;
    this.credentials = null;
    resolve?.(credentials);
  }

  sendCtrlAltDel(): void {
    this.ui?.ctrlAltDel();
  }

  sendKeys(codes: readonly string[]): void {
    if (!this.inputSession || !this.backend || !this.connected) return;
    const scancodes = codes.map(xtScancode);
    if (scancodes.every((s) => s !== null)) sendScancodes(this.inputSession, this.backend, scancodes);
  }

  setScaling(mode: ScalingMode): void {
    this.scaling = mode;
    this.applyScale();
  }

  /**
   * IronRDP's "fit" enlarges a desktop smaller than the window as well as
   * shrinking a larger one. "Fit to window" never enlarges (README, and the
   * VNC session alike: sharper, and the compositor does not resample the
   * whole picture on every update): a desktop that fits is shown 1:1,
   * centred, and IronRDP's "fit" is used only when it does not fit.
   */
  private applyScale(force = false): void {
    const ui = this.ui;
    if (!ui) return;
    const canvas = this.canvas();
    const surface = this.surface;
    const ratio = this.ratio();
    const fits = !!canvas && !!surface && canvas.width <= devicePixels(surface.clientWidth, ratio) && canvas.height <= devicePixels(surface.clientHeight, ratio);
    const scale = this.scaling === 'fit' && !fits ? SCALE.fit : SCALE.real;
    if (scale === this.appliedScale && !force) {
      this.showInDevicePixels();
      return;
    }
    this.appliedScale = scale;
    // The component measures the room for the picture from where its box is now, to the window's right and bottom
    // edges. Centred down the surface (ironRdpModule.ts), a box of the old size sits lower than the new picture will:
    // a desktop that fits the surface exactly was taken for one that does not, and shown cut off in a scrolling box.
    // It measures at the surface's top, where the picture starts when it fills the surface, and is centred again after.
    const host = this.element;
    const centring = host?.style.justifyContent ?? '';
    if (host) host.style.justifyContent = 'flex-start';
    ui.setScale(scale as never);
    if (host) host.style.justifyContent = centring;
    this.showInDevicePixels();
  }

  sendFiles(files: File[]): void {
    if (!this.connected || files.length === 0) return;
    const refused = this.filesRefused();
    if (refused) this.events.emit('warning', refused);
    else this.files!.send(files);
  }

  sendDrop(event: DragEvent): void {
    if (!this.connected) return;
    const refused = this.filesRefused();
    if (refused) this.events.emit('warning', refused);
    else this.files!.sendDrop(event);
  }

  msSinceResize(): number | null {
    return this.resizedAt === null ? null : performance.now() - this.resizedAt;
  }

  remoteClipboardOpened(remote: { files: boolean }): void {
    this.remoteClipboard = remote;
  }

  remotePointer(shape: 'hidden' | 'default' | 'image', image?: PointerImage): void {
    this.pointer = pointerCursor(shape, image, document);
    this.ui?.setCursorStyleOverride(this.pointer);
  }

  /** Why files cannot be sent now, in a user's words; null if they can. */
  private filesRefused(): string | null {
    if (!this.files?.ways.upload) return this.fileTransferAllowed ? FILES_NEED_CLIPBOARD : FILES_FORBIDDEN;
    // Sent to a server that never opened its clipboard, or one that copies text only, they would wait forever.
    if (!this.remoteClipboard) return FILES_NO_REMOTE_CLIPBOARD;
    if (!this.remoteClipboard.files) return FILES_UNSUPPORTED_REMOTE;
    return null;
  }

  saveRemoteFile(index: number): Promise<{ name: string; blob: Blob }> {
    if (!this.files) return Promise.reject(new Error(FILES_FORBIDDEN));
    return this.files.save(index);
  }

  /** The remote clipboard onto this computer's, then to the view (the Clipboard panel). */
  private bringRemoteClipboard(ui: UserInteraction): void {
    void ui
      .saveRemoteClipboardData()
      .then(() => navigator.clipboard.readText())
      .then((text) => this.events.emit('clipboard', text))
      .catch(() => undefined);
  }

  pasteText(text: string): void {
    const ui = this.ui;
    if (!ui || !this.clipboardToRemote) return;
    const session = this.inputSession;
    const backend = this.backend;
    if (session && backend) {
      // Straight to the live session, as IronRDP's own sendClipboardData ends: this computer's clipboard is left as
      // it is (the panel's "Send to remote" is for the remote clipboard only).
      const data = new backend.Backend.ClipboardData();
      data.addText('text/plain', text);
      void session.onClipboardPaste(data).catch(() => this.events.emit('warning', 'The text could not be put on the remote clipboard.'));
      return;
    }
    // Before the session is live, IronRDP reads the local clipboard when asked to send it.
    void navigator.clipboard
      .writeText(text)
      .then(() => ui.sendClipboardData())
      .catch(() => this.events.emit('warning', 'The browser did not allow DeskBridge to use the clipboard.'));
  }

  focus(): void {
    (this.element?.shadowRoot?.querySelector('canvas') as HTMLCanvasElement | null)?.focus();
  }

  canvas(): HTMLCanvasElement | null {
    return (this.element?.shadowRoot?.querySelector('canvas') as HTMLCanvasElement | null) ?? null;
  }
}
