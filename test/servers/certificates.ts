// Certificates made with openssl for tests of the gateway's certificate checks:
// a CA, certificates it issues, and what an attacker could make from a
// certificate a CA issued to a server. Files in a folder of the caller's.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';

export interface MadeCertificate {
  name: string;
  pem: string;
  der: Uint8Array;
  certFile: string;
  keyFile: string;
}

export const CA_EXTENSIONS = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';

/**
 * A certificate named `name` in `dir`: self-signed when `issuer` is null, else issued by it; `extensions` are
 * openssl's extension lines (basicConstraints, subjectAltName …).
 */
export async function makeCertificate(dir: string, name: string, subject: string, extensions: string, issuer: MadeCertificate | null): Promise<MadeCertificate> {
  const file = (suffix: string) => path.join(dir, `${name}${suffix}`);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  if (issuer === null) {
    await writeFile(file('.cnf'), `[req]\ndistinguished_name=dn\n[dn]\n[v3]\n${extensions}`);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('-key.pem'), '-out', file('.pem'), '-days', '2', '-subj', subject, '-extensions', 'v3', '-config', file('.cnf')]);
  } else {
    await writeFile(file('.ext'), extensions);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('-key.pem'), '-out', file('.csr'), '-subj', subject]);
    openssl(['x509', '-req', '-in', file('.csr'), '-CA', issuer.certFile, '-CAkey', issuer.keyFile, '-CAcreateserial', '-out', file('.pem'), '-days', '2', '-extfile', file('.ext')]);
  }
  const pem = await readFile(file('.pem'), 'utf8');
  return { name, pem, der: new Uint8Array(new X509Certificate(pem).raw), certFile: file('.pem'), keyFile: file('-key.pem') };
}
