import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthorityError } from './errors';

/** A lock untouched for this long belongs to a process that died; its holder touches it every `STALE_MS / 4`. */
const STALE_MS = 120_000;
/** Stale locks moved aside are kept this long, so that their names stay taken while a waiter may still race for them. */
const ASIDE_KEPT_MS = 10 * 60_000;

/**
 * Runs `work` while holding the CA's lock (`ca/.lock`). The renewer, `mesh renew`, `mesh ca
 * rotate` and `mesh revoke` may run at once, in different processes or containers; half of a
 * rotation step seen by a renewal round would mint a CA nobody asked for.
 *
 * The lock is a directory holding its owner's token, created whole: the token is written into a
 * private directory that is then renamed to `.lock`, which fails while `.lock` exists (renaming a
 * directory onto a non-empty one is refused everywhere, shared volumes included). A lock its holder
 * has not touched for two minutes is stale: a waiter moves it aside to `.lock.stale-<inode>`, a
 * name that belongs to that lock alone. Two waiters that both found it stale cannot both move it:
 * the second rename finds the name taken and fails, so it can never move away a fresh lock that the
 * first one (or anyone) has taken since. A holder removes the lock only while it is still its own.
 */
export async function withAuthorityLock<T>(certsDir: string, work: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const dir = join(certsDir, 'ca');
  const lock = join(dir, '.lock');
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(lock, token)) {
    const held = statSync(lock, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs > STALE_MS) moveAside(lock, held.ino);
    else if (Date.now() > deadline)
      throw new AuthorityError('PORTCULLIS_ERR_CA_LOCKED', `${lock} has been held for ${timeoutMs} ms; is another "mesh" command stuck?`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // A long piece of work (a big mesh's keys) keeps its lock fresh, so that nobody takes it for stale.
  const touch = setInterval(() => {
    try {
      utimesSync(lock, new Date(), new Date());
    } catch {
      // Gone: the work outlived even the stale limit and someone moved the lock aside; it is no longer ours to touch.
    }
  }, STALE_MS / 4);
  try {
    return await work();
  } finally {
    clearInterval(touch);
    if (readOwner(lock) === token) rmSync(lock, { recursive: true, force: true });
    removeOldAsides(dir);
  }
}

/** Creates the lock with its owner inside in one rename; false when someone else holds it. */
function tryLock(lock: string, token: string): boolean {
  const staging = `${lock}.${token}`;
  mkdirSync(staging);
  writeFileSync(join(staging, 'owner'), token);
  try {
    renameSync(staging, lock);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
}

function moveAside(lock: string, inode: number): void {
  const aside = `${lock}.stale-${inode}`;
  try {
    renameSync(lock, aside);
    utimesSync(aside, new Date(), new Date()); // Kept for ASIDE_KEPT_MS from now, not from when its holder died.
  } catch {
    // Another waiter moved it first (the name is taken), or its holder just released it.
  }
}

function removeOldAsides(dir: string): void {
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith('.lock.stale-')) continue;
    const aside = statSync(join(dir, entry), { throwIfNoEntry: false });
    if (aside && Date.now() - aside.mtimeMs > ASIDE_KEPT_MS) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

function readOwner(lock: string): string | undefined {
  try {
    return readFileSync(join(lock, 'owner'), 'utf8');
  } catch {
    return undefined;
  }
}
