import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addressOf } from '@portcullis/manifest';
import { startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { publishMesh } from './mesh-under-test';

declare global {
  // Shared between globalSetup and globalTeardown, which run in the same process.
  var portcullisMesh: { stop(): Promise<void> } | undefined;
}

/**
 * The local driver: boots the whole mesh as `pnpm start` does, but with
 * certificates issued into a fresh temporary directory, so the tests make their
 * own keys and never touch certs/.
 */
export default async function globalSetup(): Promise<void> {
  const workdir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  const certsDir = join(workdir, 'certs');
  const manifestFile = resolve(__dirname, '..', '..', 'mesh.yaml');
  const logFile = join(workdir, 'mesh.log');
  let mesh: LocalMesh;
  try {
    mesh = await startLocalMesh({
      manifestFile,
      certsDir,
      environment: 'local',
      onOutput: (service, line) => appendFileSync(logFile, `${JSON.stringify({ service, line })}\n`),
    });
  } catch (error) {
    rmSync(workdir, { recursive: true, force: true });
    throw error;
  }
  globalThis.portcullisMesh = mesh;
  publishMesh({
    driver: 'local',
    manifestFile,
    environment: 'local',
    certsDir,
    workdir,
    addresses: Object.fromEntries([...mesh.manifest.services.keys()].map((s) => [s, addressOf(mesh.manifest, s, 'local')])),
  });
}
