import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest, originOf } from '@portcullis/manifest';
import { runDrill, startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { eventually } from '../../test-support/eventually';
import { curl } from '../../test-support/outside-clients';
import { orderFlowRoles, relocatedManifest, tempDir } from '../../test-support/temp-mesh';
import { expectDrillPassed } from '../support/drill-report';

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

  it('renews every leaf, has a service killed and restarted, rotates the CA and revokes a client under load: no request failed outside the crash, no confirmed order lost', async () => {
    const crashed = orderFlowRoles(mesh.manifest).orders;
    const report = await runDrill({
      manifest: loadManifest(join(work.dir, 'mesh.yaml')),
      certsDir: mesh.certsDir,
      environment: 'local',
      minRequests: 10_000,
      // The runner sees it die and starts it again, with its backoff.
      crash: { service: crashed, kill: (service) => void process.kill(mesh.pids().get(service)!, 'SIGKILL') },
    });
    console.log(`rotation drill (local processes):\n${JSON.stringify(report, null, 2)}`);
    expectDrillPassed(report, { minRequests: 10_000, crashed });
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
