// Starts the real gateway in this process and talks to it as the renderer
// would: start code, cookie and window key, Origin, JSON. For integration tests of the
// gateway against real servers (no browser).
import http from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startGateway, type RunningGateway } from '../../electron/gateway/index';
import { createLogger } from '../../electron/gateway/logging/logger';
import { prepareLogFile } from '../../electron/gateway/logging/fileLog';
import assert from 'node:assert/strict';
import type { ControlEvent, CreateSessionResponse } from '../../shared/api/contract';
import { relayStream, type RelayStream } from '../support/relayStream';
import { windowKeyIn } from '../support/windowKey';
import type { SecretStore } from '../../electron/gateway/secrets/secretStore';

export interface GatewayHarness {
  gateway: RunningGateway;
  dataDir: string;
  /** The machine-wide policy file the gateway reads (and watches). */
  machinePolicyFile: string;
  /** Where the encrypted file's key is (or would be made). */
  keyFile: string;
  call(method: string, pathname: string, body?: unknown): Promise<{ status: number; json: any }>;
  socket(pathAndQuery: string): WebSocket;
  /** Collects control events of a session. */
  control(controlPath: string): Promise<{ events: ControlEvent[]; close(): void }>;
  /** The gateway's log lines so far. */
  logs(): string[];
  /** Stops the gateway and removes its temp folder (a shared dataDir given in the options stays). */
  close(): Promise<void>;
}

export interface HarnessOptions {
  relayTimeouts?: { connectMs: number; greetingMs: number };
  /** How long a deleted connection can be put back. */
  undoDeleteMs?: number;
  /** Written to a temp file used as the machine-wide policy. */
  machinePolicy?: unknown;
  /** The machine-wide policy's folder does not exist at start (as /etc/deskbridge before IT deploys one). */
  machinePolicyFolderMissing?: boolean;
  /** Written to a temp file passed as --policy. */
  commandLinePolicy?: unknown;
  /** Reuse another harness's data folder (a restart). */
  dataDir?: string;
  /** `--connect NAME_OR_ID`. */
  connect?: string;
  /** A connection file opened at start (`deskbridge FILE`). */
  openFile?: { fileName: string; bytes: Uint8Array };
  /** A secrets store of the test's own (a keychain that stops answering) instead of the encrypted file. */
  secrets?: SecretStore;
  /** Written as the encrypted file's key before the gateway starts (a damaged one, say); its path is `keyFile`. */
  keyFile?: string | Uint8Array;
}

export async function startGatewayHarness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  process.env.DESKBRIDGE_SECRETS = 'file';
  const root = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-int-'));
  await mkdir(path.join(root, 'r'));
  await writeFile(path.join(root, 'r', 'index.html'), '<!doctype html>');
  const logs: string[] = [];
  const machinePolicyFile = options.machinePolicyFolderMissing ? path.join(root, 'etc-deskbridge', 'policy.json') : path.join(root, 'machine-policy.json');
  if (options.machinePolicy !== undefined) await writeFile(machinePolicyFile, typeof options.machinePolicy === 'string' ? options.machinePolicy : JSON.stringify(options.machinePolicy));
  let policyFile: string | null = null;
  if (options.commandLinePolicy !== undefined) {
    policyFile = path.join(root, 'cli-policy.json');
    await writeFile(policyFile, JSON.stringify(options.commandLinePolicy));
  }
  const dataDir = options.dataDir ?? path.join(root, 'd');
  if (options.keyFile !== undefined) {
    await mkdir(path.join(root, 'k'));
    await writeFile(path.join(root, 'k', 'secrets.key'), options.keyFile);
  }
  const gateway = await startGateway({
    port: 0,
    dataDir,
    shell: 'browser',
    rendererDir: path.join(root, 'r'),
    secretsKeyDir: path.join(root, 'k'),
    machinePolicyFile,
    policyFile,
    logger: createLogger({ sink: (line) => logs.push(line), level: 'debug', file: prepareLogFile(dataDir) }),
    ...(options.relayTimeouts ? { relayTimeouts: options.relayTimeouts } : {}),
    ...(options.undoDeleteMs !== undefined ? { undoDeleteMs: options.undoDeleteMs } : {}),
    ...(options.openFile ? { openFile: options.openFile } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.connect ? { connect: options.connect } : {}),
  });
  const host = `127.0.0.1:${gateway.port}`;
  const start = new URL(gateway.startUrl());
  const { cookie, windowKey } = await new Promise<{ cookie: string; windowKey: string }>((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port: gateway.port, path: start.pathname + start.search, headers: { host } }, (res) => {
        let page = '';
        res.on('data', (chunk: Buffer) => (page += chunk.toString()));
        res.on('end', () =>
          resolve({
            cookie: (res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '',
            windowKey: windowKeyIn(page),
          }),
        );
      })
      .on('error', reject),
  );
  const call = (method: string, pathname: string, body?: unknown) =>
    new Promise<{ status: number; json: any }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: gateway.port, method, path: pathname, headers: { host, origin: gateway.origin, cookie, 'x-deskbridge-key': windowKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const socket = (pathAndQuery: string) => new WebSocket(`ws://${host}${pathAndQuery}`, { headers: { cookie, origin: gateway.origin } });
  return {
    gateway,
    dataDir,
    machinePolicyFile,
    keyFile: path.join(root, 'k', 'secrets.key'),
    call,
    socket,
    async control(controlPath) {
      const ws = socket(controlPath);
      const events: ControlEvent[] = [];
      ws.on('message', (data) => events.push(JSON.parse(String(data)) as ControlEvent));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return { events, close: () => ws.close() };
    },
    logs: () => [...logs],
    async close() {
      await gateway.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * A saved connection (and its password, if any), a session on it, and its
 * relay WebSocket opened and read as one byte stream: where a Node client
 * takes the page's part.
 */
export async function openSessionRelay(harness: GatewayHarness, profile: Record<string, unknown>, password?: string): Promise<{ session: CreateSessionResponse; ws: WebSocket; stream: RelayStream }> {
  const created = await harness.call('POST', '/api/profiles', { profile, ...(password ? { password } : {}) });
  assert.equal(created.status, 201);
  const answered = await harness.call('POST', '/api/sessions', { profileId: created.json.id });
  assert.equal(answered.status, 201);
  const session = answered.json as CreateSessionResponse;
  const ws = harness.socket(session.relayPath);
  const stream = relayStream(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { session, ws, stream };
}
