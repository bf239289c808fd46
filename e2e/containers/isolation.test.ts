import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenericContainer, Wait } from 'testcontainers';
import { identityFiles } from '@portcullis/layout';
import { forgeLeaf, foreignAuthority } from '../../test-support/forge';
import { curl } from '../../test-support/outside-clients';
import { tempDir } from '../../test-support/temp-mesh';
import { meshUnderTest } from '../support/mesh-under-test';
import { exec, runOnce } from './support/docker';

const mesh = meshUnderTest();
const services = [...mesh.manifest.services.keys()];

/** Every file under /certs inside a container, as the service user sees it. */
const filesIn = (container: string) =>
  exec(container, ['node', '-e', "for (const f of require('fs').readdirSync('/certs', { recursive: true })) console.log(f)"])
    .split('\n')
    // The visible files; Kubernetes-style `..data` versions behind them hold the same three.
    .filter((entry) => entry.includes('.') && !entry.split('/').some((part) => part.startsWith('..')))
    .sort();

describe('each container holds its own identity and trusts only the mesh bundle', () => {
  it.each(services)('%s sees only its own key, its own chain, the mesh bundle and the deny list', (service) => {
    const container = mesh.container(service);
    expect(filesIn(container)).toEqual([`${service}/ca.crt`, `${service}/revoked.txt`, `${service}/tls.crt`, `${service}/tls.key`]);
    expect(exec(container, ['node', '-e', `process.stdout.write(require('fs').readFileSync('/certs/${service}/ca.crt', 'utf8'))`])).toBe(
      readFileSync(mesh.identity('monitor').bundle, 'utf8'),
    );
  });

  it.each(services)('%s runs as a non-root user on a read-only root filesystem', (service) => {
    const container = mesh.container(service);
    expect(exec(container, ['node', '-e', 'process.stdout.write(String(process.getuid()))'])).not.toBe('0');
    const write = "try { require('fs').writeFileSync('/app/x', 'x'); process.stdout.write('written') } catch (e) { process.stdout.write(e.code) }";
    expect(exec(container, ['node', '-e', write])).toBe('EROFS');
  });
});

describe('a container given the wrong identity does not start', () => {
  const work = tempDir('misconfigured');
  afterAll(() => work.remove());

  /** A copy of `workload`'s identity that the container's user can read. */
  const copyIdentity = (workload: string, to: string) => {
    const from = identityFiles(mesh.certsDir, workload);
    mkdirSync(to, { recursive: true });
    for (const name of ['tls.crt', 'tls.key', 'ca.crt']) {
      copyFileSync(join(from.dir, name), join(to, name));
      chmodSync(join(to, name), 0o644);
    }
    return to;
  };

  it("stops with one sentence when given another service's key and certificate", () => {
    const dir = copyIdentity('orders', join(work.dir, 'orders-as-payments'));
    expect(runOnce('portcullis/payments', ['-v', `${dir}:/certs/payments:ro`])).toEqual({
      code: 1,
      stderr:
        'payments: /certs/payments/tls.crt is for spiffe://portcullis.local/service/orders but the manifest says spiffe://portcullis.local/service/payments; reissue it with "pnpm mesh certs payments"',
    });
  });

  it('stops with one sentence when given a different trust bundle', async () => {
    const dir = copyIdentity('payments', join(work.dir, 'foreign-bundle'));
    writeFileSync(join(dir, 'ca.crt'), (await foreignAuthority()).bundlePem);
    expect(runOnce('portcullis/payments', ['-v', `${dir}:/certs/payments:ro`])).toEqual({
      code: 1,
      stderr:
        'payments: /certs/payments/tls.crt is not signed by any certificate authority in /certs/payments/ca.crt; reissue it from the mesh CA with "pnpm mesh certs payments"',
    });
  });

  it('ignores NODE_EXTRA_CA_CERTS: a client from another CA is refused even when the container is told to trust it', async () => {
    const dir = copyIdentity('payments', join(work.dir, 'extra-ca'));
    const foreign = await foreignAuthority();
    writeFileSync(join(work.dir, 'extra-ca.crt'), foreign.bundlePem);
    const forged = await forgeLeaf(mesh.manifest, 'orders', foreign.intermediate);
    writeFileSync(join(work.dir, 'forged.crt'), forged.chainPem);
    writeFileSync(join(work.dir, 'forged.key'), forged.keyPem);

    const container = await new GenericContainer('portcullis/payments')
      .withBindMounts([
        { source: dir, target: '/certs/payments', mode: 'ro' },
        { source: join(work.dir, 'extra-ca.crt'), target: '/extra-ca.crt', mode: 'ro' },
      ])
      .withEnvironment({ NODE_EXTRA_CA_CERTS: '/extra-ca.crt' })
      // Alone, outside the compose network: its health probe finds it under its compose name on loopback.
      .withExtraHosts([{ host: 'payments', ipAddress: '127.0.0.1' }])
      .withExposedPorts(mesh.manifest.services.get('payments')!.port)
      .withWaitStrategy(Wait.forHealthCheck())
      .start();
    try {
      const port = container.getMappedPort(mesh.manifest.services.get('payments')!.port);
      const url = `https://payments:${port}/charges`;
      const via = ['--resolve', `payments:${port}:127.0.0.1`, '-X', 'POST', '-H', 'content-type: application/json', '--data-binary', '{}'];
      const bundle = mesh.identity('orders').bundle;
      expect(curl(url, { cacert: bundle, cert: join(work.dir, 'forged.crt'), key: join(work.dir, 'forged.key') }, via).status).toBe(0);
      // The same call with the real orders identity gets through authorization (and fails validation).
      expect(curl(url, { cacert: bundle, cert: mesh.identity('orders').cert, key: mesh.identity('orders').key }, via).status).toBe(400);
    } finally {
      await container.stop();
    }
  });
});
