import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { SEALED_TICKET_BYTES, sealedTicketBytes } from '../../../renderer/protocols/spice/sealedTicket';

/** As SpiceLinkAuthTicket writes the sealed bytes: the first 128, zeros after a short array. */
const asSpiceHtml5Sends = (sealed: number[]) => Buffer.from(Array.from({ length: SEALED_TICKET_BYTES }, (_, i) => sealed[i] ?? 0));

/** spice-html5's own sealing (RSA-OAEP in JavaScript), as the page runs it; its big-number library looks at `navigator` when loaded. */
async function spiceHtml5Sealing(): Promise<{ create_rsa_from_mb(der: ArrayBuffer, at: number): unknown; rsa_encrypt(key: unknown, text: string): number[] | null }> {
  (globalThis as { navigator?: unknown }).navigator ??= { appName: 'Netscape', userAgent: 'node' };
  const module: string = '@spice-project/spice-html5/src/ticket.js';
  return (await import(module)) as Awaited<ReturnType<typeof spiceHtml5Sealing>>;
}

test('a password sealed by spice-html5 opens with the server\'s key every time once given at full length (as sent, about one in 256 did not)', async () => {
  const { create_rsa_from_mb, rsa_encrypt } = await spiceHtml5Sealing();
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
  const key = create_rsa_from_mb(publicKey.export({ type: 'spki', format: 'der' }).buffer.slice(0), 0);
  const open = (bytes: Buffer) => {
    try {
      return crypto.privateDecrypt({ key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, bytes).toString('latin1');
    } catch {
      return null;
    }
  };
  let short = 0;
  let refusedAsSent = 0;
  for (let i = 0; i < 1500; i++) {
    const sealed = rsa_encrypt(key, 'Spice-7!\0') as number[];
    if (sealed.length < SEALED_TICKET_BYTES) short++;
    if (open(asSpiceHtml5Sends(sealed)) !== 'Spice-7!\0') refusedAsSent++;
    assert.equal(open(asSpiceHtml5Sends(sealedTicketBytes(sealed))), 'Spice-7!\0', `sealing ${i} (${sealed.length} bytes)`);
  }
  // The bug this mends: short sealings happen, and each one sent as spice-html5 sends it is refused.
  assert.ok(short > 0, 'in 1500 sealings at least one came out short (expected about 6)');
  assert.equal(refusedAsSent, short);
});
