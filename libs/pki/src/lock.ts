import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const STALE_MS = 120_000;

/**
 * Runs `work` while holding the CA's lock (`ca/.lock`, a directory: creating
 * one is atomic everywhere, including shared volumes). The renewer, `mesh
 * renew`, `mesh ca rotate` and `mesh revoke` may run at once, in different
 * processes or containers; half of a rotation step seen by a renewal round
 * would mint a CA nobody asked for. A lock older than two minutes is taken to
 * belong to a process that died.
 */
export async function withAuthorityLock<T>(certsDir: string, work: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const lock = join(certsDir, 'ca', '.lock');
  mkdirSync(join(certsDir, 'ca'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > STALE_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} has been held for ${timeoutMs} ms; is another "mesh" command stuck?`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
