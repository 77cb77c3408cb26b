// The profile library as the API sees it: the user's own profiles (the
// ProfileStore) and the managed ones IT ships in policy, with the policy's
// rules enforced here, in the gateway, whatever the UI shows.
import { messageFor, type ErrorCode } from '../../../shared/errors/errorCodes';
import { USER_CHOICE_FIELDS, comparableHost, hostAllowed, sessionRedirection, type ManagedProfile, type SessionRedirection } from '../../../shared/policy/policySchema';
import { isStartProgramLabel, startProgramOnlyLabelled } from '../../../shared/connectionFiles/fileResult';
import { isUnencrypted, profileDraftSchema, type Profile, type ProfileDraft } from '../../../shared/profiles/profileSchema';
import { spiceProxyOf } from '../bridges/httpConnectTunnel';
import type { OpenedFileConsent, ProfileView } from '../../../shared/api/contract';
import type { ManagedPolicyStore } from '../policy/managedPolicy';
import type { ManagedOverrides } from '../policy/managedOverrides';
import type { ProvisioningClient } from '../policy/provisioning';
import { profileAccount, SecretsUnavailable, type SecretStore } from '../secrets/secretStore';
import type { DeferredSecretDeletions } from '../secrets/deferredDeletions';
import { FileLockTimeout } from './fileLock';
import { folderOf, storageFailure } from './storageErrors';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logging/logger';
import { ProfileStoreError, type ProfileStore } from './profileStore';

export const MANAGED_ID_PREFIX = 'managed-';
export const ONE_SHOT_ID_PREFIX = 'oneshot-';

/** Where a one-shot connection came from, when a file was opened from outside the app (not the library's Import). */
export interface OpenedFile {
  fileName: string;
  format: string;
}

/** The file formats whose connections, opened from outside the app, wait for the user's yes: those mstsc and Remmina open straight, sharing what they ask. */
const CONFIRMED_FORMATS: ReadonlySet<string> = new Set(['rdp', 'remmina']);

/** A refusal the API turns into a status code and a stable error code. */
export class PolicyRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string = messageFor(code),
  ) {
    super(message);
  }
}

type DraftFields = Omit<Profile, 'id' | 'createdAt' | 'updatedAt' | 'lastConnectedAt'>;

/**
 * Why `nameOrId` opened nothing (`matches`: what ProfileLibrary.matching found, not one): no such connection, or
 * several with that name, with their ids to choose from. `consequence` ends the sentence.
 */
export function notFoundOrAmbiguous(nameOrId: string, matches: readonly Profile[], consequence: string): string {
  if (matches.length === 0) return `There is no saved connection named "${nameOrId}", ${consequence}.`;
  return `${matches.length} saved connections are named "${nameOrId}", ${consequence}: name one by its id (${matches.map((p) => p.id).join(', ')}).`;
}

/** A deleted connection's password is held a little past its undo window (at most as long again), so a restore in the last moment finds it. */
const UNDO_HOLD_MARGIN_MS = 10_000;

interface RemovedForUndo {
  profile: Profile;
  saved: boolean | undefined;
  /** When its undo window ends (its password is held a little longer: UNDO_HOLD_MARGIN_MS). */
  windowEnd: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** A restore under way: the window's end waits for it. */
  restoring: boolean;
  then: () => Promise<void>;
}

export class ProfileLibrary {
  /** Connections opened from a file (a .vv ticket) without being saved: memory only, with their one-time password. */
  private readonly oneShots = new Map<string, { profile: Profile; password: string | null; consent: OpenedFileConsent | null }>();
  /** The "last connected" writes under way (touch). */
  private touches: Promise<void> = Promise.resolve();
  /**
   * Whether a password is saved, by profile id, as last read or written here:
   * a list of N profiles would otherwise be N keychain reads (each a D-Bus round
   * trip with Secret Service, and N secrets brought into memory) just to show a
   * flag. Set by every save, forget and read of a password; a secret deleted
   * behind our back is seen at the next Connect, which reads it.
   */
  private readonly passwordSaved = new Map<string, boolean>();
  /** Counts saves and forgets, so a read that overlapped one does not record what it saw before it. */
  private passwordWrites = 0;
  /** Connections deleted with an undo whose window has not ended (remove(), restore()). */
  private readonly removedForUndo = new Map<string, RemovedForUndo>();
  /** Undo windows ending now (their password and kept file being removed), for finishRemovals() to wait for. */
  private readonly finishing = new Set<Promise<void>>();

  constructor(
    private readonly store: ProfileStore,
    private readonly policy: ManagedPolicyStore,
    private readonly overrides: ManagedOverrides,
    private readonly secrets: SecretStore,
    private readonly logger: Logger,
    private readonly provisioning: ProvisioningClient | null = null,
    /** Where the passwords of deleted connections the keychain would not remove then wait for the next start. */
    private readonly deferredDeletions: DeferredSecretDeletions | null = null,
  ) {}

  /** Removes the saved passwords of connections deleted while the keychain was not answering (at start). Never throws. */
  async retryDeferredDeletions(): Promise<void> {
    await this.deferredDeletions?.retry(this.secrets);
  }

  /**
   * A save or removal of a password that failed, in words the user can act on: the keychain not answering
   * (SecretsUnavailable), or the encrypted file's folder read-only or full (StorageError); another window
   * holding the encrypted file (busy). Anything else as it was.
   */
  private secretsFailure(error: unknown, doing: 'saved' | 'removed'): Error {
    if (error instanceof FileLockTimeout) return new ProfileStoreError('busy', 'Another DeskBridge window is still saving passwords. Try again in a moment.');
    if (this.secrets.backend === 'file') {
      const failure = storageFailure(error, folderOf(error, 'the data folder'), doing === 'saved' ? 'the password' : 'the change to the saved password', 'The password was not changed.');
      if (failure) return failure;
      return error as Error;
    }
    const said = (error as Error).message;
    // A locked keychain answers, with a refusal: its unlock prompt was dismissed, or none could be shown (no desktop).
    if (/\block|\bunlock|prompt/i.test(said)) {
      this.logger.warn('the keychain is locked', { error: said });
      return new SecretsUnavailable(`The password could not be ${doing}: the system keychain is locked and was not unlocked.`);
    }
    this.logger.warn('the keychain did not answer', { error: said });
    return new SecretsUnavailable(`The password could not be ${doing}: the system keychain did not answer.`);
  }

  get notices(): string[] {
    return [...this.store.notices, ...this.policy.summary().problems, ...(this.provisioning?.current.problems ?? [])];
  }

  /**
   * Picks up what another process on the same data folder (a second window's gateway) saved since this one
   * last read or wrote: a stat of each file when nothing changed.
   */
  async refresh(): Promise<void> {
    await Promise.all([this.store.refresh(), this.overrides.refresh()]);
  }

  /** IT's profiles: the policy file's, then the provisioned ones (the file wins on an id clash). */
  private managedSources(): ManagedProfile[] {
    const fromFile = this.policy.policy.profiles;
    const ids = new Set(fromFile.map((p) => p.id));
    const provisioned = (this.provisioning?.current.profiles ?? []).filter((p) => !ids.has(p.id));
    return [...fromFile, ...provisioned];
  }

  isManaged(id: string): boolean {
    return id.startsWith(MANAGED_ID_PREFIX);
  }

  private managedSource(id: string): ManagedProfile | undefined {
    return this.managedSources().find((p) => MANAGED_ID_PREFIX + p.id === id);
  }

  /** The fields of a managed profile the user may set: those IT leaves open in the policy as it is now, and the user's own choices. */
  private userFields(source: ManagedProfile): Set<string> {
    return new Set<string>([...source.openFields, ...USER_CHOICE_FIELDS]);
  }

  private managedProfile(source: ManagedProfile): Profile {
    const { id, openFields: _open, ...fields } = source;
    const stamp = new Date(0).toISOString();
    // Only fields open now: a field IT has since closed (or one a hand-edited file sets) is IT's value again.
    const open = this.userFields(source);
    const override = Object.fromEntries(Object.entries(this.overrides.get(MANAGED_ID_PREFIX + id)).filter(([key, value]) => open.has(key) && value !== undefined));
    return { ...fields, ...override, id: MANAGED_ID_PREFIX + id, createdAt: stamp, updatedAt: stamp, lastConnectedAt: this.overrides.lastConnected(MANAGED_ID_PREFIX + id) };
  }

  /** How many connections IT manages (policy file and provisioning) and how many are the user's own (shown or not: policy may allow only IT's). */
  counts(): { managed: number; user: number } {
    return { managed: this.managedSources().length, user: this.store.list().length };
  }

  /** Every profile the user may see: IT's first, then their own (unless policy allows only IT's). */
  list(): Profile[] {
    const managed = this.managedSources().map((p) => this.managedProfile(p));
    return this.policy.policy.allowUserProfiles ? [...managed, ...this.store.list()] : managed;
  }

  /**
   * A connection from a file that is not saved: it lives until the app exits. It is still the user's own connection,
   * so a policy that allows only IT's refuses it as it refuses saving one.
   */
  addOneShot(draft: ProfileDraft, password: string | null, openedFrom: OpenedFile | null = null): Profile {
    this.refuseUserProfiles();
    const now = new Date().toISOString();
    const profile: Profile = { ...profileDraftSchema.parse(draft), id: ONE_SHOT_ID_PREFIX + randomBytes(9).toString('base64url'), createdAt: now, updatedAt: now, lastConnectedAt: null };
    // An .rdp or .remmina opened from outside the app (double-clicked, an e-mail's attachment) waits for the user's
    // yes, and shares nothing it asks to share until the user ticks it (mstsc's dialog since April 2026).
    let consent: OpenedFileConsent | null = null;
    if (openedFrom && CONFIRMED_FORMATS.has(openedFrom.format) && this.policy.policy.confirmOpenedFiles) {
      const policyAllows = sessionRedirection(this.policy.policy);
      consent = {
        fileName: openedFrom.fileName,
        format: openedFrom.format,
        clipboardRequested: profile.shareClipboard && (policyAllows.clipboardToRemote || policyAllows.clipboardToLocal),
        fullscreenRequested: profile.fullscreen,
      };
      profile.shareClipboard = false;
      profile.fullscreen = false;
    }
    this.oneShots.set(profile.id, { profile, password, consent });
    return { ...profile };
  }

  /** What a connection opened from a file outside the app asks for, while the user has not said yes to it (null: nothing waits). */
  pendingConsent(id: string): OpenedFileConsent | null {
    const consent = this.oneShots.get(id)?.consent;
    return consent ? { ...consent } : null;
  }

  /**
   * The user's yes to a connection opened from a file outside the app: it may connect, sharing the clipboard only if
   * the file asked for it and the user ticked it. Never more than the file asked for.
   */
  consentToOpenedFile(id: string, choice: { shareClipboard: boolean; runStartProgram?: boolean; fullscreen?: boolean }): Profile | null {
    const oneShot = this.oneShots.get(id);
    if (!oneShot || !this.get(id)) return null;
    if (oneShot.consent) {
      oneShot.profile.shareClipboard = oneShot.consent.clipboardRequested && choice.shareClipboard;
      // Full screen only if ticked: a stranger's server filling the screen could pass for this computer's own.
      oneShot.profile.fullscreen = oneShot.consent.fullscreenRequested && choice.fullscreen === true;
      // A program the file asks the server to run as the user (an .rdp's alternate shell) runs only if ticked: a file
      // from a stranger naming the user's own server could otherwise run anything there under the user's sign-in.
      // Unticked, the desktop opens: a program too long to send (startTextTooLong's label, which refuses Connect) goes too.
      if (choice.runStartProgram !== true) {
        oneShot.profile.startProgram = '';
        oneShot.profile.startFolder = '';
        oneShot.profile.unsupportedFeatures = oneShot.profile.unsupportedFeatures.filter((label) => !isStartProgramLabel(label));
      }
      oneShot.consent = null;
    }
    return { ...oneShot.profile };
  }

  get(id: string): Profile | undefined {
    const oneShot = this.oneShots.get(id);
    // One opened before the policy came to allow only IT's connections is gone with the user's own.
    if (oneShot) return this.policy.policy.allowUserProfiles ? { ...oneShot.profile } : undefined;
    const source = this.managedSource(id);
    if (source) return this.managedProfile(source);
    if (!this.policy.policy.allowUserProfiles) return undefined;
    return this.store.get(id);
  }

  /**
   * Why get() found nothing for an id that is there but hidden by policy (a one-shot connection where policy now allows
   * only IT's): the refusal to give instead of "no such connection". Throws it; returns where there is none.
   */
  refuseHidden(id: string): void {
    if (this.oneShots.has(id)) this.refuseUserProfiles();
  }

  /** The profile `nameOrId` names: by its id, else by its name (any case) where no other has that name. */
  find(nameOrId: string): Profile | undefined {
    const matches = this.matching(nameOrId);
    return matches.length === 1 ? matches[0] : undefined;
  }

  /**
   * The profile with the id `nameOrId`, else every profile with that name (any case): more than one is ambiguous,
   * except that where one of them is IT's (managed) and the others the user's, IT's is the one meant: a user's
   * connection of the same name must not turn off a kiosk's or --connect's profile (a kiosk shows what IT set).
   * Two managed ones of that name, or only the user's own, stay ambiguous.
   */
  matching(nameOrId: string): Profile[] {
    const all = this.list();
    const byId = all.find((p) => p.id === nameOrId || p.id === MANAGED_ID_PREFIX + nameOrId);
    if (byId) return [byId];
    const named = all.filter((p) => p.name.toLocaleLowerCase() === nameOrId.toLocaleLowerCase());
    const managed = named.filter((p) => this.managedSource(p.id) !== undefined);
    return managed.length === 1 ? managed : named;
  }

  /** `savedPassword`: what savedPassword() just returned for it, so the keychain is not asked twice. */
  async view(profile: Profile, savedPassword?: string | null): Promise<ProfileView> {
    const source = this.managedSource(profile.id);
    return {
      ...profile,
      hasSavedPassword: savedPassword !== undefined ? savedPassword !== null : await this.hasSavedPassword(profile.id),
      managed: source ? { openFields: [...source.openFields] } : null,
    };
  }

  /**
   * Throws where the user may not keep connections of their own. Under the lockdown an unusable policy file
   * brings, the refusal names that file's problem: "only the connections it provides" would blame a rule IT never wrote.
   */
  private refuseUserProfiles(): void {
    if (this.policy.policy.allowUserProfiles) return;
    const summary = this.policy.summary();
    if (summary.invalidFile === 'blocked') throw new PolicyRefusal(403, 'policy-invalid', summary.problems[0] ?? messageFor('policy-invalid'));
    throw new PolicyRefusal(403, 'policy-no-user-profiles');
  }

  /**
   * A connection file's draft with IT's defaults (profileDefaults) in every field the file did not set
   * (`fileFields`): the parser filled those with built-in defaults, which would otherwise beat IT's in create().
   * What the file sets stays the file's (profileDefaults are defaults, not locks; IT locks only its managed profiles).
   */
  importedDraft(draft: ProfileDraft, fileFields: readonly (keyof ProfileDraft)[]): ProfileDraft {
    const fromFile = Object.fromEntries(fileFields.map((field) => [field, draft[field]]));
    const withDefaults = profileDraftSchema.safeParse({ ...this.policy.policy.profileDefaults, ...fromFile });
    // IT's defaults that do not fit this file's connection (a fixed size without one, say) leave the file's draft as it was.
    return withDefaults.success ? withDefaults.data : draft;
  }

  /** New profiles start from IT's defaults; what the user typed wins. */
  async create(input: Record<string, unknown>): Promise<Profile> {
    this.refuseUserProfiles();
    const draft = profileDraftSchema.parse({ ...this.policy.policy.profileDefaults, ...input });
    return this.store.create(draft);
  }

  async update(id: string, draft: ProfileDraft): Promise<Profile> {
    const source = this.managedSource(id);
    if (!source) {
      this.refuseUserProfiles();
      // A start program entered in one imported before start programs were taken (its file's program only a label,
      // its kept file gone): the connection now has its program, so the label, which refused Connect, goes.
      if (draft.startProgram !== '' && startProgramOnlyLabelled(draft.unsupportedFeatures)) {
        return this.store.update(id, { ...draft, unsupportedFeatures: draft.unsupportedFeatures.filter((label) => !isStartProgramLabel(label)) });
      }
      return this.store.update(id, draft);
    }
    // Only the open fields and the user's own choices may differ from IT's values; anything else is refused, not silently dropped.
    const current = this.managedProfile(source) as DraftFields;
    const open = this.userFields(source);
    // What is kept is only what the user changed from IT's value: an unchanged field stays IT's, and follows IT's updates.
    const itsValues = source as Record<string, unknown>;
    const override: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(draft)) {
      const same = JSON.stringify(value) === JSON.stringify((current as Record<string, unknown>)[key]);
      if (open.has(key)) {
        if (JSON.stringify(value) !== JSON.stringify(itsValues[key])) override[key] = value;
      } else if (!same) throw new PolicyRefusal(403, 'policy-managed-profile', `${messageFor('policy-managed-profile')} (field "${key}" is managed)`);
    }
    await this.overrides.set(id, override);
    return this.managedProfile(source);
  }

  /**
   * A start program read from the kept original file of a connection imported before start programs were taken,
   * saved into it: only the program, its folder and the label's removal, and only where the "Start program (…)" label
   * is still there on disk (a program entered in another window since is the user's, and stays). Gives back the
   * connection as it now is. Never IT's (it has no kept file).
   */
  async fillStartProgram(id: string, read: { startProgram: string; startFolder: string }): Promise<Profile> {
    if (this.managedSource(id)) throw new PolicyRefusal(403, 'policy-managed-profile');
    this.refuseUserProfiles();
    return this.store.patch(id, (existing) =>
      startProgramOnlyLabelled(existing.unsupportedFeatures)
        ? { ...read, unsupportedFeatures: existing.unsupportedFeatures.filter((label) => !isStartProgramLabel(label)) }
        : null,
    );
  }

  /** The user's connection was saved before DeskBridge read "Start in full screen" from files (ProfileStore). */
  storedWithoutFullscreen(id: string): boolean {
    return !this.isManaged(id) && this.store.storedWithoutFullscreen(id);
  }

  /** "Start in full screen" read from the kept originals of connections saved without it: see ProfileStore.fillFullscreen. */
  async fillFullscreen(values: ReadonlyMap<string, boolean>): Promise<string[]> {
    this.refuseUserProfiles();
    return this.store.fillFullscreen(new Map([...values].filter(([id]) => !this.isManaged(id))));
  }

  /**
   * Deletes a user's connection. With `undo`, for `undo.windowMs` it can be put back as it was (restore()), saved
   * password included: that password stays in the keychain meanwhile, held in the deferred deletions' file first
   * (no process removes it before the window's end; any removes it after), so that a gateway stopped or killed
   * before the window ends still has it removed at the next start. At the window's end (or finishRemovals()) it is
   * removed and `undo.then` runs (the kept original file goes).
   */
  async remove(id: string, undo?: { windowMs: number; then?: () => Promise<void> }): Promise<void> {
    if (this.isManaged(id)) throw new PolicyRefusal(403, 'policy-managed-profile');
    this.refuseUserProfiles();
    const removed = await this.store.remove(id);
    this.passwordWrites++;
    const saved = this.passwordSaved.get(id);
    this.passwordSaved.delete(id);
    if (undo && this.deferredDeletions) {
      const until = Date.now() + undo.windowMs + Math.min(UNDO_HOLD_MARGIN_MS, undo.windowMs);
      // Held whatever this process last knew of it: another window may have saved a password since.
      const held = await this.deferredDeletions.hold(profileAccount(id), until).then(() => true, () => false);
      if (held) {
        this.keepForUndo(removed, saved, undo);
        return;
      }
      // Nothing could be written (the data folder will not take the file): the password is removed now, and an
      // undo brings the connection back without it.
      await this.removeSavedPassword(id);
      this.keepForUndo(removed, false, undo);
      return;
    }
    await this.removeSavedPassword(id);
    await undo?.then?.();
  }

  private keepForUndo(profile: Profile, saved: boolean | undefined, undo: { windowMs: number; then?: () => Promise<void> }): void {
    const entry: RemovedForUndo = { profile, saved, windowEnd: Date.now() + undo.windowMs, timer: undefined, restoring: false, then: undo.then ?? (async () => undefined) };
    this.removedForUndo.set(profile.id, entry);
    this.armUndoTimer(entry, undo.windowMs);
  }

  private armUndoTimer(entry: RemovedForUndo, ms: number): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.finishRemoval(entry.profile.id), ms);
    entry.timer.unref();
  }

  /** Puts back a connection remove() deleted with an undo, while its window lasts; null once it has ended. */
  async restore(id: string): Promise<Profile | null> {
    const removed = this.removedForUndo.get(id);
    if (!removed || removed.restoring) return null;
    this.refuseUserProfiles();
    removed.restoring = true;
    let profile: Profile;
    try {
      profile = await this.store.restore(removed.profile);
    } catch (error) {
      // Still deleted, and still undoable while its window lasts (a window that ended meanwhile ends now).
      removed.restoring = false;
      this.armUndoTimer(removed, Math.max(0, removed.windowEnd - Date.now()));
      throw error;
    }
    clearTimeout(removed.timer);
    this.removedForUndo.delete(id);
    if (removed.saved !== undefined) this.passwordSaved.set(id, removed.saved);
    // The hold keeps every process from removing the password until its time; this ends it.
    await this.deferredDeletions?.forget(profileAccount(id)).catch((error: unknown) => {
      this.logger.warn('a restored connection\'s password is still noted for removal', { profile: id, error: (error as Error).message });
    });
    return profile;
  }

  /** How long restore() can still put back `id`, deleted with an undo, in milliseconds; 0 once its window ended, or none was kept. */
  undoableForMs(id: string): number {
    const removed = this.removedForUndo.get(id);
    return removed && !removed.restoring ? Math.max(0, removed.windowEnd - Date.now()) : 0;
  }

  /** Ends every undo window now (the gateway closing): those connections' passwords and kept files go. */
  async finishRemovals(): Promise<void> {
    await Promise.all([...[...this.removedForUndo.keys()].map((id) => this.finishRemoval(id)), ...this.finishing]);
  }

  private async finishRemoval(id: string): Promise<void> {
    const removed = this.removedForUndo.get(id);
    if (!removed || removed.restoring) return;
    clearTimeout(removed.timer);
    this.removedForUndo.delete(id);
    const done = (async () => {
      const account = profileAccount(id);
      try {
        // Removed whatever this process last knew of it (another window may have saved one meanwhile).
        await this.secrets.delete(account);
        await this.deferredDeletions?.forget(account);
        // The keychain answers: what an earlier delete left behind goes too (a hold only once its time is over).
        await this.deferredDeletions?.retry(this.secrets);
      } catch (error) {
        // Its hold stays in the file and runs out: the next start (or delete) removes it.
        this.logger.warn('saved password of a deleted connection not removed; trying again at the next start', { profile: id, error: (error as Error).message });
      }
      await removed.then().catch((error: unknown) => this.logger.warn('a deleted connection\'s kept file not removed', { profile: id, error: (error as Error).message }));
    })();
    this.finishing.add(done);
    await done.finally(() => this.finishing.delete(done));
  }

  /** A deleted connection's saved password removed now; where the keychain will not, noted for the next start. */
  private async removeSavedPassword(id: string): Promise<void> {
    const account = profileAccount(id);
    try {
      await this.secrets.delete(account);
    } catch (error) {
      // The connection is gone, as asked (as Remmina and mstsc delete a connection whatever its password store says);
      // its password is removed at the next start rather than left behind. Where that cannot even be noted, the user is told.
      this.logger.warn('saved password of a deleted connection not removed; trying again at the next start', { profile: id, error: (error as Error).message });
      try {
        if (!this.deferredDeletions) throw error;
        await this.deferredDeletions.remember(account);
      } catch {
        const failure = this.secretsFailure(error, 'removed');
        failure.message = `The connection was deleted, but its saved password could not be removed: ${failure.message.replace(/^The password could not be removed: /, '')}`;
        throw failure;
      }
      return;
    }
    // The keychain answers again: what an earlier delete left behind goes too (a hold only once its time is over).
    await this.deferredDeletions?.retry(this.secrets);
  }

  async duplicate(id: string): Promise<Profile> {
    if (this.isManaged(id)) throw new PolicyRefusal(403, 'policy-managed-profile');
    this.refuseUserProfiles();
    return this.store.duplicate(id);
  }

  /** Pins a certificate the user chose to trust always. Allowed on managed profiles too: it is the user's own trust decision, and a policy pin still wins. */
  async pinCertificate(profile: Profile, fingerprint: string): Promise<void> {
    if (this.isManaged(profile.id)) {
      this.logger.info('not pinning on a managed profile; trusted for this connection only', { profile: profile.id });
      return;
    }
    const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, ...draft } = profile;
    await this.store.update(profile.id, { ...draft, pinnedCertificate: fingerprint });
  }

  // --- passwords ---

  /** Where saved passwords go: the system keychain, or the encrypted file where there is none. */
  get secretsBackend(): SecretStore['backend'] {
    return this.secrets.backend;
  }

  /**
   * Why saved passwords can be neither read nor saved (the encrypted file's key damaged), in words for the user; else
   * null. Also null where policy keeps saved passwords out of the encrypted file (`never`, or `keychain-only` without a
   * keychain): the file is not used then, so a damaged key changes nothing the user sees, and blaming it would send
   * them to restore a file that would still not be used. Read with the policy of now: IT may change it while running.
   */
  get secretsUnusable(): string | null {
    if (!this.secrets.unusable) return null;
    return this.passwordSavingRefusal() ? null : this.secrets.unusable;
  }

  /** The store in words for the page, as secretsUnusable() sees it: a store policy does not use is not described as broken. */
  get secretsDescription(): string {
    if (this.secrets.unusable && !this.secretsUnusable) return messageFor('policy-no-saved-passwords');
    return this.secrets.description;
  }

  passwordSavingRefusal(): PolicyRefusal | null {
    const rule = this.policy.policy.passwords.save;
    if (rule === 'never') return new PolicyRefusal(403, 'policy-no-saved-passwords');
    if (rule === 'keychain-only' && this.secrets.backend !== 'keychain') {
      return new PolicyRefusal(403, 'policy-no-saved-passwords', `${messageFor('policy-no-saved-passwords')} No system keychain is running, and policy forbids the weaker file.`);
    }
    return null;
  }

  async savePassword(id: string, password: string): Promise<void> {
    if (!this.get(id)) throw new ProfileStoreError('not-found', 'No connection with that id exists. It may have been deleted.');
    const refusal = this.passwordSavingRefusal();
    if (refusal) throw refusal;
    await this.writePassword(id, true, () => this.secrets.set(profileAccount(id), password)).catch((error: unknown) => {
      throw this.secretsFailure(error, 'saved');
    });
  }

  async forgetPassword(id: string): Promise<void> {
    await this.writePassword(id, false, () => this.secrets.delete(profileAccount(id))).catch((error: unknown) => {
      throw this.secretsFailure(error, 'removed');
    });
  }

  /** A save or forget, with the "password saved" flag unknown while it is under way (passwordSaved). */
  private async writePassword(id: string, saved: boolean, write: () => Promise<void>): Promise<void> {
    this.passwordWrites++;
    this.passwordSaved.delete(id);
    await write();
    this.passwordSaved.set(id, saved);
  }

  /** Whether savedPassword() would give a password, from what is known here when it can (passwordSaved). */
  async hasSavedPassword(id: string): Promise<boolean> {
    const saved = await this.passwordSavedOrUnreadable(id);
    if (typeof saved === 'boolean') return saved;
    // A connect goes on and asks for the password: "none saved" is the useful answer here (--list says unknown).
    // A store that could not be opened was said once at start (its notice), not again for every connection listed.
    if (!this.secrets.unusable) this.logger.warn('could not read the secrets store', { error: saved.unreadable });
    return false;
  }

  /**
   * For `deskbridge --list`: whether a password is saved, as hasSavedPassword() tells it, except where the secrets
   * store could not be read: then `unreadable` says why, and `wholeStore` whether that was the store itself (it
   * could not be opened, the keychain did not answer: every other read would fail alike, so --list asks no more)
   * or this one entry (the others may still be read). hasSavedPassword() answers "no" there (a connect goes on
   * and asks for the password), which a list IT acts on would state as a fact.
   */
  async passwordSavedOrUnreadable(id: string): Promise<boolean | { unreadable: string; wholeStore: boolean }> {
    const oneShot = this.oneShots.get(id);
    if (oneShot) return oneShot.password !== null;
    if (this.passwordSavingRefusal()) return false;
    const known = this.passwordSaved.get(id);
    if (known !== undefined) return known;
    try {
      return (await this.readSavedPassword(id)) !== null;
    } catch (error) {
      return { unreadable: (error as Error).message, wholeStore: error instanceof SecretsUnavailable };
    }
  }

  /** A saved password, unless policy forbids using saved passwords (then it is as if none were saved). */
  async savedPassword(id: string): Promise<string | null> {
    // A one-shot's password came with its file for this connection; it was never saved.
    const oneShot = this.oneShots.get(id);
    if (oneShot) return oneShot.password;
    if (this.passwordSavingRefusal()) return null;
    try {
      return await this.readSavedPassword(id);
    } catch (error) {
      this.logger.warn('could not read the secrets store', { error: (error as Error).message });
      return null;
    }
  }

  /** The secrets store's answer for a connection, recorded in passwordSaved; throws where the store cannot be read. */
  private async readSavedPassword(id: string): Promise<string | null> {
    const writes = this.passwordWrites;
    const password = await this.secrets.get(profileAccount(id));
    if (writes === this.passwordWrites) this.passwordSaved.set(id, password !== null);
    return password;
  }

  // --- connections ---

  /**
   * Records the connection for "recent connections". Never fails (a write
   * that fails is logged), and a connect need not wait for it: the write
   * syncs to disk, which on a thin client's flash can take tens of ms.
   * touchesWritten() is when every time recorded so far is written.
   */
  touch(profile: Profile): void {
    if (this.oneShots.has(profile.id)) return;
    const written = (this.isManaged(profile.id) ? this.overrides.touch(profile.id) : this.store.touch(profile.id)).catch((error: unknown) => {
      this.logger.warn('could not record the last connection time', { error: (error as Error).message });
    });
    this.touches = Promise.all([this.touches, written]).then(() => undefined);
  }

  /** Resolves once the connection times recorded so far are written (or their failure logged). */
  touchesWritten(): Promise<void> {
    return this.touches;
  }

  /** Checks a connection against policy before anything touches the network. */
  checkConnect(profile: Profile): void {
    const policy = this.policy.policy;
    // Through a SPICE proxy, the proxy is the one host this computer connects to (its target may be a ticket only it resolves).
    const proxy = spiceProxyOf(profile);
    if (!hostAllowed(proxy ? proxy.host : profile.host, policy.allowedHosts)) throw new PolicyRefusal(403, 'policy-host-forbidden');
    // VNC goes on where policy forbids the unencrypted: the gateway then signs in only inside TLS (requiresEncryption).
    if (isUnencrypted(profile) && !policy.allowUnencrypted && profile.protocol !== 'vnc') throw new PolicyRefusal(403, 'policy-unencrypted-forbidden');
  }

  /** Policy forbids unencrypted connections: a VNC session must be signed in to inside VeNCrypt's TLS, or not at all. */
  requiresEncryption(): boolean {
    return !this.policy.policy.allowUnencrypted;
  }

  /** What a session of this profile may carry besides the desktop (clipboard, files): the policy's, less what the profile turns off. */
  redirection(profile: Profile): SessionRedirection {
    const allowed = sessionRedirection(this.policy.policy);
    if (profile.shareClipboard) return allowed;
    return { ...allowed, clipboardToRemote: false, clipboardToLocal: false };
  }

  /** The policy's pins for a host, its keys compared as hosts are (any case, a final dot, IPv6 brackets). */
  certificatePins(host: string): string[] {
    const wanted = comparableHost(host);
    return Object.entries(this.policy.policy.certificatePins).flatMap(([key, pins]) => (comparableHost(key) === wanted ? pins : []));
  }

  trustedCas(): string[] {
    return this.policy.policy.trustedCaCertificates;
  }
}
