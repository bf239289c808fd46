import { readFileSync, writeFileSync } from 'node:fs';
import { Client } from 'undici';
import { identityFiles } from '@portcullis/layout';
import type { Manifest } from '@portcullis/manifest';
import { forgeLeaf, foreignAuthority } from '../../../test-support/forge';
import { tempCerts } from '../../../test-support/temp-mesh';
import { identityOf, startTrustedServer } from '../../../test-support/tls-server';

/** A plain undici client presenting `name`'s certificate, without the mesh client's pinning. */
function clientAs(manifest: Manifest, certsDir: string, port: number, name: string | undefined) {
  const base = identityOf(manifest, certsDir, 'payments');
  const identity = name ? identityOf(manifest, certsDir, name) : undefined;
  return new Client(`https://127.0.0.1:${port}`, {
    connect: {
      ca: base.bundlePem,
      ...(identity ? { cert: identity.chainPem, key: identity.keyPem } : {}),
      servername: 'payments',
    },
  });
}

describe('authorization by caller identity on a real mTLS server', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  let server: Awaited<ReturnType<typeof startTrustedServer>>;
  const request = async (as: string | undefined, method: 'GET' | 'POST', path: string) => {
    const client = clientAs(certs.manifest, certs.dir, server.port, as);
    try {
      const response = await client.request({ method, path, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : null });
      return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    certs = await tempCerts();
    server = await startTrustedServer(certs.manifest, certs.dir, 'payments');
  });
  afterAll(async () => {
    await server.close();
    certs.remove();
  });

  it('lets an allowed caller through and tells the handler who it is', async () => {
    expect(await request('orders', 'POST', '/charges')).toEqual({ status: 200, body: { ok: true, caller: 'orders' } });
    expect(await request('monitor', 'GET', '/healthz')).toEqual({ status: 200, body: { ok: true, caller: 'monitor' } });
  });

  it('answers 403 naming the caller and the route, before the handler runs', async () => {
    server.reached.length = 0;
    const denied = await request('gateway', 'POST', '/charges');
    expect(denied).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: 'spiffe://portcullis.local/service/gateway may not call POST /charges',
        caller: 'spiffe://portcullis.local/service/gateway',
        route: 'POST /charges',
      },
    });
    expect(server.reached).toEqual([]);
  });

  it('writes each refusal once to the audit log as JSON', async () => {
    server.audit.length = 0;
    await request('demo-client', 'GET', '/healthz');
    expect(server.audit.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        event: 'mtls.refused',
        service: 'payments',
        stage: 'request',
        peer: 'spiffe://portcullis.local/client/demo-client',
        route: 'GET /healthz',
        reason: 'demo-client may not call GET /healthz',
      }),
    ]);
  });

  it('answers 404 for unknown paths only to callers it accepts somewhere', async () => {
    expect((await request('orders', 'GET', '/nowhere')).status).toBe(404);
    expect((await request('gateway', 'GET', '/nowhere')).status).toBe(403);
  });

  it('refuses a client without a certificate at the handshake', async () => {
    await expect(request(undefined, 'GET', '/healthz')).rejects.toThrow(/certificate required|socket hang up|other side closed/i);
  });

  it('refuses a client certificate from another CA at the handshake', async () => {
    server.reached.length = 0;
    const foreign = await foreignAuthority();
    const forged = await forgeLeaf(certs.manifest, 'orders', foreign.intermediate);
    const client = new Client(`https://127.0.0.1:${server.port}`, {
      connect: { ca: identityOf(certs.manifest, certs.dir, 'payments').bundlePem, cert: forged.chainPem, key: forged.keyPem, servername: 'payments' },
    });
    await expect(client.request({ method: 'POST', path: '/charges', body: '{}' })).rejects.toThrow(/unknown ca|socket hang up|other side closed/i);
    await client.close();
    expect(server.reached).toEqual([]);
  });

  it('tells a revoked caller 403 "certificate revoked", with no serial, and logs which certificate', async () => {
    const serial = identityOf(certs.manifest, certs.dir, 'orders').leaf.serialNumber;
    const denyList = identityFiles(certs.dir, 'payments').revoked;
    const published = readFileSync(denyList, 'utf8');
    writeFileSync(denyList, `${published}${serial}\n`);
    try {
      expect(server.source.reload()).toEqual({ changed: true });
      server.audit.length = 0;
      server.reached.length = 0;
      expect(await request('orders', 'POST', '/charges')).toEqual({
        status: 403,
        body: {
          statusCode: 403,
          error: 'Forbidden',
          message: 'certificate revoked',
          caller: 'spiffe://portcullis.local/service/orders',
          route: 'POST /charges',
        },
      });
      expect(server.reached).toEqual([]);
      expect(server.audit.map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ event: 'mtls.refused', stage: 'request', class: 'revoked', reason: `certificate ${serial} has been revoked` }),
      ]);
      // Other refusals keep their answer.
      expect((await request('gateway', 'POST', '/charges')).body.message).toBe('spiffe://portcullis.local/service/gateway may not call POST /charges');
    } finally {
      // The other tests of this server call as orders: publish the list as it was.
      writeFileSync(denyList, published);
      server.source.reload();
    }
  });

  it('denies by default a route the manifest does not list, even one registered before its hooks', async () => {
    const early = await startTrustedServer(certs.manifest, certs.dir, 'payments', 'payments', {}, {}, undefined, (fastify) => {
      fastify.get('/early', async () => ({ reached: true }));
    });
    try {
      const client = clientAs(certs.manifest, certs.dir, early.port, 'orders');
      try {
        const response = await client.request({ method: 'GET', path: '/early' });
        expect({ status: response.statusCode, body: await response.body.json() }).toMatchObject({ status: 403, body: { route: 'GET /early' } });
      } finally {
        await client.close();
      }
      expect(early.audit.join('\n')).toMatch(/no policy in the manifest covers this route/);
    } finally {
      await early.close();
    }
  });
});
