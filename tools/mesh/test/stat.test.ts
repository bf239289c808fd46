import { histogramQuantile, meshStat, renderStat, type MetricFamily, type Snapshot } from '@portcullis/mesh';
import { METRIC_NAMES, MeshMetrics } from '@portcullis/trust';

/**
 * mesh stat's arithmetic on snapshots taken from real registries (the trust library's
 * MeshMetrics, prom-client underneath) exactly as GET /metrics serializes them as JSON.
 */
const read = async (metrics: MeshMetrics): Promise<MetricFamily[]> => JSON.parse(JSON.stringify(await metrics.registry.getMetricsAsJSON())) as MetricFamily[];

async function snapshot(at: number, services: Record<string, MeshMetrics | string>): Promise<Snapshot> {
  const entries = await Promise.all(
    Object.entries(services).map(
      async ([name, metrics]) => [name, typeof metrics === 'string' ? { at, error: metrics } : { at, metrics: await read(metrics) }] as const,
    ),
  );
  return new Map(entries);
}

describe('histogramQuantile, as Prometheus computes histogram_quantile', () => {
  const buckets = [
    { le: 0.1, count: 10 },
    { le: 0.2, count: 30 },
    { le: 0.5, count: 40 },
    { le: Number.POSITIVE_INFINITY, count: 40 },
  ];
  it('interpolates linearly inside the bucket the rank falls in, from 0 in the first', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.15); // rank 20: halfway through (0.1, 0.2]
    expect(histogramQuantile(0.125, buckets)).toBeCloseTo(0.05); // rank 5: halfway through (0, 0.1]
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.2 + (0.3 * (39.6 - 30)) / 10);
  });
  it('answers the highest finite bound for a rank in +Inf, and nothing without observations', () => {
    expect(
      histogramQuantile(0.99, [
        { le: 0.1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 10 },
      ]),
    ).toBe(0.1);
    expect(
      histogramQuantile(0.5, [
        { le: 0.1, count: 0 },
        { le: Number.POSITIVE_INFINITY, count: 0 },
      ]),
    ).toBeUndefined();
  });
});

describe('meshStat from two snapshots', () => {
  const services = ['gateway', 'orders', 'payments'];

  it('gives rates, success, latency from the bucket deltas, refusals and time left, per service and per caller', async () => {
    const gateway = new MeshMetrics('gateway', { processMetrics: false });
    const orders = new MeshMetrics('orders', { processMetrics: false });
    // Before the interval: traffic that must not count.
    for (let i = 0; i < 50; i++) gateway.serverEdge('demo-client', 'POST', '/orders').served(500, 3);
    gateway.tlsRefused('unknown CA');
    const before = await snapshot(1_000_000, { gateway, orders, payments: 'connect ECONNREFUSED 127.0.0.4:8443' });

    // During 2 s: 20 orders from demo-client (4 of them 502s), 10 from gateway to orders, 6 inventory reads by partner.
    for (let i = 0; i < 16; i++) gateway.serverEdge('demo-client', 'POST', '/orders').served(201, 0.004);
    for (let i = 0; i < 4; i++) gateway.serverEdge('demo-client', 'POST', '/orders').served(502, 0.04);
    for (let i = 0; i < 6; i++) gateway.serverEdge('partner', 'GET', '/inventory').served(200, 0.002);
    for (let i = 0; i < 10; i++) orders.serverEdge('gateway', 'POST', '/orders').served(201, 0.003);
    gateway.tlsRefused('unknown CA');
    gateway.tlsRefused('unknown CA');
    gateway.denied('partner', '/orders');
    // The gauge MeshMetrics.identity() sets from a loaded certificate, set directly here.
    (gateway.registry.getSingleMetric(METRIC_NAMES.certificateExpiry) as unknown as { set(value: number): void }).set(1_002_000 / 1000 + 3600);
    const after = await snapshot(1_000_000 + 2_000, { gateway, orders, payments: 'connect ECONNREFUSED 127.0.0.4:8443' });

    const report = meshStat(services, before, after);
    expect(report.intervalSeconds).toBe(2);
    const row = report.services.find((s) => s.service === 'gateway')!;
    expect(row.traffic).toMatchObject({ requests: 26, perSecond: 13, successRate: (26 - 4) / 26 });
    // 22 of 26 within 5 ms (the 0.0025 and 0.005 buckets), 4 in (0.025, 0.05]: p50 lies in (0.0025, 0.005].
    expect(row.traffic!.p50).toBeGreaterThan(0.0025);
    expect(row.traffic!.p50).toBeLessThanOrEqual(0.005);
    expect(row.traffic!.p99).toBeGreaterThan(0.025);
    expect(row.traffic!.p99).toBeLessThanOrEqual(0.05);
    expect(row.refusals).toEqual({ tls: { unknown_ca: 2 }, denied: 1 });
    expect(row.certificateSecondsLeft).toBeCloseTo(3600);

    expect(report.edges.map((e) => `${e.source} -> ${e.target} ${e.requests}`)).toEqual([
      'demo-client -> gateway 20',
      'partner -> gateway 6',
      'gateway -> orders 10',
    ]);
    const orderEdge = report.edges.find((e) => e.source === 'demo-client')!;
    expect(orderEdge).toMatchObject({ perSecond: 10, successRate: 0.8 });
    expect(report.edges.find((e) => e.target === 'orders')).toMatchObject({ perSecond: 5, successRate: 1 });

    // A service that did not answer is a row that says so.
    expect(report.services.find((s) => s.service === 'payments')).toEqual({ service: 'payments', error: 'connect ECONNREFUSED 127.0.0.4:8443' });
    const text = renderStat(report);
    expect(text).toMatch(/^payments +not answering: connect ECONNREFUSED 127\.0\.0\.4:8443$/m);
    expect(text).toMatch(/^demo-client -> gateway +10\.0 +80\.00%/m);
    expect(text).toMatch(/^gateway .*unknown_ca 2, denied 1 +1 h$/m);
    expect(text).toMatch(/^orders .* 0 +-$/m); // no identity loaded: no time left to show
  });

  it('counts a series that went down (a restarted service) from zero, as Prometheus does', async () => {
    const first = new MeshMetrics('orders', { processMetrics: false });
    for (let i = 0; i < 100; i++) first.serverEdge('gateway', 'POST', '/orders').served(201, 0.001);
    const before = await snapshot(0, { orders: first });
    const restarted = new MeshMetrics('orders', { processMetrics: false });
    for (let i = 0; i < 8; i++) restarted.serverEdge('gateway', 'POST', '/orders').served(201, 0.001);
    const report = meshStat(['orders'], before, await snapshot(4_000, { orders: restarted }));
    expect(report.edges).toEqual([expect.objectContaining({ source: 'gateway', target: 'orders', requests: 8, perSecond: 2 })]);
  });

  it('reports no success rate or latency, rather than 0 or NaN, for an interval without requests', async () => {
    const idle = new MeshMetrics('orders', { processMetrics: false });
    idle.serverEdge('gateway', 'POST', '/orders').served(201, 0.001);
    const report = meshStat(['orders'], await snapshot(0, { orders: idle }), await snapshot(2_000, { orders: idle }));
    expect(report.services[0]!.traffic).toEqual({ requests: 0, perSecond: 0, successRate: null, p50: null, p99: null });
  });
});
