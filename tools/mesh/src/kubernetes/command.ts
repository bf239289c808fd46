import type { Manifest } from '@portcullis/manifest';
import { inClusterSecretStore } from './api-store';
import { writeKubernetesFiles } from './files';
import { renewIntoSecrets } from './renew';

/**
 * `mesh kubernetes` writes deploy/kubernetes from the manifest;
 * `mesh kubernetes renew [--watch=seconds]` is the renewer of the mesh-renewer overlay.
 */
export async function kubernetesCommand(
  manifest: Manifest,
  certsDir: string,
  args: { sub: string | undefined; watchSeconds: number | undefined },
  say: (line: string, isError?: boolean) => void,
): Promise<number> {
  if (args.sub === undefined) {
    const changed = writeKubernetesFiles(manifest);
    say(changed.length > 0 ? `wrote ${changed.join(', ')} from the manifest` : 'deploy/kubernetes already agrees with the manifest');
    return 0;
  }
  if (args.sub !== 'renew') throw new Error('usage: mesh kubernetes [renew [--watch=seconds]]');
  const namespace = process.env.PORTCULLIS_NAMESPACE;
  if (!namespace)
    throw new Error('PORTCULLIS_NAMESPACE is not set: the renewer writes Secrets into its own namespace (the Deployment sets it from metadata.namespace)');
  const store = await inClusterSecretStore();
  const round = async () => {
    try {
      for (const line of await renewIntoSecrets(manifest, certsDir, namespace, store)) say(line);
    } catch (error) {
      if (args.watchSeconds === undefined) throw error;
      say(`renewal failed: ${error instanceof Error ? error.message : String(error)}`, true);
    }
  };
  await round();
  if (args.watchSeconds === undefined) return 0;
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // A slow round (key generation, a slow API server) must not overlap the next.
    running = true;
    void round().finally(() => (running = false));
  }, args.watchSeconds * 1_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  return 0;
}
