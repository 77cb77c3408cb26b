// The app shell: the connection library and one tab per open session.
// Sessions stay mounted while another tab shows, so several run at once.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { API, type AppState, type ConsentRequest, type DeletedProfile, type LibrarySortRequest, type OpenedFileConsent, type ProfileView, type RestoreErrorBody, type SaveProfileRequest, type SessionState } from '../../shared/api/contract';
import { apiErrorText, isErrorCode } from '../../shared/errors/errorCodes';
import type { FieldErrors } from '../../shared/profiles/profileSchema';
import { DEFAULT_LIBRARY_SORT, libraryOrder, type LibrarySort } from '../../shared/profiles/libraryOrder';
import { api, ApiError } from './api';
import { windowKeyHeaders } from './windowKey';
import { ProfileList, type RowRequest } from '../profiles/ProfileList';
import { ProfileEditor, draftFrom, type EditorValues } from '../profiles/ProfileEditor';
import { SessionView } from '../session/SessionView';
import { ModalDialog } from './ModalDialog';
import { OpenedFileDialog } from './OpenedFileDialog';
import { warmUpSessionAdapters } from '../session/createRemoteSession';
import { kioskBlocksKey } from '../../shared/session/kioskKeys';
import { undoOfferMs, useUndoableDeletes } from './useUndoableDeletes';
import { latestOnly } from './latestOnly';

/** Undo's keys as this computer names them (⌘Z on a Mac; Ctrl+Z elsewhere): both work everywhere. */
const UNDO_KEYS = { label: /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘Z' : 'Ctrl+Z' };

interface OpenSession {
  key: string;
  profile: ProfileView;
}

type Selection = { kind: 'new' } | { kind: 'profile'; id: string } | { kind: 'none' };

/** A session tab's name: its connection's, numbered from the second tab of the same connection on ("Lab", "Lab (2)"). */
function tabLabel(sessions: readonly OpenSession[], index: number): string {
  const session = sessions[index]!;
  const before = sessions.slice(0, index).filter((other) => other.profile.id === session.profile.id).length;
  return before === 0 ? session.profile.name : `${session.profile.name} (${before + 1})`;
}

interface ImportResult {
  profile: ProfileView;
  notes: string[];
  /** The file was imported before: `profile` is that connection, and nothing was added. */
  alreadyImported?: true;
  /** With alreadyImported: not this file but one making the same connection was (a broker's next .vv ticket). */
  sameConnection?: true;
}

/** What an import says: added, or already there from this very file (a second import adds no copy). */
function importedWords(result: ImportResult, fileName: string, naming = false): string {
  if (result.sameConnection) return `“${result.profile.name}” is already in the library: ${fileName} makes the same connection. Nothing was added.`;
  if (result.alreadyImported) return `“${result.profile.name}” was imported from ${fileName} before: nothing was added.`;
  return naming ? `Imported “${result.profile.name}” from ${fileName}.` : `Imported “${result.profile.name}”.`;
}

/** A file's bytes as base64, for the import request. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * A saved connection written as a file and handed to the browser's downloads; a refusal (a tunnel or gateway the
 * format cannot carry, which would send the file's user straight to the host) is thrown with the gateway's words.
 */
async function downloadExport(id: string, format: 'rdp' | 'remmina'): Promise<void> {
  const response = await fetch(API.exportFile(id, format), { headers: windowKeyHeaders() });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new Error(body.message ?? `The connection could not be exported (HTTP ${response.status}).`);
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? `connection.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The library's empty state where the user may not add connections. An unusable policy file is named as the
 * reason (the banner above says what is wrong with it), never "none is set up for you yet", which blames IT's rules.
 */
/** The focused control of the editor, by its name (ProfileEditor's `takeFocus`), or null where the focus is elsewhere. */
function focusedEditorControl(): string | null {
  const focused = document.activeElement;
  return focused instanceof HTMLElement && focused.closest('.profile-editor') ? (focused.getAttribute('name') ?? 'heading') : null;
}

/** What the delete question says first when the connection is open: that deleting it ends its sessions. */
function deleteEndsSessions(name: string, open: number): string {
  if (open === 0) return '';
  if (open === 1) return `“${name}” is open: deleting it disconnects its session and closes its tab. `;
  return `“${name}” is open in ${open} tabs: deleting it disconnects ${open === 2 ? 'both sessions' : `all ${open} sessions`} and closes their tabs. `;
}

function noConnectionsNote(invalidFile: AppState['policy']['invalidFile']): string {
  if (invalidFile === 'blocked') return "Your organisation's policy is invalid (the message above says what is wrong), so connections are blocked. Tell your IT department.";
  if (invalidFile === 'last-valid-kept') return "Your organisation's policy is invalid (the message above says what is wrong); its last valid version stays in force and sets up no connection for you. Tell your IT department.";
  return 'Your organisation provides the connections here, and none is set up for you yet. Ask your IT department.';
}

export function App() {
  const [state, setState] = useState<AppState | null>(null);
  const [signedOut, setSignedOut] = useState(false);
  const [profiles, setProfiles] = useState<ProfileView[]>([]);
  /** The library's sort: the gateway keeps it for the next start (the page's own storage would not outlive its port). */
  const [librarySort, setLibrarySort] = useState<LibrarySort>(DEFAULT_LIBRARY_SORT);
  // Kept for the next start one request at a time, the last choice last (latestOnly.ts).
  const [saveLibrarySort] = useState(() =>
    latestOnly(
      (sort: LibrarySort) => api<void>('PUT', API.librarySort, { sort } satisfies LibrarySortRequest),
      (error: unknown) =>
        setMessage(`The list is sorted, but DeskBridge could not keep that for its next start: ${error instanceof ApiError ? apiErrorText(error.code, error.message) : (error as Error).message}`),
    ),
  );
  const [selection, setSelection] = useState<Selection>({ kind: 'none' });
  const [sessions, setSessions] = useState<OpenSession[]>([]);
  const sessionsRef = useRef(sessions);
  sessionsRef.current = sessions;
  const [activeTab, setActiveTab] = useState<string>('library');
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Successful saves of the editor's connection (ProfileEditor's `saves`). */
  const [saves, setSaves] = useState(0);
  const [confirmDelete, setConfirmDelete] = useState<ProfileView | null>(null);
  /** The connection listed after the one being deleted (the Delete key in the list, whose search may hide others): its row takes the focus. */
  const listedAfterDelete = useRef<string | null | undefined>(undefined);
  const [info, setInfo] = useState<string[]>([]);
  /**
   * The connections deleted while the gateway can still put them back (API.restore): the library offers Undo for
   * the newest. Each offered a little less long than the gateway said it keeps it, so an Undo in time always finds it.
   */
  const undoable = useUndoableDeletes(() => {
    // The keys on its Undo button would fall to the page: they go back to the list.
    if (document.activeElement?.closest('[data-testid="undo-delete"]')) requestRow(null, true);
  });
  const nextUndo = undoable.offered.at(-1);
  const [ticket, setTicket] = useState<File | null>(null);
  /** A connection file opened from outside the app, waiting for the user's yes before it connects. */
  const [openedFile, setOpenedFile] = useState<{ profile: ProfileView; consent: OpenedFileConsent } | null>(null);
  /** The editor holds changes not saved (reported by it). */
  const [editorDirty, setEditorDirty] = useState(false);
  /** A live session's tab the user asked to close from the tab strip (middle click), waiting for their answer. */
  const [confirmClose, setConfirmClose] = useState<{ key: string; name: string } | null>(null);
  /** What the user asked for that would throw those changes away, waiting for their answer. */
  const [leaving, setLeaving] = useState<{ then: () => void } | null>(null);
  /** What the editor's last action did ("Saved “Lab”."), in a polite live region, cleared after a few seconds. */
  const [status, setStatus] = useState('');
  const statusTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** The same, seen beside the editor's Save (ProfileEditor's `status`): kept until the form is changed or another action speaks. */
  const [shownStatus, setShownStatus] = useState('');
  const announce = useCallback((text: string) => {
    setStatus(text);
    setShownStatus(text);
    clearTimeout(statusTimer.current);
    statusTimer.current = setTimeout(() => setStatus(''), 6000);
  }, []);
  useEffect(() => () => clearTimeout(statusTimer.current), []);
  /** The control the next editor made takes the focus (its `takeFocus`): set where the editor is about to be made anew. */
  const editorFocus = useRef<string | null>(null);
  /**
   * A connection's row the list scrolls into view, and gives the keys to with `focus` (ProfileList's `rowRequest`):
   * a save's, the one after a deleted one, one put back. No id: the selected connection's.
   */
  const [rowRequest, setRowRequest] = useState<RowRequest | null>(null);
  const requestRow = useCallback((id: string | null, focus: boolean) => setRowRequest((last) => ({ id, focus, seq: (last?.seq ?? 0) + 1 })), []);
  /** What the library showed before "New connection", for its Cancel to go back to. */
  const beforeNew = useRef<Selection>({ kind: 'none' });
  /** The editor's field the keys were last in, to go back to when the user keeps editing. */
  const lastEditorFocus = useRef<HTMLElement | null>(null);

  const loadProfiles = useCallback(async () => {
    const list = await api<ProfileView[]>('GET', API.profiles);
    setProfiles(list);
    // An open session keeps the settings it was opened with, but goes by its connection's name as saved now (a
    // rename in the editor): its tab and its desktop's accessible name say the new one.
    setSessions((open) =>
      open.map((session) => {
        const saved = list.find((p) => p.id === session.profile.id);
        return saved && saved.name !== session.profile.name ? { ...session, profile: { ...session.profile, name: saved.name } } : session;
      }),
    );
    return list;
  }, []);

  /** Each session tab's last state, as its view reports it. */
  const sessionStates = useRef(new Map<string, SessionState>());
  /** Per session tab: bumped when its desktop should take the keys (SessionView's `focusRequest`). */
  const [focusRequests, setFocusRequests] = useState<Record<string, number>>({});
  const showSession = useCallback((key: string) => {
    setActiveTab(key);
    setFocusRequests((f) => ({ ...f, [key]: (f[key] ?? 0) + 1 }));
  }, []);

  const openSession = useCallback((profile: ProfileView, reuse = false) => {
    // A connection already open in a tab (not ended) is shown, not opened twice: a second session to the same
    // account would take the first one's place on most servers, and each would take it back.
    if (reuse) {
      const open = sessionsRef.current.find((s) => s.profile.id === profile.id && sessionStates.current.get(s.key) !== 'disconnected');
      if (open) {
        showSession(open.key);
        return;
      }
    }
    const key = `${profile.id}-${Date.now()}`;
    setSessions((s) => [...s, { key, profile }]);
    setActiveTab(key);
  }, [showSession]);

  useEffect(() => {
    (async () => {
      try {
        const [appState, list] = await Promise.all([api<AppState>('GET', API.state), loadProfiles()]);
        setState(appState);
        setLibrarySort(appState.librarySort);
        if (list.length > 0) setSelection({ kind: 'profile', id: list[0]!.id });
        warmUpSessionAdapters(list.map((p) => p.protocol));
        const autoId = appState.autoConnectProfileId ?? new URLSearchParams(location.hash.slice(1)).get('connect');
        const auto = list.find((p) => p.id === autoId) ?? (appState.autoConnectProfile?.id === autoId ? appState.autoConnectProfile : undefined);
        if (auto && appState.autoConnectConsent && auto.id === appState.autoConnectProfileId) setOpenedFile({ profile: auto, consent: appState.autoConnectConsent });
        else if (auto) openSession(auto);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) setSignedOut(true);
        else setMessage(error instanceof Error ? error.message : String(error));
      }
    })();
  }, [loadProfiles, openSession]);

  // The tab shown is in sight, however many are open (the strip scrolls sideways).
  useEffect(() => {
    document.querySelector(`[data-tab="${CSS.escape(activeTab)}"]`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeTab]);

  const kiosk = state?.kiosk.enabled === true;
  // Closing the browser shell's window (Ctrl+W, which a page cannot take) or reloading it ends every session: the
  // browser asks first while one is open, as a web mail does with a draft. Not in Electron, whose window
  // closes by its own rules, nor in a kiosk, whose window opens again.
  // So it does while the editor holds changes not saved.
  const askBeforeLeaving = state?.shell === 'browser' && !kiosk && (sessions.length > 0 || editorDirty);
  useEffect(() => {
    if (!askBeforeLeaving) return;
    const ask = (event: BeforeUnloadEvent) => {
      if (!editorDirty && ![...sessionStates.current.values()].some((s) => s !== 'disconnected')) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [askBeforeLeaving, editorDirty]);
  useEffect(() => {
    if (!kiosk) return;
    // Shortcuts that would leave the session in a browser. The kiosk browser flags
    // (and Electron's kiosk window) stop most of them; this catches what reaches the page.
    const swallow = (event: KeyboardEvent) => {
      if (kioskBlocksKey({ key: event.key, ctrl: event.ctrlKey || event.metaKey, alt: event.altKey, shift: event.shiftKey })) event.preventDefault();
    };
    window.addEventListener('keydown', swallow, { capture: true });
    const noMenu = (event: Event) => event.preventDefault();
    window.addEventListener('contextmenu', noMenu, { capture: true });
    return () => {
      window.removeEventListener('keydown', swallow, { capture: true });
      window.removeEventListener('contextmenu', noMenu, { capture: true });
    };
  }, [kiosk]);

  if (signedOut) {
    return (
      <main className="signed-out">
        <h1>DeskBridge</h1>
        <p role="alert">This window is not signed in to DeskBridge. Open the address DeskBridge printed when it started, or start it again.</p>
      </main>
    );
  }

  if (state && kiosk) {
    const session = sessions[0];
    return (
      <div className="app kiosk">
        {session ? (
          <div className="session-tab">
            <SessionView
              profile={session.profile}
              active
              passwordSavingAllowed={false}
              kiosk={{ onSessionEnd: state.kiosk.onSessionEnd }}
              reconnectMaxDelayMs={state.policy.reconnectMaxDelayMs}
              onClose={() => undefined}
            />
          </div>
        ) : (
          <main className="kiosk-message">
            <p role="alert">{state.notices[0] ?? 'This kiosk has no connection configured. Tell your IT department.'}</p>
          </main>
        )}
      </div>
    );
  }

  const selected = selection.kind === 'profile' ? (profiles.find((p) => p.id === selection.id) ?? null) : null;
  /** The policy lets the user make connections of their own (not only IT's). */
  const canCreate = state?.policy.allowUserProfiles ?? false;
  const editorShown = selected !== null || ((selection.kind === 'new' || profiles.length === 0) && canCreate);
  /** Runs `then`, which replaces what the editor shows, once the user agrees to lose its unsaved changes (if any). */
  const leaveEditor = (then: () => void) => {
    if (editorDirty) setLeaving({ then });
    else then();
  };
  /** The discard question answered "Keep editing": nothing else happens, and the keys go back to the editor, where they last were. */
  const keepEditing = () => {
    setLeaving(null);
    const last = lastEditorFocus.current;
    const target = last?.isConnected ? last : document.querySelector<HTMLElement>('.editor-pane :is(input, select, textarea, button):not(:disabled)');
    target?.focus();
  };
  /** Saved passwords that cannot be read (the key file damaged): nothing offers to save one, and the form says why. */
  const secretsUnusable = state?.secrets.unusable === true;
  const passwordSavingAllowed = state && !secretsUnusable ? state.policy.passwordSaving === 'allowed' || (state.policy.passwordSaving === 'keychain-only' && state.secrets.backend === 'keychain') : false;

  const save = async (values: EditorValues, { connectAfter, needsSave }: { connectAfter: boolean; needsSave: boolean }) => {
    if (!needsSave && selected) {
      if (connectAfter) openSession(selected, true);
      return;
    }
    // A new connection's editor is made anew once saved: the focus goes back to the control that had it.
    const focused = focusedEditorControl();
    setBusy(true);
    setServerErrors({});
    setMessage(null);
    try {
      const body: SaveProfileRequest = { profile: draftFrom(values, selected) as SaveProfileRequest['profile'], ...(values.password ? { password: values.password } : {}) };
      const saved = selected ? await api<ProfileView>('PUT', API.profile(selected.id), body) : await api<ProfileView>('POST', API.profiles, body);
      await loadProfiles();
      if (!selected && !connectAfter) editorFocus.current = focused;
      setSelection({ kind: 'profile', id: saved.id });
      setSaves((n) => n + 1);
      // Its row in sight, wherever the save put it (a new one, renamed, moved to a folder, made a favourite).
      requestRow(saved.id, false);
      announce(`Saved “${saved.name}”.`);
      warmUpSessionAdapters([saved.protocol]);
      if (connectAfter) openSession(saved);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation') setServerErrors(error.fields);
      else {
        // Saved without its password (the keychain did not answer): shown saved, so a second Save does not make another.
        const savedAnyway = error instanceof ApiError ? (error.body.profile as ProfileView | undefined) : undefined;
        if (savedAnyway) {
          await loadProfiles();
          setSelection({ kind: 'profile', id: savedAnyway.id });
          setSaves((n) => n + 1);
        }
        setMessage(error instanceof ApiError ? apiErrorText(error.code, error.message) : (error as Error).message);
      }
    } finally {
      setBusy(false);
    }
  };

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await work();
    } catch (error) {
      setMessage(error instanceof ApiError ? apiErrorText(error.code, error.message) : (error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  /**
   * Puts the last deleted connection back (the library's Undo, or Ctrl+Z there): selected, its row focused. The one
   * deleted before it, if still in its time, is offered next, and the announcement says so (the bar is no live region).
   */
  const undoDelete = () => {
    const after = undoable.offered.at(-2);
    const target = undoable.take();
    if (!target) return;
    void act(async () => {
      let restored: ProfileView;
      try {
        restored = await api<ProfileView>('POST', API.restore(target.id));
      } catch (error) {
        // Still deleted and still kept, for a cause that may pass (a folder that would not take the file, say): offered
        // again for what the gateway says is left of its time, so the user can try again once it is mended.
        const left = error instanceof ApiError ? (error.body as Partial<RestoreErrorBody>).undoableForMs : undefined;
        const offerMs = typeof left === 'number' ? undoOfferMs(left) : 0;
        if (offerMs > 0) undoable.offer(target, offerMs);
        // The keys were on the Undo button, gone meanwhile: back to the list, where Ctrl+Z tries again.
        requestRow(null, true);
        throw error;
      }
      await loadProfiles();
      leaveEditor(() => setSelection({ kind: 'profile', id: restored.id }));
      requestRow(restored.id, true);
      announce(`“${restored.name}” is back, as it was.${after ? ` ${UNDO_KEYS.label} again puts back “${after.name}”.` : ''}`);
    });
  };

  /** Ctrl+Z (⌘Z) in the library, but in a text field (where it undoes typing), while Undo is offered. */
  const undoKey = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    if (!nextUndo || event.shiftKey || event.altKey || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== 'z') return;
    const target = event.target as HTMLElement;
    if (target.isContentEditable || target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(target.type))) return;
    event.preventDefault();
    // As the Undo button is disabled while a request runs: a second press before the first's restore is back would
    // take back the same connection again.
    if (!busy) undoDelete();
  };

  // The tab list is one stop for Tab; arrows, Home and End move between tabs (WAI-ARIA tabs pattern).
  const moveBetweenTabs = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const keys = ['library', ...sessions.map((s) => s.key)];
    const index = keys.indexOf(activeTab);
    let next: number;
    if (event.key === 'ArrowRight') next = (index + 1) % keys.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + keys.length) % keys.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = keys.length - 1;
    else return;
    event.preventDefault();
    const key = keys[next]!;
    setActiveTab(key);
    event.currentTarget.querySelector<HTMLElement>(`[data-tab="${CSS.escape(key)}"]`)?.focus();
  };

  /** .rdp and .remmina files become saved connections; a .vv ticket asks first (it is usually one-shot). */
  const importFile = async (file: File, mode?: 'save' | 'open', changesDiscarded = false) => {
    if (!mode && /\.vv$/i.test(file.name)) {
      setTicket(file);
      return;
    }
    // What an import says (and the connection it saves) is in the library: show it, whatever tab was open
    // (a file dropped on a session's toolbar). A ticket that connects goes on to its session's tab.
    setActiveTab('library');
    // A saved import is then shown in the editor, in place of what it holds.
    if (mode !== 'open' && editorDirty && !changesDiscarded) {
      setLeaving({ then: () => void importFile(file, mode, true) });
      return;
    }
    await act(async () => {
      const result = await api<ImportResult>('POST', API.importFile, { fileName: file.name, contentBase64: await base64Of(file), mode: mode ?? 'save' });
      setInfo([mode === 'open' ? `Opened “${result.profile.name}” from ${file.name}, once: it is not kept.` : importedWords(result, file.name), ...result.notes]);
      if (mode === 'open') openSession(result.profile);
      else {
        await loadProfiles();
        setSelection({ kind: 'profile', id: result.profile.id });
      }
    });
  };

  /**
   * Several files at once (dropped, or chosen together): each saved in turn, and one banner for what came in and
   * one for what did not, by file. A .vv among them is saved as its own "Save as connection" does (its one-time
   * password not kept), and the banner says so: the question of connecting once is for a ticket opened alone.
   */
  const importFiles = async (files: File[], changesDiscarded = false) => {
    if (files.length <= 1) {
      if (files[0]) await importFile(files[0]);
      return;
    }
    setActiveTab('library');
    if (editorDirty && !changesDiscarded) {
      setLeaving({ then: () => void importFiles(files, true) });
      return;
    }
    setBusy(true);
    setMessage(null);
    const imported: string[] = [];
    const refused: string[] = [];
    let last: ProfileView | null = null;
    for (const file of files) {
      try {
        const result = await api<ImportResult>('POST', API.importFile, { fileName: file.name, contentBase64: await base64Of(file), mode: 'save' });
        const ticketSaved = /\.vv$/i.test(file.name) && !result.alreadyImported ? [`${file.name}: saved as a connection (a .vv opened on its own can connect once instead, without being kept).`] : [];
        imported.push(importedWords(result, file.name, true), ...ticketSaved, ...result.notes.map((note) => `${file.name}: ${note}`));
        last = result.profile;
      } catch (error) {
        refused.push(error instanceof ApiError && isErrorCode(error.code) ? `${file.name}: ${apiErrorText(error.code, error.message)}` : (error as Error).message);
      }
    }
    setInfo(imported);
    // One line a file (the banner keeps line breaks).
    if (refused.length > 0) setMessage(`${refused.length} of ${files.length} files ${refused.length === 1 ? 'was' : 'were'} not imported:\n${refused.join('\n')}`);
    try {
      await loadProfiles();
      if (last) setSelection({ kind: 'profile', id: last.id });
    } finally {
      setBusy(false);
    }
  };

  const closeSession = (key: string) => {
    // As a browser does: a closed tab that was shown gives way to its neighbour (the next one, else the one
    // before it), and the last session tab to Connections.
    const keys = sessions.map((x) => x.key);
    const index = keys.indexOf(key);
    const neighbour = (index >= 0 && (keys[index + 1] ?? keys[index - 1])) || 'library';
    setSessions((s) => s.filter((x) => x.key !== key));
    sessionStates.current.delete(key);
    setActiveTab((t) => (t === key ? neighbour : t));
    // The focused Close button goes away with the tab; keep keyboard users somewhere sensible.
    requestAnimationFrame(() => document.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.focus());
  };

  /** The tabs whose session to this connection is live (connecting, connected, reconnecting): a delete would end them. */
  const openSessionsOf = (id: string) => sessions.filter((s) => s.profile.id === id && sessionStates.current.get(s.key) !== 'disconnected');

  /**
   * A session's tab closed from the tab strip: a live session (connecting, connected, reconnecting) ends only once
   * the user agrees, as Microsoft's client asks before disconnecting; an ended one closes at once.
   */
  const closeSessionTab = (key: string, name: string) => {
    if (sessionStates.current.get(key) === 'disconnected') closeSession(key);
    else setConfirmClose({ key, name });
  };

  return (
    <div
      className="app"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        // A session's desktop took the drop (files sent to the remote computer): not a connection file to import.
        if (e.defaultPrevented) return;
        const files = [...e.dataTransfer.files];
        if (files.length === 0) return;
        e.preventDefault();
        void importFiles(files);
      }}
    >
      <header className="app-header">
        <h1>DeskBridge</h1>
        <div role="tablist" aria-label="Open views" className="tabs" onKeyDown={moveBetweenTabs}>
          <button
            role="tab"
            type="button"
            id="tab-library"
            aria-controls="panel-library"
            aria-selected={activeTab === 'library'}
            tabIndex={activeTab === 'library' ? 0 : -1}
            data-tab="library"
            onClick={() => setActiveTab('library')}
          >
            Connections
          </button>
          {sessions.map((s, index) => (
            <button
              key={s.key}
              role="tab"
              type="button"
              id={`tab-${s.key}`}
              aria-controls={`panel-${s.key}`}
              aria-selected={activeTab === s.key}
              tabIndex={activeTab === s.key ? 0 : -1}
              data-tab={s.key}
              // A click, Enter or Space gives the desktop the keys (as Microsoft's client); the arrow keys leave them on the tabs.
              onClick={() => showSession(s.key)}
              // A middle click closes it, as a browser's tab.
              onAuxClick={(event) => {
                if (event.button === 1) closeSessionTab(s.key, tabLabel(sessions, index));
              }}
              onMouseDown={(event) => {
                if (event.button === 1) event.preventDefault(); // no autoscroll
              }}
              title={tabLabel(sessions, index)}
            >
              {tabLabel(sessions, index)}
            </button>
          ))}
        </div>
        {/* Where passwords are kept says nothing where none may be saved (the form says why). */}
        {state && passwordSavingAllowed && (
          <p className={state.secrets.weaker ? 'secrets-backend weaker' : 'secrets-backend'} title={state.secrets.description}>
            {state.secrets.backend === 'keychain' ? 'Passwords: system keychain' : 'Passwords: encrypted file (weaker)'}
          </p>
        )}
      </header>
      {/* The library's banners are the library tab's own: above an open session they would take the desktop's room and resize it. */}
      <div className="library-view" role="tabpanel" id="panel-library" aria-labelledby="tab-library" hidden={activeTab !== 'library'} onKeyDown={undoKey}>
        {state?.notices.map((notice) => (
          <div key={notice} className="banner" role="alert">
            {notice}
          </div>
        ))}
        {message && (
          <div className="banner" role="alert">
            {message}{' '}
            <button type="button" className="link" onClick={() => setMessage(null)}>
              Dismiss
            </button>
          </div>
        )}
        {nextUndo && (
          // Not a live region: the deletion was announced already ("Deleted “X”."); this is where to take it back.
          <div className="banner info" data-testid="undo-delete">
            Deleted “{nextUndo.name}”.{' '}
            <button type="button" className="link" onClick={undoDelete} disabled={busy} aria-keyshortcuts="Control+Z Meta+Z" title={`Undo (${UNDO_KEYS.label})`}>
              Undo
            </button>
          </div>
        )}
        {info.length > 0 && (
          <div className="banner info" role="status">
            {info.map((line) => (
              <p key={line}>{line}</p>
            ))}
            <button type="button" className="link" onClick={() => setInfo([])}>
              Dismiss
            </button>
          </div>
        )}
        <main className="app-main">
          <ProfileList
            profiles={profiles}
            selectedId={selected?.id ?? null}
            canCreate={canCreate}
            onSelect={(id) => {
              if (selection.kind !== 'profile' || selection.id !== id)
                leaveEditor(() => {
                  // What the last action did was about the connection shown before.
                  setShownStatus('');
                  setSelection({ kind: 'profile', id });
                });
            }}
            onConnect={(id) => {
              const profile = profiles.find((p) => p.id === id);
              if (!profile) return;
              // Another connection than the editor's: asked first (its unsaved changes would go), and connected only
              // once the user chose to discard them; the session would otherwise take the keys from the question.
              if (selection.kind === 'profile' && selection.id === id) openSession(profile, true);
              else
                leaveEditor(() => {
                  setSelection({ kind: 'profile', id });
                  openSession(profile, true);
                });
            }}
            onDelete={(id, listedNext) => {
              const profile = profiles.find((p) => p.id === id);
              if (!profile || profile.managed) return;
              listedAfterDelete.current = listedNext;
              setConfirmDelete(profile);
            }}
            onNew={() =>
              leaveEditor(() => {
                setServerErrors({});
                if (selection.kind !== 'new') beforeNew.current = selection;
                setShownStatus('');
                setSelection({ kind: 'new' });
              })
            }
            rowRequest={rowRequest}
            onImport={(files) => void importFiles(files)}
            sort={librarySort}
            onSortChange={(sort) => {
              // Sorted at once; only keeping it for the next start waits for the gateway, and says so if it fails.
              setLibrarySort(sort);
              saveLibrarySort(sort);
            }}
          />
          <section className="editor-pane" onFocus={(event) => (lastEditorFocus.current = event.target)}>
            {/* Always there, so screen readers hear it; shown beside the editor's Save where there is an editor (ProfileEditor's `status`). */}
            <p className={editorShown ? 'editor-status visually-hidden' : 'editor-status'} role="status" aria-live="polite">
              {status}
            </p>
            {state && passwordSavingAllowed && (
              <p className={state.secrets.weaker ? 'secrets-description weaker' : 'secrets-description'} data-testid="secrets-backend">
                {state.secrets.description}
              </p>
            )}
            {selection.kind === 'none' && profiles.length > 0 && <p className="empty">Choose a connection, or create a new one.</p>}
            {!selected && profiles.length === 0 && state && !canCreate && (
              <p className="empty" role="note">
                {noConnectionsNote(state.policy.invalidFile)}
              </p>
            )}
            {editorShown && (
              <ProfileEditor
                key={selected?.id ?? 'new'}
                profile={selected}
                allowedHosts={state?.policy.allowedHosts ?? null}
                saves={saves}
                clipboardPolicy={state?.policy.clipboard ?? 'both'}
                defaults={
                  // Where plain VNC and SPICE are not allowed, a new connection starts as RDP (encrypted), unless IT chose.
                  { ...(state && !state.policy.allowUnencrypted ? { protocol: 'rdp' } : {}), ...(state?.profileDefaults ?? {}) } as Partial<EditorValues>
                }
                serverErrors={serverErrors}
                busy={busy}
                passwordSavingAllowed={passwordSavingAllowed}
                passwordSavingBlocked={secretsUnusable ? 'Saved passwords cannot be read on this computer (see the notice above), so none can be saved here: you are asked for the password when you connect.' : null}
                onSave={(values, options) => void save(values, options)}
                onDirtyChange={(dirty) => {
                  setEditorDirty(dirty);
                  // "Saved" no longer tells what the form holds.
                  if (dirty) setShownStatus('');
                }}
                status={shownStatus}
                takeFocus={() => {
                  const target = editorFocus.current;
                  editorFocus.current = null;
                  return target;
                }}
                onCancelEdit={(revert) => leaveEditor(revert)}
                onCancelNew={(revert) =>
                  leaveEditor(() => {
                    revert();
                    setServerErrors({});
                    // Back to the connection shown before, if it is still there; the keys to its row (else to New connection).
                    const before = beforeNew.current;
                    const back = before.kind === 'profile' && profiles.some((p) => p.id === before.id) ? before : null;
                    setSelection(back ?? { kind: 'none' });
                    if (back) requestRow(back.id, true);
                    else if (profiles.length > 0) document.querySelector<HTMLElement>('nav[aria-label="Connections"] .list-header button')?.focus();
                  })
                }
                // The copy is made of the saved connection (with what the form does not show: its password, an
                // imported file's lines), so changes on screen are not silently left out: asked first, as elsewhere.
                onDuplicate={() =>
                  leaveEditor(() =>
                    void act(async () => {
                      if (!selected) return;
                      const copy = await api<ProfileView>('POST', API.duplicate(selected.id));
                      await loadProfiles();
                      // The copy's editor is made anew: its Name takes the focus, to be renamed.
                      editorFocus.current = 'name';
                      setSelection({ kind: 'profile', id: copy.id });
                      announce(`Duplicated “${selected.name}” as “${copy.name}”.`);
                    }),
                  )
                }
                onDelete={() => {
                  if (!selected) return;
                  listedAfterDelete.current = undefined;
                  setConfirmDelete(selected);
                }}
                onForgetPassword={() =>
                  void act(async () => {
                    if (!selected) return;
                    await api('DELETE', API.password(selected.id));
                    await loadProfiles();
                  })
                }
                onExport={(format) =>
                  selected &&
                  void act(async () => {
                    await downloadExport(selected.id, format);
                    // The file is the saved connection's: changes on screen are not in it, and the user is told.
                    announce(editorDirty ? `Exported the saved “${selected.name}”: the changes not saved are not in the file.` : `Exported “${selected.name}” as .${format}.`);
                  })
                }
              />
            )}
          </section>
        </main>
      </div>
      {sessions.map((s) => (
        // Hidden, never unmounted: a session in another tab keeps running.
        <div key={s.key} className="session-tab" role="tabpanel" id={`panel-${s.key}`} aria-labelledby={`tab-${s.key}`} hidden={activeTab !== s.key}>
          <SessionView
            profile={s.profile}
            active={activeTab === s.key}
            passwordSavingAllowed={passwordSavingAllowed}
            reconnectMaxDelayMs={state?.policy.reconnectMaxDelayMs}
            onClose={() => closeSession(s.key)}
            onProfileChanged={() => void loadProfiles()}
            onStateChange={(next) => sessionStates.current.set(s.key, next)}
            focusRequest={focusRequests[s.key] ?? 0}
          />
        </div>
      ))}
      {openedFile && (
        <OpenedFileDialog
          profile={openedFile.profile}
          consent={openedFile.consent}
          onConnect={(choice) => {
            const { profile } = openedFile;
            setOpenedFile(null);
            void act(async () => {
              const body: ConsentRequest = choice;
              openSession(await api<ProfileView>('POST', API.consent(profile.id), body));
            });
          }}
          onCancel={() => {
            setOpenedFile(null);
            announce(`Not connected to “${openedFile.profile.name}”.`);
          }}
        />
      )}
      {ticket && (
        <ModalDialog title={`Open “${ticket.name}”?`} onCancel={() => setTicket(null)}>
            <p>A .vv file is usually a one-time ticket from a broker. Connect now without keeping it, or save it as a connection (its password is never saved).</p>
            <div className="actions">
              <button
                type="button"
                className="primary"
                onClick={() => {
                  const file = ticket;
                  setTicket(null);
                  void importFile(file, 'open');
                }}
              >
                Connect now
              </button>
              <button
                type="button"
                onClick={() => {
                  const file = ticket;
                  setTicket(null);
                  void importFile(file, 'save');
                }}
              >
                Save as connection
              </button>
              <button type="button" onClick={() => setTicket(null)}>
                Cancel
              </button>
            </div>
        </ModalDialog>
      )}
      {confirmDelete && (
        <ModalDialog
          title={`Delete “${confirmDelete.name}”?`}
          onCancel={() => setConfirmDelete(null)}
          description={
            <>
              {deleteEndsSessions(confirmDelete.name, openSessionsOf(confirmDelete.id).length)}
              The connection and its saved password are removed from this computer.
            </>
          }
        >
            <div className="actions">
              <button
                type="button"
                className="danger"
                onClick={() => {
                  const target = confirmDelete;
                  setConfirmDelete(null);
                  // Its tabs, live or ended, close once the connection is gone (closing a live one disconnects it).
                  const tabs = sessions.filter((s) => s.profile.id === target.id).map((s) => s.key);
                  const live = openSessionsOf(target.id).length;
                  // As a file manager does: the next connection in the list (else the one before) is selected, and
                  // its row has the focus (the Delete button the dialog would give it back to goes away).
                  const before = libraryOrder(profiles, librarySort);
                  const index = before.findIndex((p) => p.id === target.id);
                  // The Delete key in the list: the row listed after it there (a search may hide the library's next one).
                  const listedNext = listedAfterDelete.current;
                  void act(async () => {
                    const { undoableForMs } = await api<DeletedProfile>('DELETE', API.profile(target.id));
                    // Undo for as long as the gateway said it keeps the connection, less a margin, counted from its
                    // answer (the list's reload below takes time from it too); none where its delete is final.
                    const offerMs = undoOfferMs(undoableForMs);
                    if (offerMs > 0) undoable.offer(target, offerMs);
                    if (tabs.length > 0) {
                      setSessions((s) => s.filter((x) => !tabs.includes(x.key)));
                      for (const key of tabs) sessionStates.current.delete(key);
                      setActiveTab((t) => (tabs.includes(t) ? 'library' : t));
                    }
                    const list = await loadProfiles();
                    const neighbour =
                      (listedNext ? list.find((p) => p.id === listedNext) : undefined) ??
                      [...before.slice(index + 1), ...before.slice(0, Math.max(index, 0)).reverse()].find((p) => list.some((q) => q.id === p.id)) ??
                      list[0];
                    // Another connection than the editor's (the Delete key in the list) leaves the editor as it is.
                    setSelection((current) =>
                      current.kind === 'profile' && current.id !== target.id && list.some((p) => p.id === current.id) ? current : neighbour ? { kind: 'profile', id: neighbour.id } : { kind: 'none' },
                    );
                    // The user's place: the row after the deleted one, as a file manager leaves it (selected too where
                    // the deleted one was the editor's). None listed after it (a search that found only it): the
                    // deleted one's id, which the list no longer has, gives the keys to Search.
                    requestRow(listedNext !== undefined ? (listedNext ?? target.id) : (neighbour?.id ?? null), true);
                    announce(`${live > 0 ? `Disconnected and deleted “${target.name}”.` : `Deleted “${target.name}”.`}${offerMs > 0 ? ` ${UNDO_KEYS.label} puts it back.` : ''}`);
                  });
                }}
              >
                {openSessionsOf(confirmDelete.id).length > 0 ? 'Disconnect and delete' : 'Delete'}
              </button>
              <button type="button" autoFocus onClick={() => setConfirmDelete(null)}>
                Cancel
              </button>
            </div>
        </ModalDialog>
      )}
      {confirmClose && (
        <ModalDialog title={`Disconnect from “${confirmClose.name}”?`} onCancel={() => setConfirmClose(null)}>
          <p>The session ends and its tab closes.</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              onClick={() => {
                const { key } = confirmClose;
                setConfirmClose(null);
                closeSession(key);
              }}
            >
              Disconnect
            </button>
            <button type="button" autoFocus onClick={() => setConfirmClose(null)}>
              Cancel
            </button>
          </div>
        </ModalDialog>
      )}
      {leaving && (
        <ModalDialog title="Discard your changes?" onCancel={keepEditing}>
          <p>{selected ? `The changes to “${selected.name}” are not saved.` : 'The new connection is not saved.'}</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              onClick={() => {
                const then = leaving.then;
                setLeaving(null);
                setEditorDirty(false);
                then();
              }}
            >
              Discard changes
            </button>
            <button type="button" autoFocus onClick={keepEditing}>
              Keep editing
            </button>
          </div>
        </ModalDialog>
      )}
    </div>
  );
}
