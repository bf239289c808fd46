import { loadManifest } from '@portcullis/manifest';
import { inClusterSecretStore } from '../kubernetes/api-store';
import { writeKubernetesFiles } from '../kubernetes/files';
import { renewIntoSecrets } from '../kubernetes/renew';
import { untilStopped, wholeNumber, type Command } from './command';

export const kubernetes: Command = {
  name: 'kubernetes',
  summary: 'write deploy/kubernetes (kustomize base and overlays) from the manifest',
  synopsis: '',
  help: 'Writes deploy/kubernetes (the kustomize base and the cert-manager and mesh-renewer overlays) from the manifest.',
  async run({ location, print }) {
    const changed = writeKubernetesFiles(loadManifest(location.manifestFile));
    print(changed.length > 0 ? `wrote ${changed.join(', ')} from the manifest` : 'deploy/kubernetes already agrees with the manifest');
    return 0;
  },
};

export const kubernetesRenew: Command = {
  name: 'kubernetes renew',
  summary: 'in a cluster (the mesh-renewer overlay): issue what is due and write the Secrets',
  synopsis: '[--watch <seconds>]',
  help: `In a cluster (the mesh-renewer overlay): issues the certificates that are due and writes them into the services'
Secrets through the Kubernetes API, in the namespace PORTCULLIS_NAMESPACE.
  --watch <seconds>    keep doing so every <seconds>`,
  options: { watch: { type: 'string' } },
  async run(input) {
    const { location, print } = input;
    const namespace = process.env.PORTCULLIS_NAMESPACE;
    if (!namespace)
      throw new Error('PORTCULLIS_NAMESPACE is not set: the renewer writes Secrets into its own namespace (the Deployment sets it from metadata.namespace)');
    const manifest = loadManifest(location.manifestFile);
    const store = await inClusterSecretStore();
    const watching = input.values.watch !== undefined;
    const round = async () => {
      try {
        for (const line of await renewIntoSecrets(manifest, location.certsDir, namespace, store)) print(line);
      } catch (error) {
        if (!watching) throw error;
        process.stderr.write(`renewal failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    };
    await round();
    if (!watching) return 0;
    let running = false;
    const timer = setInterval(
      () => {
        if (running) return; // A slow round (key generation, a slow API server) must not overlap the next.
        running = true;
        void round().finally(() => (running = false));
      },
      wholeNumber(input, 'watch', 60) * 1_000,
    );
    await untilStopped();
    clearInterval(timer);
    return 0;
  },
};
