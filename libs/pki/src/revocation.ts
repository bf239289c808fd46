import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { identityFiles } from '@portcullis/trust';
import { authorityFiles, writeFileAtomic } from './files';

/**
 * Adds a workload's current certificate to the mesh's deny list (node-forge
 * cannot write CRLs; the list is a plain file published with the bundle and
 * checked by every server on every request). Returns the revoked serial.
 * `issueMeshCertificates` then gives the workload a fresh certificate and
 * publishes the list to everyone.
 */
export function revokeCurrentCertificate(certsDir: string, workload: string, reason = 'revoked'): string {
  const files = identityFiles(certsDir, workload);
  if (!existsSync(files.cert)) throw new Error(`${workload} has no certificate in ${files.dir} to revoke`);
  const serial = new X509Certificate(readFileSync(files.cert)).serialNumber;
  const list = authorityFiles(certsDir).revoked;
  const before = existsSync(list) ? readFileSync(list, 'utf8') : '';
  writeFileAtomic(list, `${before}${serial} # ${workload}, ${reason}, ${new Date().toISOString()}\n`, 0o644);
  return serial;
}
