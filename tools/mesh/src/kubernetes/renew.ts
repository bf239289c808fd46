import type { Manifest } from '@portcullis/manifest';
import { issueMeshCertificates, withAuthorityLock } from '@portcullis/pki';
import { identitySecret, sameData, type IdentitySecret } from './identity-secret';

/** What the renewer needs of the Kubernetes API: read one Secret, replace it. Kept this thin so everything else is tested without a cluster. */
export interface SecretStore {
  read(name: string, namespace: string): Promise<{ data?: Record<string, string> } | undefined>;
  replace(secret: IdentitySecret): Promise<void>;
}

/**
 * One round of the renewer on Kubernetes: issue what is missing or due (under
 * the CA lock, as `mesh certs` does), then replace every service's Secret whose
 * files differ from the cluster's. Returns one line per Secret it wrote.
 */
export async function renewIntoSecrets(manifest: Manifest, certsDir: string, namespace: string, store: SecretStore): Promise<string[]> {
  await withAuthorityLock(certsDir, () => issueMeshCertificates(manifest, certsDir));
  const written: string[] = [];
  for (const service of manifest.services.keys()) {
    const secret = identitySecret(manifest, certsDir, service, namespace);
    if (sameData(await store.read(secret.metadata.name, namespace), secret)) continue;
    await store.replace(secret);
    written.push(`wrote ${namespace}/${secret.metadata.name}`);
  }
  return written;
}
