import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest } from '@portcullis/manifest';
import { runDrill, startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { editedManifest, tempDir } from '../../test-support/temp-mesh';

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
    writeFileSync(manifestFile, editedManifest(...[1, 2, 3, 4].map((i): [string, string] => [`local: 127.0.0.${i}\n`, `local: 127.0.8.${i}\n`])).text);
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
    expect(report.revokedClient.succeeded + report.revokedClient.refusedAfterRevocation).toBe(report.revokedClient.sent);
    expect(Object.keys(report.steps)).toEqual(['renew', 'introduce', 'switch', 'retire', 'revoke']);
  }, 300_000);
});
