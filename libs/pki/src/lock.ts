import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STALE_MS = 120_000;

/**
 * Runs `work` while holding the CA's lock (`ca/.lock`, a directory: creating
 * one is atomic everywhere, including shared volumes). The renewer, `mesh
 * renew`, `mesh ca rotate` and `mesh revoke` may run at once, in different
 * processes or containers; half of a rotation step seen by a renewal round
 * would mint a CA nobody asked for. A lock older than two minutes is taken to
 * belong to a process that died; it is taken over by renaming it away, which
 * only one waiter can do, and a holder removes the lock only if it is still its own.
 */
export async function withAuthorityLock<T>(certsDir: string, work: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const lock = join(certsDir, 'ca', '.lock');
  const owner = join(lock, 'owner');
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  mkdirSync(join(certsDir, 'ca'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, token);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > STALE_MS) takeOverStale(lock, token);
      else if (Date.now() > deadline) throw new Error(`${lock} has been held for ${timeoutMs} ms; is another "mesh" command stuck?`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    if (readOwner(owner) === token) rmSync(lock, { recursive: true, force: true });
  }
}

function takeOverStale(lock: string, token: string): void {
  const aside = `${lock}.stale-${token}`;
  try {
    renameSync(lock, aside);
    rmSync(aside, { recursive: true, force: true });
  } catch {
    // Another waiter took it over first.
  }
}

function readOwner(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
