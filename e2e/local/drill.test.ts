import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest, originOf } from '@portcullis/manifest';
import { runDrill, startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { eventually } from '../../test-support/eventually';
import { curl } from '../../test-support/outside-clients';
import { relocatedManifest, tempDir } from '../../test-support/temp-mesh';

/**
 * The rotation drill against a local mesh of its own (its certificates change
 * under load, which the suites sharing the driver's mesh must not see), moved
 * to other loopback addresses by its manifest.
 */
describe('the rotation drill', () => {
  const work = tempDir('drill');
  let mesh: LocalMesh;

  beforeAll(async () => {
    const manifestFile = join(work.dir, 'mesh.yaml');
    writeFileSync(manifestFile, relocatedManifest('127.0.8').text);
    mesh = await startLocalMesh({ manifestFile, certsDir: join(work.dir, 'certs') });
  });
  afterAll(async () => {
    await mesh?.stop();
    work.remove();
  });

  it('renews every leaf, rotates the CA and revokes a client under load without one failed request', async () => {
    const report = await runDrill({ manifest: loadManifest(join(work.dir, 'mesh.yaml')), certsDir: mesh.certsDir, environment: 'local', minRequests: 10_000 });
    console.log(`rotation drill (local processes):\n${JSON.stringify(report, null, 2)}`);

    expect(report.load.sent).toBeGreaterThanOrEqual(10_000);
    expect(report.load).toEqual({ sent: report.load.sent, succeeded: report.load.sent, failed: 0, failures: {} });
    // The revoked client is refused after the revocation (until its fresh certificate is in use) and nowhere else.
    expect(report.revokedClient.failed).toBe(0);
    expect(report.revokedClient.revokedCertificateAnswer).toBe(403);
    expect(report.revokedClient.succeeded + report.revokedClient.refusedAfterRevocation).toBe(report.revokedClient.sent);
    expect(Object.keys(report.steps)).toEqual(['renew', 'introduce', 'switch', 'retire', 'revoke']);
  }, 300_000);

  it('keeps serving when a mismatched key or a half-written certificate lands in a service directory', async () => {
    const gateway = identityFiles(mesh.certsDir, 'gateway');
    const demo = identityFiles(mesh.certsDir, 'demo-client');
    const monitor = identityFiles(mesh.certsDir, 'monitor');
    const gatewayOrigin = originOf(mesh.manifest, 'gateway', 'local');
    const order = () =>
      curl(`${gatewayOrigin}/orders`, { cacert: demo.bundle, cert: demo.cert, key: demo.key }, [
        '-H',
        'content-type: application/json',
        '--data-binary',
        '{"sku":"WIDGET-1","quantity":1}',
      ]).status;
    const refusedUpdates = () =>
      (
        JSON.parse(curl(`${gatewayOrigin}/healthz`, { cacert: monitor.bundle, cert: monitor.cert, key: monitor.key }).body) as {
          certificate: { refusedUpdates: number };
        }
      ).certificate.refusedUpdates;
    const before = refusedUpdates();

    copyFileSync(identityFiles(mesh.certsDir, 'orders').key, gateway.key);
    await eventually('the gateway to refuse the mismatched key', () => refusedUpdates() > before, { everyMs: 200 });
    expect(order()).toBe(201);

    const refusedKey = refusedUpdates();
    const chain = readFileSync(gateway.cert, 'utf8');
    writeFileSync(gateway.cert, chain.slice(0, chain.length / 3));
    await eventually('the gateway to refuse the half-written certificate', () => refusedUpdates() > refusedKey, { everyMs: 200 });
    expect(order()).toBe(201);
  });
});
