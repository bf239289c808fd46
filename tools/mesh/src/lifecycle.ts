import type { Manifest } from '@portcullis/manifest';
import { issueMeshCertificates, revokeCurrentCertificate, withAuthorityLock } from '@portcullis/pki';
import type { MeshClient } from '@portcullis/trust';
import { meshHealth, type Health } from './readiness';

/**
 * Certificate changes on a running mesh, each followed by a wait until every
 * service reports (in `GET /healthz`) that it has taken the change up, which
 * is what makes the next step safe. Every function returns how long each step
 * took to take effect. The CA rotation, which also waits for clients outside
 * the mesh, is in `rotate.ts`.
 */
export interface RunningMesh {
  readonly manifest: Manifest;
  readonly certsDir: string;
  /** A client allowed on every service's `GET /healthz` (the monitor). */
  readonly monitor: MeshClient;
  readonly timeoutMs?: number;
}

export type StepTimes = Record<string, number>;

/** Renews every leaf now (as the renewal loop does when they are due) and waits until each service serves its new one. */
export async function renewAll(mesh: RunningMesh): Promise<StepTimes> {
  const before = await healthOfAll(mesh);
  const started = Date.now();
  await withAuthorityLock(mesh.certsDir, () => issueMeshCertificates(mesh.manifest, mesh.certsDir, { force: true }));
  await waitForEvery(mesh, (service, health) => health.certificate.serial !== before.get(service)!.certificate.serial, 'a renewed certificate');
  return { renew: Date.now() - started };
}

/** Revokes a workload's current certificate, gives it a fresh one, and waits until every service refuses the old one. */
export async function revokeWorkload(mesh: RunningMesh, workload: string): Promise<{ serial: string; times: StepTimes }> {
  const started = Date.now();
  const serial = await withAuthorityLock(mesh.certsDir, async () => {
    const revoked = revokeCurrentCertificate(mesh.certsDir, workload);
    // Reissues the revoked workload (its certificate is on the list now) and publishes the list to everyone.
    await issueMeshCertificates(mesh.manifest, mesh.certsDir);
    return revoked;
  });
  await waitForEvery(mesh, (_service, health) => health.revoked.includes(serial), `serial ${serial} on its deny list`);
  return { serial, times: { revoke: Date.now() - started } };
}

export async function healthOfAll(mesh: RunningMesh): Promise<Map<string, Health>> {
  const services = [...mesh.manifest.services.keys()];
  const health = await meshHealth(mesh.monitor, services);
  const missing = services.filter((service) => !health.has(service));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} did not answer GET /healthz; is the mesh running?`);
  return health;
}

export async function waitForEvery(mesh: RunningMesh, taken: (service: string, health: Health) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + (mesh.timeoutMs ?? 30_000);
  const services = [...mesh.manifest.services.keys()];
  for (;;) {
    const health = await meshHealth(mesh.monitor, services);
    const waiting = services.filter((service) => !health.has(service) || !taken(service, health.get(service)!));
    if (waiting.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${waiting.join(', ')} did not report ${what} within ${mesh.timeoutMs ?? 30_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
