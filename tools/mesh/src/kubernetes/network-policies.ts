import type { Manifest } from '@portcullis/manifest';
import { isEdge } from '../compose-check';
import { PART_OF, podSelector, type KubernetesMesh } from './environment';
import type { Documented } from './objects';

/** Where cluster DNS runs, by the labels and namespace every common distribution gives it. */
export const KUBE_DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

interface IngressRule {
  readonly from?: { readonly podSelector: { readonly matchLabels: Record<string, string> } }[];
  readonly ports: { readonly protocol: 'TCP'; readonly port: number }[];
}

/**
 * Default deny for the namespace, then one policy per service that opens
 * exactly its edges of the manifest's call graph: egress to each callee's pods
 * on the callee's port, ingress from each caller's pods on its own port, and
 * for a service that outside clients call (the edge) ingress from anywhere on
 * that port, since those clients come through a load balancer. Both ends say
 * it, so a call is allowed only when the caller may send and the callee may
 * receive. mTLS still decides who may call what; this is the second fence.
 */
export function networkPolicies(manifest: Manifest, mesh: KubernetesMesh): Documented[] {
  const { namespace } = mesh;
  const byName = new Map(mesh.services.map((k) => [k.service.name, k]));
  const policies: Documented[] = [
    {
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny', namespace },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      },
      comments: [{ path: ['spec'], text: ' Every pod of the namespace: nothing in, nothing out, unless a policy below allows it.' }],
    },
    {
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'dns', namespace },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/part-of': PART_OF } },
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: KUBE_DNS.namespace } }, podSelector: { matchLabels: KUBE_DNS.labels } }],
              ports: [
                { protocol: 'UDP', port: 53 },
                { protocol: 'TCP', port: 53 },
              ],
            },
          ],
        },
      },
      comments: [{ path: ['spec'], text: ' Peers are found by their Service DNS names (the kubernetes addresses of mesh.yaml).' }],
    },
  ];
  for (const k of mesh.services) {
    const callers = mesh.services.filter((other) => other.service.calls.includes(k.service.name));
    const ingress: IngressRule[] =
      callers.length > 0 ? [{ from: callers.map((c) => ({ podSelector: podSelector(c.service.name) })), ports: [{ protocol: 'TCP', port: k.port }] }] : [];
    const edge = isEdge(manifest, k.service);
    // No `from`: outside clients arrive from any address (a load balancer, a port-forward); their certificates decide the rest.
    if (edge) ingress.push({ ports: [{ protocol: 'TCP', port: k.port }] });
    const egress = k.service.calls.map((callee) => {
      const target = byName.get(callee)!;
      return { to: [{ podSelector: podSelector(callee) }], ports: [{ protocol: 'TCP', port: target.port }] };
    });
    const policyTypes = [...(ingress.length > 0 ? ['Ingress'] : []), ...(egress.length > 0 ? ['Egress'] : [])];
    if (policyTypes.length === 0) continue;
    policies.push({
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `${k.service.name}-mtls`, namespace },
        spec: { podSelector: podSelector(k.service.name), policyTypes, ...(ingress.length > 0 ? { ingress } : {}), ...(egress.length > 0 ? { egress } : {}) },
      },
      comments: [
        {
          path: ['spec'],
          text: ` Called by ${[...callers.map((c) => c.service.name), ...(edge ? ['clients outside the cluster'] : [])].join(', ') || 'nobody'}; calls ${k.service.calls.join(', ') || 'nothing'}.`,
        },
      ],
    });
  }
  return policies;
}
