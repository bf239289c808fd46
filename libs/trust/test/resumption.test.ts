import { join } from 'node:path';
import { issueMeshCertificates } from '@portcullis/pki';
import { identityFiles } from '@portcullis/layout';
import { sClient } from '../../../test-support/outside-clients';
import { tempCerts } from '../../../test-support/temp-mesh';
import { startTrustedServer } from '../../../test-support/tls-server';

/**
 * A resumed TLS session skips certificate verification: the server takes the
 * client's identity from the session. So a session made before an identity
 * change (a renewal, new trusted roots, a new deny list) must not resume after
 * it, or a client would keep a verdict made against roots it no longer has.
 * The server gets a new TLS context, with new ticket keys, on every change.
 */
describe('TLS session resumption on a mesh server (openssl s_client)', () => {
  it('resumes a session while the identity stays, and makes the client handshake in full after it changes', async () => {
    const certs = await tempCerts();
    const server = await startTrustedServer(certs.manifest, certs.dir, 'payments');
    const monitor = identityFiles(certs.dir, 'monitor');
    const session = join(certs.dir, 'monitor.session');
    // Without -quiet, s_client prints each session ticket as it arrives, in the middle of the answer: hence no ^ below.
    const connect = (offered?: string) =>
      sClient({ host: '127.0.0.1', port: server.port }, 'payments', {
        cafile: monitor.bundle,
        cert: monitor.cert,
        key: monitor.key,
        session: { save: session, ...(offered ? { resume: offered } : {}) },
      });
    try {
      const first = await connect();
      expect(first.resumed).toBe(false);
      expect(first.stdout).toMatch(/HTTP\/1\.1 200 OK/);

      const again = await connect(session);
      expect(again.resumed).toBe(true);
      expect(again.stdout).toMatch(/HTTP\/1\.1 200 OK/);

      await issueMeshCertificates(certs.manifest, certs.dir, { force: true });
      expect(server.source.reload().changed).toBe(true);
      const afterRenewal = await connect(session);
      expect(afterRenewal.resumed).toBe(false);
      expect(afterRenewal.stdout).toMatch(/HTTP\/1\.1 200 OK/);
    } finally {
      await server.close();
      certs.remove();
    }
  });
});
