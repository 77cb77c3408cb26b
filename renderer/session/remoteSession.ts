// The one session interface every protocol adapter implements
// (ARCHITECTURE.md, "Renderer: one session interface"). The session view,
// toolbar, kiosk screens and tests know only this, never RDP, VNC or SPICE.
import type { CreateSessionResponse, PointerImage, SessionState } from '../../shared/api/contract';
import type { ErrorCode } from '../../shared/errors/errorCodes';
import type { ScalingMode, VncQuality } from '../../shared/profiles/profileSchema';

export interface DisconnectInfo {
  /** The reason, if the protocol library knows it for sure (e.g. the server refused the password). */
  code: ErrorCode | null;
  /** The server's or library's own words, shown under our message. */
  detail?: string;
  /** Said to the user under the message (not folded away as `detail` is). */
  note?: string;
}

export interface SessionEvents {
  state: SessionState;
  disconnected: DisconnectInfo;
  /** Text the remote side put on its clipboard. */
  clipboard: string;
  /** `knownUsername`: the user name the connection has, offered in the prompt to be kept or changed (RDP). */
  credentialsRequired: { username: boolean; password: boolean; knownUsername?: string };
  /** One completed screen update drawn on the canvas (for the frames/s readout). */
  frame: undefined;
  /** Bytes received from the remote side through the bridge. */
  bytes: number;
  /** Something the user should know that does not end the session (e.g. an unrenderable picture). */
  warning: string;
  /** How far the server is, timed while connecting, and how the adapter fetches pictures from it (shown with the stats). */
  link: LinkInfo;
  /** A file being copied to the remote computer (sendFiles) or from it (saveRemoteFile), as it goes. */
  transfer: FileTransferUpdate;
  /** RDP: the files the remote computer's clipboard now offers (copied there); empty once it holds something else. */
  remoteFiles: RemoteFile[];
  /**
   * SPICE: whether the remote computer's guest agent is there (the clipboard, files and the desktop's size go
   * through it): said once it has had the time to announce itself after signing in, and again as it comes or goes.
   */
  guestAgent: boolean;
}

/** SPICE: what is said where the remote computer has no guest agent, which its clipboard and files need. */
export const NO_GUEST_AGENT = 'the remote computer has no SPICE guest agent running (spice-vdagent on Linux, the SPICE Guest Tools on Windows)';

export interface FileTransferUpdate {
  id: number;
  name: string;
  size: number;
  sent: number;
  state: 'waiting' | 'sending' | 'done' | 'failed';
  /** Absent: to the remote computer. */
  direction?: 'to-remote' | 'from-remote';
  /** Why it failed; while waiting, what it waits for (in a user's words). */
  detail?: string;
}

/** A file copied on the remote computer that this one may save (saveRemoteFile). */
export interface RemoteFile {
  /** What saveRemoteFile takes. */
  index: number;
  name: string;
  /** The folders it is in, within what was copied ("docs/images"), if any. */
  folder?: string;
  size: number;
}

export interface LinkInfo {
  /** The shortest round trip to the server measured while connecting (ms). */
  roundTripMs: number;
  /** What the adapter chose for that distance, in a user's words. */
  updates: string;
}

export interface ConnectParams {
  surface: HTMLElement;
  info: CreateSessionResponse;
  /** ws://127.0.0.1:PORT */
  wsOrigin: string;
  password: string | null;
  /** The user name typed with `password` at a prompt that asked for one (RDP, VNC's Plain), in place of the connection's. */
  username?: string;
  /** Who warmed the adapter up for this connect (preloadSessionAdapter's `owner`): what it prepared is this session's. */
  warmUpOwner?: object;
}

export interface RemoteSession {
  /** Whether the adapter reports 'frame' events; otherwise the readout counts the frames the gateway saw acknowledged (RDP), or shows "–" frames/s. */
  readonly countsFrames: boolean;
  connect(params: ConnectParams): void;
  /** Ends the session at the user's request: reported as 'user-ended', never as a failure. */
  disconnect(): void;
  sendCredentials(credentials: { username?: string; password: string }): void;
  sendCtrlAltDel(): void;
  /** Presses the keys (physical keys, KeyboardEvent.code) in order and releases them in reverse: "Send keys" (keyCombos.ts). */
  sendKeys(codes: readonly string[]): void;
  setScaling(mode: ScalingMode): void;
  /** VNC only: the picture-quality preset, changed while connected too. */
  setPictureQuality?(quality: VncQuality): void;
  /** Puts text on the remote clipboard. */
  pasteText(text: string): void;
  /**
   * Copies files to the remote computer; progress comes as 'transfer' events.
   * SPICE: its guest agent saves them. RDP: they go on the remote clipboard and
   * are copied when pasted there.
   */
  sendFiles?(files: File[]): void;
  /** RDP: copies what was dropped on the desktop, folders and what is in them included (called during the drop event). */
  sendDrop?(event: DragEvent): void;
  /** RDP: copies one of the files the remote clipboard offers ('remoteFiles') to this computer; progress comes as 'transfer' events. */
  saveRemoteFile?(index: number): Promise<{ name: string; blob: Blob }>;
  focus(): void;
  /** The round trip to the server the gateway timed while connecting (RDP); the adapter reports it as a 'link' event. */
  gatewayRoundTrip?(roundTripMs: number): void;
  /** RDP: milliseconds since the session last asked the server for a new desktop size (null: never). See reconnectPolicy's endedInResize. */
  msSinceResize?(): number | null;
  /** RDP: the gateway has nothing more to check of the sign-in (ControlEvent 'signIn'); the session says "Connected" only after it. */
  signInChecked?(): void;
  /** RDP: the server has opened its clipboard, and whether it copies files (the gateway read its capabilities). */
  remoteClipboardOpened?(remote: { files: boolean }): void;
  /** RDP: the server set its pointer's shape (ControlEvent 'pointer', read by the gateway); the session shows it. */
  remotePointer?(shape: 'hidden' | 'default' | 'image', image?: PointerImage): void;
  /** The canvas showing the remote desktop (tests and the benchmark read it). */
  canvas(): HTMLCanvasElement | null;
  on<K extends keyof SessionEvents>(event: K, listener: (value: SessionEvents[K]) => void): () => void;
}

/** A small typed event emitter for adapters. */
export class SessionEmitter {
  private readonly listeners = new Map<keyof SessionEvents, Set<(value: never) => void>>();

  on<K extends keyof SessionEvents>(event: K, listener: (value: SessionEvents[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (value: never) => void);
    return () => set?.delete(listener as (value: never) => void);
  }

  emit<K extends keyof SessionEvents>(event: K, value: SessionEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (v: SessionEvents[K]) => void)(value);
  }
}

/** Said where the policy (policySchema.ts `allowFileTransfer`) keeps files from remote computers. */
export const FILES_FORBIDDEN = 'Files cannot be copied: your organisation does not allow copying files to remote computers.';

/** RDP: the server has not opened its clipboard (yet, or ever: freerdp-shadow's has none). */
export const FILES_NO_REMOTE_CLIPBOARD = 'Files cannot be copied to this remote computer: it has not shared its clipboard, which files go through.';
/** RDP: the server's clipboard copies text only (its capabilities do not include files). */
export const FILES_UNSUPPORTED_REMOTE = 'Files cannot be copied to this remote computer: its clipboard takes text only.';
/** RDP copies files through the clipboard: said where a file is dropped on a desktop whose clipboard goes no further (policy or the connection's own setting). */
export const FILES_NEED_CLIPBOARD = 'Files cannot be copied to this remote computer: they go through the clipboard, which is not shared that way with it.';

/** RDP: the server has not opened its clipboard (its Monitor Ready has not come; freerdp-shadow's never does). */
export const RDP_CLIPBOARD_NOT_OPENED = 'The remote computer has not shared its clipboard (yet): nothing copied here or there crosses until it does.';
