import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { curlJson } from '../../test-support/outside-clients';
import { eventually } from '../../test-support/eventually';
import { ORDER_FLOW_ROUTES, relocatedManifest, servicesOf, tempDir } from '../../test-support/temp-mesh';

/** One line of a service's output, parsed (the ones that are JSON). */
interface Line {
  readonly service?: string;
  readonly level?: string;
  readonly event?: string;
  readonly trace_id?: string;
  readonly span_id?: string;
  readonly route?: string;
  readonly caller?: string;
  readonly status?: number;
  readonly request_id?: string;
}

/**
 * A W3C `traceparent` sent to the gateway travels with the order through orders, inventory and
 * payments, carried by the trust library alone (services have no tracing code, see
 * services-stay-thin), and appears in each one's log lines. A mesh of the test's own, at debug
 * level (where each request is one `request.completed` line), on 127.0.13.x.
 */
describe('trace context through the mesh', () => {
  const work = tempDir('tracing');
  const lines: { service: string; record: Line }[] = [];
  let mesh: LocalMesh | undefined;
  const previousLevel = process.env.PORTCULLIS_LOG_LEVEL;

  beforeAll(async () => {
    const manifestFile = join(work.dir, 'mesh.yaml');
    writeFileSync(manifestFile, relocatedManifest('127.0.13').text);
    process.env.PORTCULLIS_LOG_LEVEL = 'debug'; // read by the services the runner spawns with this environment
    mesh = await startLocalMesh({
      manifestFile,
      certsDir: join(work.dir, 'certs'),
      onOutput: (service, line) => {
        if (line.startsWith('{')) lines.push({ service, record: JSON.parse(line) as Line });
      },
    });
  });
  afterAll(async () => {
    await mesh?.stop();
    if (previousLevel === undefined) delete process.env.PORTCULLIS_LOG_LEVEL;
    else process.env.PORTCULLIS_LOG_LEVEL = previousLevel;
    work.remove();
  });

  it('appears with the same trace id in the lines of every service the order flow reaches', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const demo = identityFiles(join(work.dir, 'certs'), 'demo-client');
    const order = curlJson('https://127.0.13.1:8443/orders', { cacert: demo.bundle, cert: demo.cert, key: demo.key }, { sku: 'GADGET-2', quantity: 1 }, [
      '-H',
      `traceparent: 00-${traceId}-${parentId}-01`,
    ]);
    expect(order.status).toBe(201);

    const traced = (service: string) => lines.filter((line) => line.service === service && line.record.trace_id === traceId);
    const flow = servicesOf(relocatedManifest('127.0.13').manifest(), ORDER_FLOW_ROUTES);
    await eventually('every service logged the order under its trace id', () => flow.every((service) => traced(service).length > 0));

    const completed = (service: string) => traced(service).find((line) => line.record.event === 'request.completed')?.record;
    expect(completed('gateway')).toEqual(expect.objectContaining({ level: 'debug', service: 'gateway', caller: 'demo-client', route: '/orders', status: 201 }));
    expect(completed('orders')).toEqual(expect.objectContaining({ caller: 'gateway', route: '/orders', status: 201 }));
    expect(completed('inventory')).toEqual(expect.objectContaining({ caller: 'orders', route: '/reservations', status: 201 }));
    expect(completed('payments')).toEqual(expect.objectContaining({ caller: 'orders', route: '/charges', status: 201 }));
    for (const service of flow) {
      expect(completed(service)?.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(completed(service)?.request_id).toEqual(expect.any(String));
    }
  });

  it('writes nothing per request at info level: the request lines are debug ones', () => {
    const perRequest = lines.filter((line) => line.record.event === 'request.completed');
    expect(perRequest.length).toBeGreaterThan(0);
    expect(perRequest.every((line) => line.record.level === 'debug')).toBe(true);
  });
});
