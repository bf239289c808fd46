import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The CA's own material, kept apart from the workloads' directories. */
export interface AuthorityFiles {
  readonly dir: string;
  readonly rootCert: string;
  readonly rootKey: string;
  readonly intermediateCert: string;
  readonly intermediateKey: string;
}

export function authorityFiles(certsDir: string): AuthorityFiles {
  const dir = join(certsDir, 'ca');
  return {
    dir,
    rootCert: join(dir, 'root.crt'),
    rootKey: join(dir, 'root.key'),
    intermediateCert: join(dir, 'intermediate.crt'),
    intermediateKey: join(dir, 'intermediate.key'),
  };
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeFileAtomic(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}
