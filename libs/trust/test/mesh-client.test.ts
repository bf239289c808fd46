import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_CONNECTIONS_PER_TARGET, MeshCallError, MeshClient, serverTlsOptions, type MeshClientOptions } from '@portcullis/trust';
import { forgeLeaf, meshAuthority, SVID_RULE_BREAKERS, type ForgedIdentity } from '../../../test-support/forge';
import { editedManifest, tempCerts } from '../../../test-support/temp-mesh';
import { identityOf, sourceOf, startTrustedServer } from '../../../test-support/tls-server';

describe('the mesh client', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  beforeAll(async () => {
    certs = await tempCerts();
  });
  afterAll(() => certs.remove());

  /** Orders' mesh client, with payments moved to a local port. */
  function ordersClientCallingPaymentsOn(port: number, options: Partial<MeshClientOptions> = {}): MeshClient {
    const manifest = editedManifest(['local: 127.0.0.4', `local: 127.0.0.1:${port}`]).manifest();
    return new MeshClient({
      manifest,
      environment: 'local',
      self: manifest.services.get('orders')!,
      source: sourceOf(manifest, certs.dir, 'orders'),
      ...options,
    });
  }

  /** A server for `payments`'s routes presenting `presenting`'s certificate, and orders' client pointed at it. */
  async function ordersCallingPaymentsServedBy(presenting: string) {
    const server = await startTrustedServer(certs.manifest, certs.dir, 'payments', presenting);
    const client = ordersClientCallingPaymentsOn(server.port);
    return {
      server,
      client,
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  }

  it('calls a peer that presents the identity the manifest gives it', async () => {
    const { client, close } = await ordersCallingPaymentsServedBy('payments');
    try {
      expect(await client.call('payments', 'POST', '/charges', { reference: 'r', amountCents: 1 })).toEqual({
        status: 200,
        body: { ok: true, caller: 'orders' },
      });
    } finally {
      await close();
    }
  });

  it('refuses to send anything to a peer with a valid mesh certificate for another identity', async () => {
    const { client, server, close } = await ordersCallingPaymentsServedBy('inventory');
    try {
      const call = client.call('payments', 'POST', '/charges', { reference: 'r', amountCents: 1 });
      await expect(call).rejects.toThrow(MeshCallError);
      await expect(call).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_CALL_IDENTITY_MISMATCH', kind: 'identity_mismatch', target: 'payments' });
      expect(server.reached).toEqual([]);
    } finally {
      await close();
    }
  });

  it('only calls the services its manifest entry lists', async () => {
    const { client, close } = await ordersCallingPaymentsServedBy('payments');
    try {
      await expect(client.call('gateway', 'GET', '/inventory')).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_CALL_NOT_ALLOWED' });
    } finally {
      await close();
    }
  });

  it('reports an unreachable peer as a MeshCallError, not a crash', async () => {
    const { client, server } = await ordersCallingPaymentsServedBy('payments');
    await server.close();
    try {
      await expect(client.call('payments', 'POST', '/charges', {})).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_CALL_CONNECT_REFUSED', target: 'payments' });
    } finally {
      await client.close();
    }
  });

  /** A bare HTTPS server with payments's certificate (or `presenting`, a forged one) answering `answer`, and orders' client pointed at it. */
  async function ordersCallingRawPayments(answer: Parameters<typeof createServer>[1], options: Partial<MeshClientOptions> = {}, presenting?: ForgedIdentity) {
    const payments = identityOf(certs.manifest, certs.dir, 'payments');
    const server = createServer(serverTlsOptions(presenting ? { ...payments, ...presenting } : payments, 'TLSv1.3'), answer);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = ordersClientCallingPaymentsOn((server.address() as AddressInfo).port, options);
    return {
      server,
      client,
      close: async () => {
        await client.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it('reports a peer that claims JSON and sends something else as a MeshCallError', async () => {
    const { client, close } = await ordersCallingRawPayments((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"oops":');
    });
    try {
      await expect(client.call('payments', 'POST', '/charges', {})).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_CALL_BAD_BODY' });
    } finally {
      await close();
    }
  });

  it.each(SVID_RULE_BREAKERS)('refuses to send anything to a server whose mesh-signed leaf has $name', async ({ change, problem }) => {
    const forged = await forgeLeaf(certs.manifest, 'payments', meshAuthority(certs.dir).intermediate, change);
    let answered = 0;
    const { client, close } = await ordersCallingRawPayments(
      (_request, response) => {
        answered++;
        response.end();
      },
      {},
      forged,
    );
    try {
      const call = client.call('payments', 'POST', '/charges', { reference: 'r', amountCents: 1 });
      await expect(call).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_CALL_IDENTITY_MISMATCH' });
      // The sentence says which SVID rule the server's leaf breaks.
      await expect(call).rejects.toThrow(problem);
      expect(answered).toBe(0);
    } finally {
      await close();
    }
  });

  it.each([
    ['the default cap', undefined, DEFAULT_MAX_CONNECTIONS_PER_TARGET],
    ['a cap it is given', 3, 3],
  ])('opens no more connections to a target than %s, and queues the rest of a burst', async (_name, maxConnectionsPerTarget, cap) => {
    // Every answer waits until the whole burst has arrived or waited, so that each connection is busy when the next request comes.
    const { server, client, close } = await ordersCallingRawPayments(
      (_request, response) => void setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 50),
      maxConnectionsPerTarget === undefined ? {} : { maxConnectionsPerTarget },
    );
    let handshakes = 0;
    server.on('secureConnection', () => handshakes++);
    try {
      const burst = await Promise.all(Array.from({ length: cap * 3 }, () => client.call('payments', 'POST', '/charges', {})));
      expect(burst.map((response) => response.status)).toEqual(Array(cap * 3).fill(200));
      expect(handshakes).toBe(cap);
    } finally {
      await close();
    }
  });

  it('gives up on a call that waits behind busy connections for longer than the call timeout', async () => {
    const held: (() => void)[] = [];
    const { client, close } = await ordersCallingRawPayments(
      (_request, response) => void held.push(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')),
      { maxConnectionsPerTarget: 1, callTimeoutMs: 300 },
    );
    try {
      const first = client.call('payments', 'POST', '/charges', {});
      await expect(client.call('payments', 'POST', '/charges', {})).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_CALL_DEADLINE' });
      await expect(first).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_CALL_DEADLINE' }); // Held past its own deadline too.
      expect(held).toHaveLength(1); // The second call never reached the server.
      for (const answer of held) answer();
    } finally {
      await close();
    }
  });
});
