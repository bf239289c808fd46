import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@portcullis/manifest';
import { pemCertificates, writeFileAtomically } from '@portcullis/layout';
import { createIntermediate, createRoot } from './authority';
import { readAuthorityPair, writeAuthority, type AuthorityPair } from './authority-store';
import { authorityFiles, readIfExists, type AuthorityFiles } from './authority-files';
import { AuthorityError } from './errors';

/**
 * Rotating the trust anchor without a moment in which two parties disagree,
 * in three steps, each published to every workload by `issueMeshCertificates`:
 *
 * 1. `introduce`: a next root and intermediate are created in `ca/next/`, and
 *    the bundle trusts the current and the next root.
 * 2. `switch`: the next CA becomes the current one in one atomic swap (the
 *    old one moves to `ca/previous/`), so every leaf is reissued under it;
 *    both roots are still trusted, so old and new leaves meet freely.
 * 3. `retire`: the bundle trusts only the new root.
 *
 * Services report each step in `GET /healthz` within a second, but clients
 * outside the mesh (a partner, the demo client) only re-read their files every
 * so often. So each step waits an overlap (`certificates.rootOverlap`) after
 * the previous one was published: no leaf under the next root until every
 * client had the time to trust it, no retirement until every client had the
 * time to pick its new leaf up. The overlap runs from the moment recorded by
 * `markPublished`, kept on disk so that a rotation resumed after a crash does
 * not shorten it; the phase itself is read from the directories (see
 * `rotationState`), so a crash at any point leaves a state the same steps resume.
 */

export type RotationPhase = 'idle' | 'introduced' | 'switched';

export interface RotationState {
  /** `introduced`: `ca/next/` exists. `switched`: `ca/previous/` holds the old CA, whose root the bundle may still trust. */
  readonly phase: RotationPhase;
  /** When the workloads got this phase's files: the overlap runs from here. Undefined until recorded. */
  readonly publishedAt?: Date;
}

/** The file, inside `ca/next/` or `ca/previous/`, that records when that phase was published. */
const PUBLISHED_AT = 'published-at';

export function rotationState(certsDir: string): RotationState {
  const current = authorityFiles(certsDir);
  if (existsSync(current.next)) {
    // A switch interrupted after its swap leaves ca/next/ behind, holding the CA that is already current.
    const phase = rootOf(current) === rootOf(authorityFiles(certsDir, current.next)) ? 'switched' : 'introduced';
    return withPublishedAt(phase, phase === 'switched' ? current.previous : current.next);
  }
  if (existsSync(current.previous)) return withPublishedAt('switched', current.previous);
  return { phase: 'idle' };
}

/** When a step may follow the phase's publication, or undefined if the publication was not recorded yet. */
export function overlapEndsAt(state: RotationState, overlapMs: number): Date | undefined {
  return state.publishedAt && new Date(state.publishedAt.getTime() + overlapMs);
}

/**
 * Step 1. Idempotent: an existing `ca/next/` is kept (a resumed rotation),
 * and the bundle is made to trust both roots. `ca/next/` appears whole or not
 * at all: it is written aside and renamed into place.
 */
export async function introduceNextAuthority(manifest: Manifest, certsDir: string, now = new Date()): Promise<void> {
  const current = authorityFiles(certsDir);
  const state = rotationState(certsDir);
  if (state.phase === 'switched') {
    throw new AuthorityError(
      'PORTCULLIS_ERR_ROTATION_OUT_OF_ORDER',
      `${current.previous} holds a CA that is switched out but not yet retired; finish that rotation first with "pnpm mesh ca rotate"`,
    );
  }
  if (state.phase === 'idle') {
    removeLeftovers(current);
    const root = await createRoot(manifest, now);
    const intermediate = await createIntermediate(manifest, root, now);
    writeAside(current.next, { root, intermediate });
  }
  const bundle = rootOf(current) + rootOf(authorityFiles(certsDir, current.next));
  if (readIfExists(current.bundle) !== bundle) writeFileAtomically(current.bundle, bundle, 0o644);
}

/**
 * Step 2: the next CA becomes the current one in a single swap of `ca/..data`.
 * Refuses while the overlap after step 1 has not passed. Idempotent: after an
 * interrupted switch it only finishes the cleanup.
 */
export function switchToNextAuthority(certsDir: string, overlapMs: number, now = new Date()): void {
  const current = authorityFiles(certsDir);
  const next = authorityFiles(certsDir, current.next);
  const state = rotationState(certsDir);
  if (state.phase === 'idle')
    throw new AuthorityError(
      'PORTCULLIS_ERR_ROTATION_OUT_OF_ORDER',
      `there is no next CA in ${next.dir}; run "pnpm mesh ca rotate", which introduces one first`,
    );
  if (state.phase === 'introduced') {
    requireOverlapPassed(state, overlapMs, now, `${next.dir} may sign leaves`);
    rmSync(current.previous, { recursive: true, force: true });
    writeAside(current.previous, readAuthorityPair(current));
    writeAuthority(current, readAuthorityPair(next)); // The switch itself: one rename.
  }
  rmSync(next.dir, { recursive: true, force: true });
}

/** Step 3: only the new root stays trusted. Refuses while the overlap after step 2 has not passed; idempotent. */
export function retirePreviousAuthority(certsDir: string, overlapMs: number, now = new Date()): void {
  const current = authorityFiles(certsDir);
  const state = rotationState(certsDir);
  if (state.phase === 'idle') return;
  if (state.phase === 'introduced')
    throw new AuthorityError(
      'PORTCULLIS_ERR_ROTATION_OUT_OF_ORDER',
      `${current.next} has not been switched to yet; run "pnpm mesh ca rotate" to go on with the rotation`,
    );
  requireOverlapPassed(state, overlapMs, now, `the old root in ${current.previous} may be retired`);
  rmSync(current.next, { recursive: true, force: true });
  writeFileAtomically(current.bundle, rootOf(current), 0o644);
  rmSync(current.previous, { recursive: true, force: true });
}

/**
 * Records that the current phase's files have reached every workload, which
 * starts its overlap. Keeps an earlier record: the files were out since then.
 */
export function markPublished(certsDir: string, now = new Date()): void {
  const current = authorityFiles(certsDir);
  const state = rotationState(certsDir);
  if (state.phase === 'idle' || state.publishedAt) return;
  writeFileAtomically(join(state.phase === 'introduced' ? current.next : current.previous, PUBLISHED_AT), `${now.toISOString()}\n`, 0o644);
}

/** SHA-256 fingerprints of the roots a bundle holds, as services report them in `GET /healthz`. */
export function bundleFingerprints(bundlePem: string): string[] {
  return pemCertificates(bundlePem).map((pem) => new X509Certificate(pem).fingerprint256);
}

function requireOverlapPassed(state: RotationState, overlapMs: number, now: Date, what: string): void {
  const endsAt = overlapEndsAt(state, overlapMs);
  if (!endsAt)
    throw new AuthorityError(
      'PORTCULLIS_ERR_ROTATION_TOO_EARLY',
      `${what} only an overlap after the previous step reached every workload, which was not recorded; run "pnpm mesh ca rotate" to publish it and wait`,
    );
  if (now < endsAt) {
    throw new AuthorityError(
      'PORTCULLIS_ERR_ROTATION_TOO_EARLY',
      `${what} only from ${endsAt.toISOString()}, an overlap of ${overlapMs / 1000} s after the previous step was published, when outside clients have re-read their files; wait, or let "pnpm mesh ca rotate" do so`,
    );
  }
}

function withPublishedAt(phase: RotationPhase, dir: string): RotationState {
  const text = readIfExists(join(dir, PUBLISHED_AT))?.trim();
  const at = text ? new Date(text) : undefined;
  // An unreadable record counts as none: the overlap is then started again, which errs on the safe side.
  return at && !Number.isNaN(at.getTime()) ? { phase, publishedAt: at } : { phase };
}

function rootOf(files: AuthorityFiles): string {
  return readFileSync(files.rootCert, 'utf8');
}

/** Writes a CA into a sibling of `dir` and renames it into place, so `dir` exists only whole. */
function writeAside(dir: string, pair: AuthorityPair): void {
  const aside = `${dir}.partial`;
  rmSync(aside, { recursive: true, force: true });
  writeAuthority(authorityFiles('', aside), pair);
  renameSync(aside, dir);
}

/** Half-written CAs from an interrupted step (`next.partial`, `previous.partial`). */
function removeLeftovers(current: AuthorityFiles): void {
  for (const entry of readdirSync(current.dir)) {
    if (entry.endsWith('.partial')) rmSync(join(current.dir, entry), { recursive: true, force: true });
  }
}
