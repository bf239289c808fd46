import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { denyListLine, identityFiles, withoutExpiredEntries, writeFileAtomically } from '@portcullis/layout';
import { authorityFiles, readIfExists } from './authority-files';

/**
 * Adds a workload's current certificate to the mesh's deny list (the format
 * is @portcullis/layout's `deny-list.ts`). Returns the revoked serial.
 * `issueMeshCertificates` then gives the workload a fresh certificate and
 * publishes the list to everyone.
 */
export function revokeCurrentCertificate(certsDir: string, workload: string, reason = 'revoked', now = new Date()): string {
  const files = identityFiles(certsDir, workload);
  if (!existsSync(files.cert)) throw new Error(`${workload} has no certificate in ${files.dir} to revoke`);
  const leaf = new X509Certificate(readFileSync(files.cert));
  const list = authorityFiles(certsDir).revoked;
  const before = existsSync(list) ? readFileSync(list, 'utf8') : '';
  const entry = denyListLine({ serial: leaf.serialNumber, workload, reason, revokedAt: now, expiresAt: leaf.validToDate });
  writeFileAtomically(list, `${before}${entry}\n`, 0o644);
  return leaf.serialNumber;
}

/** Drops the expired entries from the authority's deny list file; returns the list as it is now. */
export function pruneDenyList(certsDir: string, now: Date): string {
  const file = authorityFiles(certsDir).revoked;
  const text = readIfExists(file) ?? '';
  const pruned = withoutExpiredEntries(text, now);
  if (pruned !== text) writeFileAtomically(file, pruned, 0o644);
  return pruned;
}
