import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'undici';
import { forgeLeaf, foreignAuthority, selfSigned, writeIdentity } from '../test-support/forge';
import { tempDir } from '../test-support/temp-mesh';
import { MeshLog } from './support/mesh-log';
import { meshUnderTest } from './support/mesh-under-test';
import { curl, sClient } from '../test-support/outside-clients';

const mesh = meshUnderTest();
const services = [...mesh.manifest.services.keys()];
const monitor = mesh.identity('monitor');
const bundle = monitor.bundle;

const log = new MeshLog(mesh);

describe('the handshake on every service', () => {
  const forged = tempDir('forged');
  let selfSignedFiles: ReturnType<typeof writeIdentity>;
  let foreignFiles: ReturnType<typeof writeIdentity>;

  beforeAll(async () => {
    // Both carry the monitor's SPIFFE ID: only the signature is wrong.
    selfSignedFiles = writeIdentity(join(forged.dir, 'self-signed'), await selfSigned(mesh.manifest, 'monitor'), readFileSync(bundle, 'utf8'));
    const foreign = await foreignAuthority();
    foreignFiles = writeIdentity(join(forged.dir, 'foreign'), await forgeLeaf(mesh.manifest, 'monitor', foreign.intermediate), foreign.bundlePem);
  });
  afterAll(() => forged.remove());

  describe.each(services)('%s', (service) => {
    const endpoint = () => mesh.endpoint(service);
    const address = () => endpoint().connect;
    const url = () => `${endpoint().origin}/healthz`;
    const via = () => endpoint().curlArgs;
    beforeEach(() => log.markNow());
    const handshakeRefusals = async () => (await log.refusals(service)).filter((r) => r.stage === 'handshake').map((r) => r.reason);

    it('listens on 8443 and answers a mesh client over TLS 1.3 (openssl s_client)', async () => {
      expect(mesh.manifest.services.get(service)!.port).toBe(8443);
      const result = await sClient(address(), service, { cafile: bundle, cert: monitor.cert, key: monitor.key, extra: ['-tls1_3'] });
      expect(result.stdout).toMatch(/^HTTP\/1\.1 200/m);
    });

    it('refuses a client without a certificate (openssl s_client, curl)', async () => {
      const result = await sClient(address(), service, { cafile: bundle });
      expect(result.answered).toBe(false);
      expect(result.stderr).toMatch(/certificate required/);
      const viaCurl = curl(url(), { cacert: bundle }, via());
      expect(viaCurl.status).toBe(0);
      expect(viaCurl.stderr).toMatch(/certificate required/);
    });

    it('refuses a self-signed client certificate carrying a mesh identity', async () => {
      const result = await sClient(address(), service, { cafile: bundle, cert: selfSignedFiles.cert, key: selfSignedFiles.key });
      expect(result.answered).toBe(false);
      expect(curl(url(), { cacert: bundle, cert: selfSignedFiles.cert, key: selfSignedFiles.key }, via()).status).toBe(0);
      expect(await handshakeRefusals()).toContainEqual(
        expect.stringMatching(/^client certificate refused: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/),
      );
    });

    it('refuses a client certificate from another CA carrying a mesh identity', async () => {
      const result = await sClient(address(), service, { cafile: bundle, cert: foreignFiles.cert, key: foreignFiles.key });
      expect(result.answered).toBe(false);
      expect(curl(url(), { cacert: bundle, cert: foreignFiles.cert, key: foreignFiles.key }, via()).status).toBe(0);
      expect(await handshakeRefusals()).toContainEqual(expect.stringMatching(/^client certificate refused: UNABLE_TO_GET_ISSUER_CERT/));
    });

    it('refuses TLS 1.2 (openssl s_client, curl)', async () => {
      const result = await sClient(address(), service, { cafile: bundle, cert: monitor.cert, key: monitor.key, extra: ['-tls1_2'] });
      expect(result.answered).toBe(false);
      expect(result.stderr).toMatch(/protocol version|unsupported protocol/i);
      expect(curl(url(), { cacert: bundle, cert: monitor.cert, key: monitor.key }, [...via(), '--tls-max', '1.2']).status).toBe(0);
    });

    it('refuses a client without a certificate (undici)', async () => {
      const { host, port } = address();
      const client = new Client(`https://${host}:${port}`, { connect: { ca: readFileSync(bundle, 'utf8'), servername: service } });
      try {
        await expect(client.request({ method: 'GET', path: '/healthz' })).rejects.toThrow(/certificate required|other side closed|socket hang up/i);
      } finally {
        await client.close();
      }
    });
  });
});
