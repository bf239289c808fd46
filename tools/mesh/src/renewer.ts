import type { Manifest } from '@portcullis/manifest';
import { issueMeshCertificates, withAuthorityLock } from '@portcullis/pki';

/**
 * The renewer: every `everyMs`, reissues the certificates that have come due
 * (about two thirds into their life, see libs/pki/src/renewal.ts) and
 * republishes the bundle and deny list where they changed. Services pick the
 * new files up themselves. Runs inside `mesh up` and as compose's `renewer`.
 */
export function keepRenewing(manifest: Manifest, certsDir: string, everyMs: number, say: (line: string, isError: boolean) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // A slow round (key generation) must not overlap the next one.
    running = true;
    withAuthorityLock(certsDir, () => issueMeshCertificates(manifest, certsDir))
      .then(
        ({ workloads }) => {
          for (const w of workloads.filter((w) => w.action !== 'kept')) say(`${w.action} ${w.name}: ${w.reason}`, false);
        },
        (error: unknown) => say(`renewal failed: ${error instanceof Error ? error.message : String(error)}`, true),
      )
      .finally(() => (running = false));
  }, everyMs);
  return () => clearInterval(timer);
}
