import type { Manifest } from '@portcullis/manifest';
import { identityFiles, IdentitySource, MeshClient } from '@portcullis/trust';

/** The identity the runner checks health with; the manifest must allow it on `GET /healthz`. */
export const MONITOR_CLIENT = 'monitor';

/**
 * A mesh client acting as the manifest's `monitor` client, for checking
 * services from outside the mesh exactly as any other caller would: mTLS,
 * pinned identities, the manifest's policy.
 */
export function monitorClient(manifest: Manifest, certsDir: string, environment: string): MeshClient {
  const monitor = manifest.clients.get(MONITOR_CLIENT);
  if (!monitor) throw new Error(`${manifest.file} has no "${MONITOR_CLIENT}" client; the mesh runner checks health as that identity`);
  const source = IdentitySource.open(identityFiles(certsDir, MONITOR_CLIENT), {
    id: monitor.id,
    trustDomain: manifest.trustDomain,
    fix: 'pnpm mesh certs',
  });
  return new MeshClient({ manifest, environment, self: monitor, source, connectTimeoutMs: 1_000, responseTimeoutMs: 2_000 });
}

/** Resolves once `service` answers `GET /healthz` with 200 over mTLS; rejects when `signal` aborts. */
export async function waitUntilHealthy(client: MeshClient, service: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    try {
      const response = await client.call(service, 'GET', '/healthz');
      if (response.status === 200) return;
    } catch {
      // Not listening yet: try again shortly.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
