import type { TLSSocket } from 'node:tls';
import { connect as tcpConnect } from 'node:net';
import { identityFiles } from '@portcullis/layout';
import { authorizeAny, authorizeId, authorizeMemberOf, authorizeOneOf } from '@portcullis/trust';
import { eventually } from '../../../test-support/eventually';
import { sClient } from '../../../test-support/outside-clients';
import { editedManifest, tempCerts } from '../../../test-support/temp-mesh';
import { connectAs as connectTo, startTrustedServer } from '../../../test-support/tls-server';

type Certs = Awaited<ReturnType<typeof tempCerts>>;

const connectAs = (certs: Certs, port: number, name: string, options: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}) =>
  connectTo(certs.manifest, certs.dir, port, name, options);

/** Everything the server sends until it closes the connection. */
const readUntilClosed = (socket: TLSSocket) =>
  new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(text));
  });

describe('protocol hygiene of a mesh server', () => {
  let certs: Certs;
  beforeAll(async () => {
    certs = await tempCerts();
  });
  afterAll(() => certs.remove());

  it('closes a connection whose headers never finish (slowloris) after the header timeout', async () => {
    const server = await startTrustedServer(certs.manifest, certs.dir, 'payments', 'payments', { headersTimeoutMs: 500 });
    try {
      const socket = await connectAs(certs, server.port, 'orders');
      const closed = readUntilClosed(socket);
      socket.write('POST /charges HTTP/1.1\r\nHost: payments\r\nX-Slow: ');
      expect(await closed).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
      expect(server.reached).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('keeps an idle keep-alive connection open past the timeout it advertises, and closes it after the grace', async () => {
    // Advertised 1 s; kept 4 s. Node's own buffer (1 s) would have closed it at 2 s, before the second request.
    const server = await startTrustedServer(certs.manifest, certs.dir, 'payments', 'payments', { keepAliveTimeoutMs: 1_000, keepAliveGraceMs: 3_000 });
    try {
      const socket = await connectAs(certs, server.port, 'orders');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
      // A body ends with no line break: the next answer's status line starts right after it.
      const answers = () => received.match(/HTTP\/1\.1 \d{3}/g) ?? [];
      const ask = async (count: number) => {
        socket.write('POST /charges HTTP/1.1\r\nHost: payments\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
        await eventually(`answer ${count}`, () => answers().length === count);
      };
      await ask(1);
      expect(received).toMatch(/^keep-alive: timeout=1\r$/im);
      const idleFrom = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await ask(2);
      expect(answers()).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
      const idleAgainFrom = performance.now();
      const closedAt = await closed;
      expect(idleAgainFrom - idleFrom).toBeGreaterThan(2_000);
      // Closed by the server once idle for the timeout and the grace: the grace delays the close, it does not remove it.
      expect(closedAt - idleAgainFrom).toBeGreaterThan(2_000);
      expect(closedAt - idleAgainFrom).toBeLessThan(10_000);
    } finally {
      await server.close();
    }
  });

  it('caps the number of open connections', async () => {
    const server = await startTrustedServer(certs.manifest, certs.dir, 'payments', 'payments', { maxConnections: 3 });
    const open: TLSSocket[] = [];
    try {
      for (let i = 0; i < 3; i++) open.push(await connectAs(certs, server.port, 'orders'));
      // In TLS 1.3 the client is done with the handshake before the server: wait until the server counts all three.
      const authenticated = () => server.admission.status().authenticated;
      await eventually('the server to count three authenticated connections', () => authenticated() === 3);
      await expect(connectAs(certs, server.port, 'orders')).rejects.toThrow(/socket disconnected|ECONNRESET|socket hang up/);
      open.pop()!.destroy();
      await eventually('the server to see the connection closed', () => authenticated() < 3);
      open.push(await connectAs(certs, server.port, 'orders'));
      expect(server.admission.status().shed.refusedAtCapacity).toBe(1);
    } finally {
      for (const socket of open) socket.destroy();
      await server.close();
    }
  });

  it('gives plaintext HTTP on the TLS port no response at all', async () => {
    const server = await startTrustedServer(certs.manifest, certs.dir, 'payments');
    try {
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const socket = tcpConnect({ host: '127.0.0.1', port: server.port }, () => socket.write('GET /healthz HTTP/1.1\r\nHost: payments\r\n\r\n'));
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.once('close', () => resolve(text));
      });
      expect(answer).toBe('');
      expect(server.reached).toEqual([]);
      expect(server.audit.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ stage: 'handshake', reason: 'http request' })]);
    } finally {
      await server.close();
    }
  });

  describe('when the manifest allows TLS 1.2', () => {
    let server: Awaited<ReturnType<typeof startTrustedServer>>;
    let tls12: Certs;
    beforeAll(async () => {
      tls12 = await tempCerts(editedManifest(['minVersion: TLSv1.3', 'minVersion: TLSv1.2']).manifest());
      server = await startTrustedServer(tls12.manifest, tls12.dir, 'payments');
    });
    afterAll(async () => {
      await server.close();
      tls12.remove();
    });

    /** Whether openssl s_client gets an HTTP answer over TLS 1.2 offering only `cipher`. */
    const handshakes = async (cipher: string) => {
      const files = identityFiles(tls12.dir, 'orders');
      return (
        await sClient({ host: '127.0.0.1', port: server.port }, 'payments', {
          cafile: files.bundle,
          cert: files.cert,
          key: files.key,
          extra: ['-tls1_2', '-cipher', cipher],
        })
      ).answered;
    };

    it('offers forward-secret AEAD suites only', async () => {
      expect(await handshakes('ECDHE-RSA-AES128-GCM-SHA256')).toBe(true);
      expect(await handshakes('ECDHE-RSA-CHACHA20-POLY1305')).toBe(true);
      expect(await handshakes('ECDHE-RSA-AES128-SHA')).toBe(false); // CBC
      expect(await handshakes('AES128-GCM-SHA256')).toBe(false); // RSA key exchange, no forward secrecy
      expect(await handshakes('DHE-RSA-AES128-GCM-SHA256')).toBe(false);
    });

    it('refuses renegotiation', async () => {
      const socket = await connectAs(tls12, server.port, 'orders', { maxVersion: 'TLSv1.2' });
      const closed = readUntilClosed(socket);
      socket.renegotiate({ rejectUnauthorized: true }, () => undefined);
      await closed;
      expect(server.audit.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ stage: 'handshake', reason: 'renegotiation refused' }));
    });
  });
});

describe('authorizers', () => {
  const gateway = 'spiffe://portcullis.local/service/gateway';
  const outsider = 'spiffe://elsewhere.example/service/gateway';

  it('compose by exact ID, by trust domain and any', () => {
    expect(authorizeId(gateway)(gateway)).toBe(true);
    expect(authorizeId(gateway)(outsider)).toBe(false);
    expect(authorizeMemberOf('portcullis.local')(gateway)).toBe(true);
    expect(authorizeMemberOf('portcullis.local')(outsider)).toBe(false);
    expect(authorizeMemberOf('portcullis.local')('spiffe://portcullis.local.evil/x')).toBe(false);
    expect(authorizeAny()(outsider)).toBe(true);
    expect(authorizeOneOf(authorizeId(outsider), authorizeMemberOf('portcullis.local'))(gateway)).toBe(true);
    expect(authorizeOneOf()(gateway)).toBe(false);
  });
});
