import {
  addressOf,
  DEFAULT_CONNECTION_LIMITS,
  loadManifest,
  ManifestError,
  originOf,
  parseManifest,
  servicesServing,
  workloadWithId,
} from '@portcullis/manifest';
import { editedManifest, lineOf, MANIFEST_FILE, manifestText, ORDER_FLOW_ROUTES, repoManifest } from '../../../test-support/temp-mesh';

/** The problems a manifest is refused for, one `file:line: where: message` per line; the code says which kind of refusal. */
function problemsOf(build: () => unknown, code = 'PORTCULLIS_ERR_MANIFEST_INVALID'): string {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).code).toBe(code);
    return (error as ManifestError).message;
  }
  throw new Error('the manifest was accepted');
}

describe('the repository manifest', () => {
  const manifest = repoManifest();

  it('describes the services of the order flow and the external clients', () => {
    // Other services may be added (`pnpm mesh add service`); every route of the order flow is served
    // (POST /orders twice: the gateway takes it from outside clients and hands it to orders).
    for (const route of ORDER_FLOW_ROUTES) expect(servicesServing(manifest, [route]).length).toBeGreaterThan(0);
    expect([...manifest.clients.keys()]).toEqual(expect.arrayContaining(['demo-client', 'partner', 'monitor']));
    for (const service of manifest.services.values()) expect(service.id).toBe(`spiffe://${manifest.trustDomain}/service/${service.name}`);
    expect(manifest.trustDomain).toBe('portcullis.local');
    expect(manifest.tls.minVersion).toBe('TLSv1.3');
    expect(manifest.certificates.leafLifetimeMs).toBe(24 * 3_600_000);
  });

  it('gives a CA rotation an overlap of 10 minutes, also when the manifest does not name one', () => {
    expect(manifest.certificates.rootOverlapMs).toBe(10 * 60_000);
    const without = editedManifest([/\n {2}rootOverlap: 10m\n/, '\n']).manifest();
    expect(without.certificates.rootOverlapMs).toBe(10 * 60_000);
    expect(editedManifest(['rootOverlap: 10m', 'rootOverlap: 3s']).manifest().certificates.rootOverlapMs).toBe(3_000);
  });

  it('puts every service on port 8443, the gateway on 127.0.0.1 locally and each on its own address', () => {
    expect(manifest.environments).toEqual(['local', 'compose', 'kubernetes']);
    expect(addressOf(manifest, 'orders', 'kubernetes')).toEqual({ host: 'orders.portcullis.svc.cluster.local', port: 8443 });
    expect(originOf(manifest, 'gateway', 'local')).toBe('https://127.0.0.1:8443');
    expect(addressOf(manifest, 'orders', 'compose')).toEqual({ host: 'orders', port: 8443 });
    const local = [...manifest.services.keys()].map((s) => addressOf(manifest, s, 'local'));
    expect(local.every((a) => a.port === 8443)).toBe(true);
    expect(new Set(local.map((a) => a.host)).size).toBe(manifest.services.size);
  });

  it('adds the common routes to every service, resolving `self`', () => {
    const payments = manifest.services.get('payments')!;
    expect(payments.routes).toContainEqual({ method: 'GET', path: '/healthz', allow: ['monitor', 'payments'] });
    expect(payments.routes).toContainEqual({ method: 'POST', path: '/charges', allow: ['orders'] });
  });

  it('finds workloads by SPIFFE ID', () => {
    expect(workloadWithId(manifest, 'spiffe://portcullis.local/client/demo-client')?.name).toBe('demo-client');
    expect(workloadWithId(manifest, 'spiffe://portcullis.local/service/nobody')).toBeUndefined();
  });
});

describe('connection limits', () => {
  it('reads the limits of mesh.yaml, durations in milliseconds', () => {
    const { manifest } = editedManifest(['minHandshakeTimeout: 1s', 'minHandshakeTimeout: 750ms']);
    expect(manifest().limits).toEqual({
      maxConnections: 1024,
      maxPendingHandshakes: 1024,
      maxPendingPerAddress: 128,
      handshakeTimeoutMs: 5_000,
      minHandshakeTimeoutMs: 750,
    });
  });

  it('takes the defaults for what is left out', () => {
    const { manifest } = editedManifest([/\nlimits:\n( {2}.*\n)+/, '\n']);
    expect(manifest().limits).toEqual(DEFAULT_CONNECTION_LIMITS);
  });

  it('refuses limits that contradict each other', () => {
    const { text, manifest } = editedManifest(['pendingPerAddress: 128', 'pendingPerAddress: 2048'], ['minHandshakeTimeout: 1s', 'minHandshakeTimeout: 6s']);
    const problems = problemsOf(manifest);
    expect(problems).toContain(`mesh.yaml:${lineOf(text, 'pendingPerAddress: 2048')}: limits.pendingPerAddress: 2048 is more than pendingHandshakes (1024)`);
    expect(problems).toContain(`mesh.yaml:${lineOf(text, 'minHandshakeTimeout: 6s')}: limits.minHandshakeTimeout: is longer than handshakeTimeout (5000 ms)`);
  });

  it('refuses a count that is not a positive integer', () => {
    const { text, manifest } = editedManifest(['pendingHandshakes: 1024', 'pendingHandshakes: 0']);
    expect(problemsOf(manifest)).toContain(`mesh.yaml:${lineOf(text, 'pendingHandshakes: 0')}: limits.pendingHandshakes:`);
  });
});

describe('a broken manifest', () => {
  it('names the line of a dependency that does not exist', () => {
    const { text, manifest } = editedManifest([/(\n {2}gateway:\n[\s\S]*?\n {4}calls: \[[^\]\n]*\b)inventory\b/, '$1inventroy']);
    const real = repoManifest();
    const index = real.services.get('gateway')!.calls.indexOf('inventory');
    expect(problemsOf(manifest)).toContain(
      `mesh.yaml:${lineOf(text, 'inventroy')}: services.gateway.calls[${index}]: "inventroy" is not a service; known services: ${[...real.services.keys()].join(', ')}`,
    );
  });

  it('refuses two workloads with one identity', () => {
    const { text, manifest } = editedManifest(['id: spiffe://portcullis.local/service/payments', 'id: spiffe://portcullis.local/service/inventory']);
    const line = text.split('\n').findLastIndex((l) => l.includes('service/inventory')) + 1;
    expect(problemsOf(manifest)).toContain(
      `mesh.yaml:${line}: services.payments.id: spiffe://portcullis.local/service/inventory is already the identity of inventory`,
    );
  });

  it('refuses two services on one address', () => {
    const { text, manifest } = editedManifest(['local: 127.0.0.4', 'local: 127.0.0.3:8443']);
    expect(problemsOf(manifest)).toContain(
      `mesh.yaml:${lineOf(text, '127.0.0.3:8443')}: services.payments.addresses.local: 127.0.0.3:8443 is already the local address of inventory`,
    );
  });

  it('accepts a port override per environment, as macOS needs with only 127.0.0.1', () => {
    const manifest = editedManifest(['local: 127.0.0.4', 'local: 127.0.0.1:9444']).manifest();
    expect(originOf(manifest, 'payments', 'local')).toBe('https://127.0.0.1:9444');
    expect(originOf(manifest, 'payments', 'compose')).toBe('https://payments:8443');
  });

  it('refuses a caller that is not a service or client', () => {
    const { text, manifest } = editedManifest(['POST /charges: [orders]', 'POST /charges: [order]']);
    expect(problemsOf(manifest)).toContain(
      `mesh.yaml:${lineOf(text, '[order]')}: services.payments.routes.POST /charges[0]: "order" is not a service or client`,
    );
  });

  it('refuses a call that no route of the callee allows', () => {
    const { manifest } = editedManifest([/(\n {2}gateway:\n[\s\S]*?\n {4}calls: \[)/, '$1payments, ']);
    expect(problemsOf(manifest)).toContain('gateway calls payments, but no route of payments allows gateway');
  });

  it('refuses a permission for a service that does not declare the call', () => {
    const { manifest } = editedManifest(['POST /charges: [orders]', 'POST /charges: [orders, gateway]']);
    expect(problemsOf(manifest)).toContain('payments allows gateway on "POST /charges", but gateway does not list payments in its calls');
  });

  it('refuses an identity outside the trust domain', () => {
    const { manifest } = editedManifest(['id: spiffe://portcullis.local/client/monitor', 'id: spiffe://elsewhere.example/client/monitor']);
    expect(problemsOf(manifest)).toContain('clients.monitor.id: spiffe://elsewhere.example/client/monitor is outside the trust domain portcullis.local');
  });

  it('refuses a service without an address in an environment the others have', () => {
    const { manifest } = editedManifest(['      compose: payments\n', '']);
    expect(problemsOf(manifest)).toContain('services.payments.addresses: has no address for environment "compose"');
  });

  it('names the line of a value of the wrong type', () => {
    const { text, manifest } = editedManifest([/port: 8443(\n\s+addresses:\n\s+local: 127.0.0.2)/, 'port: eighty$1']);
    expect(problemsOf(manifest)).toMatch(new RegExp(`mesh.yaml:${lineOf(text, 'eighty')}: services.orders.port: .*expected number`));
  });

  it('names unknown keys, which usually are typos', () => {
    const { manifest } = editedManifest([/(\n {2}orders:\n[\s\S]*?\n {4})calls:/, '$1call:']);
    expect(problemsOf(manifest)).toContain('services.orders: Unrecognized key: "call"');
  });

  it('reports invalid YAML with its line', () => {
    const text = manifestText().replace('trustDomain: portcullis.local', 'trustDomain: [portcullis.local');
    expect(problemsOf(() => parseManifest(text, MANIFEST_FILE))).toMatch(/mesh\.yaml:\d+: is not valid YAML/);
  });

  it('says how to fix a missing file', () => {
    expect(problemsOf(() => loadManifest('/nonexistent/mesh.yaml'), 'PORTCULLIS_ERR_MANIFEST_MISSING')).toBe(
      '/nonexistent/mesh.yaml: does not exist; create it or point PORTCULLIS_MANIFEST at the mesh manifest',
    );
  });

  it('refuses a service route that repeats one of the common routes', () => {
    const { manifest } = editedManifest(['      POST /charges: [orders]\n', '      POST /charges: [orders]\n      GET /healthz: [orders]\n']);
    expect(problemsOf(manifest)).toContain('services.payments.routes.GET /healthz: "GET /healthz" is one of the commonRoutes every service has');
  });
});
