import type { Manifest } from '@portcullis/manifest';
import { identitySecretName, kubernetesMesh, podLabels, podSelector, type KubernetesService } from './environment';
import { networkPolicies } from './network-policies';
import type { Documented, GeneratedFile } from './objects';

/** The image's user (Dockerfile `USER 10001:10001`): never root, and the group that may read the mounted key. */
export const SERVICE_USER = 10001;
/** The image's mTLS health probe, as the Dockerfile's HEALTHCHECK runs it. */
export const HEALTH_PROBE = ['node', 'node_modules/@portcullis/trust/dist/health-probe.js'];

/**
 * Sized from the bench's measured footprint (bench/BENCHMARKS.md, "Memory of each service",
 * from bench/results.json): 110-111 MB RSS idle, at most 200 MB under load (the gateway).
 * The request covers idle; the limit covers the load peak plus one exec probe, itself a
 * Node process of about 42 MB RSS (an idle `node -e` in the same table), plus headroom.
 * One CPU at most: a service is one Node event loop.
 */
export const SERVICE_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '320Mi' } };

/** deploy/kubernetes/base: the namespace, one file per service, and the NetworkPolicies. */
export function baseFiles(manifest: Manifest): GeneratedFile[] {
  const mesh = kubernetesMesh(manifest);
  const perService = mesh.services.map((k): GeneratedFile => ({
    path: `base/${k.service.name}.yaml`,
    about: `${k.service.name}: its ServiceAccount, Deployment, Service and PodDisruptionBudget`,
    documents: serviceDocuments(mesh.namespace, k),
  }));
  const files: GeneratedFile[] = [
    {
      path: 'base/namespace.yaml',
      about: 'the namespace the kubernetes addresses of mesh.yaml name',
      documents: [
        { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: mesh.namespace, labels: { 'app.kubernetes.io/part-of': 'portcullis' } } } },
      ],
    },
    ...perService,
    {
      path: 'base/network-policies.yaml',
      about: "default deny, then exactly mesh.yaml's call graph on the mTLS ports, DNS, and outside clients to the edge",
      documents: networkPolicies(manifest, mesh),
    },
  ];
  return [
    ...files,
    kustomization(
      'base/kustomization.yaml',
      files.map((f) => f.path.slice('base/'.length)),
    ),
  ];
}

export function kustomization(path: string, resources: string[], patches?: { path: string; target?: Record<string, string> }[]): GeneratedFile {
  return {
    path,
    about: 'what `kubectl apply -k` builds from this folder',
    documents: [{ object: { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources, ...(patches ? { patches } : {}) } }],
  };
}

function serviceDocuments(namespace: string, { service, serviceName, port }: KubernetesService): Documented[] {
  const name = service.name;
  const labels = podLabels(name);
  const metadata = { name, namespace, labels };
  const probe = { exec: { command: HEALTH_PROBE }, timeoutSeconds: 3 };
  return [
    { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false } },
    {
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
          // One replica: the services keep their state (orders, stock) in process memory, so two replicas would disagree.
          replicas: 1,
          selector: podSelector(name),
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: SERVICE_USER,
                runAsGroup: SERVICE_USER,
                fsGroup: SERVICE_USER,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name,
                  image: `portcullis/${name}`,
                  env: [
                    { name: 'PORTCULLIS_SERVICE', value: name },
                    { name: 'PORTCULLIS_ENV', value: 'kubernetes' },
                    { name: 'PORTCULLIS_CERTS', value: '/certs' },
                    { name: 'PORTCULLIS_MANIFEST', value: '/app/mesh.yaml' },
                  ],
                  ports: [{ name: 'mtls', containerPort: port, protocol: 'TCP' }],
                  readinessProbe: { ...probe, periodSeconds: 5, failureThreshold: 3 },
                  livenessProbe: { ...probe, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 },
                  resources: SERVICE_RESOURCES,
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
                  volumeMounts: [
                    { name: 'identity', mountPath: `/certs/${name}`, readOnly: true },
                    { name: 'data', mountPath: '/data' },
                  ],
                },
              ],
              volumes: [
                { name: 'identity', projected: { defaultMode: 0o440, sources: [{ secret: { name: identitySecretName(name) } }] } },
                { name: 'data', emptyDir: {} },
              ],
            },
          },
        },
      },
      comments: [
        {
          path: ['spec', 'template', 'spec', 'containers', 0, 'readinessProbe'],
          text: [
            ' An mTLS call to its own GET /healthz with its own certificate (the Dockerfile HEALTHCHECK).',
            " kubelet's httpGet probes cannot present a client certificate, and every port here demands one:",
            ' an exec probe is the only probe that checks what peers need (TLS up, certificate valid, authorization).',
          ].join('\n'),
        },
        {
          path: ['spec', 'template', 'spec', 'containers', 0, 'resources'],
          text: ' From the bench: see SERVICE_RESOURCES in tools/mesh/src/kubernetes/base.ts (bench/BENCHMARKS.md).',
        },
        {
          path: ['spec', 'template', 'spec', 'volumes'],
          text: " The identity the trust library watches: tls.crt, tls.key, ca.crt, revoked.txt behind the kubelet's ..data link.\n Each overlay says where the files come from. defaultMode 288 is 0440: the key is readable by the service's group only.\n data: the service's SQLite database (PORTCULLIS_DATA=/data; the root filesystem is read-only). An emptyDir keeps it across\n container restarts, not pod deletion: for state that outlives the pod, set DATABASE_URL (PostgreSQL) or mount a PersistentVolumeClaim here.",
        },
      ],
    },
    {
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { ...metadata, name: serviceName },
        spec: { selector: podSelector(name).matchLabels, ports: [{ name: 'mtls', port, targetPort: 'mtls', protocol: 'TCP', appProtocol: 'https' }] },
      },
    },
    {
      object: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { maxUnavailable: 1, selector: podSelector(name) } },
      comments: [{ path: ['spec'], text: ' With one replica this lets a drain proceed; raise replicas (and use minAvailable) once state leaves the process.' }],
    },
  ];
}
