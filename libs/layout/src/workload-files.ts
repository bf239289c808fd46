import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

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

/**
 * The versioned directory `dir`'s `..data` points to right now, or undefined
 * when `dir` has no `..data` (plain files). Resolve it once and read every
 * file from it: reading `tls.crt` and then `tls.key` through their own links
 * could straddle an update.
 */
export function currentVersion(dir: string): string | undefined {
  try {
    return realpathSync(join(dir, DATA_LINK));
  } catch {
    return undefined;
  }
}

/** Whether `file` is a link through `..data` as `replaceDirectoryFiles` makes them (false when it is missing or a plain file). */
export function linksThroughData(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink() && readlinkSync(file) === join(DATA_LINK, basename(file));
  } catch {
    return false;
  }
}
