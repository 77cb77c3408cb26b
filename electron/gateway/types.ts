// The gateway's entry contract, used by both shells (electron/main and the CLI).
import type { Logger } from './logging/logger';
import type { RelayTimeouts } from './bridges/tcpRelay';
import type { SecretStore } from './secrets/secretStore';

export interface GatewayOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Folder for profiles.json and other user data. Created if missing. */
  dataDir: string;
  shell: 'electron' | 'browser';
  /** Profile name or id to open at start (--connect). Resolved when the renderer asks for /api/state. */
  connect?: string | null;
  /** Folder holding the built renderer (dist/renderer). */
  rendererDir: string;
  logger?: Logger;
  /** Where the fallback secrets key lives; defaults outside dataDir (see secrets/). */
  secretsKeyDir?: string;
  /** Tests only: the secrets store to use instead of the keychain or the file (one that stops answering, say). */
  secrets?: SecretStore;
  /** How long an unused session ticket lives; tests shorten it. */
  ticketTtlMs?: number;
  /** --policy FILE: applies only where no machine-wide policy file exists. */
  policyFile?: string | null;
  /**
   * The machine-wide policy file; the per-OS path unless set. Only code sets
   * this (tests): no CLI option or environment variable may, or a user could
   * escape IT's policy.
   */
  machinePolicyFile?: string;
  /** Kiosk mode from the command line (policy can also force it). */
  kiosk?: { enabled: boolean; onSessionEnd?: 'reconnect' | 'launcher' | 'quit' };
  /** A connection file given on the command line: opened once at start, not saved. */
  openFile?: { fileName: string; bytes: Uint8Array } | null;
  /** Called when kiosk mode's "quit" action asks the app to exit. */
  onQuitRequested?: () => void;
  /** Connect and first-answer timeouts of the bridges; tests shorten them. */
  relayTimeouts?: RelayTimeouts;
  /** How long a deleted connection can be put back (tests shorten it); UNDO_DELETE_MS otherwise. */
  undoDeleteMs?: number;
}

export interface RunningGateway {
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Mints a new one-time start code and returns the full start address with it. */
  startUrl(): string;
  /**
   * Whether the app is a kiosk: --kiosk, or a policy that turns kiosk mode on (a fleet's way), as the policy is
   * now. The shells open their window as a kiosk's by it.
   */
  kioskEnabled(): boolean;
  /**
   * Opens a connection file while the app runs (the Electron shell's second `deskbridge FILE`): adds it as a
   * start-time FILE is added; the next page to load connects it.
   */
  openFile(file: { fileName: string; bytes: Uint8Array }): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Writes the diagnostics bundle for IT into a folder; returns the files written. */
  writeDiagnostics(outDir: string): Promise<string[]>;
  close(): Promise<void>;
}
