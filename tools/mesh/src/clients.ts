import type { Manifest } from '@portcullis/manifest';
import { identityFiles } from '@portcullis/layout';
import { IdentitySource, ISSUE_COMMAND, MeshClient, svidRules, watchIdentity } from '@portcullis/trust';

/** A mesh client for one of the manifest's external clients, kept current with its certificate files. */
export interface ExternalClient {
  readonly client: MeshClient;
  readonly source: IdentitySource;
  close(): Promise<void>;
}

export function externalClient(
  manifest: Manifest,
  certsDir: string,
  environment: string,
  name: string,
  timeouts: { connectTimeoutMs?: number; responseTimeoutMs?: number } = {},
): ExternalClient {
  const workload = manifest.clients.get(name);
  if (!workload) throw new Error(`${manifest.file} has no client "${name}"`);
  const source = IdentitySource.open(identityFiles(certsDir, name), { id: workload.id, ...svidRules(manifest), fix: `${ISSUE_COMMAND} ${name}` });
  // Renewals, CA rotations and revocations rewrite the files; follow them quickly.
  const watch = watchIdentity(source, { pollMs: 1_000 });
  const client = new MeshClient({ manifest, environment, self: workload, source, ...timeouts });
  return {
    client,
    source,
    close: async () => {
      watch.close();
      await client.close();
    },
  };
}
