// The gateway: Electron-free Node that both shells start. It serves the
// renderer and the control API on 127.0.0.1 and bridges sessions to hosts.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { START_PATH } from '../../shared/api/contract';
import { AccessControl } from './http/accessControl';
import { ControlApi } from './http/controlApi';
import { createGatewayServer } from './http/gatewayServer';
import { createLogger } from './logging/logger';
import { ProfileStore } from './profiles/profileStore';
import { PolicyRefusal, ProfileLibrary } from './profiles/profileLibrary';
import { ManagedPolicyStore, machinePolicyPath } from './policy/managedPolicy';
import { ManagedOverrides } from './policy/managedOverrides';
import { ProvisioningClient } from './policy/provisioning';
import { fullscreenFromKeptOriginals, importIntoLibrary, startProgramsFromKeptOriginals, sweepKeptOriginals } from './profiles/connectionFileImport';
import { openSecretStore, profileAccount, unopenedSecretStore } from './secrets/secretStore';
import { SessionRegistry } from './sessions/sessionRegistry';
import { TicketBook, targetForLogs } from './tickets/sessionTickets';
import { ConnectionErrorLog } from './diagnostics/connectionErrorLog';
import { writeDiagnostics } from './diagnostics/diagnosticsBundle';
import { DeferredSecretDeletions } from './secrets/deferredDeletions';
import { warmUpTrustRoots } from './certificates/certificateTrust';
import { prepareLogFile } from './logging/fileLog';
import type { GatewayOptions, RunningGateway } from './types';

export type { GatewayOptions, RunningGateway } from './types';
export { collectDiagnostics } from './diagnostics/diagnosticsBundle';
export { machinePolicyPath } from './policy/managedPolicy';
export { checkPolicyFile } from './policy/policyCheck';
export { createLogger } from './logging/logger';
export { importIntoLibrary, exportProfile } from './profiles/connectionFileImport';
export { PolicyRefusal, notFoundOrAmbiguous } from './profiles/profileLibrary';

export function packageVersion(): string {
  try {
    // The bundle sits in dist/, the package.json one folder up; in tests, three up.
    const require = createRequire(import.meta.url);
    for (const candidate of ['../package.json', '../../package.json', '../../../package.json']) {
      try {
        const pkg = require(candidate) as { name?: string; version?: string };
        if (pkg.name === 'deskbridge' && pkg.version) return pkg.version;
      } catch {
        // try the next candidate
      }
    }
  } catch {
    // fall through
  }
  return '0.0.0';
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ file: prepareLogFile(options.dataDir) });
  const profiles = await ProfileStore.open(options.dataDir, logger.child('profiles'));
  // Saved passwords that cannot be read (the encrypted file's key damaged) do not stop the app: it starts without
  // them, says so on the library page, and every connection asks for its password. Opened again, as here, once the
  // key file changes (restored, its permissions mended): the passwords come back without a restart.
  const openSecrets = () => openSecretStore({ dataDir: options.dataDir, keyDir: options.secretsKeyDir, logger: logger.child('secrets') });
  const secrets =
    options.secrets ??
    (await openSecrets().catch((error: unknown) => {
      logger.child('secrets').error('saved passwords cannot be read; starting without them', { error: (error as Error).message });
      return unopenedSecretStore(error as Error, async () => {
        const reopened = await openSecrets();
        logger.child('secrets').info('saved passwords can be read again: the key file changed');
        return reopened;
      });
    }));
  const access = new AccessControl();
  const connectionErrors = new ConnectionErrorLog(options.dataDir);
  await connectionErrors.load();
  const sessions = new SessionRegistry((session, code, detail) =>
    connectionErrors.record({ sessionId: session.id, profileId: session.profileId, protocol: session.protocol, target: targetForLogs(session.host, session.port), code, detail: detail ?? null }),
  );
  const tickets = new TicketBook(Date.now, options.ticketTtlMs);
  const policy = new ManagedPolicyStore(
    { machineFile: options.machinePolicyFile ?? machinePolicyPath(), commandLineFile: options.policyFile ?? null, cacheDir: options.dataDir },
    logger.child('policy'),
  );
  await policy.load();
  policy.watch();
  const overrides = await ManagedOverrides.open(options.dataDir);
  // The provisioning URL is read once at start; a policy change to it applies at the next start.
  const provisioningConfig = policy.policy.provisioning;
  const provisioning = provisioningConfig
    ? new ProvisioningClient(provisioningConfig, options.dataDir, () => policy.policy.trustedCaCertificates, logger.child('provisioning'))
    : null;
  if (provisioning) {
    try {
      await provisioning.start();
    } catch (error) {
      policy.addProblem(`The provisioning settings in the policy are unusable (${(error as Error).message}).`);
    }
  }
  const deferredDeletions = new DeferredSecretDeletions(options.dataDir, logger.child('secrets'));
  const library = new ProfileLibrary(profiles, policy, overrides, secrets, logger.child('library'), provisioning, deferredDeletions);
  // Connections imported before "Start in full screen" was read: its value from the kept original, once, so that an
  // export keeps the file's line. First: any save (a start program read below) stores every connection's value.
  await fullscreenFromKeptOriginals(library, options.dataDir, logger.child('library'));
  // Connections imported before start programs were taken: their program read from the kept original, once, before
  // the page lists them, so the list, the settings and an export show it (createSession reads it too, for one that
  // comes later from another window).
  await startProgramsFromKeptOriginals(library, options.dataDir, logger.child('library'));
  // Passwords of connections deleted while the keychain was not answering (or whose undo window a stopped gateway
  // left open): removed now that it may. Then the kept original files of connections gone that way.
  const retriedDeletions = library.retryDeferredDeletions().then(async () => {
    const held = new Set(await deferredDeletions.accounts());
    const swept = await sweepKeptOriginals(options.dataDir, (id) => library.get(id) !== undefined || held.has(profileAccount(id))).catch(() => []);
    if (swept.length > 0) logger.info('kept original files of deleted connections removed', { files: swept.length });
  });
  let openAtStart: string | null = null;
  // A kiosk shows IT's one connection: a file opened on it (a double-click, a second start) would replace it.
  const kioskOn = () => policy.policy.kiosk?.enabled === true || options.kiosk?.enabled === true;
  const KIOSK_OPENS_NO_FILE = 'this computer is a kiosk: it opens only the connection IT set up for it.';
  if (options.openFile && kioskOn()) {
    policy.addProblem(`${options.openFile.fileName} was not opened: ${KIOSK_OPENS_NO_FILE}`);
  } else if (options.openFile) {
    try {
      const opened = await importIntoLibrary(library, options.dataDir, options.openFile.fileName, options.openFile.bytes, 'open', { fromOutside: true });
      if (opened.ok) openAtStart = opened.profile.id;
      else policy.addProblem(`${options.openFile.fileName} could not be opened: ${opened.error.message}`);
    } catch (error) {
      // Policy allows only IT's connections: the app starts and says why the file was not opened.
      if (!(error instanceof PolicyRefusal)) throw error;
      policy.addProblem(`${options.openFile.fileName} could not be opened: ${error.message}`);
    }
  }
  const api = new ControlApi({
    dataDir: options.dataDir,
    openAtStart: () => {
      // Opened once: a reload of the page does not connect it again.
      const id = openAtStart;
      openAtStart = null;
      return id;
    },
    ...(options.relayTimeouts ? { relayTimeouts: options.relayTimeouts } : {}),
    ...(options.undoDeleteMs !== undefined ? { undoDeleteMs: options.undoDeleteMs } : {}),
    ...(options.kiosk ? { kiosk: options.kiosk } : {}),
    ...(options.onQuitRequested ? { onQuitRequested: options.onQuitRequested } : {}),
    version: packageVersion(),
    shell: options.shell,
    connect: options.connect ?? null,
    library,
    policy,
    secrets,
    sessions,
    tickets,
    logger: logger.child('api'),
  });
  const server = createGatewayServer({ access, api, sessions, tickets, rendererDir: options.rendererDir, logger, ...(options.relayTimeouts ? { relayTimeouts: options.relayTimeouts } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // INVARIANT: the gateway listens on loopback only.
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  access.setPort(port);
  logger.info('gateway listening', { origin: access.origin, secrets: secrets.backend });
  // An RDP connect checks the server's certificate first. Parse the system's roots for that
  // now, while the browser or window is still starting, instead of during the first connect.
  if (library.list().some((profile) => profile.protocol === 'rdp')) setImmediate(warmUpTrustRoots).unref();
  return {
    port,
    origin: access.origin,
    startUrl: () => `${access.origin}${START_PATH}?code=${access.mintStartCode()}`,
    kioskEnabled: () => api.kioskEnabled(),
    openFile: async (file) => {
      if (kioskOn()) return { ok: false, message: KIOSK_OPENS_NO_FILE };
      let opened: Awaited<ReturnType<typeof importIntoLibrary>>;
      try {
        opened = await importIntoLibrary(library, options.dataDir, file.fileName, file.bytes, 'open', { fromOutside: true });
      } catch (error) {
        // Policy allows only IT's connections: said, as at start.
        if (error instanceof PolicyRefusal) return { ok: false, message: error.message };
        throw error;
      }
      if (!opened.ok) return { ok: false, message: opened.error.message };
      // The next page to load (the window opened for it) connects it.
      openAtStart = opened.profile.id;
      return { ok: true };
    },
    writeDiagnostics: (outDir: string) =>
      writeDiagnostics({
        dataDir: options.dataDir,
        outDir,
        version: packageVersion(),
        policy: policy.policy,
        policySummary: policy.summary(),
        secretsBackend: secrets.backend,
        secretsUnopened: secrets.unopened ?? null,
        profileCount: library.list().length,
        managedProfileCount: library.counts().managed,
        userProfileCount: library.counts().user,
        notices: library.notices,
        connectionErrors: connectionErrors.list(),
      }),
    close: async () => {
      await retriedDeletions;
      api.close();
      policy.close();
      provisioning?.stop();
      await connectionErrors.flush();
      // The last connection times under way are written (each under the file's lock) before the gateway is gone.
      await library.touchesWritten();
      sessions.close();
      // Deletes that could still be undone are final now (their passwords and kept files go). A keychain that does
      // not answer does not hold up quitting: what is left is held in secrets-to-delete.json for the next start.
      await Promise.race([library.finishRemovals(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The profile library without a running gateway, for the CLI's --list, --import, --export and --save-password.
 * `unreadableSecrets`: a password store that cannot be opened (the encrypted file's key unreadable) does not stop
 * it; every use of it fails with why, which --list reports as "unknown"; --save-password says it (after the name and
 * the policy) and saves nothing.
 */
export async function openOfflineLibrary(options: { dataDir: string; policyFile: string | null; machinePolicyFile: string; unreadableSecrets?: 'tolerate' }): Promise<ProfileLibrary> {
  const quiet = createLogger({ sink: () => undefined });
  const profiles = await ProfileStore.open(options.dataDir, quiet);
  const opening = openSecretStore({ dataDir: options.dataDir, logger: quiet });
  const secrets = options.unreadableSecrets === 'tolerate' ? await opening.catch((error: unknown) => unopenedSecretStore(error as Error)) : await opening;
  const policy = new ManagedPolicyStore({ machineFile: options.machinePolicyFile, commandLineFile: options.policyFile, cacheDir: options.dataDir }, quiet);
  await policy.load();
  const overrides = await ManagedOverrides.open(options.dataDir);
  const library = new ProfileLibrary(profiles, policy, overrides, secrets, quiet);
  // As at the app's start, before the CLI's own saves (an --import stores every connection's value).
  await fullscreenFromKeptOriginals(library, options.dataDir, quiet);
  return library;
}
