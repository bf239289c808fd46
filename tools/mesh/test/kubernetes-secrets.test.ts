import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { identitySecret, identitySecretName, renewIntoSecrets, sameData, type IdentitySecret, type SecretStore } from '@portcullis/mesh';
import { tempCerts } from '../../../test-support/temp-mesh';

/** A SecretStore in memory: what the renewer reads and replaces, without a cluster. */
function memoryStore(): SecretStore & { readonly secrets: Map<string, IdentitySecret>; replaced: string[] } {
  const secrets = new Map<string, IdentitySecret>();
  const replaced: string[] = [];
  return {
    secrets,
    replaced,
    read: async (name, namespace) => secrets.get(`${namespace}/${name}`) ?? {},
    replace: async (secret) => {
      secrets.set(`${secret.metadata.namespace}/${secret.metadata.name}`, secret);
      replaced.push(secret.metadata.name);
    },
  };
}

describe("a service's identity as a Kubernetes Secret", () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  // RSA keys for every workload: seconds on a busy 2-core machine.
  beforeAll(async () => {
    certs = await tempCerts();
  }, 60_000);
  afterAll(() => certs.remove());

  it('carries the four files of its identity directory, byte for byte, under the names the trust library reads', () => {
    for (const name of certs.manifest.services.keys()) {
      const secret = identitySecret(certs.manifest, certs.dir, name, 'portcullis');
      expect(secret.metadata).toEqual({
        name: identitySecretName(name),
        namespace: 'portcullis',
        labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'portcullis' },
      });
      expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'revoked.txt', 'tls.crt', 'tls.key']);
      for (const [file, base64] of Object.entries(secret.data)) expect(Buffer.from(base64, 'base64')).toEqual(readFileSync(join(certs.dir, name, file)));
    }
  });

  it('refuses a directory without its key, naming the file and the fix, and is not asked for clients', () => {
    const name = [...certs.manifest.services.keys()][0]!;
    const copy = identitySecret(certs.manifest, certs.dir, name, 'portcullis');
    rmSync(join(certs.dir, name, 'tls.key'));
    expect(() => identitySecret(certs.manifest, certs.dir, name, 'portcullis')).toThrow(`${join(certs.dir, name, 'tls.key')} cannot be read`);
    expect(() => identitySecret(certs.manifest, certs.dir, name, 'portcullis')).toThrow(`run "pnpm mesh certs ${name}"`);
    const client = [...certs.manifest.clients.keys()][0]!;
    expect(() => identitySecret(certs.manifest, certs.dir, client, 'portcullis')).toThrow(`there is no service "${client}"`);
    expect(sameData({ data: copy.data }, copy)).toBe(true);
    expect(sameData({ data: { ...copy.data, 'tls.crt': Buffer.from('another').toString('base64') } }, copy)).toBe(false);
    expect(sameData(undefined, copy)).toBe(false);
  });
});

describe('the renewer on Kubernetes', () => {
  it('fills every service Secret once, then writes only what changed', async () => {
    const certs = await tempCerts();
    try {
      const store = memoryStore();
      const services = [...certs.manifest.services.keys()];
      expect(await renewIntoSecrets(certs.manifest, certs.dir, 'portcullis', store)).toEqual(
        services.map((name) => `wrote portcullis/${identitySecretName(name)}`),
      );
      expect(await renewIntoSecrets(certs.manifest, certs.dir, 'portcullis', store)).toEqual([]);
      // A certificate removed on disk is issued again, and only its Secret is replaced.
      rmSync(join(certs.dir, services[0]!, 'tls.crt'));
      expect(await renewIntoSecrets(certs.manifest, certs.dir, 'portcullis', store)).toEqual([`wrote portcullis/${identitySecretName(services[0]!)}`]);
      expect(Buffer.from(store.secrets.get(`portcullis/${identitySecretName(services[0]!)}`)!.data['tls.crt']!, 'base64')).toEqual(
        readFileSync(join(certs.dir, services[0]!, 'tls.crt')),
      );
    } finally {
      certs.remove();
    }
  }, 60_000);
});
