import type { Manifest, Service } from '@portcullis/manifest';

/** The Kubernetes environment of the manifest: Service DNS names in one namespace. */
export const KUBERNETES_ENVIRONMENT = 'kubernetes';
/** Every generated object carries this, so one selector finds the whole mesh. */
export const PART_OF = 'portcullis';
/** Where the generated kustomize folders live, relative to the manifest's folder. */
export const DEPLOY_DIR = 'deploy/kubernetes';
/** The command that writes them. */
export const GENERATE_COMMAND = 'pnpm mesh kubernetes';

/** A service as Kubernetes sees it: the Service name and namespace its manifest address names, and the port. */
export interface KubernetesService {
  readonly service: Service;
  /** The Kubernetes Service's name: the first label of the address. */
  readonly serviceName: string;
  readonly host: string;
  readonly port: number;
}

export interface KubernetesMesh {
  readonly namespace: string;
  readonly services: readonly KubernetesService[];
}

const SERVICE_DNS = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)\.([a-z0-9]([a-z0-9-]*[a-z0-9])?)\.svc(\.cluster\.local)?$/;

/**
 * Reads the `kubernetes` addresses of mesh.yaml: each must be a Service DNS
 * name (`<service>.<namespace>.svc.cluster.local`), all in one namespace,
 * since the Services, Deployments and policies are generated from them.
 */
export function kubernetesMesh(manifest: Manifest): KubernetesMesh {
  const namespaces = new Set<string>();
  const services = [...manifest.services.values()].map((service): KubernetesService => {
    const address = service.addresses.get(KUBERNETES_ENVIRONMENT);
    if (!address)
      throw new Error(
        `${manifest.file}: ${service.name} has no ${KUBERNETES_ENVIRONMENT} address; add "${KUBERNETES_ENVIRONMENT}: ${service.name}.<namespace>.svc.cluster.local"`,
      );
    const match = SERVICE_DNS.exec(address.host);
    if (!match)
      throw new Error(
        `${manifest.file}: ${service.name}'s ${KUBERNETES_ENVIRONMENT} address ${address.host} is not a Service DNS name; write it as ${service.name}.<namespace>.svc.cluster.local`,
      );
    namespaces.add(match[3]!);
    return { service, serviceName: match[1]!, host: address.host, port: address.port };
  });
  if (namespaces.size !== 1)
    throw new Error(
      `${manifest.file}: the ${KUBERNETES_ENVIRONMENT} addresses name ${namespaces.size === 0 ? 'no namespace' : `the namespaces ${[...namespaces].join(', ')}`}; put every service in one namespace`,
    );
  return { namespace: [...namespaces][0]!, services };
}

/** The kubernetes address a new service gets: a Service of its name in the mesh's namespace (for `mesh add service`). */
export function kubernetesAddressFor(manifest: Manifest, name: string): string {
  return `${name}.${kubernetesMesh(manifest).namespace}.svc.cluster.local`;
}

/** The pod labels of a service's Deployment, which Services, budgets and NetworkPolicies select. */
export function podLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': PART_OF };
}

/** The one label that tells a workload's pods apart. */
export function podSelector(name: string): { matchLabels: Record<string, string> } {
  return { matchLabels: { 'app.kubernetes.io/name': name } };
}

/** The Secret that holds a service's identity (tls.crt, tls.key, and with the mesh's renewer ca.crt and revoked.txt). */
export const identitySecretName = (service: string): string => `${service}-identity`;
