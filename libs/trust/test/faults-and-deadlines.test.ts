import { Client } from 'undici';
import type { Manifest } from '@portcullis/manifest';
import { DEADLINE_HEADER, DEADLINE_MARGIN_MS, MeshCallError, withDeadline } from '@portcullis/trust';
import { callBudget } from '../src/client/deadline';
import { tempCerts } from '../../../test-support/temp-mesh';
import { identityOf, startTrustedServer } from '../../../test-support/tls-server';

function clientAs(manifest: Manifest, certsDir: string, port: number, name: string) {
  const identity = identityOf(manifest, certsDir, name);
  return new Client(`https://127.0.0.1:${port}`, {
    connect: { ca: identity.bundlePem, cert: identity.chainPem, key: identity.keyPem, servername: 'payments' },
  });
}

describe('fault injection and deadlines on a real mTLS server', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  const call = async (
    server: { port: number },
    as: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body: unknown = {},
    headers: Record<string, string> = {},
  ) => {
    const client = clientAs(certs.manifest, certs.dir, server.port, as);
    const started = Date.now();
    try {
      const response = await client.request({
        method,
        path,
        headers: { 'content-type': 'application/json', ...headers },
        body: method === 'GET' ? null : JSON.stringify(body),
      });
      return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown>, ms: Date.now() - started };
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    certs = await tempCerts();
  });
  afterAll(() => certs.remove());

  describe('a service started without PORTCULLIS_FAULTS', () => {
    let server: Awaited<ReturnType<typeof startTrustedServer>>;
    beforeAll(async () => (server = await startTrustedServer(certs.manifest, certs.dir, 'payments')));
    afterAll(() => server.close());

    it('refuses to take faults, even from the monitor, and lets nobody else ask', async () => {
      const faults = { faults: [{ route: 'POST /charges', when: 'before', delayMs: 1_000 }] };
      const asMonitor = await call(server, 'monitor', 'PUT', '/faults', faults);
      expect([asMonitor.status, asMonitor.body.message]).toEqual([404, 'fault injection is off in payments; start it with PORTCULLIS_FAULTS=1']);
      expect((await call(server, 'orders', 'PUT', '/faults', faults)).status).toBe(403);
    });

    it('answers 504 without running the handler when the caller has no time left, and 400 to a malformed deadline', async () => {
      server.reached.length = 0;
      const late = await call(server, 'orders', 'POST', '/charges', {}, { [DEADLINE_HEADER]: '0' });
      expect([late.status, late.body.message]).toEqual([504, "the caller's deadline has passed"]);
      expect((await call(server, 'orders', 'POST', '/charges', {}, { [DEADLINE_HEADER]: 'soon' })).status).toBe(400);
      expect(server.reached).toEqual([]);
      expect((await call(server, 'orders', 'POST', '/charges', {}, { [DEADLINE_HEADER]: '2000' })).status).toBe(200);
    });
  });

  describe('a service started with PORTCULLIS_FAULTS=1', () => {
    let server: Awaited<ReturnType<typeof startTrustedServer>>;
    beforeAll(async () => {
      process.env.PORTCULLIS_FAULTS = '1';
      try {
        server = await startTrustedServer(certs.manifest, certs.dir, 'payments');
      } finally {
        delete process.env.PORTCULLIS_FAULTS;
      }
    });
    afterAll(() => server.close());

    it('answers late after the handler ran, when the monitor says so', async () => {
      const set = await call(server, 'monitor', 'PUT', '/faults', { faults: [{ route: 'POST /charges', when: 'after', delayMs: 400 }] });
      expect(set.status).toBe(200);
      server.reached.length = 0;
      const slow = await call(server, 'orders', 'POST', '/charges');
      expect(slow.status).toBe(200);
      expect(slow.ms).toBeGreaterThanOrEqual(400);
      // The dangerous case: the work was done before the late answer.
      expect(server.reached).toEqual(['POST /charges']);
    });

    it('aborts before the handler, which then never runs', async () => {
      await call(server, 'monitor', 'PUT', '/faults', { faults: [{ route: 'POST /charges', when: 'before', abort: 503 }] });
      server.reached.length = 0;
      expect((await call(server, 'orders', 'POST', '/charges')).status).toBe(503);
      expect(server.reached).toEqual([]);
      await call(server, 'monitor', 'PUT', '/faults', { faults: [] });
      expect((await call(server, 'orders', 'POST', '/charges')).status).toBe(200);
    });

    it('refuses a malformed fault with 400 and JSON', async () => {
      const bad = await call(server, 'monitor', 'PUT', '/faults', { faults: [{ route: 'charges', when: 'later' }] });
      expect(bad.status).toBe(400);
      expect(String(bad.body.message)).toMatch(/route/);
    });
  });

  describe('the budget of a call made while serving a request', () => {
    it('is what the caller has left, less the margin, and travels in the header', () => {
      const budget = withDeadline(Date.now() + 2_000, () => callBudget('payments', 7_000));
      expect(budget.ms).toBeLessThanOrEqual(2_000 - DEADLINE_MARGIN_MS);
      expect(budget.ms).toBeGreaterThan(1_500);
      expect(Number(budget.headers[DEADLINE_HEADER])).toBe(budget.ms);
      expect(callBudget('payments', 7_000)).toEqual(expect.objectContaining({ ms: 7_000, underDeadline: false }));
    });

    it('starts no call once the deadline has passed', () => {
      const passed = () => withDeadline(Date.now() + DEADLINE_MARGIN_MS - 1, () => callBudget('payments', 7_000));
      expect(passed).toThrow(MeshCallError);
      expect(passed).toThrow("the caller's deadline has passed; no new call started");
    });
  });
});
