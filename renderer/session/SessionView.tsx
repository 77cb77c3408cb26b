// One open session: the remote desktop, its toolbar, state, stats and the
// prompts it may need (password, certificate). Protocol-agnostic: it talks to
// a RemoteSession and to the gateway's control channel only.
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { API, type CertificatePromptBody, type ControlEvent, type CreateSessionResponse, type ProfileView, type SessionSecurity, type SessionState } from '../../shared/api/contract';
import { messageFor, isErrorCode, type ErrorCode } from '../../shared/errors/errorCodes';
import type { ScalingMode, VncQuality } from '../../shared/profiles/profileSchema';
import { VncQualityOptions } from '../profiles/VncQualityOptions';
import { api, ApiError, wsOrigin } from '../app/api';
import { DEFAULT_RECONNECT, DESKTOP_RECONNECT_ATTEMPTS, endedInResize, reconnectDelay, reconnectsExhausted, shouldReconnect } from '../../shared/session/reconnectPolicy';
import type { SessionEndAction } from '../../shared/policy/policySchema';
import { abandonSessionAdapterWarmUp, createRemoteSession, preloadSessionAdapter, UnsupportedProtocolError } from './createRemoteSession';
import { KEY_COMBOS } from './keyCombos';
import { NO_GUEST_AGENT, RDP_CLIPBOARD_NOT_OPENED, type FileTransferUpdate, type LinkInfo, type RemoteFile, type RemoteSession } from './remoteSession';
import { CertificateDialog } from './CertificateDialog';
import { PasswordDialog } from './PasswordDialog';
import { connectionAccount, typedUsernameToKeep } from './typedSignIn';
import { localKeyboardLayout } from './localKeyboardLayout';
import { failureWords, KIOSK_RETRIES_ALONE, RETRY_CANNOT_HELP } from './failureWords';

const STATE_LABELS: Record<SessionState, string> = {
  connecting: 'Connecting…',
  securing: 'Securing…',
  authenticating: 'Authenticating…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

/** How long to wait for the gateway's reason after the library says only "disconnected". */
const REASON_GRACE_MS = 1000;
/** How long after a session is opened the library is asked to show it under Recent. */
const RECENT_AFTER_MS = 1000;

interface Failure {
  code: ErrorCode;
  /** Technical evidence (the server's words, a socket error): under "Details". */
  detail?: string;
  /** Said to the user under the message. */
  note?: string;
  /** A certificate for the user to decide about, found while signing in (VNC's VeNCrypt X509): asked, not shown as a failure. */
  prompt?: CertificatePromptBody;
  /** Said in place of the code's message, where the view knows more than the code (a desktop that worked, then went). */
  message?: string;
}

export interface SessionViewProps {
  profile: ProfileView;
  active: boolean;
  passwordSavingAllowed: boolean;
  /** Kiosk: no way out, credentials forgotten when the session ends, the end action below. */
  kiosk?: { onSessionEnd: SessionEndAction } | null;
  reconnectMaxDelayMs?: number;
  onStateChange?: (state: SessionState) => void;
  onClose: () => void;
  onProfileChanged?: () => void;
  /** Bumped when the user picks this tab (pointer, Enter or Space): the desktop takes the keys, as in native clients. */
  focusRequest?: number;
}

/**
 * What a user can do once a session has ended: try again, or close the tab (not in kiosk mode). The first takes the
 * focus as the overlay appears (`focus`, in the tab shown), as a dialog's does: the button that had it (Disconnect,
 * the desktop) is gone, and the keys would otherwise go nowhere.
 */
function EndActions({ again, onAgain, onClose, focus }: { again: string | null; onAgain: () => void; onClose: (() => void) | null; focus: boolean }) {
  return (
    <div className="actions">
      {again && (
        <button type="button" autoFocus={focus} onClick={onAgain}>
          {again}
        </button>
      )}
      {onClose && (
        <button type="button" autoFocus={focus && !again} onClick={onClose}>
          Close
        </button>
      )}
    </div>
  );
}

/** What the clipboard panel says, by what the policy lets through (policySchema.ts `clipboard`). */
/** A file's size as a file manager shows it. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

function clipboardHint(toRemote: boolean, toLocal: boolean): string {
  if (toRemote && toLocal) return 'Text copied on the remote computer appears here. Edit it and send it to put it on the remote clipboard.';
  if (toRemote) return 'Your organisation allows copying text only to the remote computer: send text from here, or paste what you copied on this computer. Text copied there stays there.';
  if (toLocal) return 'Your organisation allows copying text only from the remote computer: what you copy there appears here. Text copied on this computer cannot be pasted there.';
  return 'Your organisation does not allow the clipboard to be shared with remote computers.';
}

/** The page's permission to read the clipboard; 'prompt' where the browser cannot say (it asks on each read). */
async function clipboardReadPermission(): Promise<'granted' | 'denied' | 'prompt'> {
  try {
    return (await navigator.permissions.query({ name: 'clipboard-read' as PermissionName })).state;
  } catch {
    return 'prompt';
  }
}

function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1e6) return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
  if (bytesPerSecond >= 1e3) return `${(bytesPerSecond / 1e3).toFixed(0)} kB/s`;
  return `${Math.round(bytesPerSecond)} B/s`;
}

/** What the gateway counted for a session (bytes both ways, RDP frames drawn), at a time: its `stats` control event. */
interface GatewayCount {
  bytes: number;
  frames: number;
  at: number;
}

/** The stats readout's tooltip: how far the server is and how pictures come from it. */
function describeLink(link: LinkInfo): string {
  // Tenths below 100 ms, so a round trip just past the 10 ms limit does not read as 10.
  const ms = link.roundTripMs < 100 ? link.roundTripMs.toFixed(1) : Math.round(link.roundTripMs).toString();
  return `Round trip to the server ${ms} ms (timed while connecting): ${link.updates}.`;
}

/** Failures that need a person: shown with their reason, never retried or acted on automatically. */
/**
 * Why the last try failed, said to someone whose session worked a moment ago: the first connection's advice
 * ("check the host and port") does not fit a host and port that just worked.
 */
const RECONNECT_WORDS: Partial<Record<ErrorCode, string>> = {
  'host-refused': 'The remote computer is not taking connections yet (it may be restarting).',
  'host-unreachable': 'The remote computer cannot be reached yet (the network, or the computer itself, is not back).',
  'no-greeting': 'The remote computer does not answer yet.',
  'host-not-found': 'The remote computer\u2019s name ({host}) cannot be looked up yet (the network is not back).',
};

/**
 * What the gateway's refusal names that the user (or IT) needs beside its message: the certificate the server
 * showed instead of the pinned one (a changed server, or a machine in between), or the features a connection
 * needs that DeskBridge lacks.
 */
export function refusalNote(code: ErrorCode, body: Record<string, unknown> | undefined): string | null {
  if (code === 'certificate-policy-mismatch' || code === 'certificate-unverified' || code === 'certificate-not-as-named' || code === 'certificate-changed') {
    const shown = body?.certificate as { fingerprintSha256?: unknown; subject?: unknown; issuer?: unknown } | undefined;
    const why = typeof body?.reason === 'string' ? ` Why it is not trusted: ${body.reason}.` : '';
    const who = shown && typeof shown.subject === 'string' && typeof shown.issuer === 'string' ? ` (${shown.subject}, issued by ${shown.issuer})` : '';
    if (shown && typeof shown === 'object' && 'fingerprintSha256' in shown) return `The certificate it showed${who} has the SHA-256 fingerprint ${String(shown.fingerprintSha256)}.${why}`;
  }
  if (code === 'feature-unsupported' && Array.isArray(body?.features) && body.features.length > 0) return `It needs: ${body.features.join('; ')}.`;
  // The label holds the program as the old import wrote it (cut at 200 characters): what to type again.
  if (code === 'start-program-unread' && Array.isArray(body?.features) && body.features.length > 0) {
    return `The file asked for: ${body.features.join('; ')}.${typeof body.reason === 'string' ? ` ${body.reason}` : ''}`;
  }
  return null;
}

/** What the session says when "Remember password" could not save the password: the gateway's reason, and what happens now. */
export function passwordNotRemembered(error: unknown): string {
  const why = error instanceof ApiError ? error.message : `The password could not be saved (${error instanceof Error ? error.message : String(error)}).`;
  return `${why} The session goes on with the password you typed; it is not remembered.`;
}

/**
 * A certificate the gateway does not trust, where this tab's user trusted another one once: for the user that is
 * a change (a server replaced, or someone in between), said as loudly as for a pinned one, not as a first meeting.
 */
export function againstTrustedOnce(prompt: CertificatePromptBody, trustedOnce: string | null): CertificatePromptBody {
  if (prompt.error !== 'certificate-untrusted' || trustedOnce === null || trustedOnce === prompt.certificate.fingerprintSha256) return prompt;
  return { ...prompt, error: 'certificate-changed', previousFingerprint: trustedOnce, message: 'The server\u2019s certificate is not the one you trusted for this session. Connect only if your administrator expected this.' };
}

/** How long a first attempt goes before it says "Connecting to …" (a quick connect shows nothing). */
const CONNECTING_SHOWN_AFTER_MS = 600;

/**
 * Sign-ins the server refused for what was typed or saved: asked again at once, saying so (as mstsc and Remmina do),
 * rather than ending on Reconnect. Each new try is the user's Sign in; Cancel ends on the refusal.
 */
const REFUSED_SIGN_IN: Partial<Record<ErrorCode, string>> = {
  'auth-failed': 'The password was not accepted. Try again.',
  'wrong-credentials': 'The user name or password was not accepted. Try again.',
  'sign-in-failed': 'The sign-in was not accepted. Check the user name and password, and try again.',
};

/** Said when a desktop that was shown stopped answering and the reconnects gave up: it worked, so the settings are not the first suspect. */
const STOPPED_ANSWERING = 'The remote computer stopped answering (it may be restarting, or its remote desktop service stopped).';

/** Ten times the policy's cap on the pause between reconnect attempts (40 s by default), and at least 10 s. */
export function kioskRetryAloneMs(reconnectMaxDelayMs: number | undefined): number {
  return Math.max(10_000, 10 * (reconnectMaxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs));
}

const NEEDS_A_PERSON = new Set<ErrorCode>(['auth-failed', 'wrong-credentials', 'sign-in-failed', 'account-locked', 'account-expired', 'access-denied', 'certificate-changed', 'certificate-untrusted', 'certificate-rejected', 'certificate-policy-mismatch', 'certificate-unverified', 'certificate-not-as-named', 'nla-required', 'tls-required', 'legacy-security', 'auth-cancelled']);

/** The "Send keys" entry for Ctrl+Alt+Del (the session's own secure-attention call, not a key combination). */
const CTRL_ALT_DEL = 'ctrl-alt-del';

export function SessionView({ profile, active, passwordSavingAllowed, kiosk = null, reconnectMaxDelayMs, onStateChange, onClose, onProfileChanged, focusRequest = 0 }: SessionViewProps) {
  const surfaceRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const inKiosk = kiosk !== null;
  const sessionRef = useRef<RemoteSession | null>(null);
  const controlRef = useRef<WebSocket | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<SessionState>('connecting');
  const [failure, setFailure] = useState<Failure | null>(null);
  /** This session's view fills the screen: its button then says how to leave. */
  const [inFullscreen, setInFullscreen] = useState(false);
  const [certificate, setCertificate] = useState<CertificatePromptBody | null>(null);
  const [acceptCertificate, setAcceptCertificate] = useState<{ fingerprintSha256: string; remember: boolean } | null>(null);
  /** The certificate this tab's user trusted once (not pinned): another one on a reconnect is a change. */
  const trustedOnceRef = useRef<string | null>(null);
  /** `refused`: asked again after the server refused the last sign-in (no session waits for the answer: it starts the next). */
  const [passwordPrompt, setPasswordPrompt] = useState<{ username: boolean; knownUsername?: string; typedUsername?: string; refused?: Failure } | null>(null);
  /** What the last sign-in asked for (a user name too, and which), so a refused one is asked again the same way. */
  const signInAskedRef = useRef<{ username: boolean; knownUsername?: string }>({ username: false });
  const [info, setInfo] = useState<CreateSessionResponse | null>(null);
  /** How the connection turned out to be protected, where only the gateway's sign-in knows (VNC's VeNCrypt TLS); else the answer's `encrypted`. */
  const [security, setSecurity] = useState<SessionSecurity | null>(null);
  const [scaling, setScaling] = useState<ScalingMode>(profile.scaling);
  /** The toolbar's choice, read when a reconnect builds a new session (it outlives one connection). */
  const scalingRef = useRef<ScalingMode>(profile.scaling);
  scalingRef.current = scaling;
  /** VNC: the toolbar's picture quality, kept across reconnects as scaling is. */
  const [quality, setQuality] = useState<VncQuality>(profile.vncQuality);
  const qualityRef = useRef<VncQuality>(profile.vncQuality);
  qualityRef.current = quality;
  const clipboardId = useId();
  const activeRef = useRef(active);
  activeRef.current = active;
  /** Null until the first full second of this connection has been measured. */
  const [stats, setStats] = useState<{ fps: number | null; bytesPerSecond: number } | null>(null);
  /** What the adapter (VNC) or the gateway (RDP) measured of the link while connecting, null until then. */
  const [link, setLink] = useState<LinkInfo | null>(null);
  const [clipboardOpen, setClipboardOpen] = useState(false);
  const [remoteClipboard, setRemoteClipboard] = useState('');
  const [warning, setWarning] = useState<string | null>(null);
  /** SPICE: files being copied to the remote computer, and those just finished (for a few seconds). */
  const [transfers, setTransfers] = useState<FileTransferUpdate[]>([]);
  const [remoteFiles, setRemoteFiles] = useState<RemoteFile[]>([]);
  /** RDP: the server's clipboard has opened and copies files (the gateway read its capabilities); null until it opens. */
  const [remoteTakesFiles, setRemoteTakesFiles] = useState<boolean | null>(null);
  /** SPICE: whether the guest agent is there (null until the adapter knows), as virt-viewer greys out what needs it. */
  const [guestAgent, setGuestAgent] = useState<boolean | null>(null);
  const fileInputRef = useRef<HTMLInputElement>(null);
  const rememberRef = useRef<string | null>(null);
  /** Why the user ended the session, when it is not plain "Disconnect" (e.g. cancelled sign-in). */
  const endReasonRef = useRef<Failure | null>(null);
  /** The password typed at the prompt: reused when the same session reconnects, never stored. */
  const typedPasswordRef = useRef<string | null>(null);
  /** The user name typed with it, where the prompt asked for one (RDP): signed in with in place of the connection's. */
  const typedUsernameRef = useRef<string | null>(null);
  // The connection's account changed while the tab is open (the user's edit, IT's policy): what was typed for the old
  // one is not sent with the new one on a Reconnect.
  const account = connectionAccount(profile);
  const accountRef = useRef(account);
  if (accountRef.current !== account) {
    accountRef.current = account;
    typedPasswordRef.current = null;
    typedUsernameRef.current = null;
  }
  // This attempt signs in with the saved password (none typed); and whether the server refused it, so the next asks.
  const usesSavedPasswordRef = useRef(false);
  const savedPasswordRefusedRef = useRef(false);
  const wasConnectedRef = useRef(false);
  const retryRef = useRef(0);
  const retryTimerRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** Abandons the attempt in flight (before its library session exists): the user ended it. */
  const abandonAttemptRef = useRef<(() => void) | null>(null);
  /** Names this view's connects to the adapter's warm-up, so another tab's connect never takes or ends what was prepared for this one. */
  const warmUpOwner = useRef<object>({}).current;
  /** `hadDesktop`: the tab showed the desktop before this try (a kiosk at boot has not: it is connecting, not back). */
  // `note`: what the last try's failure adds to its words (the server's own, for a refusal): shown while retrying too.
  const [reconnecting, setReconnecting] = useState<{ attempt: number; reason: ErrorCode | null; note?: string; hadDesktop: boolean } | null>(null);
  const [ending, setEnding] = useState<'launcher' | null>(null);
  const lastSentClipboard = useRef<string | null>(null);
  /**
   * Text copied on the remote computer while this window did not have the focus (a browser writes the clipboard
   * only for a focused page): put on this computer's clipboard when the window comes back, as native clients
   * have it there already, unless something was copied here meanwhile (the later copy wins).
   */
  const remoteCopyWaiting = useRef<string | null>(null);
  /** The local clipboard's text as last read or written here: a different one on return was copied here meanwhile. */
  const lastLocalClipboard = useRef<string | null>(null);
  /**
   * Why the last read of the local clipboard was refused: 'denied', the user (or the browser's settings) said no,
   * so it is not read again until the permission changes; 'prompt', the question was dismissed, so it is asked again
   * only when the user comes back to the window, never every second; null, nothing stops the next read.
   */
  const clipboardRefusal = useRef<'denied' | 'prompt' | null>(null);

  /** What a screen reader calls the desktop, after the connection's name as saved now (a rename while open follows). */
  const desktopLabel = `Remote desktop of ${profile.name}`;
  const desktopLabelRef = useRef(desktopLabel);
  desktopLabelRef.current = desktopLabel;
  /**
   * The element that holds the keys (the adapter's canvas, which some put in place only once their display
   * channel is up) is named as the surface around it, so a screen reader says what has the focus.
   */
  const nameDesktop = () => {
    const held = sessionRef.current?.canvas();
    if (!held) return;
    held.setAttribute('role', 'application');
    if (held.getAttribute('aria-label') !== desktopLabelRef.current) held.setAttribute('aria-label', desktopLabelRef.current);
  };
  useEffect(nameDesktop, [desktopLabel]); // eslint-disable-line react-hooks/exhaustive-deps

  const onStateChangeRef = useRef(onStateChange);
  onStateChangeRef.current = onStateChange;
  const updateState = useCallback((next: SessionState) => {
    setState(next);
    onStateChangeRef.current?.(next);
  }, []);

  // The tab picked with the pointer, or with Enter or Space: keys go to its desktop (picked with the arrow keys, the focus stays on the tabs).
  useEffect(() => {
    if (focusRequest > 0 && activeRef.current && state === 'connected') sessionRef.current?.focus();
  }, [focusRequest]); // eslint-disable-line react-hooks/exhaustive-deps

  // One connection attempt per `attempt`; cleaned up when it changes or the view closes.
  useEffect(() => {
    let cancelled = false;
    let gatewaySessionId: string | null = null;
    abandonAttemptRef.current = () => {
      // Whatever this attempt still does (a gateway answer, a library loading, a late
      // failure) is ignored from now on: a user's "Disconnect" never turns into a retry.
      cancelled = true;
      if (gatewaySessionId) void api('DELETE', API.session(gatewaySessionId)).catch(() => undefined);
    };
    let gatewayError: Failure | null = null;
    let frames = 0;
    let libraryBytes = 0;
    let gatewayCount: GatewayCount | null = null;
    let lastGatewayCount: GatewayCount | null = null;
    const cleanups: (() => void)[] = [];
    setFailure(null);
    setStats(null);
    setLink(null);
    setWarning(null);
    setEnding(null);
    updateState(retryRef.current > 0 ? 'reconnecting' : 'connecting');

    /**
     * The user is asked about the server's certificate (trusted, the next attempt goes on with the answer). Not on a
     * kiosk when it changed: the person at a shared device cannot judge a machine in between, and one "Trust always"
     * would pin it for every later user; that is IT's to decide, as a pinned certificate that does not match is.
     */
    const askAboutCertificate = (prompt: CertificatePromptBody) => {
      const asked = againstTrustedOnce(prompt, trustedOnceRef.current);
      if (kiosk && asked.error === 'certificate-changed') {
        const before = asked.previousFingerprint ? ` The one trusted before has ${asked.previousFingerprint}.` : '';
        showFailure({ code: 'certificate-changed', detail: `The certificate it showed has the SHA-256 fingerprint ${asked.certificate.fingerprintSha256}.${before}` });
        return;
      }
      // The question replaces any "Reconnecting…" under it.
      setReconnecting(null);
      setCertificate(asked);
      updateState('securing');
    };

    const showFailure = (f: Failure) => {
      if (cancelled) return;
      if (f.prompt) {
        // As RDP's certificate question before connecting.
        askAboutCertificate(f.prompt);
        return;
      }
      const decided = f.code === 'user-ended' ? endReasonRef.current : f;
      endReasonRef.current = null;
      // A password the server refused is not tried again.
      if (decided && (decided.code === 'auth-failed' || decided.code === 'wrong-credentials' || decided.code === 'sign-in-failed')) {
        typedPasswordRef.current = null;
        // Nor is a saved one: the next attempt asks the user, who may save the right one.
        if (usesSavedPasswordRef.current) savedPasswordRefusedRef.current = true;
      }
      // A server refusing sign-ins for a while after too many failures: a typed password (perhaps one of them) is
      // not sent again by itself, which could lengthen the wait; a saved one is not blamed.
      if (decided?.code === 'sign-in-blocked') typedPasswordRef.current = null;
      if (decided && f.code !== 'user-ended' && shouldReconnect(decided.code, { wasConnected: wasConnectedRef.current, kiosk: kiosk !== null, attempts: retryRef.current })) {
        scheduleReconnect(decided.code, decided.note);
        return;
      }
      // A desktop that has tried DESKTOP_RECONNECT_ATTEMPTS times says so, and leaves the next try to the user.
      const gaveUp = decided !== null && reconnectsExhausted(decided.code, { kiosk: kiosk !== null, attempts: retryRef.current }) ? retryRef.current : 0;
      const tries = retryRef.current;
      retryRef.current = 0;
      setReconnecting(null);
      updateState('disconnected');
      if (gaveUp && decided) {
        // A desktop that was shown and then went: not the first connection's "check the host and port", which worked.
        const gone = wasConnectedRef.current
          ? { message: STOPPED_ANSWERING, detail: `The last attempt: ${RECONNECT_WORDS[decided.code]?.replace('{host}', profile.host) ?? messageFor(decided.code)}${decided.detail ? ` (${decided.detail})` : ''}` }
          : {};
        setFailure({ ...decided, note: `Stopped after ${gaveUp} attempts to reconnect.`, ...gone });
        return;
      }
      // A refused sign-in is asked again at once (a kiosk keeps its own words and Try again).
      if (!kiosk && decided && REFUSED_SIGN_IN[decided.code]) {
        const asked = signInAskedRef.current;
        // The name typed at the last try is filled in again, but the connection's own stays the one whose password
        // may be remembered (PasswordDialog's typedUsername).
        const typedUsername = asked.username ? typedUsernameRef.current : null;
        setPasswordPrompt({
          username: asked.username,
          ...(asked.knownUsername !== undefined ? { knownUsername: asked.knownUsername } : {}),
          ...(typedUsername !== null ? { typedUsername } : {}),
          refused: decided,
        });
        return;
      }
      if (kiosk) {
        // On a shared kiosk, what was typed for this session goes with it.
        typedPasswordRef.current = null;
        typedUsernameRef.current = null;
        const hadDesktop = wasConnectedRef.current;
        wasConnectedRef.current = false;
        if (!decided || !(NEEDS_A_PERSON.has(decided.code) || RETRY_CANNOT_HELP.has(decided.code))) return endAction(decided, hadDesktop, tries);
      }
      setFailure(decided);
    };

    const run = async () => {
      // The adapter's code loads while the gateway sets the session up.
      preloadSessionAdapter(profile.protocol, warmUpOwner);
      let response: CreateSessionResponse;
      // A password typed in this tab is the one to sign in with (the saved one may be the one the server refused);
      // without one, a saved password the server refused is not tried again: the user is asked.
      const withoutSavedPassword = savedPasswordRefusedRef.current || typedPasswordRef.current !== null;
      // RDP with "This computer's layout": the server is told which one it is (read now: the user may have switched).
      const localLayout = profile.protocol === 'rdp' && profile.keyboardLayout === 'local' ? await localKeyboardLayout() : null;
      try {
        response = await api<CreateSessionResponse>('POST', API.sessions, {
          profileId: profile.id,
          ...(acceptCertificate ? { acceptCertificate } : {}),
          ...(withoutSavedPassword ? { withoutSavedPassword } : {}),
          ...(localLayout ? { localKeyboardLayout: localLayout } : {}),
        });
      } catch (error) {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 409 && (error.code === 'certificate-untrusted' || error.code === 'certificate-changed')) {
          askAboutCertificate(error.body as unknown as CertificatePromptBody);
          return;
        }
        // No session will take what the adapter started for this connect (RDP's decoding threads).
        abandonSessionAdapterWarmUp(profile.protocol, warmUpOwner);
        const code = error instanceof ApiError && isErrorCode(error.code) ? error.code : 'internal';
        const note = error instanceof ApiError ? refusalNote(code, error.body) : null;
        // The note says in words what the gateway's message has in brackets.
        showFailure({ code, ...(note ? { note } : error instanceof ApiError && error.message !== messageFor(code) ? { detail: error.message } : {}) });
        return;
      }
      if (cancelled) {
        void api('DELETE', API.session(response.sessionId)).catch(() => undefined);
        return;
      }
      gatewaySessionId = response.sessionId;
      setInfo(response);
      setSecurity(null);
      setRemoteTakesFiles(null);
      setGuestAgent(null);
      // Opening a session changes the profile's "last connected" time: the library shows it under
      // Recent a moment later, so that its request and redrawing do not delay the first picture
      // (the page's main thread is what a connect waits for most).
      setTimeout(() => onProfileChanged?.(), RECENT_AFTER_MS);

      const surface = surfaceRef.current;
      if (!surface) return;
      let session: RemoteSession;
      try {
        session = await createRemoteSession(response.protocol);
      } catch (error) {
        // No adapter for this protocol yet (SPICE), or its code failed to load.
        void api('DELETE', API.session(response.sessionId)).catch(() => undefined);
        if (error instanceof UnsupportedProtocolError) showFailure({ code: 'protocol-unsupported' });
        else showFailure({ code: 'internal', detail: error instanceof Error ? error.message : String(error) });
        return;
      }
      if (cancelled) {
        void api('DELETE', API.session(response.sessionId)).catch(() => undefined);
        return;
      }
      sessionRef.current = session;
      // RDP signs in with a user name (the connection's, or the one typed): a refusal asks for both again, as its prompt does.
      if (response.protocol === 'rdp') signInAskedRef.current = { username: true, ...(response.rdp?.username ? { knownUsername: response.rdp.username } : {}) };
      cleanups.push(
        session.on('state', (s) => {
          // While retrying, the view says "Reconnecting" until the session is back.
          if (s !== 'disconnected' && (retryRef.current === 0 || s === 'connected')) updateState(s);
        }),
        session.on('frame', () => frames++),
        session.on('bytes', (n) => (libraryBytes += n)),
        session.on('warning', (w) => setWarning(w)),
        session.on('transfer', (transfer) => {
          setTransfers((list) => [...list.filter((t) => t.id !== transfer.id), transfer].slice(-6));
          // A finished copy is said for a while, then goes; a failed one stays until the next copy replaces it.
          if (transfer.state === 'done') setTimeout(() => setTransfers((list) => list.filter((t) => t.id !== transfer.id || t.state !== 'done')), 8000);
        }),
        session.on('link', setLink),
        session.on('remoteFiles', setRemoteFiles),
        session.on('guestAgent', setGuestAgent),
        session.on('clipboard', (text) => {
          setRemoteClipboard(text);
          lastSentClipboard.current = text;
          if (document.hasFocus()) {
            remoteCopyWaiting.current = null;
            lastLocalClipboard.current = text;
            void navigator.clipboard?.writeText(text).catch(() => undefined);
          } else {
            remoteCopyWaiting.current = text;
          }
        }),
        session.on('credentialsRequired', ({ username, knownUsername }) => {
          signInAskedRef.current = { username, ...(knownUsername !== undefined ? { knownUsername } : {}) };
          setPasswordPrompt({ username, ...(knownUsername !== undefined ? { knownUsername } : {}) });
        }),
        session.on('state', (s) => {
          if (s === 'connected') {
            wasConnectedRef.current = true;
            // The saved password is good again once it signed in, or once the one that did is saved in its place
            // (below, when the save succeeds); a typed one signing in says nothing of it.
            if (usesSavedPasswordRef.current) savedPasswordRefusedRef.current = false;
            retryRef.current = 0;
            setReconnecting(null);
            // Keys go to the remote desktop at once, as in native clients; the focus
            // would otherwise stay on a button of the now hidden Connections tab.
            if (activeRef.current) session.focus();
          }
          if (s === 'connected') nameDesktop();
          if (s === 'connected' && rememberRef.current !== null) {
            const password = rememberRef.current;
            rememberRef.current = null;
            // Saved only once the server accepted it. A save that failed (the keychain locked or not answering, the
            // data folder not writable) is said: the session goes on with the typed password, which is not remembered.
            void api('POST', API.password(profile.id), { password }).then(
              () => {
                savedPasswordRefusedRef.current = false;
                onProfileChanged?.();
              },
              (error: unknown) => setWarning(passwordNotRemembered(error)),
            );
          }
        }),
        session.on('disconnected', ({ code, detail, note }) => {
          sessionRef.current = null;
          setPasswordPrompt(null);
          // An end the server calls deliberate, just after a resize, may be xrdp failing the resize: reconnected (reconnectPolicy.ts).
          const sinceResize = session.msSinceResize?.() ?? null;
          if (code) {
            showFailure(endedInResize({ code, ...(detail ? { detail } : {}), ...(note ? { note } : {}) }, sinceResize));
            return;
          }
          // The library does not know why; the gateway does, on the control channel.
          const started = Date.now();
          const wait = () => {
            if (gatewayError || Date.now() - started > REASON_GRACE_MS) showFailure(gatewayError ? endedInResize(gatewayError, sinceResize) : { code: 'connection-lost' });
            else setTimeout(wait, 50);
          };
          wait();
        }),
      );
      try {
        usesSavedPasswordRef.current = typedPasswordRef.current === null && !withoutSavedPassword && response.profile.hasSavedPassword;
        session.connect({
          surface,
          info: response,
          wsOrigin: wsOrigin(),
          password: typedPasswordRef.current ?? response.savedPassword,
          ...(typedPasswordRef.current !== null && typedUsernameRef.current ? { username: typedUsernameRef.current } : {}),
          warmUpOwner,
        });
        session.setScaling(scalingRef.current);
        session.setPictureQuality?.(qualityRef.current);
      } catch (error) {
        // A library that throws while setting up has not connected; nothing to wait for.
        sessionRef.current = null;
        void api('DELETE', API.session(response.sessionId)).catch(() => undefined);
        showFailure({ code: 'internal', detail: error instanceof Error ? error.message : String(error) });
        return;
      }
      // The gateway's reports on this session, opened after the adapter's connect: a VNC session
      // opens its relay WebSocket within it, and Chromium opens one WebSocket to a host at a time
      // (RFC 6455 §4.1), so the relay its first picture waits for goes first (IronRDP opens its
      // socket later, once loaded). A late channel misses nothing: the gateway replays the state,
      // warnings and a failure's reason.
      const control = new WebSocket(wsOrigin() + response.controlPath);
      controlRef.current = control;
      control.addEventListener('message', (event: MessageEvent<string>) => {
        let message: ControlEvent;
        try {
          message = JSON.parse(event.data) as ControlEvent;
        } catch {
          return; // Not ours to act on; the session itself goes on.
        }
        if (message.type === 'error') gatewayError = { code: message.code, ...(message.detail ? { detail: message.detail } : {}), ...(message.prompt ? { prompt: message.prompt } : {}) };
        else if (message.type === 'warning') setWarning(message.message);
        else if (message.type === 'stats') {
          lastGatewayCount = gatewayCount;
          gatewayCount = { bytes: message.bytesFromHost + message.bytesToHost, frames: message.framesDrawn, at: message.at };
        } else if (message.type === 'link') {
          // Timed once this attempt's session has opened its bridge, so the session exists by then.
          sessionRef.current?.gatewayRoundTrip?.(message.roundTripMs);
        } else if (message.type === 'signIn') {
          sessionRef.current?.signInChecked?.();
        } else if (message.type === 'remoteClipboard') {
          sessionRef.current?.remoteClipboardOpened?.({ files: message.files });
          setRemoteTakesFiles(message.files);
        } else if (message.type === 'pointer') sessionRef.current?.remotePointer?.(message.shape, message.image);
        else if (message.type === 'security') setSecurity(message);
        else if (message.type === 'state' && (message.state === 'securing' || message.state === 'authenticating')) updateState(message.state);
      });
      cleanups.push(() => control.close());
    };
    void run();

    const statsTimer = setInterval(() => {
      let fps: number | null = frames;
      frames = 0;
      const bytes = libraryBytes;
      libraryBytes = 0;
      const g = gatewayCount as GatewayCount | null;
      const lg = lastGatewayCount as GatewayCount | null;
      // Per second between the gateway's last two counts, when there are two.
      const perSecond = g && lg && g.at > lg.at ? (count: keyof Omit<GatewayCount, 'at'>) => ((g[count] - lg[count]) * 1000) / (g.at - lg.at) : null;
      const rate = perSecond ? perSecond('bytes') : bytes;
      // An adapter that cannot count its frames (RDP): the frames the gateway saw acknowledged, if the server asks for acknowledgements.
      if (sessionRef.current?.countsFrames === false) fps = perSecond && g && g.frames > 0 ? Math.round(perSecond('frames')) : null;
      setStats({ fps, bytesPerSecond: rate });
    }, 1000);

    return () => {
      cancelled = true;
      clearInterval(statsTimer);
      sessionRef.current?.disconnect();
      sessionRef.current = null;
      for (const cleanup of cleanups) cleanup();
    };
  }, [attempt, profile.id]); // eslint-disable-line react-hooks/exhaustive-deps

  // What the policy lets this session carry (the gateway enforces it too, where the protocol lets it).
  const redirection = info?.redirection;
  const toRemote = redirection?.clipboardToRemote !== false;
  const toLocal = redirection?.clipboardToLocal !== false;
  // Files: SPICE's agent takes them; RDP's go through the clipboard, each way it is shared (rdpFiles.ts).
  const filesProtocol = profile.protocol === 'spice' || profile.protocol === 'rdp';
  // RDP offers it once the server's clipboard has opened and said it copies files (dropped files are refused in words until then).
  const canSendFiles = !profile.viewOnly && redirection?.fileTransfer !== false && (profile.protocol === 'spice' || (profile.protocol === 'rdp' && toRemote && remoteTakesFiles === true));

  const saveRemoteFile = (file: RemoteFile) => {
    sessionRef.current?.saveRemoteFile?.(file.index).then(
      ({ name, blob }) => {
        // The browser's own download: its Downloads folder, or where the Electron shell's save dialog says.
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = name;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      },
      (error: Error) => setWarning(`${file.name} was not copied: ${error.message}.`),
    );
  };

  // Local clipboard to the remote: automatic while this session has focus.
  useEffect(() => {
    if (!active || state !== 'connected' || !toRemote) return;
    const sync = (event?: Event) => {
      if (!document.hasFocus() || !navigator.clipboard?.readText) return;
      if (clipboardRefusal.current === 'denied') {
        // Allowed again in the browser's site settings: reading resumes, with no reconnect.
        void clipboardReadPermission().then((permission) => {
          if (permission !== 'denied') clipboardRefusal.current = null;
        });
        return;
      }
      if (clipboardRefusal.current === 'prompt' && event?.type !== 'focus') return;
      navigator.clipboard.readText().then(
        (text) => {
          clipboardRefusal.current = null;
          // Only a copy made here since the last read goes to the remote computer: text sent from the panel, or
          // copied there, is not overwritten by what this clipboard held before.
          const copiedHere = text !== lastLocalClipboard.current;
          const waiting = remoteCopyWaiting.current;
          if (waiting !== null) {
            remoteCopyWaiting.current = null;
            // Copied on the remote computer while away, and nothing copied here since: it goes on this clipboard, and
            // the older local text is not sent over it.
            if (!copiedHere || lastLocalClipboard.current === null) {
              lastLocalClipboard.current = waiting;
              void navigator.clipboard.writeText(waiting).catch(() => undefined);
              return;
            }
          }
          if (!copiedHere) return;
          lastLocalClipboard.current = text;
          if (text && text !== lastSentClipboard.current) {
            lastSentClipboard.current = text;
            sessionRef.current?.pasteText(text);
          }
        },
        async () => {
          // Refused: the paste panel is the way in meanwhile. A passing refusal (the focus moved as it asked) is
          // not one: the next tick reads again.
          const permission = await clipboardReadPermission();
          clipboardRefusal.current = permission === 'granted' ? null : permission;
        },
      );
    };
    window.addEventListener('focus', sync);
    const timer = setInterval(sync, 1000);
    return () => {
      window.removeEventListener('focus', sync);
      clearInterval(timer);
    };
  }, [active, state, toRemote]);

  // Where only the remote computer's clipboard comes here (policy), what it copied while the window was away is put
  // on this clipboard once the window is back (with local text going there too, the sync above does it).
  useEffect(() => {
    if (!active || state !== 'connected' || toRemote) return;
    const deliver = () => {
      const waiting = remoteCopyWaiting.current;
      if (waiting === null || !document.hasFocus()) return;
      remoteCopyWaiting.current = null;
      void navigator.clipboard?.writeText(waiting).catch(() => undefined);
    };
    window.addEventListener('focus', deliver);
    return () => window.removeEventListener('focus', deliver);
  }, [active, state, toRemote]);

  useEffect(() => {
    sessionRef.current?.setScaling(scaling);
  }, [scaling]);

  useEffect(() => {
    sessionRef.current?.setPictureQuality?.(quality);
  }, [quality]);

  function scheduleReconnect(reason: ErrorCode | null, note?: string) {
    retryRef.current += 1;
    const attemptNumber = retryRef.current;
    setReconnecting({ attempt: attemptNumber, reason, ...(note ? { note } : {}), hadDesktop: wasConnectedRef.current });
    updateState('reconnecting');
    const delay = reconnectDelay(attemptNumber, { ...DEFAULT_RECONNECT, maxDelayMs: reconnectMaxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs });
    if (retryTimerRef.current) clearTimeout(retryTimerRef.current);
    retryTimerRef.current = setTimeout(() => setAttempt((n) => n + 1), delay);
  }

  /**
   * A kiosk's session that ended: `hadDesktop`, whether it showed the desktop (else it failed on the way there);
   * `tries`, the attempts made since it last did.
   */
  function endAction(reason: Failure | null, hadDesktop: boolean, tries: number) {
    switch (kiosk?.onSessionEnd) {
      case 'quit':
        void api('POST', API.quit).catch(() => setEnding('launcher'));
        return;
      case 'launcher':
        setEnding('launcher');
        return;
      default:
        // Only a session that ended on purpose gets here; another device's takeover is not fought.
        if (reason?.code === 'session-taken-over') setEnding('launcher');
        // A desktop that ended (signed out) is opened again at once, for the next user; a failure on the way to
        // one (a server that answers but will not serve) is tried again after the backoff, not in a tight loop.
        else if (hadDesktop) setAttempt((n) => n + 1);
        else {
          retryRef.current = tries;
          scheduleReconnect(reason?.code ?? null, reason?.note);
        }
    }
  }

  // Back online: try at once rather than waiting out the backoff.
  useEffect(() => {
    if (!reconnecting) return;
    const now = () => {
      if (retryTimerRef.current) clearTimeout(retryTimerRef.current);
      setAttempt((n) => n + 1);
    };
    window.addEventListener('online', now);
    return () => window.removeEventListener('online', now);
  }, [reconnecting]);

  useEffect(
    () => () => {
      if (retryTimerRef.current) clearTimeout(retryTimerRef.current);
    },
    [],
  );

  const cancelReconnect = () => {
    if (retryTimerRef.current) clearTimeout(retryTimerRef.current);
    retryRef.current = 0;
    setReconnecting(null);
    sessionRef.current?.disconnect();
    updateState('disconnected');
  };

  const disconnect = () => {
    if (sessionRef.current) sessionRef.current.disconnect();
    else {
      // Still connecting (or waiting to retry): end the attempt in flight, not just the view,
      // with its open certificate question and what the adapter started for it (RDP's threads).
      abandonAttemptRef.current?.();
      abandonSessionAdapterWarmUp(profile.protocol, warmUpOwner);
      setCertificate(null);
      if (retryTimerRef.current) clearTimeout(retryTimerRef.current);
      retryRef.current = 0;
      setReconnecting(null);
      setFailure(null);
      updateState('disconnected');
    }
    if (info) void api('DELETE', API.session(info.sessionId)).catch(() => undefined);
  };

  // A first attempt says what it is doing from the start (a thin client booting before its network can wait seconds
  // for an answer), after a moment so a quick connect shows no flash; later attempts have "Connecting… (attempt N)".
  // Outside a kiosk too: a host that does not answer leaves the desktop's place empty until the connection times out
  // (10 s), which looks like nothing happening; the overlay says what is, with Cancel (as mstsc's dialog has).
  const [connectingShown, setConnectingShown] = useState(false);
  useEffect(() => {
    setConnectingShown(false);
    if (state !== 'connecting') return;
    const timer = setTimeout(() => setConnectingShown(true), CONNECTING_SHOWN_AFTER_MS);
    return () => clearTimeout(timer);
  }, [state]);

  // A kiosk stopped by what only IT can mend (the policy, a pin, the server's certificate) tries again by itself now
  // and then, so a fleet comes back once IT has mended it, with no one at each device to press Try again.
  const retriesAlone = inKiosk && failure !== null && KIOSK_RETRIES_ALONE.has(failure.code);
  const retryAloneMs = kioskRetryAloneMs(reconnectMaxDelayMs);
  useEffect(() => {
    if (!retriesAlone) return;
    const timer = setTimeout(() => reconnectRef.current(), retryAloneMs);
    return () => clearTimeout(timer);
  }, [retriesAlone, retryAloneMs, failure]);

  const reconnect = () => {
    setCertificate(null);
    // What the last session's transfers came to is read by now; the new session starts with none over its desktop.
    setTransfers((list) => list.filter((t) => t.state === 'sending'));
    retryRef.current = 0;
    setAttempt((n) => n + 1);
  };
  const reconnectRef = useRef(reconnect);
  reconnectRef.current = reconnect;

  // Ctrl+Alt+Home (as in Microsoft's Remote Desktop client) takes the keyboard back from the remote desktop,
  // to the toolbar: every other key goes to the remote computer, Tab included. Not in kiosk mode, which has no toolbar.
  useEffect(() => {
    const body = bodyRef.current;
    if (!body || inKiosk) return;
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey && event.altKey && event.code === 'Home')) return;
      event.preventDefault();
      event.stopPropagation();
      // Leaving the desktop, the session lets go of Ctrl and Alt on the remote side.
      viewRef.current?.querySelector<HTMLElement>('.session-toolbar :is(button, select):not(:disabled)')?.focus();
    };
    body.addEventListener('keydown', onKey, true);
    return () => body.removeEventListener('keydown', onKey, true);
  }, [inKiosk]);

  useEffect(() => {
    const changed = () => setInFullscreen(document.fullscreenElement !== null && document.fullscreenElement === viewRef.current);
    document.addEventListener('fullscreenchange', changed);
    return () => document.removeEventListener('fullscreenchange', changed);
  }, []);

  const fullscreen = () => {
    if (!viewRef.current) return;
    if (document.fullscreenElement) {
      void document.exitFullscreen().then(() => sessionRef.current?.focus());
      return;
    }
    enterFullscreen('The browser did not allow full screen here.');
  };

  /** This session's view fills the screen; holding Esc, or the toolbar's button, leaves it. `refused`: the warning where the browser says no. */
  const enterFullscreen = (refused: string) => {
    viewRef.current
      ?.requestFullscreen()
      .then(() => {
        // In full screen, system keys (Win, Alt+Tab, Alt+F4, Esc) go to the remote, as in native clients.
        // Holding Esc leaves full screen, which the browser guarantees.
        const keyboard = (navigator as Navigator & { keyboard?: { lock?: (keys?: string[]) => Promise<void> } }).keyboard;
        // Keys go to the desktop, not to this button (Enter would leave full screen again).
        sessionRef.current?.focus();
        return keyboard?.lock?.().catch(() => undefined);
      })
      .catch(() => setWarning(refused));
  };

  // "Start in full screen" (an .rdp's screen mode id:i:2, mstsc's default; Remmina's full-screen view modes): the view
  // fills the screen as the tab opens, as mstsc's window does. A page may go full screen only shortly after the
  // user's click or key (Chromium's transient activation, 5 s), so it is asked for now, on the Connect that opened
  // the tab, not when the desktop answers (a password or a certificate question can take longer). Opened with no
  // click (--connect at start), the browser refuses and the warning says what to do. Kiosk is full screen already.
  // Once per tab: a reconnect or a change to the connection's settings does not take the screen again.
  useEffect(() => {
    if (!profile.fullscreen || inKiosk || document.fullscreenElement) return;
    enterFullscreen('This connection starts in full screen, which the browser allows only right after a click: use Full screen on the toolbar.');
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const ended = state === 'disconnected';

  const clipboardButtonRef = useRef<HTMLButtonElement>(null);
  const closeClipboardOnEscape = (event: ReactKeyboardEvent) => {
    if (event.key !== 'Escape' || !clipboardOpen) return;
    event.preventDefault();
    event.stopPropagation();
    setClipboardOpen(false);
    clipboardButtonRef.current?.focus();
  };

  const failureText = failure ? (failure.message ? { message: failure.message, ...(failure.detail ? { detail: failure.detail } : {}) } : failureWords(failure, kiosk !== null, profile.host)) : null;
  /** Why the last try failed: "not back" words for a desktop that worked, first-connection words otherwise. */
  const reconnectWords = (reason: ErrorCode, hadDesktop: boolean) =>
    (hadDesktop ? RECONNECT_WORDS[reason]?.replace('{host}', profile.host) : undefined) ?? failureWords({ code: reason }, kiosk !== null, profile.host).message;
  return (
    <div className="session-view" ref={viewRef} data-active={active} data-session-id={info?.sessionId}>
      {/* Full screen: the pointer on it brings the toolbar down (app.css). */}
      {kiosk === null && <div className="fullscreen-handle" aria-hidden="true" title="The session's toolbar" />}
      <div className="session-toolbar" role="toolbar" aria-label="Session" title="Ctrl+Alt+Home: the keyboard from the desktop to this toolbar" hidden={kiosk !== null}>
        {/* One line whose height never changes: text appearing here (state, stats) must not
            move or rescale the remote picture under the user's pointer. */}
        <div className="session-info">
          <span className="session-title" title={profile.name}>
            {profile.name}
          </span>
          <span role="status" data-testid="session-state" className={`session-state state-${state}`}>
            {STATE_LABELS[state]}
          </span>
          {/* VNC learns whether it is encrypted while signing in (VeNCrypt's TLS): not said before it is known. */}
          {info && !(security?.encrypted ?? info.encrypted) && (info.protocol !== 'vnc' || security !== null || state === 'connected') && (
            <span
              className="badge badge-warning"
              title={`${info.protocol.toUpperCase()} traffic between this computer and the host is not encrypted: anyone on the network path can read it, including typed passwords.`}
            >
              Not encrypted
            </span>
          )}
          {/* Short, so it is never cut in a small window; its full words are in the tooltip and what a screen reader says. */}
          {security?.encrypted && !security.verified && (
            <span
              className="badge"
              title={`Traffic between this computer and the host is encrypted (${security.method}), so no one on the network path can read it. The server's identity is not verified: it offers TLS without a certificate, which does not stop a machine in the middle.`}
            >
              <span aria-hidden="true">Encrypted · unverified</span>
              <span className="visually-hidden">Encrypted · server not verified</span>
            </span>
          )}
          <span className="session-stats" data-testid="session-stats" title={state === 'connected' && link ? describeLink(link) : undefined}>
            {state === 'connected' && stats ? `${stats.fps === null ? '– frames/s' : stats.fps === 0 ? 'idle' : `${stats.fps} frames/s`} · ${formatRate(stats.bytesPerSecond)}` : ''}
          </span>
        </div>
        <label className="toolbar-field">
          <span className="toolbar-label">Scaling</span>
          <select aria-label="Scaling" value={scaling} onChange={(e) => setScaling(e.target.value as ScalingMode)}>
            <option value="fit">Fit to window</option>
            <option value="actual">1:1 (scrollbars)</option>
          </select>
        </label>
        {profile.protocol === 'vnc' && (
          <label className="toolbar-field" title="Lower quality sends less for moving pictures, so more frames reach the screen on a slow link or computer; still pictures become sharp again on servers that refresh them (TigerVNC).">
            <span className="toolbar-label">Picture</span>
            <select aria-label="Picture quality" value={quality} onChange={(e) => setQuality(e.target.value as VncQuality)}>
              <VncQualityOptions />
            </select>
          </label>
        )}
        <button type="button" className="ctrl-alt-del" onClick={() => sessionRef.current?.sendCtrlAltDel()} disabled={state !== 'connected'}>
          Ctrl+Alt+Del
        </button>
        <select
          className="send-keys"
          aria-label="Send keys"
          title="Keys this computer would take for itself, sent to the remote computer"
          value=""
          disabled={state !== 'connected' || profile.viewOnly}
          onChange={(e) => {
            if (e.target.value === CTRL_ALT_DEL) sessionRef.current?.sendCtrlAltDel();
            else {
              const combo = KEY_COMBOS.find((c) => c.id === e.target.value);
              if (!combo) return;
              sessionRef.current?.sendKeys(combo.codes);
            }
            // Back to the desktop, so typing goes on there.
            sessionRef.current?.focus();
          }}
        >
          <option value="" disabled>
            Send keys…
          </option>
          {/* Also the button's, which a narrow window hides. */}
          <option value={CTRL_ALT_DEL}>Ctrl+Alt+Del</option>
          {KEY_COMBOS.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
        <button type="button" ref={clipboardButtonRef} aria-pressed={clipboardOpen} onClick={() => setClipboardOpen((o) => !o)} onKeyDown={closeClipboardOnEscape}>
          Clipboard
        </button>
        {canSendFiles && (
          <>
            <button
              type="button"
              onClick={() => fileInputRef.current?.click()}
              disabled={state !== 'connected' || guestAgent === false}
              title={
                profile.protocol === 'rdp'
                  ? 'Puts files on the remote clipboard: paste them into a folder there (Ctrl+V). You can also drop files on the desktop.'
                  : guestAgent === false
                    ? `Files cannot be copied: ${NO_GUEST_AGENT}.`
                    : 'Copies files to the remote computer (its SPICE agent saves them in the Downloads folder). You can also drop files on the desktop.'
              }
            >
              Send files…
            </button>
            <input
              ref={fileInputRef}
              type="file"
              multiple
              hidden
              aria-label="Files to send"
              onChange={(e) => {
                const files = [...(e.target.files ?? [])];
                e.target.value = '';
                sessionRef.current?.sendFiles?.(files);
              }}
            />
          </>
        )}
        <button type="button" onClick={fullscreen} title={inFullscreen ? 'Or hold Esc' : undefined}>
          {inFullscreen ? 'Exit full screen' : 'Full screen'}
        </button>
        {ended ? (
          <button type="button" onClick={onClose}>
            Close tab
          </button>
        ) : (
          <button type="button" onClick={disconnect}>
            Disconnect
          </button>
        )}
      </div>
      <div className="session-body" ref={bodyRef}>
      <div
        className="session-surface"
        data-testid="session-surface"
        data-scaling={scaling}
        ref={surfaceRef}
        // A Tab stop after the toolbar (and the way back after Ctrl+Alt+Home): focused, it hands the keys to the
        // desktop (the adapter's own element), where Tab goes to the remote computer. role="application" tells
        // screen readers to pass keys through.
        role="application"
        aria-label={desktopLabel}
        tabIndex={kiosk === null && !ended ? 0 : -1}
        onFocus={(e) => {
          if (e.target === e.currentTarget) sessionRef.current?.focus();
          nameDesktop();
        }}
        onClick={() => sessionRef.current?.focus()}
        onDragOver={(e) => {
          // Files dropped on a SPICE desktop are copied to it (virt-viewer's drag and drop); on an RDP one, put on its clipboard.
          if (!filesProtocol || profile.viewOnly || !e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDrop={(e) => {
          if (!filesProtocol || profile.viewOnly) return;
          e.preventDefault();
          const session = sessionRef.current;
          // RDP takes folders too: their entries must be read during the drop event itself.
          if (session?.sendDrop) session.sendDrop(e.nativeEvent);
          else session?.sendFiles?.([...e.dataTransfer.files]);
        }}
      />
      {/* Over the top of the desktop, never above it: a panel or a notice taking the desktop's room would resize
          the remote desktop (RDP and VNC follow the window) or rescale its picture each time one comes or goes,
          and xrdp 0.9 can drop the session while it resizes (its shared-memory race, neutrinolabs/xrdp#1928). */}
      <div className="session-notices">
        {clipboardOpen && (
          // Escape closes it while the keys are in it (or on its button), as a dialog's: the desktop's own keys, Escape
          // among them, still go to the remote computer.
          <div className="clipboard-panel" role="region" aria-label="Clipboard" onKeyDown={closeClipboardOnEscape}>
            {toRemote || toLocal ? (
              <>
                <label htmlFor={clipboardId}>Remote clipboard</label>
                <textarea id={clipboardId} value={remoteClipboard} readOnly={!toRemote} onChange={(e) => setRemoteClipboard(e.target.value)} rows={3} />
                {toRemote && (
                  <button
                    type="button"
                    disabled={guestAgent === false}
                    onClick={() => {
                      lastSentClipboard.current = remoteClipboard;
                      sessionRef.current?.pasteText(remoteClipboard);
                    }}
                  >
                    Send to remote
                  </button>
                )}
                <p className="hint">{guestAgent === false ? `The clipboard is not shared: ${NO_GUEST_AGENT}.` : clipboardHint(toRemote, toLocal)}</p>
                {profile.protocol === 'rdp' && state === 'connected' && remoteTakesFiles === null && <p className="hint">{RDP_CLIPBOARD_NOT_OPENED}</p>}
              </>
            ) : (
              <p className="hint">{profile.shareClipboard ? clipboardHint(false, false) : 'The clipboard is not shared with this remote computer: "Share the clipboard" is off in this connection\'s settings.'}</p>
            )}
          </div>
        )}
        {warning && (
          <div className="session-warning" role="status">
            <span>{warning}</span>
            <button type="button" className="dismiss" aria-label="Dismiss the warning" title="Dismiss" onClick={() => setWarning(null)}>
              ×
            </button>
          </div>
        )}
        {transfers.length > 0 && (
          <div className="session-transfers">
            <ul aria-label="File transfers">
              {transfers.map((t) => (
                <li key={t.id} data-state={t.state}>
                  {t.name}
                  {t.direction === 'from-remote' ? ' (from the remote computer)' : ''}:{' '}
                  {t.state === 'done'
                    ? t.direction === 'from-remote'
                      ? 'saved on this computer'
                      : 'copied to the remote computer'
                    : t.state === 'failed'
                      ? `not copied (${t.detail ?? 'failed'})`
                      : t.state === 'waiting'
                        ? (t.detail ?? 'waiting for the remote computer')
                        : `${t.size > 0 ? Math.floor((t.sent / t.size) * 100) : 100} %`}
                </li>
              ))}
            </ul>
            {/* Cleared on request while nothing is being copied (finished copies go by themselves; one still
                waiting comes back with its next change). */}
            {!transfers.some((t) => t.state === 'sending') && (
              <button type="button" className="dismiss" aria-label="Clear the file transfers" title="Clear" onClick={() => setTransfers([])}>
                ×
              </button>
            )}
          </div>
        )}
        {remoteFiles.length > 0 && !kiosk && (
          <div className="remote-files" role="region" aria-label="Files copied on the remote computer">
            <span>Copied on the remote computer:</span>
            <ul>
              {remoteFiles.map((f) => (
                <li key={f.index}>
                  <span className="remote-file-name">{f.folder ? `${f.folder}/${f.name}` : f.name}</span> <span className="hint">{formatSize(f.size)}</span>{' '}
                  <button type="button" aria-label={`Save ${f.name}`} onClick={() => saveRemoteFile(f)}>
                    Save
                  </button>
                </li>
              ))}
            </ul>
            <button type="button" onClick={() => setRemoteFiles([])}>
              Hide
            </button>
          </div>
        )}
      </div>
      {failure && failureText && (
        <div className="session-overlay">
          <div className="session-error" role="alert">
            <p className="error-message">{failureText.message}</p>
            {failure.note && <p className="error-detail">{failure.note}</p>}
            {retriesAlone && <p className="error-detail">This device tries again by itself every {Math.round(retryAloneMs / 1000)} seconds.</p>}
            {/* What the server or the network said, for IT: there on request, not in the user's way. */}
            {failureText.detail && (
              <details className="error-detail">
                <summary>Details</summary>
                <p>{failureText.detail}</p>
              </details>
            )}
            <EndActions again={kiosk ? 'Try again' : RETRY_CANNOT_HELP.has(failure.code) ? null : 'Reconnect'} onAgain={reconnect} onClose={kiosk ? null : onClose} focus={active} />
          </div>
        </div>
      )}
      {connectingShown && state === 'connecting' && !reconnecting && !failure && !certificate && !passwordPrompt && (
        <div className="session-overlay reconnecting" role="status" aria-live="polite">
          <div className="session-ended">
            <p className="reconnect-title">Connecting to {profile.name}…</p>
            {!kiosk && (
              <div className="actions">
                <button type="button" onClick={disconnect}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        </div>
      )}
      {reconnecting && (
        <div className="session-overlay reconnecting" role="status" aria-live="polite">
          <div className="session-ended">
            <p className="reconnect-title">
              {reconnecting.hadDesktop ? 'Reconnecting' : 'Connecting'}… (attempt {reconnecting.attempt}
              {kiosk ? '' : ` of ${DESKTOP_RECONNECT_ATTEMPTS}`})
            </p>
            {reconnecting.reason && <p className="error-detail">{reconnectWords(reconnecting.reason, reconnecting.hadDesktop)}</p>}
            {reconnecting.reason && reconnecting.note && <p className="error-detail">{reconnecting.note}</p>}
            {reconnecting.hadDesktop && <p className="error-detail">What is open on the remote computer usually keeps running there, and comes back with the connection.</p>}
            {!kiosk && (
              <div className="actions">
                <button type="button" onClick={cancelReconnect}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        </div>
      )}
      {kiosk && ending === 'launcher' && !failure && (
        <div className="session-overlay">
          <div className="session-ended">
            <p>The session has ended.</p>
            <div className="actions">
              <button type="button" className="primary" onClick={reconnect}>
                Connect again
              </button>
            </div>
          </div>
        </div>
      )}
      {!kiosk && ended && !failure && !certificate && !reconnecting && !passwordPrompt && (
        <div className="session-overlay">
          <div className="session-ended">
            <p>{messageFor('user-ended')}</p>
            <EndActions again="Reconnect" onAgain={reconnect} onClose={onClose} focus={active} />
          </div>
        </div>
      )}
      {certificate && (
        <CertificateDialog
          prompt={certificate}
          allowAlways={!kiosk}
          onDecision={(decision) => {
            const prompt = certificate;
            setCertificate(null);
            if (decision === 'cancel') {
              abandonSessionAdapterWarmUp(profile.protocol, warmUpOwner);
              updateState('disconnected');
              setFailure({ code: 'certificate-rejected' });
              return;
            }
            setAcceptCertificate({ fingerprintSha256: prompt.certificate.fingerprintSha256, remember: decision === 'always' });
            // "Trust always" pins it in the gateway, which then tells a change itself; "Trust once" is this tab's to remember.
            trustedOnceRef.current = decision === 'once' ? prompt.certificate.fingerprintSha256 : null;
            setAttempt((n) => n + 1);
          }}
        />
      )}
      {passwordPrompt && (
        <PasswordDialog
          askUsername={passwordPrompt.username}
          {...(passwordPrompt.knownUsername !== undefined ? { knownUsername: passwordPrompt.knownUsername } : {})}
          {...(passwordPrompt.typedUsername !== undefined ? { typedUsername: passwordPrompt.typedUsername } : {})}
          usernameLocked={profile.managed !== null && !profile.managed.openFields.includes('username')}
          connection={{ name: profile.name, host: profile.host }}
          allowRemember={passwordSavingAllowed}
          {...(passwordPrompt.refused ? { refusal: REFUSED_SIGN_IN[passwordPrompt.refused.code] } : {})}
          onSubmit={({ username, password, remember }) => {
            const refused = passwordPrompt.refused;
            setPasswordPrompt(null);
            rememberRef.current = remember ? password : null;
            typedPasswordRef.current = password;
            typedUsernameRef.current = typedUsernameToKeep(passwordPrompt.username, username, passwordPrompt.knownUsername);
            usesSavedPasswordRef.current = false;
            // After a refusal the last session has ended: the answer goes to a new one.
            if (refused) setAttempt((n) => n + 1);
            else sessionRef.current?.sendCredentials({ ...(username ? { username } : {}), password });
          }}
          onCancel={() => {
            const refused = passwordPrompt.refused;
            setPasswordPrompt(null);
            // Not asked again: the refusal is said, with Reconnect, as before the prompt came back.
            if (refused) {
              setFailure(refused);
              return;
            }
            endReasonRef.current = { code: 'auth-cancelled' };
            sessionRef.current?.disconnect();
          }}
        />
      )}
      </div>
    </div>
  );
}
