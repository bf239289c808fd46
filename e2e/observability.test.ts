import { join } from 'node:path';
import { selfSigned, writeIdentity } from '../test-support/forge';
import { curl, curlJson } from '../test-support/outside-clients';
import { tempDir } from '../test-support/temp-mesh';
import { readFileSync } from 'node:fs';
import { eventually } from '../test-support/eventually';
import { meshUnderTest } from './support/mesh-under-test';

const mesh = meshUnderTest();
const gateway = () => mesh.endpoint('gateway');
const as = (workload: string) => {
  const files = mesh.identity(workload);
  return { cacert: files.bundle, cert: files.cert, key: files.key };
};

/** The value of one sample of the gateway's text exposition, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((candidate) => {
    if (!candidate.startsWith(`${name}{`)) return false;
    return Object.entries(labels).every(([label, value]) => candidate.includes(`${label}="${value}"`));
  });
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const scrape = () => curl(`${gateway().origin}/metrics`, as('monitor'), gateway().curlArgs);

/**
 * What the mesh says about itself at GET /metrics, checked with outside clients (curl) against
 * what the test did to it: an order, a denied partner, a handshake with a self-signed
 * certificate. The counters are cumulative over the suite, so the test compares before and after.
 */
describe('GET /metrics on the gateway', () => {
  const forged = tempDir('observe');
  afterAll(() => forged.remove());

  it('counts the order with the caller, the denial naming partner and the refused handshake with its reason', async () => {
    const before = scrape().body;
    const count = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) ?? 0;
    const served = { source: 'demo-client', route: '/orders', method: 'POST', status: '201', service: 'gateway' };
    const denied = { source: 'partner', route: '/orders', service: 'gateway' };
    const refusedAtHandshake = { reason: 'unknown_ca', service: 'gateway' };

    const order = curlJson(`${gateway().origin}/orders`, as('demo-client'), { sku: 'WIDGET-1', quantity: 1 }, gateway().curlArgs);
    expect(order.status).toBe(201);
    const partner = curlJson(`${gateway().origin}/orders`, as('partner'), { sku: 'WIDGET-1', quantity: 1 }, gateway().curlArgs);
    expect(partner.status).toBe(403);
    const impostor = writeIdentity(join(forged.dir, 'self-signed'), await selfSigned(mesh.manifest, 'demo-client'), readFileSync(as('monitor').cacert, 'utf8'));
    const refused = curl(`${gateway().origin}/inventory`, { cacert: as('monitor').cacert, cert: impostor.cert, key: impostor.key }, gateway().curlArgs);
    expect(refused.status).toBe(0); // no HTTP answer: the handshake was refused

    // The handshake refusal is counted when the server sees the socket fail, which can trail curl's exit a little.
    let after = '';
    await eventually(
      'the refused handshake is counted',
      () => {
        after = scrape().body;
        return count(after, 'portcullis_tls_refusals_total', refusedAtHandshake) > count(before, 'portcullis_tls_refusals_total', refusedAtHandshake);
      },
      { everyMs: 200 },
    );
    expect(count(after, 'portcullis_server_requests_total', served)).toBe(count(before, 'portcullis_server_requests_total', served) + 1);
    expect(count(after, 'portcullis_server_requests_total', { ...served, source: 'partner', status: '403' })).toBe(
      count(before, 'portcullis_server_requests_total', { ...served, source: 'partner', status: '403' }) + 1,
    );
    expect(count(after, 'portcullis_authorization_denials_total', denied)).toBe(count(before, 'portcullis_authorization_denials_total', denied) + 1);
    // The gateway's own calls for the order, by target and status.
    expect(count(after, 'portcullis_client_requests_total', { target: 'orders', outcome: '201' })).toBeGreaterThan(
      count(before, 'portcullis_client_requests_total', { target: 'orders', outcome: '201' }),
    );
    expect(sample(after, 'portcullis_server_request_duration_seconds_count', { source: 'demo-client', route: '/orders', method: 'POST' })).toBeGreaterThan(0);
  });

  it('describes the current certificate and the trusted roots as GET /healthz does', () => {
    const text = scrape().body;
    const health = curlJson(`${gateway().origin}/healthz`, as('monitor'), undefined, gateway().curlArgs).json as {
      id: string;
      certificate: { serial: string; notAfter: string };
      bundle: string[];
    };
    expect(sample(text, 'portcullis_certificate_info', { serial: health.certificate.serial, spiffe_id: health.id })).toBe(1);
    expect(sample(text, 'portcullis_certificate_expiry_timestamp_seconds', { service: 'gateway' })).toBe(Date.parse(health.certificate.notAfter) / 1000);
    for (const fingerprint of health.bundle) expect(sample(text, 'portcullis_trust_bundle_info', { fingerprint })).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes', { service: 'gateway' })).toBeGreaterThan(0);
  });

  it("answers prom-client's JSON when asked for application/json", () => {
    const json = curlJson(`${gateway().origin}/metrics`, as('monitor'), undefined, [...gateway().curlArgs, '-H', 'accept: application/json']).json as {
      name: string;
      type: string;
    }[];
    expect(json.find((metric) => metric.name === 'portcullis_server_requests_total')).toEqual(expect.objectContaining({ type: 'counter' }));
  });

  it('is refused to demo-client (403), and the refusal is counted as a denial on /metrics', () => {
    const response = curl(`${gateway().origin}/metrics`, as('demo-client'), gateway().curlArgs);
    expect(response.status).toBe(403);
    expect(sample(scrape().body, 'portcullis_authorization_denials_total', { source: 'demo-client', route: '/metrics' })).toBeGreaterThanOrEqual(1);
  });
});
