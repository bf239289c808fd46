import type { StartedDockerComposeEnvironment } from 'testcontainers';
import type { DrillReport } from '@portcullis/mesh';
import { freePort, serviceContainer, upMesh } from './support/compose';
import { exec } from './support/docker';

const PROJECT = 'portcullis-drill';

/**
 * The rotation drill in containers, on a compose project of its own (its
 * certificates change under load, which the shared suites must not see). The
 * drill runs inside the compose network, in the renewer's container, which
 * mounts every identity volume: exactly how an operator would run it.
 */
describe('the rotation drill in containers', () => {
  let environment: StartedDockerComposeEnvironment;

  beforeAll(async () => {
    environment = await upMesh(PROJECT, { PORTCULLIS_GATEWAY_PORT: String(await freePort()) });
  }, 180_000);
  afterAll(async () => {
    await environment?.down({ removeVolumes: true, timeout: 10_000 });
  });

  it('renews every leaf, rotates the CA and revokes a client under load without one failed request', () => {
    const renewer = serviceContainer(environment, PROJECT, 'renewer').getId();
    const report = JSON.parse(exec(renewer, ['node', 'dist/cli.js', 'drill', '--requests=10000'])) as DrillReport;
    console.log(`rotation drill (containers):\n${JSON.stringify(report, null, 2)}`);

    expect(report.load.sent).toBeGreaterThanOrEqual(10_000);
    expect(report.load).toEqual({ sent: report.load.sent, succeeded: report.load.sent, failed: 0, failures: {} });
    expect(report.revokedClient.failed).toBe(0);
    expect(report.revokedClient.revokedCertificateAnswer).toBe(403);
    expect(Object.keys(report.steps)).toEqual(['renew', 'introduce', 'switch', 'retire', 'revoke']);
  }, 300_000);
});
