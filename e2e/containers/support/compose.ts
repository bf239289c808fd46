import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { StartedDockerComposeEnvironment, StartedTestContainer } from 'testcontainers';

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

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
