// The JSON control API (shared/api/contract.ts): profiles, saved passwords,
// sessions and their tickets. Access checks happen before this is reached.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  API,
  WS,
  type ApiErrorBody,
  type AppState,
  type CertificatePromptBody,
  type ConsentRequest,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type DeletedProfile,
  type LibrarySortRequest,
  type ProfileView,
  type SaveProfileRequest,
  type SavePasswordRequest,
  UNDO_DELETE_MS,
} from '../../../shared/api/contract';
import { isErrorCode, messageFor, type ErrorCode } from '../../../shared/errors/errorCodes';
import { isUnencrypted, validateProfileDraft, type Profile } from '../../../shared/profiles/profileSchema';
import type { Logger } from '../logging/logger';
import { ProfileStoreError } from '../profiles/profileStore';
import { ONE_SHOT_ID_PREFIX, PolicyRefusal, notFoundOrAmbiguous, type ProfileLibrary } from '../profiles/profileLibrary';
import type { ManagedPolicyStore } from '../policy/managedPolicy';
import { SecretsUnavailable, type SecretStore } from '../secrets/secretStore';
import { StorageError, folderOf, storageFailure } from '../profiles/storageErrors';
import { FileLockTimeout } from '../profiles/fileLock';
import type { SessionRegistry } from '../sessions/sessionRegistry';
import { formatTarget, targetForLogs, PROMPT_TICKET_TTL_MS, SPICE_TICKET_CONNECTIONS, type TicketBook } from '../tickets/sessionTickets';
import { describeCertificate, evaluateTrust, sha256Fingerprint } from '../certificates/certificateTrust';
import { openRdpTransport, requestedProtocolsFor } from '../bridges/rdp/rdpTransport';
import { HeldHostConnection } from '../bridges/heldHostConnection';
import type { CertificateJudge } from '../bridges/vncTls';
import { HeldRdpTransport, PROMPT_HOLD_MS, type SecuredTransport } from '../bridges/rdp/heldTransport';
import { connectionRequest } from '../bridges/rdp/x224';
import { DEFAULT_RELAY_TIMEOUTS, type RelayTimeouts } from '../bridges/tcpRelay';
import { spiceCertificateChain } from '../bridges/spiceTls';
import { spiceProxyOf } from '../bridges/httpConnectTunnel';
import type { HttpProxy } from '../../../shared/profiles/spiceProxy';
import { exportProfile, forgetImportedOriginal, importIntoLibrary, startProgramFromKeptOriginal } from '../profiles/connectionFileImport';
import { isStartProgramLabel, startProgramOnlyLabelled } from '../../../shared/connectionFiles/fileResult';
import { keyboardLayoutId } from '../../../shared/profiles/keyboardLayouts';
import { LIBRARY_SORT_CHOICES, isLibrarySort } from '../../../shared/profiles/libraryOrder';
import { LibraryPreferences } from '../profiles/libraryPreferences';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ControlApiDeps {
  version: string;
  shell: 'electron' | 'browser';
  connect: string | null;
  library: ProfileLibrary;
  policy: ManagedPolicyStore;
  secrets: SecretStore;
  sessions: SessionRegistry;
  tickets: TicketBook;
  logger: Logger;
  relayTimeouts?: RelayTimeouts;
  kiosk?: { enabled: boolean; onSessionEnd?: 'reconnect' | 'launcher' | 'quit' };
  onQuitRequested?: () => void;
  dataDir: string;
  /** How long a deleted connection can be put back (tests shorten it); UNDO_DELETE_MS otherwise. */
  undoDeleteMs?: number;
  /** A connection to open at start (a file given on the command line), already a one-shot profile id. */
  openAtStart?: () => string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // A JSON content type cannot be sent cross-site without a CORS preflight, which we never grant.
  if (!type.startsWith('application/json')) throw new HttpError(415, 'unsupported-media-type', 'Send the request body as application/json.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too-large', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad-json', 'The request body is not valid JSON.');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class ControlApi {
  /** RDP: the certificate check's connection while the user is asked about its certificate, by profile id. */
  private readonly prompted = new Map<string, { held: HeldRdpTransport; fingerprint: string; target: string }>();
  private readonly preferences: LibraryPreferences;

  constructor(private readonly deps: ControlApiDeps) {
    this.preferences = new LibraryPreferences(deps.dataDir);
  }

  /** Closes the connections kept for certificate questions (the gateway is stopping). */
  close(): void {
    for (const { held } of this.prompted.values()) held.release();
    this.prompted.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    try {
      await this.route(req, res, pathname);
    } catch (error) {
      const { status, body } = this.errorAnswer(error, pathname);
      sendJson(res, status, body);
    }
  }

  /** The answer to a request that failed with `error` (logged where IT would want to know). */
  private errorAnswer(error: unknown, pathname: string): { status: number; body: ApiErrorBody & Record<string, unknown> } {
    if (error instanceof HttpError) return { status: error.status, body: { error: error.code, message: error.message, ...error.extra } };
    if (error instanceof PolicyRefusal) {
      this.deps.logger.warn('refused by policy', { path: pathname, code: error.code });
      return { status: error.status, body: { error: error.code, message: error.message } };
    }
    if (error instanceof ProfileStoreError) return { status: error.code === 'not-found' ? 404 : 409, body: { error: error.code, message: error.message } };
    // 507: the gateway could not store what the request needs; the same request fails until the folder is mended.
    if (error instanceof StorageError) return { status: 507, body: { error: error.code, message: error.message } };
    // 503: a service DeskBridge depends on (the keychain) is not answering; the same request may work once it does.
    if (error instanceof SecretsUnavailable) return { status: 503, body: { error: error.code, message: error.message } };
    if (error instanceof FileLockTimeout) {
      this.deps.logger.warn('file locked', { path: pathname, error: error.message });
      return { status: 409, body: { error: 'busy', message: 'Another DeskBridge window is still saving. Try again in a moment.' } };
    }
    if (storageFailure(error, '', '', '')) {
      // A write elsewhere in the data folder (IT's connections' open fields, an imported file's copy …).
      const failure = storageFailure(error, folderOf(error, this.deps.dataDir), 'your changes', '')!;
      this.deps.logger.error('API request could not write', { path: pathname, code: failure.errno });
      return { status: 507, body: { error: failure.code, message: failure.message } };
    }
    this.deps.logger.error('API request failed', { path: pathname, error: (error as Error).message });
    return { status: 500, body: { error: 'internal', message: messageFor('internal') } };
  }

  private async route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const method = req.method ?? 'GET';
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent); // ['api', 'profiles', id, action]
    // Another window (a second gateway on this data folder) may have saved since: every call sees the files as they are.
    await this.deps.library.refresh();
    if (pathname === API.state && method === 'GET') return sendJson(res, 200, await this.state());
    if (pathname === API.librarySort && method === 'PUT') {
      const body = await readJson(req);
      const sort = isObject(body) ? (body as Partial<LibrarySortRequest>).sort : undefined;
      if (!isLibrarySort(sort)) throw new HttpError(400, 'bad-request', `Sort by ${LIBRARY_SORT_CHOICES}.`);
      await this.preferences.setSort(sort);
      res.writeHead(204).end();
      return;
    }
    if (pathname === API.importFile && method === 'POST') return sendJson(res, 201, await this.importFile(await readJson(req)));
    if (parts[0] === 'api' && parts[1] === 'profiles' && parts[2] && parts[3] === 'export' && method === 'GET') {
      const profile = this.deps.library.get(parts[2]);
      if (!profile) throw new HttpError(404, 'not-found', 'No connection with that id exists.');
      const format = new URL(req.url ?? '', 'http://x').searchParams.get('format') === 'remmina' ? 'remmina' : 'rdp';
      const exported = await exportProfile(profile, this.deps.dataDir, format);
      if (!exported.ok) throw new HttpError(422, 'export-refused', exported.message);
      const body = exported.bytes;
      const safeName = profile.name.replace(/[^\w .-]+/g, '_').slice(0, 80) || 'connection';
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename="${safeName}.${format}"`, 'Cache-Control': 'no-store' });
      res.end(Buffer.from(body));
      return;
    }
    if (pathname === API.quit && method === 'POST') {
      // Only kiosk mode lets the page end the app (its configured session-end action).
      if (!this.kioskEnabled() || !this.deps.onQuitRequested) throw new HttpError(403, 'forbidden', 'Only kiosk mode can quit from the page.');
      res.writeHead(204).end();
      setImmediate(() => this.deps.onQuitRequested?.());
      return;
    }
    if (pathname === API.profiles) {
      if (method === 'GET') return sendJson(res, 200, await this.listProfiles());
      if (method === 'POST') return sendJson(res, 201, await this.saveProfile(null, await readJson(req)));
    }
    if (parts[0] === 'api' && parts[1] === 'profiles' && parts[2]) {
      const id = parts[2];
      if (parts.length === 3) {
        if (method === 'PUT') return sendJson(res, 200, await this.saveProfile(id, await readJson(req)));
        if (method === 'DELETE') {
          // Undoable for a while (API.restore): the kept original goes when that ends.
          await this.deps.library.remove(id, { windowMs: this.deps.undoDeleteMs ?? UNDO_DELETE_MS, then: () => forgetImportedOriginal(this.deps.dataDir, id) });
          // The page offers Undo by this, not by a window of its own, so an Undo it offers finds the connection here.
          const answer: DeletedProfile = { undoableForMs: this.deps.library.undoableForMs(id) };
          return sendJson(res, 200, answer);
        }
      }
      if (parts[3] === 'restore' && method === 'POST') {
        let profile: Profile | null;
        try {
          profile = await this.deps.library.restore(id);
        } catch (error) {
          // Still deleted, and kept while its time lasts. Where the cause may pass (a folder that will take the file
          // once mended, a keychain that answers again, another window done saving), the answer says for how long
          // Undo may try again (RestoreErrorBody).
          const { status, body } = this.errorAnswer(error, pathname);
          const left = this.deps.library.undoableForMs(id);
          const mayPass = status === 507 || status === 503 || body.error === 'busy';
          const { error: code, message, ...rest } = body;
          throw new HttpError(status, code, message, left > 0 && mayPass ? { ...rest, undoableForMs: left } : rest);
        }
        if (!profile) throw new HttpError(404, 'not-found', 'The connection can no longer be put back: its delete is final.');
        this.deps.logger.info('deleted connection put back', { profile: id });
        return sendJson(res, 200, await this.deps.library.view(profile));
      }
      if (parts[3] === 'consent' && method === 'POST') {
        const body = await readJson(req);
        const shareClipboard = isObject(body) && (body as Partial<ConsentRequest>).shareClipboard === true;
        const runStartProgram = isObject(body) && (body as Partial<ConsentRequest>).runStartProgram === true;
        const fullscreen = isObject(body) && (body as Partial<ConsentRequest>).fullscreen === true;
        const profile = this.deps.library.consentToOpenedFile(id, { shareClipboard, runStartProgram, fullscreen });
        if (!profile) {
          this.deps.library.refuseHidden(id);
          throw new HttpError(404, 'not-found', 'No connection opened from a file has that id. It goes when the app quits.');
        }
        this.deps.logger.info('connection opened from a file confirmed', { profile: id, shareClipboard: profile.shareClipboard, startProgram: profile.startProgram !== '', fullscreen: profile.fullscreen });
        return sendJson(res, 200, await this.deps.library.view(profile));
      }
      if (parts[3] === 'duplicate' && method === 'POST') {
        return sendJson(res, 201, await this.deps.library.view(await this.deps.library.duplicate(id)));
      }
      if (parts[3] === 'password') {
        if (method === 'POST') {
          await this.savePassword(id, await readJson(req));
          res.writeHead(204).end();
          return;
        }
        if (method === 'DELETE') {
          await this.deps.library.forgetPassword(id);
          res.writeHead(204).end();
          return;
        }
      }
    }
    if (pathname === API.sessions && method === 'POST') return sendJson(res, 201, await this.createSession(await readJson(req)));
    if (parts[0] === 'api' && parts[1] === 'sessions' && parts[2] && parts.length === 3 && method === 'DELETE') {
      const session = this.deps.sessions.get(parts[2]);
      if (session) {
        // Told first, so a page that did not ask for this (kiosk, another tab) knows why.
        this.deps.sessions.fail(session, 'session-ended');
        this.deps.sessions.end(session, 'user-ended');
        // A SPICE ticket may still have channels to open: none opens once its session has ended.
        this.deps.tickets.revokeSession(session.id);
      }
      res.writeHead(204).end();
      return;
    }
    throw new HttpError(404, 'not-found', 'No such API call.');
  }

  /** Kiosk mode: the command line's --kiosk, or the policy's kiosk (read now: the policy may have changed). */
  kioskEnabled(): boolean {
    return this.deps.policy.policy.kiosk?.enabled === true || this.deps.kiosk?.enabled === true;
  }

  private async state(): Promise<AppState> {
    const { secrets, library, connect, policy } = this.deps;
    // A store that did not open is tried again where its key file changed (restored): the banner goes with it.
    await secrets.refresh?.();
    // Saved passwords that cannot be read (the encrypted file's key damaged) are said where the library shows problems.
    // Not where policy keeps saved passwords out of that file: it is not used then (library.secretsUnusable).
    const unusable = library.secretsUnusable;
    const notices = [...(unusable ? [unusable] : []), ...library.notices];
    let autoConnectProfileId: string | null = this.deps.openAtStart?.() ?? null;
    const policyKiosk = policy.policy.kiosk;
    const kioskEnabled = this.kioskEnabled();
    // Policy's kiosk profile wins over --connect: a thin client shows what IT set.
    const wanted = (policyKiosk?.enabled ? policyKiosk.profile : undefined) ?? connect ?? null;
    if (wanted && !autoConnectProfileId) {
      const found = library.matching(wanted);
      if (found.length === 1) autoConnectProfileId = found[0]!.id;
      else notices.push(notFoundOrAmbiguous(wanted, found, 'so nothing was opened at start'));
    }
    return {
      version: this.deps.version,
      shell: this.deps.shell,
      secrets: { backend: secrets.backend, description: library.secretsDescription, weaker: secrets.weaker, ...(unusable ? { unusable: true } : {}) },
      notices,
      autoConnectProfileId,
      autoConnectProfile: autoConnectProfileId ? await this.deps.library.view(library.get(autoConnectProfileId) as Profile).catch(() => null) : null,
      autoConnectConsent: autoConnectProfileId ? library.pendingConsent(autoConnectProfileId) : null,
      policy: policy.summary(),
      profileDefaults: policy.policy.profileDefaults,
      kiosk: { enabled: kioskEnabled, onSessionEnd: (policyKiosk?.enabled ? policyKiosk.onSessionEnd : undefined) ?? this.deps.kiosk?.onSessionEnd ?? 'reconnect' },
      librarySort: await this.preferences.sort(),
    };
  }

  private async listProfiles(): Promise<ProfileView[]> {
    // A session just opened shows under Recent: its time is written before the list is read.
    await this.deps.library.touchesWritten();
    return Promise.all(this.deps.library.list().map((p) => this.deps.library.view(p)));
  }

  private async saveProfile(id: string | null, body: unknown): Promise<ProfileView> {
    if (!isObject(body)) throw new HttpError(400, 'bad-request', 'Expected a JSON object.');
    const request = body as Partial<SaveProfileRequest>;
    const input = isObject(request.profile) ? request.profile : {};
    const withDefaults = id === null ? { ...this.deps.policy.policy.profileDefaults, ...input } : input;
    const validated = validateProfileDraft(withDefaults);
    if (!validated.ok) {
      throw new HttpError(400, 'validation', 'Some fields need attention.', { fields: validated.errors });
    }
    if (request.password !== undefined && typeof request.password !== 'string') {
      throw new HttpError(400, 'bad-request', 'The password must be text.');
    }
    // Refuse a forbidden password before saving anything, so nothing is half-done.
    if (request.password) {
      const refusal = this.deps.library.passwordSavingRefusal();
      if (refusal) throw refusal;
    }
    const library = this.deps.library;
    const saved = id === null ? await library.create(validated.value) : await library.update(id, validated.value);
    if (request.password !== undefined) {
      try {
        if (request.password === '') await library.forgetPassword(saved.id);
        else await library.savePassword(saved.id, request.password);
      } catch (error) {
        // The connection itself is saved: said, with it, so the page shows it saved (and a second Save does not make another).
        if (!(error instanceof SecretsUnavailable || error instanceof StorageError)) throw error;
        const status = error instanceof StorageError ? 507 : 503;
        const without = request.password === '' ? 'The connection was saved, with its old password still kept.' : 'The connection was saved without it.';
        throw new HttpError(status, error.code, `${error.message} ${without}`, { profile: await library.view(saved) });
      }
    }
    return library.view(saved);
  }

  private async importFile(body: unknown): Promise<{ profile: ProfileView; notes: string[]; alreadyImported?: true; sameConnection?: true }> {
    const request = isObject(body) ? body : {};
    const fileName = typeof request.fileName === 'string' ? request.fileName : '';
    const content = typeof request.contentBase64 === 'string' ? request.contentBase64 : null;
    const mode = request.mode === 'open' ? 'open' : 'save';
    if (!fileName || content === null) throw new HttpError(400, 'bad-request', 'Send the file name and its content.');
    const outcome = await importIntoLibrary(this.deps.library, this.deps.dataDir, fileName, new Uint8Array(Buffer.from(content, 'base64')), mode);
    if (!outcome.ok) throw new HttpError(400, 'import-failed', `${fileName}: ${outcome.error.message} Nothing was imported.`, { line: outcome.error.line });
    return {
      profile: await this.deps.library.view(outcome.profile),
      notes: outcome.notes,
      ...(outcome.alreadyImported ? { alreadyImported: true as const } : {}),
      ...(outcome.sameConnection ? { sameConnection: true as const } : {}),
    };
  }

  private async savePassword(id: string, body: unknown): Promise<void> {
    const password = isObject(body) ? (body as Partial<SavePasswordRequest>).password : undefined;
    if (typeof password !== 'string' || password === '') throw new HttpError(400, 'bad-request', 'Send the password to save.');
    await this.deps.library.savePassword(id, password);
  }

  private async createSession(body: unknown): Promise<CreateSessionResponse> {
    const request = (isObject(body) ? body : {}) as Partial<CreateSessionRequest>;
    if (typeof request.profileId !== 'string') throw new HttpError(400, 'bad-request', 'Name the connection to open.');
    const library = this.deps.library;
    let profile = library.get(request.profileId);
    if (!profile) {
      library.refuseHidden(request.profileId);
      throw new HttpError(404, 'not-found', 'No connection with that id exists. It may have been deleted.');
    }
    // INVARIANT: policy is checked before any byte goes to the host, the preflight included.
    library.checkConnect(profile);
    // INVARIANT: a file opened from outside the app reaches no host before the user has said yes to it.
    if (library.pendingConsent(profile.id)) throw new HttpError(409, 'consent-needed', 'This connection comes from a file opened from outside DeskBridge: confirm it before it connects.');
    // Imported before start programs were taken, its program only a label: read from the kept original now if the
    // start did not (it came since, from another window); where it cannot be (the file gone, or its program too long
    // to send), the user is told to enter it, not that it is unsupported.
    if (startProgramOnlyLabelled(profile.unsupportedFeatures)) {
      const read = await startProgramFromKeptOriginal(library, this.deps.dataDir, profile, this.deps.logger);
      if (read && 'profile' in read) profile = read.profile;
      else if (read && profile.unsupportedFeatures.every(isStartProgramLabel)) {
        // A file opened without being saved whose program is too long to send (its label startTextTooLong's): it has
        // no settings to enter one in, so it is told in one sentence, not sent to them.
        if (profile.id.startsWith(ONE_SHOT_ID_PREFIX)) throw new HttpError(422, 'start-program-too-long', messageFor('start-program-too-long'), { features: profile.unsupportedFeatures });
        throw new HttpError(422, 'start-program-unread', `${messageFor('start-program-unread')} ${read.unread}`, { features: profile.unsupportedFeatures, reason: read.unread });
      }
    }
    if (profile.unsupportedFeatures.length > 0) {
      throw new HttpError(422, 'feature-unsupported', `${messageFor('feature-unsupported')} (${profile.unsupportedFeatures.join('; ')})`, { features: profile.unsupportedFeatures });
    }
    const preflight = profile.protocol === 'rdp' ? await this.acceptedRdpCertificate(profile, request.acceptCertificate) : undefined;
    // SPICE over TLS: the certificate is judged before the session exists, as RDP's (the user may be asked).
    // SPICE through an HTTP proxy: every connection of the session, the certificate check's too, goes through it.
    const proxy = spiceProxyOf(profile);
    const spiceFingerprint = profile.protocol === 'spice' && profile.spiceSecurity === 'tls' ? await this.acceptedSpiceCertificate(profile, request.acceptCertificate, proxy) : undefined;
    const fingerprint = preflight?.fingerprint ?? spiceFingerprint;
    // "This computer's layout": what the page recognised (an unknown tag, or none, leaves the server's default).
    const layout = profile.keyboardLayout === 'local' ? (typeof request.localKeyboardLayout === 'string' ? request.localKeyboardLayout : 'auto') : profile.keyboardLayout;
    const session = this.deps.sessions.create(profile.id, profile.protocol, profile.host, profile.port, {
      keyboardLayout: keyboardLayoutId(layout),
      redirection: library.redirection(profile),
      ...(profile.protocol === 'rdp' ? { startProgram: { program: profile.startProgram, folder: profile.startFolder } } : {}),
    });
    // The preflight's connection waits for the session's RDCleanPath request; released with the session.
    if (preflight) session.heldTransport = new HeldRdpTransport(preflight.transport, preflight.x224Request);
    if (spiceFingerprint) session.hostTls = { fingerprint: spiceFingerprint };
    session.proxy = proxy;
    const target = formatTarget(profile.host, profile.port);
    const ticket = this.deps.tickets.mint({
      sessionId: session.id,
      profileId: profile.id,
      protocol: profile.protocol,
      endpoint: profile.protocol === 'rdp' ? 'rdcleanpath' : 'relay',
      host: profile.host,
      port: profile.port,
      // SPICE: one connection per channel, renewed while its channels open; RDP: used once the user has
      // answered the credentials prompt, which may take a while (sessionTickets.ts).
      ...(profile.protocol === 'spice'
        ? { connections: SPICE_TICKET_CONNECTIONS, renewedTtlMs: PROMPT_TICKET_TTL_MS }
        : { connections: 1, ...(profile.protocol === 'rdp' ? { renewedTtlMs: PROMPT_TICKET_TTL_MS } : {}) }),
      ...(fingerprint ? { certificateFingerprint: fingerprint } : {}),
    });
    // VNC: the server speaks first, so its greeting is on its way to the ticket's target while the page opens the relay (bridges/heldHostConnection.ts).
    if (profile.protocol === 'vnc') session.heldConnection = new HeldHostConnection(profile.host, profile.port);
    // Not read when it was just refused: the page asks the user instead.
    const withoutSavedPassword = request.withoutSavedPassword === true;
    const savedPassword = withoutSavedPassword ? null : await library.savedPassword(profile.id);
    // VNC: the gateway signs in with it (bridges/vncSignIn.ts); the page is never given it.
    // Begun on the connection opened above, as the server's bytes come, so it is under way while the page sets up.
    if (profile.protocol === 'vnc') {
      // A server with a certificate (VeNCrypt X509) is judged as RDP's, with this request's answer about it.
      const judge = this.vncCertificateJudge(profile, request.acceptCertificate);
      const requireTls = library.requiresEncryption();
      // Pinned, or set not to connect to an unverified server: only a certificate the gateway judges, never a
      // password in the clear or inside TLS with no server behind it (vncSignIn.ts requireVerifiedTls).
      const requireVerifiedTls = profile.pinnedCertificate !== null || profile.untrustedCertificate === 'refuse' || library.certificatePins(profile.host).length > 0;
      session.vncSignIn = { password: savedPassword, judge, requireTls, requireVerifiedTls };
      session.heldConnection?.signIn(session.vncSignIn);
    }
    // Written while the session connects, not before it: nothing here needs the new time.
    library.touch(profile);
    this.deps.logger.info('session created', { session: session.id, profile: profile.id, protocol: profile.protocol, target: targetForLogs(profile.host, profile.port), ...(session.proxy ? { proxy: formatTarget(session.proxy.host, session.proxy.port) } : {}) });
    const response: CreateSessionResponse = {
      sessionId: session.id,
      protocol: profile.protocol,
      relayPath: profile.protocol === 'rdp' ? '' : `${WS.relay}?ticket=${encodeURIComponent(ticket)}&target=${encodeURIComponent(target)}`,
      controlPath: `${WS.control}?session=${encodeURIComponent(session.id)}`,
      encrypted: !isUnencrypted(profile),
      savedPassword: profile.protocol === 'vnc' ? null : savedPassword,
      profile: await library.view(profile, withoutSavedPassword ? undefined : savedPassword),
      redirection: session.redirection,
    };
    if (profile.protocol === 'rdp') {
      response.rdp = {
        proxyPath: `${WS.rdcleanpath}?session=${encodeURIComponent(session.id)}`,
        authToken: ticket,
        destination: target,
        username: profile.username,
        domain: profile.domain,
        security: profile.rdpSecurity,
      };
    }
    return response;
  }

  /**
   * The certificate preflight (ARCHITECTURE.md): X.224 and the TLS handshake,
   * so the user decides about the certificate before IronRDP starts CredSSP.
   * Returns the fingerprint the ticket will be bound to and, when it is
   * trusted, the connection itself with the Connection Request it was opened
   * with, for the session to go on over (bridges/rdp/heldTransport.ts).
   * When the user must be asked, the connection is kept for the answer
   * (PROMPT_HOLD_MS): a request answering for that certificate goes on over
   * it instead of a second preflight. Otherwise the connection is closed.
   */
  private async acceptedRdpCertificate(profile: Profile, answer: CreateSessionRequest['acceptCertificate']): Promise<{ fingerprint: string; transport: SecuredTransport; x224Request: Uint8Array }> {
    // The bytes IronRDP sends for this profile's user (its routing cookie included), so they can match.
    const x224Request = connectionRequest(requestedProtocolsFor(profile.rdpSecurity), profile.username || undefined);
    let transport = this.answeredConnection(profile, answer, x224Request);
    if (!transport) {
      const opened = await openRdpTransport({
        host: profile.host,
        port: profile.port,
        x224Request,
        ...(this.deps.relayTimeouts ? { timeouts: this.deps.relayTimeouts } : {}),
      });
      if (opened.kind !== 'secured') {
        throw new HttpError(502, opened.code, messageFor(opened.code), { detail: opened.kind === 'failed' ? opened.detail : `negotiation failure ${opened.failureCode}` });
      }
      transport = opened;
    }
    try {
      const fingerprint = await this.judgedCertificate(profile, answer, transport.chain);
      return { fingerprint, transport, x224Request };
    } catch (error) {
      const leaf = transport.chain[0];
      if (error instanceof HttpError && error.status === 409 && leaf) {
        // The user is asked about this certificate: the connection waits for the answer.
        this.prompted.get(profile.id)?.held.release();
        this.prompted.set(profile.id, { held: new HeldRdpTransport(transport, x224Request, PROMPT_HOLD_MS), fingerprint: sha256Fingerprint(leaf), target: formatTarget(profile.host, profile.port) });
      } else {
        transport.socket.destroy();
      }
      throw error;
    }
  }

  /**
   * SPICE over TLS: the certificate its TLS port shows, judged as RDP's
   * (roots, policy CAs and pins, the profile's pin, this request's answer).
   * The connection made to see it is closed; each channel's own must then
   * show the same certificate (bridges/spiceTls.ts).
   */
  private async acceptedSpiceCertificate(profile: Profile, answer: CreateSessionRequest['acceptCertificate'], proxy: HttpProxy | null): Promise<string> {
    const seen = await spiceCertificateChain(profile.host, profile.port, this.deps.relayTimeouts?.connectMs ?? DEFAULT_RELAY_TIMEOUTS.connectMs, proxy);
    if (!seen.ok) throw new HttpError(502, seen.code, messageFor(seen.code), { detail: seen.detail });
    return await this.judgedCertificate(profile, answer, seen.chain);
  }

  /**
   * The connection kept while the user was asked about its certificate, when
   * this request answers for that very certificate, for the same server (the
   * profile may have been edited meanwhile) and with the same Connection
   * Request; else null (a new preflight). Nothing is kept afterwards.
   */
  private answeredConnection(profile: Profile, answer: CreateSessionRequest['acceptCertificate'], x224Request: Uint8Array): SecuredTransport | null {
    const profileId = profile.id;
    const prompted = this.prompted.get(profileId);
    if (!prompted) return null;
    this.prompted.delete(profileId);
    if (!answer || answer.fingerprintSha256 !== prompted.fingerprint || prompted.target !== formatTarget(profile.host, profile.port)) {
      prompted.held.release();
      return null;
    }
    const taken = prompted.held.take(x224Request);
    if (!taken.transport) this.deps.logger.debug('certificate check\u2019s connection not kept for the answer', { profile: profileId, why: taken.why });
    return taken.transport;
  }

  /**
   * VNC (VeNCrypt X509, bridges/vncTls.ts): the same judgement as RDP's
   * preflight, made on the session's own connection once its TLS is up and
   * before the sign-in answers anything inside it. What would be a 409 prompt
   * or a 403 here is the verdict's code and prompt instead: the relay ends
   * with it, and the session view asks the user as it does for RDP.
   */
  private vncCertificateJudge(profile: Profile, answer: CreateSessionRequest['acceptCertificate']): CertificateJudge {
    return async (chain) => {
      try {
        await this.judgedCertificate(profile, answer, chain);
        return { trusted: true };
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        const prompt = error.status === 409 ? (error.extra as unknown as CertificatePromptBody) : undefined;
        return { trusted: false, code: isErrorCode(error.code) ? error.code : 'tls-failed', detail: error.message, ...(prompt ? { prompt } : {}) };
      }
    };
  }

  /** The fingerprint of a trusted chain (pinned to the profile if the user asked to); a certificate prompt or refusal otherwise. */
  private async judgedCertificate(profile: Profile, answer: CreateSessionRequest['acceptCertificate'], chain: Uint8Array[]): Promise<string> {
    const leaf = chain[0];
    if (!leaf) throw new HttpError(502, 'tls-failed', messageFor('tls-failed'), { detail: 'no certificate' });
    const fingerprint = sha256Fingerprint(leaf);
    const acceptedOnce = answer && answer.fingerprintSha256 === fingerprint ? fingerprint : null;
    // The profile's own CA (a virt-viewer file's) adds to the system's and policy's; its subject, if any, replaces the host name check.
    const extraCas = [...this.deps.library.trustedCas(), ...(profile.caCertificate.trim() ? [profile.caCertificate] : [])];
    const identityNamed = profile.caCertificate.trim() !== '' || profile.certificateSubject.trim() !== '';
    const verdict = evaluateTrust({
      chain,
      host: profile.host,
      extraCas,
      ...(profile.certificateSubject.trim() ? { subject: profile.certificateSubject } : {}),
      policyPins: this.deps.library.certificatePins(profile.host),
      userPin: profile.pinnedCertificate,
      acceptedOnce,
      identityNamed,
    });
    // The connection names its server's identity (a console file's ca= or host-subject=, as oVirt and Proxmox hand
    // them out): a certificate that is not that one is refused, never asked about, as virt-viewer refuses it.
    if (identityNamed && verdict.kind === 'untrusted') {
      throw new HttpError(403, 'certificate-not-as-named', messageFor('certificate-not-as-named'), { certificate: describeCertificate(chain), reason: verdict.reason });
    }
    // A kiosk's answer pins nothing (the person at a shared device does not decide for every later user), and a
    // certificate that changed from the pinned one is refused there, not asked about: the page says so too, but the
    // gateway holds it whatever a page sends.
    const kiosk = this.kioskEnabled();
    const answeredAChange = verdict.kind === 'trusted' && verdict.by === 'accepted-once' && profile.pinnedCertificate !== null;
    if (kiosk && (verdict.kind === 'changed' || answeredAChange)) {
      throw new HttpError(403, 'certificate-changed', messageFor('certificate-changed'), { certificate: describeCertificate(chain), reason: 'the certificate is not the one pinned for this connection' });
    }
    if (verdict.kind === 'trusted') {
      if (verdict.by === 'accepted-once' && answer?.remember && !kiosk) {
        await this.deps.library.pinCertificate(profile, fingerprint);
        this.deps.logger.info('certificate pinned to profile', { profile: profile.id, fingerprint });
      }
      return fingerprint;
    }
    if (verdict.kind === 'policy-mismatch') {
      throw new HttpError(403, 'certificate-policy-mismatch', messageFor('certificate-policy-mismatch'), { certificate: describeCertificate(chain) });
    }
    const changed = verdict.kind === 'changed';
    // Set not to ask (an .rdp's authentication level 1, or IT's managed profile): refused, with what was met, for IT.
    if (profile.untrustedCertificate === 'refuse') {
      throw new HttpError(403, 'certificate-unverified', messageFor('certificate-unverified'), {
        certificate: describeCertificate(chain),
        reason: verdict.kind === 'untrusted' ? verdict.reason : 'the certificate is not the one trusted before',
      });
    }
    const prompt: CertificatePromptBody = {
      error: changed ? 'certificate-changed' : 'certificate-untrusted',
      message: messageFor(changed ? 'certificate-changed' : 'certificate-untrusted'),
      reason: verdict.kind === 'untrusted' ? verdict.reason : 'the certificate is not the one you chose to trust before',
      certificate: describeCertificate(chain),
      previousFingerprint: changed ? verdict.previous : null,
      host: profile.host,
    };
    throw new HttpError(409, prompt.error, prompt.message, { ...prompt });
  }
}
