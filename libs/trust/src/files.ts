import { join } from 'node:path';

/**
 * Kubernetes' AtomicWriter layout, which `pnpm mesh certs` writes too: the
 * files live in a hidden versioned directory, `..data` links to the current
 * one, and `tls.crt` etc. link through `..data`. Swapping `..data` swaps all.
 */
export const DATA_LINK = '..data';

/**
 * Where a workload's identity lives. The names are cert-manager's and
 * Kubernetes' TLS secret keys, so a Secret mounts in place of this directory
 * unchanged: `tls.crt` is the leaf followed by its intermediate, `tls.key` its
 * private key, `ca.crt` the trust bundle (the mesh's root certificates).
 * `revoked.txt`, the mesh's deny list, travels with the bundle.
 */
export interface IdentityFiles {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly bundle: string;
  /** Serial numbers of revoked mesh certificates, one per line; optional (no file, nothing revoked). */
  readonly revoked: string;
}

export function identityFiles(certsDir: string, workload: string): IdentityFiles {
  const dir = join(certsDir, workload);
  return { dir, cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), bundle: join(dir, 'ca.crt'), revoked: join(dir, 'revoked.txt') };
}
