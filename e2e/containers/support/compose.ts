import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { StartedDockerComposeEnvironment, StartedTestContainer } from 'testcontainers';
import { loadManifest, type Manifest } from '@portcullis/manifest';
import { CERTS_JOB, COMPOSE_ENVIRONMENT, isEdge, publishVariable } from '@portcullis/mesh';
import { freePort } from '../../../test-support/free-port';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Compose v2 when the docker CLI has it, otherwise the standalone Compose v1 binary. */
function composeV2(): boolean {
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

/** Compose v2 names containers <project>-<service>-1, v1 <project>_<service>_1; testcontainers strips "<project>-". */
export function containerName(project: string, service: string): string {
  return composeV2() ? `${service}-1` : `${project}_${service}_1`;
}

/**
 * Boots docker-compose.yml (plus `overrides`) as project `project` with
 * testcontainers, and waits until every service is healthy and the renewer
 * has made its first round. Ryuk, testcontainers' reaper, is an image from a
 * registry, which CI does not reach: callers take the project down themselves.
 */
export async function upMesh(
  project: string,
  environment: Record<string, string>,
  overrides: readonly string[] = [],
): Promise<StartedDockerComposeEnvironment> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const { DockerComposeEnvironment, Wait } = await import('testcontainers');
  return new DockerComposeEnvironment(REPO_ROOT, ['docker-compose.yml', ...overrides])
    .withProjectName(project)
    .withEnvironment(environment)
    .withClientOptions(composeV2() ? {} : { executable: { standalone: true, executablePath: 'docker-compose' } })
    .withDefaultWaitStrategy(Wait.forHealthCheck())
    .withWaitStrategy(containerName(project, 'renewer'), Wait.forLogMessage(/^(kept|issued|republished) /m))
    .withStartupTimeout(120_000)
    .up();
}

export function serviceContainer(environment: StartedDockerComposeEnvironment, project: string, service: string): StartedTestContainer {
  return environment.getContainer(containerName(project, service));
}

/** A compose project a test booted, every service reachable from this machine. */
export interface TestMesh {
  readonly manifestFile: string;
  readonly manifest: Manifest;
  readonly environment: StartedDockerComposeEnvironment;
  /** The certificates the project's job issued, CA included, copied out for the tests' clients. */
  readonly certsDir: string;
  /** The loopback port of this machine where each service is published. */
  readonly ports: ReadonlyMap<string, number>;
  /** Each service's container id (the same across restarts). */
  readonly containers: ReadonlyMap<string, string>;
  down(): Promise<void>;
}

export interface TestMeshOptions {
  /** Where the override and the copied certificates go (the caller removes it). */
  readonly workdir: string;
  /** Added to every service's environment, in this project only. */
  readonly env?: Readonly<Record<string, string>>;
  /** Every line a service writes, followed across restarts. */
  readonly onOutput: (service: string, line: string) => void;
}

/**
 * Boots docker-compose.yml as `project` with a test-only override that publishes every service
 * on a loopback port (the gateway's as the compose file says) and adds `env` to the services;
 * everything else is the compose file as users run it.
 */
export async function startTestMesh(project: string, options: TestMeshOptions): Promise<TestMesh> {
  const manifestFile = join(REPO_ROOT, 'mesh.yaml');
  const manifest = loadManifest(manifestFile);
  const ports = new Map<string, number>();
  for (const service of manifest.services.keys()) ports.set(service, await freePort());
  const override = join(options.workdir, 'docker-compose.test.yml');
  writeFileSync(override, testOverride(manifest, ports, options.env ?? {}));

  // The edge services (the gateway) are published by the compose file itself, at the port its variable names.
  const edges = [...manifest.services.values()].filter((service) => isEdge(manifest, service));
  const environment = await upMesh(project, Object.fromEntries(edges.map((s) => [`${publishVariable(s.name)}_PORT`, String(ports.get(s.name))])), [override]);
  let stopped = false;
  const containers = new Map<string, string>();
  for (const service of manifest.services.keys()) {
    const container = serviceContainer(environment, project, service);
    containers.set(service, container.getId());
    // A log stream ends when its container stops (a suite restarts or kills some): follow it again from then on.
    const follow = async (since?: number) => {
      const logs = (await container.logs(since === undefined ? {} : { since })) as Readable;
      createInterface({ input: logs }).on('line', (line) => options.onOutput(service, line));
      logs.once('end', () => {
        const now = Math.floor(Date.now() / 1000);
        if (!stopped) setTimeout(() => void follow(now).catch(() => undefined), 500);
      });
    };
    await follow();
  }

  const certsJob = execFileSync(
    'docker',
    ['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${CERTS_JOB}`],
    { encoding: 'utf8' },
  ).trim();
  const certsDir = join(options.workdir, 'certs');
  execFileSync('docker', ['cp', `${certsJob}:/certs`, certsDir]);

  return {
    manifestFile,
    manifest,
    environment,
    certsDir,
    ports,
    containers,
    down: async () => {
      stopped = true;
      await environment.down({ removeVolumes: true, timeout: 10_000 });
    },
  };
}

/**
 * Publishes each service's port on loopback (an edge's is already, by the compose file) at
 * fixed host ports chosen free now, because Docker hands out new random ones when a container
 * restarts; and gives every service `env`.
 */
function testOverride(manifest: Manifest, ports: ReadonlyMap<string, number>, env: Readonly<Record<string, string>>): string {
  const lines = ['services:'];
  for (const service of manifest.services.values()) {
    const published = isEdge(manifest, service)
      ? []
      : ['    ports:', `      - "127.0.0.1:${ports.get(service.name)}:${service.addresses.get(COMPOSE_ENVIRONMENT)!.port}"`];
    const environment = Object.keys(env).length === 0 ? [] : ['    environment:', ...Object.entries(env).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)];
    if (published.length + environment.length > 0) lines.push(`  ${service.name}:`, ...published, ...environment);
  }
  return [...lines, ''].join('\n');
}
