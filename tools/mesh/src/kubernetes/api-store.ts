import type { SecretStore } from './renew';

/**
 * The SecretStore of a pod in the cluster, through @kubernetes/client-node
 * with the pod's service account. The only code here that talks to a cluster,
 * so it is as thin as it can be; no cluster runs in the test suite.
 */
export async function inClusterSecretStore(): Promise<SecretStore> {
  // Outside a pod, loadFromCluster does not fail: it makes a config for https://undefined:undefined.
  if (!process.env.KUBERNETES_SERVICE_HOST) {
    throw new Error('mesh kubernetes renew runs in a pod of the cluster (KUBERNETES_SERVICE_HOST is not set); apply deploy/kubernetes/overlays/mesh-renewer');
  }
  // client-node is ESM-only: loaded when the renewer starts, so no other command pays for it.
  const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  config.loadFromCluster();
  const api = config.makeApiClient(CoreV1Api);
  return {
    read: async (name, namespace) => {
      const secret = await api.readNamespacedSecret({ name, namespace });
      return secret.data === undefined ? {} : { data: secret.data };
    },
    replace: async (secret) => {
      await api.replaceNamespacedSecret({ name: secret.metadata.name, namespace: secret.metadata.namespace, body: secret });
    },
  };
}
