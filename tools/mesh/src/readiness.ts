import type { Manifest } from '@portcullis/manifest';
import type { MeshClient } from '@portcullis/trust';
import { externalClient, type ExternalClient } from './clients';

/** The identity the runner checks health with; the manifest must allow it on `GET /healthz`. */
export const MONITOR_CLIENT = 'monitor';

/**
 * A mesh client acting as the manifest's `monitor` client, for checking
 * services from outside the mesh exactly as any other caller would: mTLS,
 * pinned identities, the manifest's policy.
 */
export function monitorClient(manifest: Manifest, certsDir: string, environment: string): ExternalClient {
  if (!manifest.clients.has(MONITOR_CLIENT)) {
    throw new Error(`${manifest.file} has no "${MONITOR_CLIENT}" client; the mesh runner checks health as that identity`);
  }
  return externalClient(manifest, certsDir, environment, MONITOR_CLIENT, { connectTimeoutMs: 1_000, responseTimeoutMs: 2_000 });
}

/** What a service says about itself in `GET /healthz`. */
export interface Health {
  readonly status: string;
  readonly certificate: { readonly serial: string; readonly notAfter: string; readonly intermediate: string | null };
  readonly bundle: readonly string[];
  readonly revoked: readonly string[];
}

/** Each service's health, asked over mTLS; a service that cannot answer is left out. */
export async function meshHealth(client: MeshClient, services: readonly string[]): Promise<Map<string, Health>> {
  const answers = await Promise.all(
    services.map(async (service) => {
      try {
        const response = await client.call<Health>(service, 'GET', '/healthz');
        return response.status === 200 ? ([service, response.body] as const) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return new Map(answers.filter((answer) => answer !== undefined));
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
