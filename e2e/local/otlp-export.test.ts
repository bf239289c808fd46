import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { curlJson } from '../../test-support/outside-clients';
import { eventually } from '../../test-support/eventually';
import { ORDER_FLOW_ROUTES, relocatedManifest, servicesOf, tempDir } from '../../test-support/temp-mesh';

type AnyValue = { stringValue?: string; intValue?: string | number };
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes?: readonly { key: string; value: AnyValue }[];
}
interface OtlpExport {
  readonly resourceSpans?: readonly {
    readonly resource?: { attributes?: readonly { key: string; value: AnyValue }[] };
    readonly scopeSpans?: readonly { spans?: readonly OtlpSpan[] }[];
  }[];
}

/** OTLP's span kinds. */
const SERVER = 2;
const CLIENT = 3;
const COLLECTOR = { host: '127.0.14.100', port: 4318 };

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, every service exports its spans over OTLP/HTTP: a
 * collector of the test's own (a plain HTTP server that keeps what it is sent) receives the
 * order's spans from all four services under the incoming trace id, each naming both peers.
 */
describe('spans exported over OTLP', () => {
  const work = tempDir('otlp');
  const spans: { service: string; span: OtlpSpan }[] = [];
  let collector: Server;
  let mesh: LocalMesh | undefined;
  const previous = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

  beforeAll(async () => {
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse((request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as OtlpExport;
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '?';
          for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) spans.push({ service, span });
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(COLLECTOR.port, COLLECTOR.host, resolve));
    const manifestFile = join(work.dir, 'mesh.yaml');
    writeFileSync(manifestFile, relocatedManifest('127.0.14').text);
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://${COLLECTOR.host}:${COLLECTOR.port}`;
    mesh = await startLocalMesh({ manifestFile, certsDir: join(work.dir, 'certs') });
  });
  afterAll(async () => {
    await mesh?.stop();
    if (previous === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = previous;
    await new Promise((resolve) => collector.close(resolve));
    work.remove();
  });

  it('receives the order as server and client spans of all four services, with both identities', async () => {
    const traceId = randomBytes(16).toString('hex');
    const demo = identityFiles(join(work.dir, 'certs'), 'demo-client');
    const order = curlJson('https://127.0.14.1:8443/orders', { cacert: demo.bundle, cert: demo.cert, key: demo.key }, { sku: 'GIZMO-3', quantity: 1 }, [
      '-H',
      `traceparent: 00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    ]);
    expect(order.status).toBe(201);

    const ofTrace = () => spans.filter(({ span }) => span.traceId === traceId);
    const server = (service: string) => ofTrace().find((entry) => entry.service === service && entry.span.kind === SERVER)?.span;
    // The batch processor sends every few seconds.
    await eventually('a server span from each service', () => servicesOf(mesh!.manifest, ORDER_FLOW_ROUTES).every((service) => server(service) !== undefined), {
      withinMs: 20_000,
      everyMs: 200,
    });

    const attribute = (span: OtlpSpan | undefined, key: string) => span?.attributes?.find((entry) => entry.key === key)?.value.stringValue;
    const id = (name: string) => mesh!.manifest.services.get(name)?.id ?? mesh!.manifest.clients.get(name)?.id;
    const edges: [string, string][] = [
      ['demo-client', 'gateway'],
      ['gateway', 'orders'],
      ['orders', 'inventory'],
      ['orders', 'payments'],
    ];
    for (const [caller, service] of edges) {
      const span = server(service);
      expect(attribute(span, 'portcullis.source.spiffe_id')).toBe(id(caller));
      expect(attribute(span, 'portcullis.destination.spiffe_id')).toBe(id(service));
    }
    expect(attribute(server('orders'), 'http.route')).toBe('/orders');

    // The gateway's call to orders: a client span with both identities, parent of orders' server span.
    const call = ofTrace().find((entry) => entry.service === 'gateway' && entry.span.kind === CLIENT)?.span;
    expect(attribute(call, 'portcullis.source.spiffe_id')).toBe(id('gateway'));
    expect(attribute(call, 'portcullis.destination.spiffe_id')).toBe(id('orders'));
    expect(server('orders')?.parentSpanId).toBe(call?.spanId);
  });
});
