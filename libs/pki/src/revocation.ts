import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { identityFiles } from '@portcullis/trust';
import { authorityFiles, readIfExists, writeFileAtomic } from './files';

/**
 * How long an entry stays on the deny list after its certificate expires: an
 * expired certificate is refused by every handshake anyway, but a peer whose
 * clock runs behind would still take it until then.
 */
export const DENY_LIST_GRACE_MS = 60 * 60 * 1000;

const EXPIRES = /, expires (\S+)\s*$/;

/**
 * Adds a workload's current certificate to the mesh's deny list (node-forge
 * cannot write CRLs; the list is a plain file published with the bundle and
 * checked by every server on every request). Returns the revoked serial.
 * `issueMeshCertificates` then gives the workload a fresh certificate and
 * publishes the list to everyone. Each entry says when its certificate
 * expires, so that it can leave the list once it no longer matters.
 */
export function revokeCurrentCertificate(certsDir: string, workload: string, reason = 'revoked', now = new Date()): string {
  const files = identityFiles(certsDir, workload);
  if (!existsSync(files.cert)) throw new Error(`${workload} has no certificate in ${files.dir} to revoke`);
  const leaf = new X509Certificate(readFileSync(files.cert));
  const list = authorityFiles(certsDir).revoked;
  const before = existsSync(list) ? readFileSync(list, 'utf8') : '';
  const entry = `${leaf.serialNumber} # ${workload}, ${reason}, revoked ${now.toISOString()}, expires ${leaf.validToDate.toISOString()}`;
  writeFileAtomic(list, `${before}${entry}\n`, 0o644);
  return leaf.serialNumber;
}

/**
 * The deny list without the entries whose certificates expired more than
 * `DENY_LIST_GRACE_MS` ago (as a CRL drops them, RFC 5280 §3.3), so that the
 * list every server reloads does not grow for ever. Entries that do not say
 * when they expire (written by hand) stay.
 */
function withoutExpiredEntries(text: string, now: Date): string {
  const lines = text.split('\n');
  const kept = lines.filter((line) => {
    const expires = Date.parse(EXPIRES.exec(line)?.[1] ?? '');
    // No expiry, or one that does not parse: keep it; a deny list fails closed.
    return Number.isNaN(expires) || expires + DENY_LIST_GRACE_MS > now.getTime();
  });
  return kept.length === lines.length ? text : kept.join('\n');
}

/** Drops the expired entries from the authority's deny list file; returns the list as it is now. */
export function pruneDenyList(certsDir: string, now: Date): string {
  const file = authorityFiles(certsDir).revoked;
  const text = readIfExists(file) ?? '';
  const pruned = withoutExpiredEntries(text, now);
  if (pruned !== text) writeFileAtomic(file, pruned, 0o644);
  return pruned;
}
