import { connect } from 'node:tls';
import { forgeLeaf, foreignAuthority } from '../../../test-support/forge';
import { tempCerts } from '../../../test-support/temp-mesh';
import { identityOf, startTrustedServer } from '../../../test-support/tls-server';

/**
 * The audit log's rate on a real server: OpenSSL's own handshake errors, as
 * `mesh-server.ts` reports them, are counted by class once the rate is spent.
 * (The exact bound over time is in audit.test.ts, with a clock of its own.)
 */
describe('a flood of bad handshakes against a real server', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  let server: Awaited<ReturnType<typeof startTrustedServer>>;
  beforeAll(async () => {
    certs = await tempCerts();
    // A burst of 5 and one line a minute: the whole flood below is past the rate after its first 5.
    server = await startTrustedServer(certs.manifest, certs.dir, 'payments', 'payments', {}, { burst: 5, linesPerSecond: 1 / 60 });
  });
  afterAll(async () => {
    await server.close();
    certs.remove();
  });

  /** One handshake presenting `identity` (or nothing), resolved when the server has closed it. */
  const handshake = (identity?: { chainPem: string; keyPem: string }) =>
    new Promise<void>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: server.port,
        servername: 'payments',
        ca: identityOf(certs.manifest, certs.dir, 'payments').bundlePem,
        ...(identity ? { cert: identity.chainPem, key: identity.keyPem } : {}),
      });
      // TLS 1.3: the client's side completes first; the server's refusal arrives as an alert or a close.
      socket.on('secureConnect', () => socket.write('GET /healthz HTTP/1.1\r\nhost: payments\r\n\r\n'));
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });

  it('writes the burst line by line, then counts every other refusal by class in one summary', async () => {
    const foreign = await foreignAuthority();
    const stranger = await forgeLeaf(certs.manifest, 'orders', foreign.intermediate);
    for (let i = 0; i < 20; i++) await handshake();
    for (let i = 0; i < 20; i++) await handshake(stranger);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last refusals are logged when the server sees the close
    server.auditLog.flush();

    const lines = server.audit.map(
      (line) =>
        JSON.parse(line) as { event: string; stage: string; class: string; notLogged?: number; counts?: { stage: string; class: string; count: number }[] },
    );
    const written = lines.filter((line) => line.event === 'mtls.refused');
    const summaries = lines.filter((line) => line.event === 'mtls.refused.summary');
    expect(written).toHaveLength(5);
    expect(written.every((line) => line.stage === 'handshake' && line.class === 'no certificate')).toBe(true);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.notLogged).toBe(35);
    expect(summaries[0]!.counts).toEqual([
      { service: 'payments', stage: 'handshake', class: 'unknown CA', count: 20 },
      { service: 'payments', stage: 'handshake', class: 'no certificate', count: 15 },
    ]);
    expect(server.auditLog.refusedCount).toBe(40);
  });
});
