import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { ENV } from './mesh-under-test';

declare global {
  // Shared between globalSetup and globalTeardown, which run in the same process.
  var portcullisMesh: LocalMesh | undefined;
}

/**
 * Boots the mesh once for every e2e suite: the whole local mesh as the README's
 * `pnpm start` boots it, but with certificates issued into a fresh temporary
 * directory, so the tests make their own keys and never touch certs/.
 */
export default async function globalSetup(): Promise<void> {
  const workdir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  const certsDir = join(workdir, 'certs');
  const manifestFile = resolve(__dirname, '..', '..', 'mesh.yaml');
  const logFile = join(workdir, 'mesh.log');
  globalThis.portcullisMesh = await startLocalMesh({
    manifestFile,
    certsDir,
    environment: 'local',
    onOutput: (service, line) => appendFileSync(logFile, `${JSON.stringify({ service, line })}\n`),
  });
  process.env[ENV.manifest] = manifestFile;
  process.env[ENV.environment] = 'local';
  process.env[ENV.certs] = certsDir;
  process.env[ENV.workdir] = workdir;
}
