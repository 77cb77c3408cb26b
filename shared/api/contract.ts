// The control API between the renderer and the gateway, declared once.
// HTTP JSON under /api, WebSockets under /ws; all on 127.0.0.1 only, all
// behind the session cookie (see ARCHITECTURE.md).
import type { ErrorCode, WarningCode } from '../errors/errorCodes';
import type { Profile, ProfileDraftInput, FieldErrors, Protocol } from '../profiles/profileSchema';
import type { PolicySummary, OpenableField, SessionEndAction, SessionRedirection } from '../policy/policySchema';
import type { LibrarySort } from '../profiles/libraryOrder';

/** Name of the HttpOnly cookie the start code is traded for. */
export const SESSION_COOKIE = 'deskbridge_session';
/**
 * Header (lower case, as Node reads it) carrying the window key on every API call. The start address's answer
 * hands the key to the window in the page itself (a meta element, WINDOW_KEY_META), never in an address; the page
 * moves it to its sessionStorage.
 */
export const WINDOW_KEY_HEADER = 'x-deskbridge-key';
/** Name of the meta element the start address's page carries the window key in. */
export const WINDOW_KEY_META = 'deskbridge-window-key';
/**
 * A file the renderer's build writes beside index.html: `{ "styleSrc": ["'sha256-…'", …] }`, the hashes of the only
 * inline `<style>` elements the gateway's CSP lets the page apply (IronRDP's components': vite.config.ts).
 */
export const CSP_STYLES_FILE = 'csp-styles.json';
/** Path that trades a start code (?code=) for the cookie and a window key: the app's page, with the key in it. */
export const START_PATH = '/start';

export const API = {
  state: '/api/state',
  profiles: '/api/profiles',
  /** PUT SaveProfileRequest → ProfileView; DELETE → DeletedProfile (put back with API.restore while that says). */
  profile: (id: string) => `/api/profiles/${encodeURIComponent(id)}`,
  duplicate: (id: string) => `/api/profiles/${encodeURIComponent(id)}/duplicate`,
  password: (id: string) => `/api/profiles/${encodeURIComponent(id)}/password`,
  /**
   * POST → ProfileView: a deleted connection put back as it was, saved password included, while its delete's
   * DeletedProfile.undoableForMs lasts; 404 not-found once it has passed. A failure that may pass says for how long
   * Undo may try again (RestoreErrorBody).
   */
  restore: (id: string) => `/api/profiles/${encodeURIComponent(id)}/restore`,
  /** POST ConsentRequest → ProfileView: a connection opened from a file outside the app may connect (AppState.autoConnectConsent). */
  consent: (id: string) => `/api/profiles/${encodeURIComponent(id)}/consent`,
  sessions: '/api/sessions',
  /** POST { fileName, contentBase64, mode: 'save' | 'open' } → { profile, notes }. */
  importFile: '/api/import',
  exportFile: (id: string, format: 'rdp' | 'remmina') => `/api/profiles/${encodeURIComponent(id)}/export?format=${format}`,
  /** Kiosk mode's "quit" session-end action: the app exits (so a wrapper can log the thin client off). */
  quit: '/api/app/quit',
  /** PUT LibrarySortRequest → 204: the library's sort, kept for the next start (AppState.librarySort). */
  librarySort: '/api/library/sort',
  session: (id: string) => `/api/sessions/${encodeURIComponent(id)}`,
} as const;

/** How long the gateway keeps a deleted connection for API.restore, unless told otherwise (tests shorten it). */
export const UNDO_DELETE_MS = 60_000;

/** DELETE API.profile(id)'s answer. */
export interface DeletedProfile {
  /**
   * For how long from this answer the gateway can put the connection back (API.restore), in milliseconds; 0 when
   * its delete is final. The page offers Undo for a little less, never longer: its Undo never meets "not found".
   */
  undoableForMs: number;
}

export const WS = {
  /** Byte relay to the ticket's target. Query: ticket, target ("host:port"). */
  relay: '/ws/relay',
  /** Per-session control channel. Query: session. */
  control: '/ws/control',
  /** RDCleanPath endpoint for IronRDP. Query: session. */
  rdcleanpath: '/ws/rdcleanpath',
} as const;

export type SecretsBackend = 'keychain' | 'file';

export interface AppState {
  version: string;
  shell: 'electron' | 'browser';
  secrets: {
    backend: SecretsBackend;
    /** Plain words for the UI, e.g. "Passwords are kept in the system keychain (Secret Service)." */
    description: string;
    /** True when the backend is the weaker encrypted-file fallback. */
    weaker: boolean;
    /**
     * True where saved passwords can be neither read nor saved (the encrypted file's key damaged or unreadable; the
     * notices say so, and what to do): connections ask for their password, and nothing offers to remember it.
     */
    unusable?: true;
  };
  /** Something the user must be told at start, e.g. a corrupt profiles file was set aside. */
  notices: string[];
  /** Profile to open at start (from --connect, the kiosk profile, or a file given on the command line). */
  autoConnectProfileId: string | null;
  /** That profile itself: a file opened once is not in the saved list. */
  autoConnectProfile: ProfileView | null;
  /**
   * Set when that profile is an .rdp or .remmina file opened from outside the app: it connects only once the user
   * has said yes (POST API.consent), as mstsc asks since April 2026; what the file asks to share is off until ticked.
   */
  autoConnectConsent: OpenedFileConsent | null;
  /** The effective policy, as far as the UI needs it (hide what is forbidden, show problems). */
  policy: PolicySummary;
  /** Defaults IT set for new profiles. */
  profileDefaults: Partial<ProfileDraftInput>;
  /** Kiosk mode (policy or --kiosk): one full-screen session, nothing else. */
  kiosk: { enabled: boolean; onSessionEnd: SessionEndAction };
  /** The library's sort as the user chose it last (API.librarySort), 'name' until then. */
  librarySort: LibrarySort;
}

export interface LibrarySortRequest {
  sort: LibrarySort;
}

/** A profile as the API returns it: never a password, only whether one is saved. */
export interface ProfileView extends Profile {
  hasSavedPassword: boolean;
  /** Set for profiles IT ships: read-only but for the open fields. */
  managed: { openFields: OpenableField[] } | null;
}

/** A connection from a file opened from outside the app, waiting for the user's yes: the file, and what it asks to share. */
export interface OpenedFileConsent {
  fileName: string;
  format: string;
  /** The file asks for the clipboard to be shared (and policy allows some of it): a choice shown unticked. */
  clipboardRequested: boolean;
  /**
   * The file asks to start in full screen (an .rdp's screen mode id:i:2, which mstsc writes in every file it saves; a
   * .remmina's full-screen view modes): a choice shown unticked, since a stranger's server filling the screen (the
   * keyboard held) could draw a lock screen or a password dialog of its own.
   */
  fullscreenRequested: boolean;
}

/** POST API.consent(id): the user's yes to a connection opened from a file; the clipboard only if the file asked for it. */
export interface ConsentRequest {
  shareClipboard: boolean;
  /**
   * The file's start program (an .rdp's alternate shell, a .remmina's exec: ProfileView.startProgram) is run in place
   * of the desktop only if the user ticked it: unticked (or absent), the connection goes to the desktop.
   */
  runStartProgram?: boolean;
  /** Start in full screen, only if the file asked for it and the user ticked it: unticked (or absent), in the window. */
  fullscreen?: boolean;
}

export interface SaveProfileRequest {
  profile: ProfileDraftInput;
  /** Set to store (or replace) the saved password; empty string removes it. Omit to keep it. */
  password?: string;
}

export interface ValidationErrorBody {
  error: 'validation';
  message: string;
  fields: FieldErrors;
}

export interface ApiErrorBody {
  error: string;
  message: string;
}

/** API.restore's answer when it fails. */
export interface RestoreErrorBody extends ApiErrorBody {
  /**
   * Only where the connection is still deleted and kept, and the cause may pass (a data folder that would not take
   * the file, a keychain not answering, another window still saving): for how long Undo may try again, in ms.
   */
  undoableForMs?: number;
}

export interface SavePasswordRequest {
  password: string;
}

export interface CreateSessionRequest {
  profileId: string;
  /** The user's answer to a certificate prompt: trust this fingerprint once, or always (pinned to the profile). */
  acceptCertificate?: { fingerprintSha256: string; remember: boolean };
  /** The saved password was refused at the last attempt: sign in without it, so the user is asked (as mstsc and Remmina do). */
  withoutSavedPassword?: boolean;
  /** RDP: the layout the page recognised on this computer (a tag of keyboardLayouts.ts), for a profile whose layout is "local". */
  localKeyboardLayout?: string;
}

/** Who a TLS server claims to be, shown before the user trusts it. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-256 of the DER certificate, as colon-separated upper-case hex. */
  fingerprintSha256: string;
  subjectAltName: string | null;
  selfSigned: boolean;
}

/** Body of a 409 from POST /api/sessions: the user must decide about the certificate first. */
export interface CertificatePromptBody {
  error: 'certificate-untrusted' | 'certificate-changed';
  message: string;
  /** Why verification failed, in plain words. */
  reason: string;
  certificate: CertificateInfo;
  /** The fingerprint pinned before, for a change. */
  previousFingerprint: string | null;
  host: string;
}

/** What the RDP adapter hands to IronRDP. The ticket goes in RDCleanPath's proxy_auth, never in a URL. */
export interface RdpConnectInfo {
  /** Path of the RDCleanPath WebSocket, e.g. "/ws/rdcleanpath?session=…". */
  proxyPath: string;
  authToken: string;
  /** "host:port", which must equal the ticket's target. */
  destination: string;
  username: string;
  domain: string;
  security: 'negotiate' | 'nla' | 'tls';
}

export interface CreateSessionResponse {
  sessionId: string;
  protocol: Protocol;
  /** Path and query of the relay WebSocket, e.g. "/ws/relay?ticket=…&target=…". */
  relayPath: string;
  /** Path and query of the control WebSocket. */
  controlPath: string;
  /** False when bytes cross the network unencrypted (plain VNC and SPICE). */
  encrypted: boolean;
  /**
   * RDP: the saved password, if any, handed to the protocol library for its
   * own sign-in (CredSSP). Always null for VNC: the gateway signs in with it,
   * or, for a server it cannot sign in to, gives it on the relay.
   */
  savedPassword: string | null;
  profile: ProfileView;
  /** What the policy lets this session carry besides the desktop (clipboard, files); the page offers only that, and the gateway enforces it where the protocol lets it. */
  redirection: SessionRedirection;
  /** For RDP sessions only. */
  rdp?: RdpConnectInfo;
}

export type SessionState =
  | 'connecting'
  | 'securing'
  | 'authenticating'
  | 'connected'
  | 'reconnecting'
  | 'disconnected';

/** Messages on the control channel, gateway to renderer. */
export type ControlEvent =
  | { type: 'state'; state: SessionState }
  /**
   * RDP: the gateway has seen the connection sequence end and has nothing more to check of the sign-in: `signed-in`,
   * the server drew the session after an auto-logon (xrdp says a refused password only by drawing its own window);
   * `not-checked`, nothing to tell (NLA signed in before; no auto-logon); `undecided`, nothing telling was drawn in
   * time. The page says "Connected" only after this, so a password xrdp refuses never shows as connected.
   */
  | { type: 'signIn'; outcome: 'signed-in' | 'not-checked' | 'undecided' }
  /** `prompt`: a certificate the user is to decide about (VNC's VeNCrypt X509, found while signing in), as RDP's 409 answer carries it. */
  | { type: 'error'; code: ErrorCode; message: string; detail?: string; prompt?: CertificatePromptBody }
  /** The session goes on, but the user should know (shown in the session view, not as a failure). */
  | { type: 'warning'; code: WarningCode; message: string; detail?: string }
  /** Once a second while bridged. `framesDrawn`: RDP frames the client has acknowledged so far (MS-RDPRFX Frame Acknowledge: drawn), 0 elsewhere. */
  | { type: 'stats'; bytesFromHost: number; bytesToHost: number; framesDrawn: number; at: number }
  /** The round trip to the server the gateway timed while connecting to it (RDP: the X.224 Connection Request to its Confirm; ms). */
  | { type: 'link'; roundTripMs: number }
  /**
   * The remote computer has opened its clipboard (RDP: its Monitor Ready), and
   * what it can do: `files`, it takes and offers files (its Clipboard
   * Capabilities). Never sent where the server opens no clipboard.
   */
  | { type: 'remoteClipboard'; files: boolean }
  /**
   * RDP: the remote pointer's shape, as the server last set it, for the page to show on the session's canvas (the
   * IronRDP build we ship drops it: electron/gateway/bridges/rdp/serverPointer.ts). `image` for `shape: 'image'`:
   * its pixels as RGBA, top row first, in base64, and its hotspot, in remote pixels.
   */
  | { type: 'pointer'; shape: 'hidden' | 'default' | 'image'; image?: PointerImage }
  /** How the connection to the server turned out to be protected, where that is known only once connected (VNC's VeNCrypt TLS); overrides the answer's `encrypted`. */
  | SessionSecurity;

/**
 * The largest pointer image the page shows, wide or high: Chromium shows no larger CSS cursor (a larger one falls
 * back to the default). The gateway sends none larger (bridges/rdp/pointerScaling.ts), where a server's may be 384.
 */
export const POINTER_IMAGE_MAX_SIDE = 128;

export interface PointerImage {
  width: number;
  height: number;
  hotspotX: number;
  hotspotY: number;
  /** RGBA, top row first, in base64; at most POINTER_IMAGE_MAX_SIDE pixels each way. */
  rgba: string;
}

export interface SessionSecurity {
  type: 'security';
  encrypted: boolean;
  /** The server's identity was checked (a certificate); false for anonymous TLS. */
  verified: boolean;
  /** What protects it, for people who ask: "VeNCrypt TLSVnc". */
  method: string;
}
