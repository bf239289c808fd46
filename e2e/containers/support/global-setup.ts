import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishMesh } from '../../support/mesh-under-test';
import { REPO_ROOT, startTestMesh } from './compose';

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
  execFileSync('bash', [join(REPO_ROOT, 'tools/containers/build-images.sh'), process.env.PORTCULLIS_NODE_IMAGE ?? 'node:26-bookworm-slim'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const workdir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-containers-'));
  const logFile = join(workdir, 'mesh.log');
  appendFileSync(logFile, '');
  const mesh = await startTestMesh(PROJECT, {
    workdir,
    onOutput: (service, line) => appendFileSync(logFile, `${JSON.stringify({ service, line })}\n`),
  }).catch((error: unknown) => {
    rmSync(workdir, { recursive: true, force: true });
    throw error;
  });
  globalThis.portcullisMesh = { stop: () => mesh.down() };

  publishMesh({
    driver: 'containers',
    manifestFile: mesh.manifestFile,
    environment: 'compose',
    certsDir: mesh.certsDir,
    workdir,
    addresses: Object.fromEntries([...mesh.ports].map(([service, port]) => [service, { host: '127.0.0.1', port }])),
    containers: Object.fromEntries(mesh.containers),
  });
}
