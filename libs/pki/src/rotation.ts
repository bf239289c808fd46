import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@portcullis/manifest';
import { pemCertificates } from '@portcullis/trust';
import { createIntermediate, createRoot } from './authority';
import { authorityFiles, writeFileAtomic } from './files';

/**
 * Rotating the trust anchor without a moment in which two workloads disagree,
 * in three steps, each published to every workload by `issueMeshCertificates`
 * and taken up by the services before the next one starts:
 *
 * 1. `introduce`: a next root and intermediate are created in `ca/next/`, and
 *    the bundle trusts the current and the next root.
 * 2. `switch`: the next CA becomes the current one (the old one moves to
 *    `ca/previous/`), so every leaf is reissued under it; both roots are
 *    still trusted, so old and new leaves meet freely.
 * 3. `retire`: the bundle trusts only the new root.
 */

export async function introduceNextAuthority(manifest: Manifest, certsDir: string, now = new Date()): Promise<void> {
  const current = authorityFiles(certsDir);
  const next = authorityFiles(certsDir, current.next);
  mkdirSync(next.dir, { recursive: true, mode: 0o700 });
  const root = await createRoot(manifest, next, now);
  await createIntermediate(manifest, next, root, now);
  writeFileAtomic(current.bundle, readFileSync(current.rootCert, 'utf8') + root.certPem, 0o644);
}

export function switchToNextAuthority(certsDir: string): void {
  const current = authorityFiles(certsDir);
  const next = authorityFiles(certsDir, current.next);
  const previous = authorityFiles(certsDir, join(current.dir, 'previous'));
  if (!existsSync(next.rootCert)) throw new Error(`there is no next CA in ${next.dir}; run the "introduce" step first`);
  rmSync(previous.dir, { recursive: true, force: true });
  mkdirSync(previous.dir, { mode: 0o700 });
  for (const file of ['rootCert', 'rootKey', 'intermediateCert', 'intermediateKey'] as const) {
    renameSync(current[file], previous[file]);
    renameSync(next[file], current[file]);
  }
  rmSync(next.dir, { recursive: true, force: true });
}

export function retirePreviousAuthority(certsDir: string): void {
  const current = authorityFiles(certsDir);
  writeFileAtomic(current.bundle, readFileSync(current.rootCert, 'utf8'), 0o644);
  rmSync(join(current.dir, 'previous'), { recursive: true, force: true });
}

/** SHA-256 fingerprints of the roots a bundle holds, as services report them in `GET /healthz`. */
export function bundleFingerprints(bundlePem: string): string[] {
  return pemCertificates(bundlePem).map((pem) => new X509Certificate(pem).fingerprint256);
}
