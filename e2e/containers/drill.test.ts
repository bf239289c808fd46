import type { StartedDockerComposeEnvironment } from 'testcontainers';
import type { DrillReport } from '@portcullis/mesh';
import { orderFlowRoles, repoManifest } from '../../test-support/temp-mesh';
import { expectDrillPassed } from '../support/drill-report';
import { freePort } from '../../test-support/free-port';
import { serviceContainer, upMesh } from './support/compose';
import { execFollowing, hostPid } from './support/docker';

const PROJECT = 'portcullis-drill';

/**
 * The rotation drill in containers, on a compose project of its own (its
 * certificates change under load, and one of its services is killed, which the
 * shared suites must not see). The drill runs inside the compose network, in the
 * renewer's container, which mounts every identity volume: exactly how an
 * operator would run it. It cannot reach another container's process, so when
 * it asks for the crash, the test kills the service's main process from the host
 * and compose's restart policy brings it back.
 */
describe('the rotation drill in containers', () => {
  let environment: StartedDockerComposeEnvironment;

  beforeAll(async () => {
    environment = await upMesh(PROJECT, { PORTCULLIS_GATEWAY_PORT: String(await freePort()) });
  }, 180_000);
  afterAll(async () => {
    await environment?.down({ removeVolumes: true, timeout: 10_000 });
  });

  // 10,000 requests through containers took 150 s on a two-core machine that others were loading, 300 s when their load doubled.
  it('renews every leaf, has a service killed and restarted, rotates the CA and revokes a client under load: no request failed outside the crash, no confirmed order lost', async () => {
    const crashed = orderFlowRoles(repoManifest()).orders;
    const renewer = serviceContainer(environment, PROJECT, 'renewer').getId();
    const container = serviceContainer(environment, PROJECT, crashed).getId();
    const killed: number[] = [];
    const drill = await execFollowing(renewer, ['node', 'dist/cli.js', 'drill', '--requests=10000', `--crash=${crashed}`], (line) => {
      console.log(`drill: ${line}`);
      if (line === `crash: kill -9 ${crashed} now`) {
        const pid = hostPid(container)!;
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      }
    });
    const report = JSON.parse(drill.stdout) as DrillReport;
    console.log(`rotation drill (containers):\n${JSON.stringify(report, null, 2)}`);

    expect(killed).toHaveLength(1);
    expect(hostPid(container)).not.toBe(killed[0]);
    expectDrillPassed(report, { minRequests: 10_000, crashed });
    // The command's verdict agrees with the report.
    expect(drill.code).toBe(0);
  }, 480_000);
});
