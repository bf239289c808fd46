import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  authorityFiles,
  bundleFingerprints,
  introduceNextAuthority,
  issueMeshCertificates,
  markPublished,
  overlapEndsAt,
  retirePreviousAuthority,
  rotationState,
  switchToNextAuthority,
  withAuthorityLock,
} from '@portcullis/pki';
import { formatClock, formatDuration } from './format';
import { waitForEvery, type RunningMesh, type StepTimes } from './lifecycle';

export interface RotateOptions {
  /** How long each step waits for outside clients; the manifest's `certificates.rootOverlap` by default. */
  readonly overlapMs?: number;
  /** Where to say what the rotation does and what it waits for, with clock times. */
  readonly say?: (line: string) => void;
}

/**
 * Rotates the trust anchor in three steps (see libs/pki/src/rotation.ts).
 * Each step is published to every workload, taken up by every service (as
 * `GET /healthz` reports), and then left alone for the overlap so that
 * clients outside the mesh, which re-read their files on their own schedule,
 * catch up before the next step. The CA lock is held only while files change:
 * the renewer keeps renewing during the overlap, and the steps it may see are
 * all states it keeps as they are. A rotation interrupted at any point is
 * resumed where the files say it stood, with the overlap still measured from
 * the recorded publication. A step's time includes the overlap that follows it.
 */
export async function rotateAuthority(mesh: RunningMesh, options: RotateOptions = {}): Promise<StepTimes> {
  const overlapMs = options.overlapMs ?? mesh.manifest.certificates.rootOverlapMs;
  const say = options.say ?? (() => undefined);
  const files = authorityFiles(mesh.certsDir);
  const times: StepTimes = {};
  const resumed = rotationState(mesh.certsDir).phase;
  if (resumed !== 'idle') say(`resuming a rotation found ${resumed} in ${files.dir}`);

  if (resumed !== 'switched') {
    const started = Date.now();
    await publish(mesh, () => introduceNextAuthority(mesh.manifest, mesh.certsDir));
    const nextRoot = bundleFingerprints(readFileSync(files.bundle, 'utf8'))[1]!;
    say(`introduce: published the next root ${nextRoot.slice(0, 17)}... to every workload's ca.crt`);
    await waitForEvery(mesh, (_service, health) => health.bundle.length === 2 && health.bundle.includes(nextRoot), 'both roots in its bundle');
    say(`introduce: every service trusts both roots (${formatDuration(Date.now() - started)} after the start)`);
    await waitForOverlap(mesh.certsDir, overlapMs, 'for outside clients to re-read their ca.crt before anything is issued under the next root', say);
    times.introduce = Date.now() - started;
  }

  const started = Date.now();
  await publish(mesh, () => switchToNextAuthority(mesh.certsDir, overlapMs));
  const newIntermediate = new X509Certificate(readFileSync(files.intermediateCert)).fingerprint256;
  const newRoot = new X509Certificate(readFileSync(files.rootCert)).fingerprint256;
  say('switch: every certificate is issued under the new CA');
  await waitForEvery(mesh, (_service, health) => health.certificate.intermediate === newIntermediate, 'a certificate from the new CA');
  say(`switch: every service serves a certificate from the new CA (${formatDuration(Date.now() - started)})`);
  await waitForOverlap(mesh.certsDir, overlapMs, 'for outside clients to re-read their tls.crt and tls.key before the old root is retired', say);
  times.switch = Date.now() - started;

  const retiring = Date.now();
  await withAuthorityLock(mesh.certsDir, async () => {
    retirePreviousAuthority(mesh.certsDir, overlapMs);
    await issueMeshCertificates(mesh.manifest, mesh.certsDir);
  });
  await waitForEvery(mesh, (_service, health) => health.bundle.length === 1 && health.bundle[0] === newRoot, 'only the new root in its bundle');
  times.retire = Date.now() - retiring;
  say(`retire: every service trusts only the new root (${formatDuration(times.retire)}); the rotation is done`);
  return times;
}

/** One step's file changes and their publication, under the CA lock; records when they went out. */
async function publish(mesh: RunningMesh, change: () => Promise<void> | void): Promise<void> {
  await withAuthorityLock(mesh.certsDir, async () => {
    await change();
    await issueMeshCertificates(mesh.manifest, mesh.certsDir);
    markPublished(mesh.certsDir);
  });
}

/** Sleeps until the overlap after the current phase's publication has passed, saying until when. */
async function waitForOverlap(certsDir: string, overlapMs: number, why: string, say: (line: string) => void): Promise<void> {
  const state = rotationState(certsDir);
  const endsAt = overlapEndsAt(state, overlapMs);
  if (!endsAt) throw new Error(`${authorityFiles(certsDir).dir} records no publication for the ${state.phase} phase; run "pnpm mesh ca rotate" again`);
  const left = endsAt.getTime() - Date.now();
  const step = state.phase === 'introduced' ? 'introduce' : 'switch';
  say(
    `${step}: waiting ${formatDuration(Math.max(left, 0))}, until ${formatClock(endsAt)} (overlap ${formatDuration(overlapMs)} from ${formatClock(state.publishedAt!)}), ${why}`,
  );
  // A timer may fire a millisecond early by the wall clock the overlap is measured with.
  while (Date.now() < endsAt.getTime()) await new Promise((resolve) => setTimeout(resolve, endsAt.getTime() - Date.now() + 1));
}
