import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '@portcullis/manifest';
import { addServiceToManifest, composeProblems, generateCompose, readmeWithTables, SERVICE_TEMPLATES } from '@portcullis/mesh';
import { manifestText, REPO_ROOT, repoManifest } from '../../../test-support/temp-mesh';

const repoFile = (name: string) => readFileSync(join(REPO_ROOT, name), 'utf8');
/** A service the manifest does not have yet, whatever services were added to it since. */
const NEW = ['shipping', 'shipping-next', 'parcels'].find((name) => !repoManifest().services.has(name) && !repoManifest().clients.has(name))!;

describe('the files mesh generate writes', () => {
  it('are what the repository holds: generating from mesh.yaml changes nothing', () => {
    expect(generateCompose(repoManifest(), repoFile('docker-compose.yml'))).toBe(repoFile('docker-compose.yml'));
    expect(readmeWithTables(repoManifest(), repoFile('README.md'))).toBe(repoFile('README.md'));
  });

  it('follow a manifest with one more service, and pass the compose check', () => {
    const manifest = repoManifest();
    const { text } = addServiceToManifest(manifest, manifestText(), { name: NEW, calls: ['payments'], callers: ['orders'], routes: ['GET /shipments/:id'] });
    const grown = parseManifest(text, manifest.file);
    const compose = generateCompose(grown, repoFile('docker-compose.yml'));
    expect(composeProblems(grown, repoFile('docker-compose.yml'))).not.toEqual([]);
    expect(composeProblems(grown, compose)).toEqual([]);
    expect(generateCompose(grown, compose)).toBe(compose);
    // The comments, anchors and jobs are kept: the new file only has more lines than the old one.
    const added = compose.split('\n');
    expect(
      repoFile('docker-compose.yml')
        .split('\n')
        .filter((line) => !added.includes(line)),
    ).toEqual([]);
    expect(readmeWithTables(grown, repoFile('README.md'))).toContain(`| ${NEW} | GET /shipments/:id | orders |`);
  });

  it('say what to do when the README has lost its markers', () => {
    expect(() => readmeWithTables(repoManifest(), '# a README\n', 'README.md')).toThrow(
      'README.md: has no "<!-- mesh tables -->" ... "<!-- /mesh tables -->" block; put the two markers where the tables belong',
    );
  });
});

describe('adding a service to mesh.yaml', () => {
  const manifest = repoManifest();
  const add = (calls: string[], callers: string[], routes: string[]) => addServiceToManifest(manifest, manifestText(), { name: NEW, calls, callers, routes });

  it('keeps every other byte of the file: comments, their alignment, flow lists', () => {
    const { text } = add(['payments'], ['orders', 'demo-client'], ['GET /shipments/:id', 'POST /shipments']);
    const removed = manifestText()
      .split('\n')
      .filter((line) => !text.split('\n').includes(line));
    // Only the lists that grew differ (the calls, and each route of payments), each by the new name at its end.
    expect(removed).toEqual([
      expect.stringMatching(/^ {4}calls: \[.*\]$/),
      expect.stringMatching(/^ {6}POST \/charges: \[.*\]$/),
      expect.stringMatching(/^ {6}GET \/charges\/:reference: \[.*\]$/),
      expect.stringMatching(/^ {6}POST \/charges\/:reference\/void: \[.*\]$/),
    ]);
    for (const comment of manifestText()
      .split('\n')
      .filter((line) => line.includes('#')))
      expect(text).toContain(comment);
  });

  it('gives it an identity, the shared port, the next free loopback address and its name in compose, and wires both directions', () => {
    const { text, grants } = add(['payments'], ['orders', 'demo-client'], ['GET /shipments/:id']);
    const grown = parseManifest(text, manifest.file);
    const shipping = grown.services.get(NEW)!;
    const taken = new Set([...manifest.services.values()].map((s) => s.addresses.get('local')!.host));
    const free = Array.from({ length: 254 }, (_, i) => `127.0.0.${i + 1}`).find((host) => !taken.has(host));
    expect(shipping.id).toBe(`spiffe://${manifest.trustDomain}/service/${NEW}`);
    expect(shipping.port).toBe(manifest.services.get('orders')!.port);
    expect(shipping.addresses.get('local')).toEqual({ host: free, port: shipping.port });
    expect(shipping.addresses.get('compose')).toEqual({ host: NEW, port: shipping.port });
    expect(shipping.calls).toEqual(['payments']);
    expect(shipping.routes).toContainEqual({ method: 'GET', path: '/shipments/:id', allow: ['orders', 'demo-client'] });
    // --callers: orders now calls shipping (a client only gets the permission); --calls: payments' routes allow shipping.
    expect(grown.services.get('orders')!.calls).toEqual([...manifest.services.get('orders')!.calls, NEW]);
    const own = manifest.services.get('payments')!.routes.filter((r) => !r.allow.includes('monitor'));
    expect(grants).toEqual(own.map((r) => `payments ${r.method} ${r.path}`));
    for (const route of own) expect(grown.services.get('payments')!.routes).toContainEqual({ ...route, allow: [...route.allow, NEW] });
  });

  it('puts a calls list on a caller that had none', () => {
    const { text } = add([], ['inventory'], ['GET /shipments/:id']);
    expect(parseManifest(text, manifest.file).services.get('inventory')!.calls).toEqual([...manifest.services.get('inventory')!.calls, NEW]);
  });

  it('refuses what would not validate, with one sentence each', () => {
    expect(() => addServiceToManifest(manifest, manifestText(), { name: 'orders', calls: [], callers: [], routes: [] })).toThrow(
      `${manifest.file}: "orders" is already a workload; pick another name`,
    );
    expect(() => add(['billing'], [], [])).toThrow(
      `--calls billing: not a service of ${manifest.file}; known services: ${[...manifest.services.keys()].join(', ')}`,
    );
    expect(() => add([], ['nobody'], ['GET /x'])).toThrow(`--callers nobody: not a service or client of ${manifest.file}`);
    expect(() => add([], ['orders'], [])).toThrow(
      '--callers needs at least one --route "METHOD /path" for them to call; a service without routes can only be denied',
    );
    expect(() => add([], ['orders'], ['FETCH /x'])).toThrow(
      '--route "FETCH /x": must look like "GET /path" (GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS, a space, then the path)',
    );
    expect(() => addServiceToManifest(manifest, manifestText(), { name: 'Shipping', calls: [], callers: [], routes: [] })).toThrow(
      '"Shipping" cannot name a service: use lowercase letters, digits and dashes, starting with a letter',
    );
  });
});

describe('the service template', () => {
  it('depends on what the services share, so a scaffolded service builds as they do', () => {
    const dependencies = (file: string) => Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    const template = dependencies(join(SERVICE_TEMPLATES, 'package.json.tpl'));
    for (const service of repoManifest().services.keys()) {
      expect(dependencies(join(REPO_ROOT, 'services', service, 'package.json'))).toEqual(expect.arrayContaining(template));
    }
  });
});
