import type { Manifest } from '@portcullis/manifest';
import { HEALTH_PROBE, kustomization, SERVICE_USER } from './base';
import { MONITOR_CLIENT } from '../readiness';
import { identitySecretName, kubernetesMesh, PART_OF, podSelector } from './environment';
import type { Documented, GeneratedFile } from './objects';

/** The renewer's name: its Deployment, ServiceAccount, Role and claim. */
export const MESH_RENEWER = 'mesh-renewer';
/** How often it checks for certificates that have come due, in seconds (as compose's renewer: `certs --watch=60`). */
export const RENEW_CHECK_SECONDS = 60;

const OVERLAY = 'overlays/mesh-renewer';

/**
 * Without cert-manager: the mesh's own CA and renewer (`mesh kubernetes renew`)
 * in one pod. It keeps the CA on a volume of its own, issues and renews as
 * `mesh certs --watch` does, and replaces each service's Secret with the
 * workload's four files (tls.crt, tls.key, ca.crt, revoked.txt) at once, so a
 * pod never sees a key without its certificate or a new root without its bundle.
 * Its Role reaches exactly those Secrets by name. RBAC cannot restrict `create`
 * by name, so the Secrets are declared here, empty, and the renewer only updates them.
 */
export function meshRenewerFiles(manifest: Manifest): GeneratedFile[] {
  const { namespace, services } = kubernetesMesh(manifest);
  const secrets = services.map(({ service }) => identitySecretName(service.name));
  const labels = { 'app.kubernetes.io/name': MESH_RENEWER, 'app.kubernetes.io/part-of': PART_OF };
  const metadata = { name: MESH_RENEWER, namespace, labels };
  // The renewer also holds the monitor client's identity: `renew`, `ca rotate` and `revoke` run in its pod
  // wait for every service's GET /healthz, which mesh.yaml lets the monitor call.
  const monitored = services.filter(({ service }) => service.routes.some((route) => route.allow.includes(MONITOR_CLIENT)));
  const monitorIngress = monitored.map(({ service, port }): Documented => ({
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${service.name}-from-${MESH_RENEWER}`, namespace },
      spec: {
        podSelector: podSelector(service.name),
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: podSelector(MESH_RENEWER) }], ports: [{ protocol: 'TCP', port }] }],
      },
    },
    comments: [
      {
        path: ['spec'],
        text: ` The ${MONITOR_CLIENT} client (in the renewer's pod) may call ${service.name}'s GET /healthz, so the lifecycle commands can wait for it.`,
      },
    ],
  }));
  const files: GeneratedFile[] = [
    {
      path: `${OVERLAY}/identity-secrets.yaml`,
      about: "every service's identity Secret, empty until the renewer fills it (kubectl apply keeps what the renewer wrote)",
      documents: services.map(({ service }) => ({
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: identitySecretName(service.name),
            namespace,
            labels: { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/part-of': PART_OF },
          },
          type: 'Opaque',
        },
      })),
    },
    {
      path: `${OVERLAY}/renewer.yaml`,
      about: 'the renewer: ServiceAccount, Role and RoleBinding on exactly the identity Secrets, its CA volume, its Deployment and its NetworkPolicies',
      documents: [
        { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false } },
        {
          object: {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'Role',
            metadata,
            rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: secrets, verbs: ['get', 'update'] }],
          },
          comments: [{ path: ['rules'], text: ' Only the identity Secrets, only read and replace: no list, no create, no other Secret of the namespace.' }],
        },
        {
          object: {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata,
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: MESH_RENEWER },
            subjects: [{ kind: 'ServiceAccount', name: MESH_RENEWER, namespace }],
          },
        },
        {
          object: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { ...metadata, name: `${MESH_RENEWER}-authority` },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } },
          },
          comments: [{ path: ['spec'], text: ' The CA (certs/ca: root and intermediate keys, bundle, deny list, rotation state): it must outlive the pod.' }],
        },
        {
          object: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata,
            spec: {
              replicas: 1,
              // Never two renewers at once: the CA lock lives on a ReadWriteOnce volume.
              strategy: { type: 'Recreate' },
              selector: { matchLabels: { 'app.kubernetes.io/name': MESH_RENEWER } },
              template: {
                metadata: { labels },
                spec: {
                  serviceAccountName: MESH_RENEWER,
                  // The one pod that talks to the API server, so the one that mounts a token.
                  automountServiceAccountToken: true,
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: SERVICE_USER,
                    runAsGroup: SERVICE_USER,
                    fsGroup: SERVICE_USER,
                    seccompProfile: { type: 'RuntimeDefault' },
                  },
                  containers: [
                    {
                      name: 'renewer',
                      image: 'portcullis/mesh',
                      command: ['node', 'dist/cli.js', 'kubernetes', 'renew', `--watch=${RENEW_CHECK_SECONDS}`],
                      env: [
                        { name: 'PORTCULLIS_ENV', value: 'kubernetes' },
                        { name: 'PORTCULLIS_CERTS', value: '/certs' },
                        { name: 'PORTCULLIS_MANIFEST', value: '/app/mesh.yaml' },
                        { name: 'PORTCULLIS_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                      ],
                      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
                      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
                      volumeMounts: [{ name: 'authority', mountPath: '/certs' }],
                    },
                  ],
                  volumes: [{ name: 'authority', persistentVolumeClaim: { claimName: `${MESH_RENEWER}-authority` } }],
                },
              },
            },
          },
          comments: [
            {
              path: ['spec', 'template', 'spec', 'containers', 0, 'command'],
              text: ` No probe: it serves nothing (the services' probes are ${HEALTH_PROBE.join(' ')}); a failed round is logged and retried.`,
            },
          ],
        },
        {
          object: {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata,
            spec: {
              podSelector: { matchLabels: { 'app.kubernetes.io/name': MESH_RENEWER } },
              policyTypes: ['Ingress', 'Egress'],
              egress: [
                {
                  ports: [
                    { protocol: 'TCP', port: 443 },
                    { protocol: 'TCP', port: 6443 },
                  ],
                },
                ...monitored.map(({ service, port }) => ({ to: [{ podSelector: podSelector(service.name) }], ports: [{ protocol: 'TCP', port }] })),
              ],
            },
          },
          comments: [
            {
              path: ['spec', 'egress'],
              text: " The API server (443 or 6443): its address differs per cluster, so no `to`. Then, as the monitor, each service's port.\n Nothing comes in; DNS is the base's 'dns' policy.",
            },
          ],
        },
        ...monitorIngress,
      ],
    },
  ];
  return [...files, kustomization(`${OVERLAY}/kustomization.yaml`, ['../../base', ...files.map((f) => f.path.slice(OVERLAY.length + 1))])];
}
