// Managed profiles refreshed from IT's provisioning URL (policy.provisioning).
// The response is a signed envelope:
//   { "payload": "<base64 of the UTF-8 JSON document>", "signature": "<base64 Ed25519 signature of those bytes>" }
// and the document carries a serial number and an expiry:
//   { "serial": 42, "expires": "2027-01-01T00:00:00Z", "profiles": [ …managed profiles… ] }
// A bad signature, an older serial (a replayed copy), an expired document or a
// failed download keeps the last good copy, cached on disk, and says so.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { z } from 'zod';
import { duplicateIdIssues, managedProfileSchema, type ManagedProfile } from '../../../shared/policy/policySchema';
import type { Logger } from '../logging/logger';
import { writeFileAtomic } from '../profiles/profileStore';

const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 15_000;

const envelopeSchema = z.object({ payload: z.string().min(1), signature: z.string().min(1) });
const documentSchema = z
  .object({
    serial: z.number().int().nonnegative(),
    expires: z.string().datetime({ offset: true }),
    profiles: z.array(managedProfileSchema).max(10_000),
  })
  // As in the policy file: one id, one profile.
  .superRefine((document, context) => {
    for (const issue of duplicateIdIssues(document.profiles)) context.addIssue({ code: 'custom', ...issue });
  });
export type ProvisionedDocument = z.infer<typeof documentSchema>;

export type Verification = { ok: true; document: ProvisionedDocument } | { ok: false; problem: string };

/** Accepts an SPKI PEM, or the raw 32-byte Ed25519 key in base64. */
export function ed25519PublicKey(text: string): KeyObject {
  if (text.includes('BEGIN PUBLIC KEY')) return createPublicKey(text);
  const raw = Buffer.from(text.trim(), 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  // RFC 8410 §4: SubjectPublicKeyInfo for Ed25519 is a fixed 12-byte prefix and the key.
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** Checks the envelope's signature, then the document; replay and expiry are the caller's (they need state). */
export function verifyEnvelope(body: string, key: KeyObject): Verification {
  let envelope;
  try {
    envelope = envelopeSchema.parse(JSON.parse(body));
  } catch {
    return { ok: false, problem: 'the response is not a signed provisioning document' };
  }
  const payload = Buffer.from(envelope.payload, 'base64');
  const signature = Buffer.from(envelope.signature, 'base64');
  let valid = false;
  try {
    valid = verify(null, payload, key, signature);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, problem: 'its signature does not match the key in the policy (it may have been tampered with)' };
  try {
    return { ok: true, document: documentSchema.parse(JSON.parse(payload.toString('utf8'))) };
  } catch (error) {
    return { ok: false, problem: `the signed document is malformed (${(error as Error).message.slice(0, 200)})` };
  }
}

export interface ProvisioningState {
  profiles: ManagedProfile[];
  problems: string[];
  serial: number | null;
}

export class ProvisioningClient {
  private state: ProvisioningState = { profiles: [], problems: [], serial: null };
  private timer: NodeJS.Timeout | null = null;
  private readonly cacheFile: string;

  constructor(
    private readonly config: { url: string; publicKey: string; refreshMinutes: number },
    dataDir: string,
    private readonly trustedCas: () => string[],
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.cacheFile = path.join(dataDir, 'provisioned.json');
  }

  get current(): ProvisioningState {
    return { ...this.state, profiles: [...this.state.profiles], problems: [...this.state.problems] };
  }

  /**
   * Loads the cached copy (verified again: the cache folder is the user's) and
   * starts refreshing in the background, so a slow server never delays start.
   */
  async start(): Promise<void> {
    await this.loadCached();
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.refreshMinutes * 60_000);
    this.timer.unref();
  }

  /** The cached copy only, verified, without downloading or writing anything (`deskbridge --diagnostics`). */
  async loadCached(): Promise<void> {
    const key = ed25519PublicKey(this.config.publicKey);
    try {
      const cached = verifyEnvelope(await fs.readFile(this.cacheFile, 'utf8'), key);
      if (cached.ok) this.state = { profiles: cached.document.profiles, problems: [], serial: cached.document.serial };
    } catch {
      // No cache yet.
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const key = ed25519PublicKey(this.config.publicKey);
    let body: string;
    try {
      body = await this.download();
    } catch (error) {
      return this.keepLastGood(`the download from ${this.config.url} failed (${(error as Error).message})`);
    }
    const verified = verifyEnvelope(body, key);
    if (!verified.ok) return this.keepLastGood(verified.problem);
    const { document } = verified;
    if (this.state.serial !== null && document.serial < this.state.serial) {
      return this.keepLastGood(`it is an older copy (serial ${document.serial}, we have ${this.state.serial}): a replayed document is refused`);
    }
    if (Date.parse(document.expires) < this.now()) return this.keepLastGood(`it expired on ${document.expires}`);
    await writeFileAtomic(this.cacheFile, body);
    this.state = { profiles: document.profiles, problems: [], serial: document.serial };
    this.logger.info('provisioned profiles refreshed', { serial: document.serial, profiles: document.profiles.length });
  }

  private keepLastGood(problem: string): void {
    const kept = this.state.serial === null ? 'No earlier copy is known, so no managed connections from it are shown.' : `The last good copy (serial ${this.state.serial}) stays in use.`;
    const message = `Managed connections could not be refreshed: ${problem}. ${kept}`;
    this.state = { ...this.state, problems: [message] };
    this.logger.warn('provisioning refresh refused', { problem });
  }

  private download(): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = https.get(
        this.config.url,
        { ca: [...tls.rootCertificates, ...this.trustedCas()], timeout: DOWNLOAD_TIMEOUT_MS, headers: { accept: 'application/json' } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`HTTP ${res.statusCode}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_DOCUMENT_BYTES) request.destroy(new Error('document too large'));
            else chunks.push(chunk);
          });
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', reject);
    });
  }
}
