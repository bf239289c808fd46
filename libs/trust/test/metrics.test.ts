import { MeshMetrics, REFUSAL_CLASSES, refusalLabel } from '@portcullis/trust';

/** What the contract promises about label values and the cheap hot path; the real sockets are in e2e/observability. */
describe('MeshMetrics', () => {
  it('writes every refusal class as a snake_case label value', () => {
    expect(REFUSAL_CLASSES.map(refusalLabel)).toEqual([
      'no_certificate',
      'unknown_ca',
      'expired',
      'not_yet_valid',
      'revoked',
      'not_an_svid',
      'bad_certificate',
      'unknown_identity',
      'not_allowed',
      'no_policy',
      'tls_protocol',
      'renegotiation',
      'aborted',
      'other',
    ]);
  });

  it('keeps one edge per caller, route and method, so a request looks its counters up without building labels', () => {
    const metrics = new MeshMetrics('gateway', { processMetrics: false });
    const edge = metrics.serverEdge('demo-client', 'POST', '/orders');
    expect(metrics.serverEdge('demo-client', 'POST', '/orders')).toBe(edge);
    expect(metrics.serverEdge('demo-client', 'GET', '/orders')).not.toBe(edge);
    expect(metrics.clientEdge('orders')).toBe(metrics.clientEdge('orders'));
  });

  it('counts answers by status and calls by outcome, with the service as a default label', async () => {
    const metrics = new MeshMetrics('gateway', { processMetrics: false });
    metrics.serverEdge('demo-client', 'POST', '/orders').served(201, 0.004);
    metrics.serverEdge('demo-client', 'POST', '/orders').served(201, 0.006);
    metrics.serverEdge('partner', 'POST', '/orders').served(403, 0.001);
    metrics.clientEdge('orders').finished(201, 0.003);
    metrics.clientEdge('orders').finished('connect_refused', 0.001);
    metrics.tlsRefused('unknown CA');
    metrics.denied('partner', '/orders');
    const text = await metrics.registry.metrics();
    expect(text).toContain('portcullis_server_requests_total{source="demo-client",route="/orders",method="POST",status="201",service="gateway"} 2');
    expect(text).toContain('portcullis_server_requests_total{source="partner",route="/orders",method="POST",status="403",service="gateway"} 1');
    expect(text).toContain(
      'portcullis_server_request_duration_seconds_bucket{le="0.005",source="demo-client",route="/orders",method="POST",service="gateway"} 1',
    );
    expect(text).toContain('portcullis_client_requests_total{target="orders",outcome="201",service="gateway"} 1');
    expect(text).toContain('portcullis_client_requests_total{target="orders",outcome="connect_refused",service="gateway"} 1');
    expect(text).toContain('portcullis_tls_refusals_total{reason="unknown_ca",service="gateway"} 1');
    expect(text).toContain('portcullis_authorization_denials_total{source="partner",route="/orders",service="gateway"} 1');
    expect(text).toContain(
      'portcullis_server_request_duration_seconds_bucket{le="+Inf",source="demo-client",route="/orders",method="POST",service="gateway"} 2',
    );
    expect(text).toContain('portcullis_server_request_duration_seconds_count{source="demo-client",route="/orders",method="POST",service="gateway"} 2');
    expect(text).toContain('portcullis_identity_reloads_total{result="refused",service="gateway"} 0');
    // The JSON form (what `mesh stat` reads) has the same series, the service among the labels.
    const json = await metrics.registry.getMetricsAsJSON();
    const requests = json.find((metric) => metric.name === 'portcullis_server_requests_total');
    expect(requests).toEqual(expect.objectContaining({ type: 'counter' }));
    expect(requests?.values).toContainEqual({
      value: 2,
      labels: { source: 'demo-client', route: '/orders', method: 'POST', status: '201', service: 'gateway' },
    });
  });
});
