import { identityFiles } from '@portcullis/layout';
import { MeshCallError, MeshClient, IdentitySource, svidRules } from '@portcullis/trust';
import { parseManifest } from '@portcullis/manifest';
import { readFileSync } from 'node:fs';
import { curl } from '../test-support/outside-clients';
import { meshUnderTest } from './support/mesh-under-test';

const mesh = meshUnderTest();
const services = [...mesh.manifest.services.values()];
const workloads = [...services, ...mesh.manifest.clients.values()];

/** A concrete path for a route pattern: ids of the right shape, which need not exist. */
const concrete = (path: string) => path.replace(':id', path.startsWith('/orders') ? 'ord_0123456789abcdef' : 'res_0123456789abcdef');

/** Every (route, caller) pair of the mesh, allowed or not, from the manifest. */
const pairs = services.flatMap((service) =>
  service.routes.flatMap((route) =>
    workloads.map((caller) => ({
      service: service.name,
      route: `${route.method} ${route.path}`,
      method: route.method,
      path: concrete(route.path),
      caller: caller.name,
      callerId: caller.id,
      allowed: route.allow.includes(caller.name),
    })),
  ),
);

describe('the call graph: every caller against every route of every service, over real mTLS with curl', () => {
  it('covers allowed and denied pairs', () => {
    expect(pairs.filter((p) => p.allowed).length).toBeGreaterThan(10);
    expect(pairs.filter((p) => !p.allowed).length).toBeGreaterThan(50);
    expect(pairs).toContainEqual(expect.objectContaining({ service: 'orders', caller: 'gateway', allowed: true }));
    expect(pairs).toContainEqual(expect.objectContaining({ service: 'payments', caller: 'gateway', allowed: false }));
  });

  it.each(pairs.map((p) => [p.allowed ? 'lets' : 'denies', p.caller, p.service, p.route, p] as const))(
    '%s %s call %s %s',
    (_verb, caller, service, route, pair) => {
      const files = mesh.identity(caller);
      // POST bodies are empty objects: an allowed caller gets past authorization and meets validation (400).
      const endpoint = mesh.endpoint(service);
      const response = curl(`${endpoint.origin}${pair.path}`, { cacert: files.bundle, cert: files.cert, key: files.key }, [
        ...endpoint.curlArgs,
        '-X',
        pair.method,
        ...(pair.method === 'POST' ? ['-H', 'content-type: application/json', '--data-binary', '{}'] : []),
      ]);
      if (pair.allowed) {
        expect(response.status).toBeGreaterThanOrEqual(200);
        expect(response.status).not.toBe(403);
        expect(response.status).toBeLessThan(500);
      } else {
        expect(response.status).toBe(403);
        expect(JSON.parse(response.body)).toEqual({
          statusCode: 403,
          error: 'Forbidden',
          message: `${pair.callerId} may not call ${route}`,
          caller: pair.callerId,
          route,
        });
      }
    },
  );
});

describe('identity pinning against the running mesh', () => {
  it('refuses to send a request to payments when the server there presents the inventory certificate', async () => {
    // Point orders' idea of where payments lives at the real inventory service, in an
    // environment of its own (the manifest refuses two services on one address).
    const inventory = mesh.endpoint('inventory').connect;
    const text = readFileSync(mesh.manifest.file, 'utf8').replace(
      /(\n\s+)compose: (\w+)/g,
      (_, indent: string, name: string) => `${indent}compose: ${name}${indent}decoy: ${name === 'payments' ? `${inventory.host}:${inventory.port}` : name}`,
    );
    const manifest = parseManifest(text, mesh.manifest.file);
    const orders = manifest.services.get('orders')!;
    const source = IdentitySource.open(identityFiles(mesh.certsDir, 'orders'), { id: orders.id, ...svidRules(manifest), fix: 'test' });
    const client = new MeshClient({ manifest, environment: 'decoy', self: orders, source });
    try {
      const call = client.call('payments', 'POST', '/charges', { reference: 'pinning', amountCents: 1 });
      await expect(call).rejects.toBeInstanceOf(MeshCallError);
      await expect(call).rejects.toThrow(
        'payments presented spiffe://portcullis.local/service/inventory, but the manifest expects spiffe://portcullis.local/service/payments; refusing to send the request',
      );
    } finally {
      await client.close();
    }
  });
});
