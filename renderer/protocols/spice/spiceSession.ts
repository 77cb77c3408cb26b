// SPICE through spice-html5 (LGPL-3.0-or-later, the SPICE project's own web
// client), behind the protocol-agnostic session interface. The gateway relays
// each channel's bytes on a WebSocket of its own (one ticket, several
// connections); spice-html5 speaks SPICE: the link, the password (RSA-sealed
// to the server's key), the display and cursor channels.
//
// Around it, what a desktop client needs that it lacks or does in a way that
// breaks in an app (../shared/TESTBED.md):
// - input is ours: keys by physical key (KeyboardEvent.code) as scan codes,
//   so Shift and every key travel (spice-html5 maps legacy keyCodes, drops
//   Shift on typed characters and alert()s on an unknown key), and the pointer
//   in desktop pixels whatever the canvas's scaling;
// - its surfaces get ids of this session's own (it names every session's
//   first canvas "spice_surface_0", so two sessions in one page collide);
// - its WebSockets are counted (bytes) and known, so that every channel ends
//   with the session;
// - its errors become the app's error codes, and a server that wants a
//   password it was not given asks the user, as virt-viewer does;
// - the guest agent's messages are put together and read here
//   (guestAgent.ts): the clipboard both ways, files copied to the guest, and
//   the desktop's size following the window ("Fit the window"), as
//   virt-viewer does them. (Sound is spice-html5's own, through a
//   MediaSource the page's CSP allows as media-src blob:.)
// - "Optimise for high-resolution displays" (../../session/devicePixels.ts):
//   the window's size asked of the agent in device pixels, the canvas shown
//   one remote pixel per device pixel, and the pointer to the device pixel.
import { SpiceMainConn, type SpiceDisplayChannel, type SpiceInputsChannel } from '@spice-project/spice-html5/src/main.js';
import type { ScalingMode } from '../../../shared/profiles/profileSchema';
import { FILES_FORBIDDEN, NO_GUEST_AGENT, SessionEmitter, type ConnectParams, type RemoteSession, type SessionEvents } from '../../session/remoteSession';
import { CTRL_ALT_DEL, spiceScancode } from '../../session/scancodes';
import { pressesAndReleases } from '../../session/keyCombos';
import { LinkWatch, watchLink } from '../../session/linkWatch';
import { devicePixels, keepFractionalPointer, pixelRatio, watchDevicePixelRatio } from '../../session/devicePixels';
import { showCursorInDevicePixels } from '../../session/deviceCursor';
import { sealedTicketBytes } from './sealedTicket';
import { AgentCap, AgentClipboard, AgentFileTransfer, AgentMessage, AgentStream, MAX_CLIPBOARD_BYTES, agentPayload, capabilitiesMessage, monitorsConfigMessage } from './guestAgent';

// SPICE protocol numbers (spice-protocol's enums.h).
const MSG_MAIN_CHANNELS_LIST = 104;
const MSG_MAIN_AGENT_CONNECTED = 107;
const MSG_MAIN_AGENT_DISCONNECTED = 108;
const MSG_MAIN_AGENT_DATA = 109;
const MSG_MAIN_AGENT_CONNECTED_TOKENS = 115;
const MSGC_INPUTS_KEY_DOWN = 101;
const MSGC_INPUTS_KEY_UP = 102;
const MSGC_INPUTS_MOUSE_MOTION = 111;
const MSGC_INPUTS_MOUSE_POSITION = 112;
const MSGC_INPUTS_MOUSE_PRESS = 113;
const MSGC_INPUTS_MOUSE_RELEASE = 114;
const MOUSE_MODE_CLIENT = 1 << 1;
/** Pointer motions the server acknowledges in bunches of 4; no more than two bunches are left unacknowledged. */
const MOTION_ACK_BUNCH = 4;
const MOTIONS_IN_FLIGHT = 2 * MOTION_ACK_BUNCH;
/**
 * Input given before the inputs channel has signed in (each channel is a
 * connection of its own, and the picture may show first) waits for it, this
 * much of it at most and for this long at most: typed on a far server's
 * desktop as soon as it shows, it is not lost.
 */
const MAX_QUEUED_INPUT = 512;
const QUEUED_INPUT_MS = 10_000;
const BUTTON_UP = 4;
const BUTTON_DOWN = 5;

/** The server must answer the main channel's first bytes within this (the gateway's greeting time for VNC). */
const NO_ANSWER_MS = 4000;
const NO_ANSWER = 'no answer';
const NOT_SPICE = 'not spice';
const NOT_SPICE_BUT_VNC = 'vnc, not spice';

/** How long after signing in the guest agent has to say it is there before copying says the clipboard is not shared. */
const AGENT_GRACE_MS = 3000;
/** The window's size is asked of the guest once it has stopped changing for this long (as RDP's display control). */
const RESIZE_SETTLE_MS = 400;
/** The smallest desktop asked for (what a guest's display settings accept everywhere). */
const MIN_DESKTOP = { width: 640, height: 480 };

let sessionsInPage = 0;

// Every channel (main, display, inputs, cursor …) sends the sealed password through SpiceConn's send_ticket:
// given here at its full length (sealedTicket.ts), so that none is refused one time in 256.
const spiceConnPrototype = Object.getPrototypeOf(SpiceMainConn.prototype) as { send_ticket(ticket: number[] | null): void };
const sendTicket = spiceConnPrototype.send_ticket;
spiceConnPrototype.send_ticket = function (this: unknown, ticket: number[] | null) {
  sendTicket.call(this, ticket ? sealedTicketBytes(ticket) : ticket);
};

/** A SPICE client message with the mini header: type (u16), size (u32), then the payload. */
function spiceMessage(type: number, payload: (view: DataView) => void, size: number) {
  return {
    buffer_size: () => 6 + size,
    to_buffer(buffer: ArrayBuffer, at = 0): number {
      const view = new DataView(buffer, at);
      view.setUint16(0, type, true);
      view.setUint32(2, size, true);
      payload(new DataView(buffer, at + 6, size));
      return at + 6 + size;
    },
  };
}

interface Motion {
  x: number;
  y: number;
  dx: number;
  dy: number;
  buttons: number;
}

/** A pointer motion message: where the pointer is (MOUSE_POSITION, the client's mouse mode) or how far it moved (MOUSE_MOTION, the server's). */
function motionMessage(kind: 'position' | 'motion', { x, y, dx, dy, buttons }: Motion) {
  return kind === 'position'
    ? spiceMessage(MSGC_INPUTS_MOUSE_POSITION, (view) => {
        view.setUint32(0, x, true);
        view.setUint32(4, y, true);
        view.setUint16(8, buttons, true);
        view.setUint8(10, 0);
      }, 11)
    : spiceMessage(MSGC_INPUTS_MOUSE_MOTION, (view) => {
        view.setInt32(0, dx, true);
        view.setInt32(4, dy, true);
        view.setUint16(8, buttons, true);
      }, 10);
}

/** DOM button (0 left, 1 middle, 2 right) → SPICE button number and its bit in the buttons' state. */
const BUTTONS: Record<number, { button: number; mask: number }> = { 0: { button: 1, mask: 1 }, 1: { button: 2, mask: 2 }, 2: { button: 3, mask: 4 } };

/** How spice-html5 words its failures (spiceconn.js), to the app's reasons. */
function classify(message: string): { code: SessionEvents['disconnected']['code']; detail?: string } | 'password-refused' {
  if (message === 'Permission denied.' || message === 'Bad password.') return 'password-refused';
  if (message === NOT_SPICE_BUT_VNC) return { code: 'protocol-error', detail: 'The server at this address is a VNC server, not a SPICE server. Choose VNC as this connection\'s protocol.' };
  if (message === NOT_SPICE || message.startsWith('Error: magic mismatch')) {
    return { code: 'protocol-error', detail: 'The server at this address did not answer as a SPICE server. Check the port and the protocol.' };
  }
  if (message.startsWith('Error: reply link error')) return { code: 'protocol-error', detail: `The SPICE server refused the connection (${message.replace(/^Error: /, '')}).` };
  if (message === NO_ANSWER) return { code: 'no-greeting', detail: `Nothing came back within ${NO_ANSWER_MS / 1000} s of connecting: the service at this port does not answer as a SPICE server.` };
  if (message === 'Connection timed out.') return { code: 'host-unreachable', detail: 'The SPICE server did not finish signing in within 30 seconds.' };
  // A relay that closed (the host refused, went away, or the ticket was refused): the gateway says why.
  return { code: null };
}

export class SpiceSession implements RemoteSession {
  private readonly events = new SessionEmitter();
  readonly countsFrames = true;
  private main: SpiceMainConn | null = null;
  private params: ConnectParams | null = null;
  private screen: HTMLDivElement | null = null;
  private readonly sockets = new Set<WebSocket>();
  private password = '';
  private askedForPassword = false;
  private ended = false;
  private connected = false;
  private scaling: ScalingMode = 'fit';
  private input: { canvas: HTMLCanvasElement; detach: () => void } | null = null;
  private readonly keysDown = new Set<string>();
  private buttons = 0;
  private lastPointer: { x: number; y: number } | null = null;
  /** Input waiting for the inputs channel (MAX_QUEUED_INPUT): keys and buttons as they were given; pointer motion as one entry since the last key or button. */
  private queuedInput: Array<{ motion: Motion } | { send: (inputs: SpiceInputsChannel) => void }> = [];
  private queuedSince = 0;
  private drawn = false;
  private frameTimer = 0;
  private fitWatch: ResizeObserver | null = null;
  private connectedAt = 0;
  /** The dead-link probe's view of the link, while signed in (linkWatch.ts); and how to stop it. */
  private link: { watch: LinkWatch; stop: () => void } | null = null;
  private agentWarned = false;
  private agentTimer: ReturnType<typeof setTimeout> | null = null;
  /** Says whether the agent is there once it has had the time to announce itself (AGENT_GRACE_MS). */
  private agentPresenceTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly agentStream = new AgentStream(MAX_CLIPBOARD_BYTES + 64, (_type, size) =>
    this.events.emit('warning', `The remote clipboard (${Math.round(size / 1024 / 1024)} MB) is larger than DeskBridge takes (${MAX_CLIPBOARD_BYTES / 1024 / 1024} MB); it was not copied.`),
  );
  private readonly clipboard = new AgentClipboard({
    send: (type, payload) => this.sendToAgent(type, payload),
    remoteText: (text) => this.events.emit('clipboard', text),
  });
  private readonly files = new AgentFileTransfer({
    send: (type, payload) => this.sendToAgent(type, payload),
    backlog: () => this.main?.agent_msg_queue?.length ?? 0,
    agentHas: (cap) => this.clipboard.agentHas(cap),
    update: (transfer) => this.events.emit('transfer', transfer),
  });
  /** Whether the agent can set the desktop's size (it announced monitors config). */
  private agentSizes = false;
  private sizeWatch: { observer: ResizeObserver; timer: ReturnType<typeof setTimeout> | null } | null = null;
  private sizeAsked: { width: number; height: number } | null = null;
  /** The connection's "Optimise for high-resolution displays" (devicePixels.ts); off until connect. */
  private highDpi = false;
  /** Stops following devicePixelRatio and the pointer's device pixels (useDevicePixels). */
  private stopDevicePixels: (() => void) | null = null;

  on<K extends keyof SessionEvents>(event: K, listener: (value: SessionEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  connect(params: ConnectParams): void {
    this.params = params;
    this.password = params.password ?? '';
    const { clipboardToRemote, clipboardToLocal } = params.info.redirection;
    this.clipboard.allow({ toRemote: clipboardToRemote, toLocal: clipboardToLocal });
    const screen = document.createElement('div');
    screen.id = `deskbridge-spice-${++sessionsInPage}`;
    screen.className = 'spice-screen';
    params.surface.append(screen);
    this.screen = screen;
    this.highDpi = params.info.profile.highDpi === true;
    if (this.highDpi) this.useDevicePixels(params.surface, screen);
    this.setScaling(params.info.profile.scaling);
    this.events.emit('state', 'connecting');
    this.start();
    // A picture drawn since the last animation frame is one frame shown (the readout's frames/s).
    const tick = () => {
      if (this.ended) return;
      if (this.queuedInput.length > 0) this.sendQueuedInput();
      if (this.drawn) {
        this.drawn = false;
        this.events.emit('frame', undefined);
      }
      this.frameTimer = requestAnimationFrame(tick);
    };
    this.frameTimer = requestAnimationFrame(tick);
  }

  /** Opens the main channel (again, after a password was asked for); the others follow from it. */
  private start(): void {
    const params = this.params;
    const screen = this.screen;
    if (!params || !screen) return;
    this.agentGone();
    // Input meant for a connection that is gone is not typed into the next one.
    this.queuedInput = [];
    const main = this.recordingSockets(
      () =>
        new SpiceMainConn({
          uri: params.wsOrigin + params.info.relayPath,
          screen_id: screen.id,
          password: this.password,
          onerror: (error) => this.failed(main, error),
          onsuccess: () => {
            this.connected = true;
            this.connectedAt = performance.now();
            this.watchLink();
            this.events.emit('state', 'connected');
            this.reportAgentLater();
          },
        }),
    );
    this.main = main;
    main.ws?.addEventListener(
      'open',
      () => {
        this.events.emit('state', 'authenticating');
        // A SPICE server answers the client's first bytes at once; a service that says nothing is not one (as VNC's greeting).
        setTimeout(() => {
          if (this.main === main && main.state === 'start') this.failed(main, new Error(NO_ANSWER));
        }, NO_ANSWER_MS);
      },
      { once: true },
    );
    // A SPICE server's first bytes are its magic, "REDQ"; anything else is another service (a VNC server greets with "RFB ").
    main.ws?.addEventListener(
      'message',
      (event: MessageEvent<ArrayBuffer | Blob>) => {
        if (!(event.data instanceof ArrayBuffer) || event.data.byteLength < 4) return;
        const first = String.fromCharCode(...new Uint8Array(event.data, 0, 4));
        if (first !== 'REDQ') this.failed(main, new Error(first === 'RFB ' ? NOT_SPICE_BUT_VNC : NOT_SPICE));
      },
      { once: true },
    );
    // The agent hears this client's capabilities (the clipboard's among them), not spice-html5's.
    main.announce_agent_capabilities = (request) => main.send_agent_message(AgentMessage.ANNOUNCE_CAPABILITIES, agentPayload(capabilitiesMessage(request !== 0, this.clipboard.capabilities())));
    const handle = main.process_channel_message.bind(main);
    main.process_channel_message = (message) => {
      if (message.type === MSG_MAIN_AGENT_DATA) {
        this.fromAgent(message.data);
        return true;
      }
      if (message.type === MSG_MAIN_AGENT_CONNECTED || message.type === MSG_MAIN_AGENT_CONNECTED_TOKENS || message.type === MSG_MAIN_AGENT_DISCONNECTED) {
        this.agentGone();
        // One that left is said at once; one that came says so as it announces itself.
        if (message.type === MSG_MAIN_AGENT_DISCONNECTED) this.events.emit('guestAgent', false);
      }
      // The channels open here: their sockets are this session's, and the display gets our input and ids.
      const handled = message.type === MSG_MAIN_CHANNELS_LIST ? this.recordingSockets(() => handle(message)) : handle(message);
      if (main.display) this.adopt(main.display);
      return handled;
    };
  }

  /** The agent (re)connected or left, or the main channel is new: what it had said no longer holds. */
  private agentGone(): void {
    this.agentStream.reset();
    this.files.stopAll("the remote computer's SPICE agent went away");
    this.clipboard.agentGone();
    this.agentSizes = false;
    this.sizeAsked = null;
  }

  /** A piece of the agent's stream: whole messages go to the clipboard, or set what the agent can do. */
  private fromAgent(data: ArrayBuffer | undefined): void {
    if (!data) return;
    for (const message of this.agentStream.push(new Uint8Array(data))) {
      if (this.files.receive(message)) continue;
      if (!this.clipboard.receive(message) || message.type !== AgentMessage.ANNOUNCE_CAPABILITIES) continue;
      this.events.emit('guestAgent', true);
      this.agentSizes = this.clipboard.agentHas(AgentCap.MONITORS_CONFIG);
      this.followWindowSize();
    }
  }

  private sendToAgent(type: number, payload: Uint8Array): void {
    this.main?.send_agent_message(type, agentPayload(payload));
  }

  /** Runs `open` with every WebSocket it opens recorded (counted, and closed with the session). */
  private recordingSockets<T>(open: () => T): T {
    const Original = window.WebSocket;
    const record = (socket: WebSocket) => {
      this.sockets.add(socket);
      socket.addEventListener('message', (event: MessageEvent<ArrayBuffer | Blob>) => {
        this.link?.watch.received(performance.now());
        const data = event.data;
        this.events.emit('bytes', data instanceof ArrayBuffer ? data.byteLength : data.size);
      });
      socket.addEventListener('close', () => this.sockets.delete(socket));
    };
    class Recorded extends Original {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        record(this);
      }
    }
    window.WebSocket = Recorded;
    try {
      return open();
    } finally {
      window.WebSocket = Original;
    }
  }

  /** The display channel, once: our input on its canvas, its surfaces named and removed as this session's. */
  private adopt(display: SpiceDisplayChannel & { adopted?: true }): void {
    if (display.adopted) return;
    display.adopted = true;
    const handle = display.process_channel_message.bind(display);
    display.process_channel_message = (message) => {
      const handled = handle(message);
      this.drawn = true;
      return handled;
    };
    display.hook_events = () => {
      const surface = display.primary_surface === undefined ? undefined : display.surfaces[display.primary_surface];
      if (surface) this.attachInput(surface.canvas);
    };
    display.unhook_events = () => this.detachInput();
    display.delete_surface = (surfaceId: number) => {
      const surface = display.surfaces[surfaceId];
      if (display.primary_surface === surfaceId) {
        this.detachInput();
        display.primary_surface = undefined;
      }
      surface?.canvas.remove();
      delete display.surfaces[surfaceId];
    };
  }

  private failed(main: SpiceMainConn, error: Error | Event): void {
    if (main !== this.main || this.ended) return;
    this.unwatchLink();
    const message = error instanceof Error ? error.message : 'the connection failed';
    const outcome = classify(message);
    this.main = null;
    main.state = 'closing';
    main.stop();
    this.closeSockets();
    if (outcome === 'password-refused') {
      // None was given (or saved): ask, as virt-viewer does, and sign in again with the answer.
      if (this.password === '' && !this.askedForPassword) {
        this.askedForPassword = true;
        this.events.emit('state', 'authenticating');
        this.events.emit('credentialsRequired', { username: false, password: true });
        return;
      }
      return this.end({ code: 'auth-failed', detail: 'The SPICE server refused the password.' });
    }
    this.end(outcome.code === null ? { code: null } : { code: outcome.code, ...(outcome.detail ? { detail: outcome.detail } : {}) });
  }

  private end(info: SessionEvents['disconnected']): void {
    if (this.ended) return;
    this.ended = true;
    this.unwatchLink();
    cancelAnimationFrame(this.frameTimer);
    this.fitWatch?.disconnect();
    this.fitWatch = null;
    this.stopDevicePixels?.();
    this.stopDevicePixels = null;
    if (this.agentTimer) clearTimeout(this.agentTimer);
    if (this.agentPresenceTimer) clearTimeout(this.agentPresenceTimer);
    this.files.stopAll('the session ended');
    if (this.sizeWatch?.timer) clearTimeout(this.sizeWatch.timer);
    this.sizeWatch?.observer.disconnect();
    this.sizeWatch = null;
    this.detachInput();
    const main = this.main;
    this.main = null;
    if (main) {
      main.state = 'closing';
      main.stop();
    }
    this.closeSockets();
    this.screen?.remove();
    this.events.emit('state', 'disconnected');
    this.events.emit('disconnected', info);
  }

  /** Starts the dead-link probe (linkWatch.ts) for the session just signed in. */
  private watchLink(): void {
    this.unwatchLink();
    const watch = new LinkWatch(performance.now());
    const stop = watchLink(
      watch,
      () => this.sendProbe(),
      () => this.end({ code: 'connection-lost', detail: 'The remote computer stopped answering.' }),
    );
    this.link = { watch, stop };
  }

  private unwatchLink(): void {
    this.link?.stop();
    this.link = null;
  }

  /**
   * The dead-link probe. A SPICE client has no message the server answers as
   * such, but the server acknowledges pointer motion in bunches of four
   * (MOUSE_MOTION_ACK), counting both kinds of motion message whatever its
   * mouse mode and acting only on the kind of its mode (spice-server's inputs
   * channel). So four of the kind the present mode ignores: the server
   * answers, and nothing reaches the guest, whose screen saver and lock are
   * not held off by an idle session.
   */
  private sendProbe(): boolean {
    const inputs = this.inputs();
    if (!inputs || !this.main) return false;
    const ignored = this.main.mouse_mode === MOUSE_MODE_CLIENT ? 'motion' : 'position';
    const at = this.lastPointer ?? { x: 0, y: 0 };
    for (let i = 0; i < MOTION_ACK_BUNCH; i++) inputs.send_msg(motionMessage(ignored, { ...at, dx: 0, dy: 0, buttons: this.buttons }));
    // spice-html5 takes a bunch off its count per acknowledgement: what it answers is counted in.
    inputs.waiting_for_ack += MOTION_ACK_BUNCH;
    return true;
  }

  private closeSockets(): void {
    for (const socket of this.sockets) socket.close();
    this.sockets.clear();
  }

  disconnect(): void {
    this.end({ code: 'user-ended' });
  }

  sendCredentials(credentials: { username?: string; password: string }): void {
    if (this.ended || this.main) return;
    this.password = credentials.password;
    this.start();
  }

  sendCtrlAltDel(): void {
    this.sendKeys(CTRL_ALT_DEL);
  }

  sendKeys(codes: readonly string[]): void {
    for (const { key, down } of pressesAndReleases(codes)) this.sendKey(key, down);
  }

  private inputs(): SpiceInputsChannel | null {
    const inputs = this.main?.inputs;
    return inputs && inputs.state === 'ready' ? inputs : null;
  }

  private sendKey(code: string, down: boolean): boolean {
    const scancode = spiceScancode(code, down);
    if (scancode === null) return false;
    return this.withInputs((inputs) => inputs.send_msg(spiceMessage(down ? MSGC_INPUTS_KEY_DOWN : MSGC_INPUTS_KEY_UP, (view) => view.setUint32(0, scancode, true), 4)));
  }

  /** Sends now if the inputs channel is ready (what waited goes first); else queues it while the session is under way. False if it is dropped. */
  private withInputs(send: (inputs: SpiceInputsChannel) => void): boolean {
    const inputs = this.inputs();
    if (inputs) {
      if (this.queuedInput.length > 0) this.sendQueuedInput();
      send(inputs);
      return true;
    }
    if (!this.queueing()) return false;
    this.queuedInput.push({ send });
    return true;
  }

  /** Whether input may wait for the inputs channel now (the session is under way, the queue has room); starts the queue's clock. */
  private queueing(): boolean {
    if (this.ended || !this.main || this.queuedInput.length >= MAX_QUEUED_INPUT) return false;
    if (this.queuedInput.length === 0) this.queuedSince = performance.now();
    return true;
  }

  /** What waited for the inputs channel, in order, once it is ready; forgotten if it waited too long (the channel never came). */
  private sendQueuedInput(): void {
    const inputs = this.inputs();
    if (!inputs) {
      if (performance.now() - this.queuedSince > QUEUED_INPUT_MS) this.queuedInput = [];
      return;
    }
    for (const entry of this.queuedInput.splice(0)) {
      if ('send' in entry) entry.send(inputs);
      else this.sendMotion(inputs, entry.motion);
    }
  }

  /**
   * The pointer's place on the desktop, in its own pixels, whatever the canvas is scaled to. In device pixels
   * (useDevicePixels) the position has the device pixel's fraction, and the remote pixel is the one it is inside;
   * in whole CSS pixels, the nearest, as before.
   */
  private desktopPoint(canvas: HTMLCanvasElement, event: MouseEvent): { x: number; y: number } {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) * canvas.width) / Math.max(1, box.width);
    const y = ((event.clientY - box.top) * canvas.height) / Math.max(1, box.height);
    const pixel = this.ratio() === 1 ? Math.round : (v: number) => Math.floor(v + 1e-6);
    return { x: Math.min(canvas.width - 1, Math.max(0, pixel(x))), y: Math.min(canvas.height - 1, Math.max(0, pixel(y))) };
  }

  private sendPointer(canvas: HTMLCanvasElement, event: MouseEvent): void {
    const inputs = this.inputs();
    const point = this.desktopPoint(canvas, event);
    const last = this.lastPointer;
    this.lastPointer = point;
    const motion = { ...point, dx: last ? point.x - last.x : 0, dy: last ? point.y - last.y : 0, buttons: this.buttons };
    if (!inputs) {
      // Waiting for the inputs channel: one motion since the last key or button, to where the pointer is now.
      const previous = this.queuedInput.at(-1);
      if (previous && 'motion' in previous) previous.motion = { ...motion, dx: previous.motion.dx + motion.dx, dy: previous.motion.dy + motion.dy };
      else if (this.queueing()) this.queuedInput.push({ motion });
      return;
    }
    if (this.queuedInput.length > 0) this.sendQueuedInput();
    if (inputs.waiting_for_ack >= MOTIONS_IN_FLIGHT) return;
    this.sendMotion(inputs, motion);
  }

  /** One pointer motion: where it is (the client's mouse mode) or how far it moved (the server's). */
  private sendMotion(inputs: SpiceInputsChannel, motion: Motion): void {
    if (!this.main) return;
    inputs.send_msg(motionMessage(this.main.mouse_mode === MOUSE_MODE_CLIENT ? 'position' : 'motion', motion));
    inputs.waiting_for_ack++;
  }

  private sendButton(button: number, down: boolean): void {
    const buttons = this.buttons;
    this.withInputs((inputs) =>
      inputs.send_msg(
        spiceMessage(down ? MSGC_INPUTS_MOUSE_PRESS : MSGC_INPUTS_MOUSE_RELEASE, (view) => {
          view.setUint8(0, button);
          view.setUint16(1, buttons, true);
        }, 3),
      ),
    );
  }

  private attachInput(canvas: HTMLCanvasElement): void {
    this.detachInput();
    // Ids of this session's own (spice-html5 would name it spice_surface_0 in every session).
    canvas.id = `${this.screen?.id ?? 'deskbridge-spice'}-desktop`;
    canvas.tabIndex = 0;
    canvas.classList.add('spice-desktop');
    const viewOnly = this.params?.info.profile.viewOnly === true;
    const onKey = (event: KeyboardEvent) => {
      const down = event.type === 'keydown';
      // A repeat is a press again, as a held key's typematic repeat on a PC keyboard.
      if (this.sendKey(event.code, down)) {
        if (down) this.keysDown.add(event.code);
        else this.keysDown.delete(event.code);
      }
      event.preventDefault();
    };
    const onMove = (event: MouseEvent) => this.sendPointer(canvas, event);
    const onButton = (event: MouseEvent) => {
      const mapped = BUTTONS[event.button];
      event.preventDefault();
      if (!mapped) return;
      const down = event.type === 'mousedown';
      if (down) canvas.focus({ preventScroll: true });
      this.sendPointer(canvas, event);
      this.buttons = down ? this.buttons | mapped.mask : this.buttons & ~mapped.mask;
      this.sendButton(mapped.button, down);
    };
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      if (event.deltaY === 0) return;
      const button = event.deltaY < 0 ? BUTTON_UP : BUTTON_DOWN;
      this.sendButton(button, true);
      this.sendButton(button, false);
    };
    const noMenu = (event: Event) => event.preventDefault();
    // Keys held when the focus leaves are let go on the remote side too (no stuck Ctrl after Alt+Tab).
    const onBlur = () => this.releaseKeys();
    const listeners: Array<[string, EventListener, AddEventListenerOptions?]> = viewOnly
      ? [['contextmenu', noMenu]]
      : [
          ['keydown', onKey as EventListener],
          ['keyup', onKey as EventListener],
          ['mousemove', onMove as EventListener],
          ['mousedown', onButton as EventListener],
          ['mouseup', onButton as EventListener],
          ['wheel', onWheel as EventListener, { passive: false }],
          ['contextmenu', noMenu],
          ['blur', onBlur],
        ];
    for (const [type, listener, options] of listeners) canvas.addEventListener(type, listener, options);
    this.input = { canvas, detach: () => listeners.forEach(([type, listener]) => canvas.removeEventListener(type, listener)) };
    this.applyScaling();
    this.watchFit();
    if (this.connected) canvas.focus({ preventScroll: true });
  }

  private detachInput(): void {
    this.releaseKeys();
    this.input?.detach();
    this.input = null;
  }

  private releaseKeys(): void {
    for (const code of this.keysDown) this.sendKey(code, false);
    this.keysDown.clear();
  }

  setScaling(mode: ScalingMode): void {
    this.scaling = mode;
    this.applyScaling();
    this.watchFit();
  }

  /**
   * "Fit to window" shrinks a desktop larger than the window and shows a
   * smaller one pixel for pixel, never enlarged (as the VNC session does);
   * 1:1 shows it at its size, and the surface scrolls. "Pixel for pixel" is
   * one remote pixel per device pixel with highDpi (useDevicePixels): the
   * canvas's CSS size is its pixel size / ratio, exactly (a fraction at 1.5).
   */
  private applyScaling(): void {
    const canvas = this.canvas();
    const surface = this.params?.surface;
    if (!canvas || !surface || !this.screen) return;
    const ratio = this.ratio();
    const natural = 1 / ratio;
    const scale = this.scaling === 'fit' ? Math.min(natural, surface.clientWidth / canvas.width, surface.clientHeight / canvas.height) : natural;
    const cssSize = (pixels: number) => (scale < natural ? Math.floor(pixels * scale) : pixels / ratio);
    canvas.style.width = `${cssSize(canvas.width)}px`;
    canvas.style.height = `${cssSize(canvas.height)}px`;
    canvas.style.display = 'block';
    // spice-html5 sets the screen's height to the desktop's; the surface decides here.
    this.screen.style.height = '';
  }

  private watchFit(): void {
    const surface = this.params?.surface;
    if (this.fitWatch || !surface || typeof ResizeObserver === 'undefined') return;
    this.fitWatch = new ResizeObserver(() => this.applyScaling());
    this.fitWatch.observe(surface);
  }

  /**
   * "Fit the window": the guest's desktop takes the window's size, again
   * each time the window settles at a new one (virt-viewer's "resize guest");
   * "Fixed size": the profile's, once. Both need the guest agent; a
   * view-only session leaves the guest's size alone.
   */
  private followWindowSize(): void {
    const surface = this.params?.surface;
    const profile = this.params?.info.profile;
    if (!surface || !profile || !this.agentSizes || this.ended || profile.viewOnly) return;
    if (profile.desktopSize === 'fixed') return this.askSize(profile.desktopWidth, profile.desktopHeight);
    if (!this.sizeWatch && typeof ResizeObserver !== 'undefined') {
      const watch: { observer: ResizeObserver; timer: ReturnType<typeof setTimeout> | null } = {
        observer: new ResizeObserver(() => {
          if (watch.timer) clearTimeout(watch.timer);
          watch.timer = setTimeout(() => {
            watch.timer = null;
            this.askWindowSize(surface);
          }, RESIZE_SETTLE_MS);
        }),
        timer: null,
      };
      watch.observer.observe(surface);
      this.sizeWatch = watch;
    }
    this.askWindowSize(surface);
  }

  /** The session area's size, in device pixels with highDpi (from its exact box: clientHeight may round a half pixel up). */
  private askWindowSize(surface: HTMLElement): void {
    const ratio = this.ratio();
    if (ratio === 1) return this.askSize(surface.clientWidth, surface.clientHeight);
    const box = surface.getBoundingClientRect();
    this.askSize(devicePixels(box.width, ratio), devicePixels(box.height, ratio));
  }

  /** Device pixels per CSS pixel for this connection now (1: CSS pixels, as without the option). */
  private ratio(): number {
    return pixelRatio(this.highDpi);
  }

  /**
   * "Optimise for high-resolution displays" (devicePixels.ts): where the display has more than one device pixel per
   * CSS pixel, the guest is asked for the window's size in device pixels ("Fit the window", askWindowSize) and the
   * canvas is shown at its pixel size / ratio (applyScaling), so one remote pixel is one device pixel. Our pointer
   * input reads mouse events, which carry whole CSS pixels: each is given the pointer event's fraction, so a click
   * reaches every remote pixel (desktopPoint). A change of ratio (another screen, zoom) is followed.
   */
  private useDevicePixels(surface: HTMLElement, screen: HTMLElement): void {
    // The server's cursor, which spice-html5's cursor channel sets on the screen element in remote pixels (deviceCursor.ts).
    const cursor = showCursorInDevicePixels(screen, () => this.ratio());
    const stopWatching = watchDevicePixelRatio(() => {
      if (this.ended) return;
      this.applyScaling();
      this.followWindowSize();
      cursor.refresh();
    });
    const stopPointer = keepFractionalPointer(surface, () => this.ratio() !== 1);
    this.stopDevicePixels = () => {
      stopWatching();
      stopPointer();
      cursor.stop();
    };
  }

  private askSize(width: number, height: number): void {
    if (!this.agentSizes || !this.main || this.ended || width <= 0 || height <= 0) return;
    // Widths in eights, as video drivers (QXL's among them) lay out their lines.
    const size = { width: Math.max(MIN_DESKTOP.width, Math.floor(width / 8) * 8), height: Math.max(MIN_DESKTOP.height, Math.floor(height / 2) * 2) };
    if (this.sizeAsked?.width === size.width && this.sizeAsked.height === size.height) return;
    this.sizeAsked = size;
    this.sendToAgent(AgentMessage.MONITORS_CONFIG, monitorsConfigMessage(size.width, size.height));
  }

  /** Files copied to the guest through its agent (virt-viewer's drag and drop); with no agent, the user is told why not. */
  sendFiles(files: File[]): void {
    if (this.ended || files.length === 0) return;
    if (!this.params?.info.redirection.fileTransfer) {
      this.events.emit('warning', FILES_FORBIDDEN);
      return;
    }
    if (!this.clipboard.announced) {
      this.events.emit('warning', `Files cannot be copied: ${NO_GUEST_AGENT}.`);
      return;
    }
    for (const file of files) this.files.start(file, file.name);
  }

  /** Text copied locally goes to the remote clipboard through the guest agent; with none, the user is told once. */
  pasteText(text: string): void {
    if (this.ended || !this.params?.info.redirection.clipboardToRemote) return;
    this.clipboard.localText(text);
    if (!this.clipboard.ready) this.checkAgentLater();
  }

  /** After signing in: no agent by the end of its grace time is said (the view greys out what needs one). */
  private reportAgentLater(): void {
    if (this.agentPresenceTimer) clearTimeout(this.agentPresenceTimer);
    this.agentPresenceTimer = setTimeout(() => {
      this.agentPresenceTimer = null;
      if (!this.ended && !this.clipboard.announced) this.events.emit('guestAgent', false);
    }, AGENT_GRACE_MS);
  }

  /** The agent announces itself just after signing in: only once it has had the time is its absence said. */
  private checkAgentLater(): void {
    if (this.agentTimer || this.agentWarned) return;
    const waited = this.connected ? performance.now() - this.connectedAt : 0;
    this.agentTimer = setTimeout(() => {
      this.agentTimer = null;
      if (this.ended || this.clipboard.ready) return;
      if (!this.connected) return this.checkAgentLater();
      this.agentWarned = true;
      this.events.emit(
        'warning',
        this.clipboard.announced
          ? "The clipboard is not shared: the remote computer's SPICE guest agent is too old to share it."
          : `The clipboard is not shared: ${NO_GUEST_AGENT}.`,
      );
    }, Math.max(0, AGENT_GRACE_MS - waited));
  }

  focus(): void {
    this.input?.canvas.focus({ preventScroll: true });
  }

  canvas(): HTMLCanvasElement | null {
    return this.input?.canvas ?? this.screen?.querySelector('canvas') ?? null;
  }
}
