import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { loadManifest, type Manifest } from '@portcullis/manifest';
import { publishMesh } from '../../support/mesh-under-test';
import { freePort, REPO_ROOT, serviceContainer, upMesh } from './compose';

const PROJECT = 'portcullis-e2e';

declare global {
  // Shared between globalSetup and globalTeardown, which run in the same process.
  var portcullisMesh: { stop(): Promise<void> } | undefined;
}

/**
 * The containers driver: builds the images, boots docker-compose.yml with
 * testcontainers, and hands the suites the same view of the mesh as the local
 * driver. A test-only override publishes every service on a loopback port so
 * the suites can reach each one; everything else is the compose file as users
 * run it.
 */
export default async function globalSetup(): Promise<void> {
  const manifestFile = join(REPO_ROOT, 'mesh.yaml');
  const manifest = loadManifest(manifestFile);
  execFileSync('bash', [join(REPO_ROOT, 'tools/containers/build-images.sh'), process.env.PORTCULLIS_NODE_IMAGE ?? 'node:26-bookworm-slim'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const workdir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-containers-'));
  const override = join(workdir, 'docker-compose.e2e.yml');
  const ports = new Map<string, number>();
  for (const service of manifest.services.keys()) ports.set(service, await freePort());
  writeFileSync(override, publishEveryService(manifest, ports));

  const environment = await upMesh(PROJECT, { PORTCULLIS_GATEWAY_PORT: String(ports.get('gateway')) }, [override]).catch((error: unknown) => {
    rmSync(workdir, { recursive: true, force: true });
    throw error;
  });
  let stopped = false;
  globalThis.portcullisMesh = {
    stop: async () => {
      stopped = true;
      await environment.down({ removeVolumes: true, timeout: 10_000 });
    },
  };

  const containers: Record<string, string> = {};
  const addresses: Record<string, { host: string; port: number }> = {};
  const logFile = join(workdir, 'mesh.log');
  for (const service of manifest.services.values()) {
    const container = serviceContainer(environment, PROJECT, service.name);
    containers[service.name] = container.getId();
    addresses[service.name] = { host: '127.0.0.1', port: ports.get(service.name)! };
    // A log stream ends when its container stops (a suite restarts some): follow it again from then on.
    const follow = async (since?: number) => {
      const logs = (await container.logs(since === undefined ? {} : { since })) as Readable;
      createInterface({ input: logs }).on('line', (line) => appendFileSync(logFile, `${JSON.stringify({ service: service.name, line })}\n`));
      logs.once('end', () => {
        const now = Math.floor(Date.now() / 1000);
        if (!stopped) setTimeout(() => void follow(now).catch(() => undefined), 500);
      });
    };
    await follow();
  }

  // The certificates the job issued, CA included, for the suites' clients and forgeries.
  const certsJob = execFileSync(
    'docker',
    ['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', 'label=com.docker.compose.service=certs'],
    {
      encoding: 'utf8',
    },
  ).trim();
  execFileSync('docker', ['cp', `${certsJob}:/certs`, join(workdir, 'certs')]);
  appendFileSync(logFile, '');

  publishMesh({ driver: 'containers', manifestFile, environment: 'compose', certsDir: join(workdir, 'certs'), workdir, addresses, containers });
}

/**
 * A compose override that publishes each service's port on loopback (the
 * gateway's stays as the compose file says). Fixed host ports, chosen free
 * now, because Docker hands out new random ones when a container restarts.
 */
function publishEveryService(manifest: Manifest, ports: ReadonlyMap<string, number>): string {
  const services = [...manifest.services.values()].filter((s) => s.name !== 'gateway');
  return ['services:', ...services.flatMap((s) => [`  ${s.name}:`, '    ports:', `      - "127.0.0.1:${ports.get(s.name)}:${s.port}"`]), ''].join('\n');
}
