import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_LINK, linksThroughData } from './workload-files';

/** One file of a set given to `replaceDirectoryFiles`. */
export interface FileToWrite {
  readonly content: string;
  readonly mode: number;
}

/**
 * Replaces a set of files in `dir` all at once, the way Kubernetes updates a
 * mounted Secret: the new files go into a fresh hidden directory, `..data` is
 * switched to it with a single rename, and each visible name (`tls.crt`, ...)
 * is a symlink through `..data`. A reader that resolves `..data` once sees the
 * old set or the new set, never a key from one and a certificate from the other.
 * (One file on its own: `writeFileAtomically`.)
 */
export function replaceDirectoryFiles(dir: string, files: Readonly<Record<string, FileToWrite>>): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const version = `..${new Date().toISOString().replace(/[-:.]/g, '_')}_${randomBytes(3).toString('hex')}`;
  mkdirSync(join(dir, version), { mode: 0o755 });
  for (const [name, file] of Object.entries(files)) writeFileSync(join(dir, version, name), file.content, { mode: file.mode });

  replaceWithSymlink(dir, DATA_LINK, version);
  for (const name of Object.keys(files)) {
    if (!linksThroughData(join(dir, name))) replaceWithSymlink(dir, name, join(DATA_LINK, name));
  }
  // Older versions are no longer reachable through ..data; a reader that resolved one a moment ago
  // has already opened its files or will retry.
  for (const entry of readdirSync(dir)) {
    if (entry !== DATA_LINK && entry !== version && /^\.\.\d{4}_/.test(entry)) {
      rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
}

function replaceWithSymlink(dir: string, name: string, target: string): void {
  const temporary = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  symlinkSync(target, temporary);
  renameSync(temporary, join(dir, name));
}
