import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseManifest, type Manifest } from '@portcullis/manifest';
import { leafNames, RENEW_AT_FRACTION } from '@portcullis/pki';
import {
  allowedEdges,
  DEPLOY_DIR,
  goDuration,
  identitySecretName,
  KUBE_DNS,
  kubernetesAddressFor,
  kubernetesMesh,
  kubernetesProblems,
  writeKubernetesFiles,
  MESH_RENEWER,
  MONITOR_CLIENT,
  type Endpoint,
  type KubeObject,
  type NetworkPolicy,
  type PortProtocol,
} from '@portcullis/mesh';
import { isEdge } from '../src/compose-check';
import { kubectl } from '../../../test-support/kubectl';
import { editedManifest, lineOf, REPO_ROOT, repoManifest, tempDir } from '../../../test-support/temp-mesh';

const OVERLAYS = ['cert-manager', 'mesh-renewer'] as const;
const FIX = 'run "pnpm mesh kubernetes"';
const repoFile = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** `kubectl kustomize` of an overlay: the objects `kubectl apply -k` would send, with no cluster. */
function render(overlay: string, root = REPO_ROOT): KubeObject[] {
  const text = execFileSync(kubectl(), ['kustomize', join(root, DEPLOY_DIR, 'overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject);
}

interface Validation {
  readonly name: string;
  readonly model: string | null;
  readonly error: string | null;
}
/** Schema validation in a child process: the model packages are ESM-only (see test-support/validate-kubernetes.mjs). */
function validate(objects: readonly unknown[]): Validation[] {
  const output = execFileSync(process.execPath, [join(REPO_ROOT, 'test-support/validate-kubernetes.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  return JSON.parse(output) as Validation[];
}

const of = (objects: readonly KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: readonly KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('deploy/kubernetes against mesh.yaml', () => {
  it('agree: generating from mesh.yaml changes nothing', () => {
    expect(kubernetesProblems(repoManifest())).toEqual([]);
  });

  it("are stale when a service's port changes, and say which file and line", () => {
    const manifest = repoManifest();
    // A service that another service calls, so both its own file and its callers' policies move.
    const callee = [...manifest.services.values()].find((s) => [...manifest.services.values()].some((other) => other.calls.includes(s.name)))!;
    const moved = callee.port + 1000;
    const edited = editedManifest([new RegExp(`(\\n  ${callee.name}:\\n(?:    .*\\n)*?    port: )${callee.port}\\n`), `$1${moved}\n`]).manifest();
    expect(edited.services.get(callee.name)!.port).toBe(moved);
    const own = `${DEPLOY_DIR}/base/${callee.name}.yaml`;
    expect(kubernetesProblems(edited)).toEqual([
      `${own}:${lineOf(repoFile(own), `containerPort: ${callee.port}`)} says "containerPort: ${callee.port}" but mesh.yaml makes it "containerPort: ${moved}"; ${FIX}`,
      expect.stringMatching(
        new RegExp(`^${DEPLOY_DIR}/base/network-policies\\.yaml:\\d+ says "port: ${callee.port}" but mesh.yaml makes it "port: ${moved}"; ${FIX}$`),
      ),
      // The renewer reaches every service's port as the monitor.
      expect.stringMatching(
        new RegExp(`^${DEPLOY_DIR}/overlays/mesh-renewer/renewer\\.yaml:\\d+ says "port: ${callee.port}" but mesh.yaml makes it "port: ${moved}"; ${FIX}$`),
      ),
    ]);
  });

  it("are stale when a service's calls change, and say which line of the NetworkPolicies", () => {
    const manifest = repoManifest();
    const gateway = [...manifest.services.values()].find((s) => isEdge(manifest, s))!;
    // A service the edge does not call yet, whose own routes then allow it.
    const target = [...manifest.services.values()].find((s) => s.name !== gateway.name && !gateway.calls.includes(s.name))!;
    const route = target.routes.find((r) => !r.allow.includes('monitor'))!;
    const edited = editedManifest(
      [`calls: [${gateway.calls.join(', ')}]`, `calls: [${[...gateway.calls, target.name].join(', ')}]`],
      [`${route.method} ${route.path}: [${route.allow.join(', ')}]`, `${route.method} ${route.path}: [${[...route.allow, gateway.name].join(', ')}]`],
    ).manifest();
    const policies = `${DEPLOY_DIR}/base/network-policies.yaml`;
    const text = repoFile(policies);
    // The first line to differ is the comment of the edge's own policy, which lists what it calls.
    const line =
      lineOf(text, `name: ${gateway.name}-mtls`) +
      text
        .slice(text.indexOf(`name: ${gateway.name}-mtls`))
        .split('\n')
        .findIndex((l) => l.includes('# Called by'));
    expect(kubernetesProblems(edited)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${policies.replaceAll('.', '\\.')}:${line} says ".*calls ${gateway.calls.join(', ')}\\." but mesh.yaml makes it ".*calls ${[...gateway.calls, target.name].join(', ')}\\."; ${FIX}$`,
        ),
      ),
    ]);
  });

  it('are stale when a service moves to another Service name, and refuse a second namespace', () => {
    const manifest = repoManifest();
    const name = [...manifest.services.keys()].at(-1)!;
    const host = manifest.services.get(name)!.addresses.get('kubernetes')!.host;
    const [, namespace] = host.split('.');
    const renamed = editedManifest([`kubernetes: ${host}`, `kubernetes: ${name}-v2.${host.split('.').slice(1).join('.')}`]).manifest();
    const own = `${DEPLOY_DIR}/base/${name}.yaml`;
    expect(kubernetesProblems(renamed)).toEqual([
      `${own}:${lineOf(repoFile(own), 'kind: Service\n') + 2} says "name: ${name}" but mesh.yaml makes it "name: ${name}-v2"; ${FIX}`,
      // The certificate's DNS names follow the address, so cert-manager's Certificate is stale too.
      expect.stringMatching(
        new RegExp(`^${DEPLOY_DIR}/overlays/cert-manager/certificates\\.yaml:\\d+ says "- ${host}" but mesh.yaml makes it "- ${name}-v2\\.`),
      ),
    ]);
    const elsewhere = editedManifest([`kubernetes: ${host}`, `kubernetes: ${name}.elsewhere.svc.cluster.local`]).manifest();
    expect(() => kubernetesMesh(elsewhere)).toThrow(
      `${manifest.file}: the kubernetes addresses name the namespaces ${namespace}, elsewhere; put every service in one namespace`,
    );
  });
});

describe.each(OVERLAYS)('the %s overlay, rendered with kustomize', (overlay) => {
  const manifest = repoManifest();
  const { namespace, services } = kubernetesMesh(manifest);
  let objects: KubeObject[];
  beforeAll(() => {
    objects = render(overlay);
  });

  it('validates against the Kubernetes and cert-manager schemas, every object of it', () => {
    const results = validate(objects);
    expect(results).toHaveLength(objects.length);
    expect(results.filter((r) => r.model === null || r.error !== null)).toEqual([]);
  });

  it('runs every service as its hardened image, probed over mTLS, with its own identity only', () => {
    for (const { service, serviceName, port } of services) {
      const deployment = named(objects, 'Deployment', service.name) as { spec: { template: { spec: PodSpec } } } & KubeObject;
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container).toMatchObject({
        image: `portcullis/${service.name}`,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        ports: [{ containerPort: port }],
        // Its own identity, read-only, and a writable folder for its database (the root filesystem is read-only).
        volumeMounts: [
          { mountPath: `/certs/${service.name}`, readOnly: true },
          { name: 'data', mountPath: '/data' },
        ],
      });
      expect(container!.env).toEqual(
        expect.arrayContaining([
          { name: 'PORTCULLIS_ENV', value: 'kubernetes' },
          { name: 'PORTCULLIS_CERTS', value: '/certs' },
          { name: 'PORTCULLIS_MANIFEST', value: '/app/mesh.yaml' },
        ]),
      );
      for (const probe of [container!.readinessProbe, container!.livenessProbe]) expect(probe?.exec?.command.join(' ')).toContain('health-probe.js');
      const secrets = JSON.stringify(pod.volumes).match(/"name":"[a-z0-9-]+-identity"/g) ?? [];
      expect(secrets).toEqual([`"name":"${identitySecretName(service.name)}"`]);
      expect(named(objects, 'Service', serviceName)).toMatchObject({ metadata: { namespace }, spec: { ports: [{ port }] } });
      expect(named(objects, 'PodDisruptionBudget', service.name)).toBeDefined();
      expect(named(objects, 'ServiceAccount', service.name)).toBeDefined();
    }
  });

  it("lets through exactly mesh.yaml's call graph, the outside clients to the edge, and DNS", () => {
    const expected = expectedEdges(manifest, overlay);
    expect(allowedEdges(of(objects, 'NetworkPolicy') as unknown as NetworkPolicy[], endpoints(objects), candidatePorts(manifest))).toEqual(expected);
    // The default deny is what closes a pod no policy names (a debug pod, a service not yet in mesh.yaml).
    const open = allowedEdges(
      of(objects, 'NetworkPolicy').filter((p) => p.metadata.name !== 'default-deny') as unknown as NetworkPolicy[],
      endpoints(objects),
      candidatePorts(manifest),
    );
    expect(open).toEqual(expect.arrayContaining([`${STRAY} -> kube-dns:53/UDP`, `outside -> ${STRAY}:${services[0]!.port}/TCP`]));
  });
});

describe('the cert-manager overlay', () => {
  const manifest = repoManifest();
  const objects = () => render('cert-manager');

  it("issues every service an X509-SVID with the names peers dial, for mesh.yaml's leaf lifetime, renewed at 2/3", () => {
    const rendered = objects();
    const lifetime = manifest.certificates.leafLifetimeMs;
    for (const service of manifest.services.values()) {
      const names = leafNames(manifest, service);
      expect(named(rendered, 'Certificate', service.name)).toMatchObject({
        spec: {
          secretName: identitySecretName(service.name),
          uris: [service.id],
          dnsNames: names.dnsNames,
          duration: goDuration(lifetime),
          renewBefore: goDuration(Math.round(lifetime * (1 - RENEW_AT_FRACTION))),
          privateKey: { algorithm: 'RSA', size: 2048 },
          usages: ['digital signature', 'server auth', 'client auth'],
        },
      });
      expect(names.dnsNames).toContain(service.addresses.get('kubernetes')!.host);
    }
    expect(of(rendered, 'Bundle')).toHaveLength(1);
  });
});

describe('the mesh-renewer overlay', () => {
  it('gives the renewer exactly the identity Secrets, and no one else a token', () => {
    const manifest = repoManifest();
    const rendered = render('mesh-renewer');
    const secrets = [...manifest.services.keys()].map(identitySecretName);
    expect(of(rendered, 'Role')).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: MESH_RENEWER }),
        rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: secrets, verbs: ['get', 'update'] }],
      }),
    ]);
    expect(
      of(rendered, 'Secret')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual([...secrets].sort());
    const tokens = of(rendered, 'Deployment').filter(
      (d) => (d as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec.automountServiceAccountToken !== false,
    );
    expect(tokens.map((d) => d.metadata.name)).toEqual([MESH_RENEWER]);
  });
});

describe('a mesh with one more service', () => {
  it('gets its Deployment, Certificate and Secret, and exactly its new edges, in both overlays', () => {
    const manifest = repoManifest();
    const name = ['shipping', 'shipping-next', 'parcels'].find((n) => !manifest.services.has(n) && !manifest.clients.has(n))!;
    const caller = [...manifest.services.values()].find((s) => s.calls.length > 0 && !isEdge(manifest, s))!;
    const callee = manifest.services.get(caller.calls.at(-1)!)!;
    const route = callee.routes.find((r) => !r.allow.includes(MONITOR_CLIENT))!;
    const { namespace } = kubernetesMesh(manifest);
    const taken = new Set([...manifest.services.values()].map((s) => s.addresses.get('local')!.host));
    const local = Array.from({ length: 250 }, (_, i) => `127.0.0.${i + 2}`).find((h) => !taken.has(h))!;
    const { text } = editedManifest(
      [`calls: [${caller.calls.join(', ')}]`, `calls: [${[...caller.calls, name].join(', ')}]`],
      [`${route.method} ${route.path}: [${route.allow.join(', ')}]`, `${route.method} ${route.path}: [${[...route.allow, name].join(', ')}]`],
      [
        /\n*$/,
        `\n\n  ${name}:\n    id: spiffe://${manifest.trustDomain}/service/${name}\n    port: ${callee.port}\n    addresses:\n      local: ${local}\n      compose: ${name}\n      kubernetes: ${kubernetesAddressFor(manifest, name)}\n    calls: [${callee.name}]\n    routes:\n      GET /shipments/:id: [${caller.name}]\n`,
      ],
    );
    const temp = tempDir('kubernetes');
    try {
      writeFileSync(join(temp.dir, 'mesh.yaml'), text);
      const grown = parseManifest(text, join(temp.dir, 'mesh.yaml'));
      expect(grown.services.size).toBe(manifest.services.size + 1);
      expect(writeKubernetesFiles(grown)).toContain(`${DEPLOY_DIR}/base/${name}.yaml`);
      expect(kubernetesProblems(grown)).toEqual([]);
      for (const overlay of OVERLAYS) {
        const objects = render(overlay, temp.dir);
        expect(named(objects, 'Deployment', name)).toMatchObject({ metadata: { namespace } });
        expect(validate(objects).filter((r) => r.model === null || r.error !== null)).toEqual([]);
        const edges = allowedEdges(of(objects, 'NetworkPolicy') as unknown as NetworkPolicy[], endpoints(objects), candidatePorts(grown));
        expect(edges).toEqual(expectedEdges(grown, overlay));
        expect(edges).toEqual(expect.arrayContaining([`${caller.name} -> ${name}:${callee.port}/TCP`, `${name} -> ${callee.name}:${callee.port}/TCP`]));
      }
      expect(named(render('cert-manager', temp.dir), 'Certificate', name)).toMatchObject({
        spec: { uris: [`spiffe://${manifest.trustDomain}/service/${name}`] },
      });
      expect(named(render('mesh-renewer', temp.dir), 'Secret', identitySecretName(name))).toBeDefined();
    } finally {
      temp.remove();
    }
  });
});

describe('schema validation', () => {
  it('rejects what the API server would, so a pass means something', () => {
    const [deployment] = validate([
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } },
    ]);
    expect(deployment!.error).toMatch(/replicas/);
    const [certificate] = validate([{ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'x' }, spec: { secretName: 'x' } }]);
    expect(certificate!.error).toMatch(/issuerRef/);
  });
});

interface Probe {
  readonly exec?: { readonly command: readonly string[] };
}
interface PodSpec {
  readonly automountServiceAccountToken?: boolean;
  readonly securityContext?: unknown;
  readonly volumes?: unknown;
  readonly containers: readonly { readonly env?: unknown; readonly readinessProbe?: Probe; readonly livenessProbe?: Probe }[];
}

/** A pod of the namespace that mesh.yaml does not know: it must reach nothing and be reached by nothing. */
const STRAY = 'stray-debug-pod';

/** Every pod of the rendered objects (by its Deployment's template), a stray pod, cluster DNS, and the world outside. */
function endpoints(objects: readonly KubeObject[]): Endpoint[] {
  const pods = of(objects, 'Deployment').map((deployment): Endpoint => {
    const namespace = deployment.metadata.namespace!;
    const labels = (deployment as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
    return { name: deployment.metadata.name, namespace, labels, namespaceLabels: { 'kubernetes.io/metadata.name': namespace } };
  });
  const stray: Endpoint = { name: STRAY, namespace: objects.find((o) => o.kind === 'Namespace')!.metadata.name, labels: { app: STRAY }, namespaceLabels: {} };
  const dns: Endpoint = {
    name: 'kube-dns',
    namespace: KUBE_DNS.namespace,
    labels: KUBE_DNS.labels,
    namespaceLabels: { 'kubernetes.io/metadata.name': KUBE_DNS.namespace },
  };
  return [...pods, stray, dns, { name: 'outside' }];
}

/** Every port any edge could use: the services' ports, DNS, the API server's. */
function candidatePorts(manifest: Manifest): PortProtocol[] {
  const tcp = new Set([...kubernetesMesh(manifest).services.map((s) => s.port), 53, 443, 6443]);
  return [...[...tcp].map((port): PortProtocol => ({ port, protocol: 'TCP' })), { port: 53, protocol: 'UDP' }];
}

/**
 * From the manifest alone: each call on the callee's port; DNS for every pod; the edge open on
 * its port to everything that is not a mesh pod (clients arrive from outside, through a load
 * balancer, or from another namespace); the renewer to the API server, whose address no policy
 * can name, so to anything that is not a mesh pod on 443 and 6443, and as the monitor client to the services.
 */
function expectedEdges(manifest: Manifest, overlay: string): string[] {
  const { services } = kubernetesMesh(manifest);
  const port = new Map(services.map((s) => [s.service.name, s.port]));
  const pods = services.map((s) => s.service.name);
  const notMesh = ['kube-dns', 'outside'];
  const edges = services.flatMap(({ service }) => [
    ...service.calls.map((callee) => `${service.name} -> ${callee}:${port.get(callee)}/TCP`),
    ...(isEdge(manifest, service) ? notMesh.map((client) => `${client} -> ${service.name}:${port.get(service.name)}/TCP`) : []),
  ]);
  if (overlay === 'mesh-renewer') {
    pods.push(MESH_RENEWER);
    edges.push(...notMesh.flatMap((to) => [`${MESH_RENEWER} -> ${to}:443/TCP`, `${MESH_RENEWER} -> ${to}:6443/TCP`]));
    // It holds the monitor client, which mesh.yaml lets call the services that allow it.
    const monitored = services.filter(({ service }) => service.routes.some((route) => route.allow.includes(MONITOR_CLIENT)));
    edges.push(...monitored.map(({ service, port }) => `${MESH_RENEWER} -> ${service.name}:${port}/TCP`));
  }
  for (const pod of pods) edges.push(`${pod} -> kube-dns:53/TCP`, `${pod} -> kube-dns:53/UDP`);
  return edges.sort();
}
