import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The CA's own material, kept apart from the workloads' directories. */
export interface AuthorityFiles {
  readonly dir: string;
  readonly rootCert: string;
  readonly rootKey: string;
  readonly intermediateCert: string;
  readonly intermediateKey: string;
  /** The roots every workload trusts; just the root, except while a rotation overlaps two. */
  readonly bundle: string;
  /** Revoked serial numbers, published to every workload with the bundle. */
  readonly revoked: string;
  /** Where the next CA waits during a rotation (`ca/next/`), with the same file names. */
  readonly next: string;
  /** Where the outgoing CA stays between the switch and the retirement (`ca/previous/`). */
  readonly previous: string;
}

export function authorityFiles(certsDir: string, dir = join(certsDir, 'ca')): AuthorityFiles {
  return {
    dir,
    rootCert: join(dir, 'root.crt'),
    rootKey: join(dir, 'root.key'),
    intermediateCert: join(dir, 'intermediate.crt'),
    intermediateKey: join(dir, 'intermediate.key'),
    bundle: join(dir, 'bundle.crt'),
    revoked: join(dir, 'revoked.txt'),
    next: join(dir, 'next'),
    previous: join(dir, 'previous'),
  };
}

export function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
