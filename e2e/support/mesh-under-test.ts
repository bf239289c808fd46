import { join } from 'node:path';
import { addressOf, loadManifest, originOf, type Address, type Manifest } from '@portcullis/manifest';
import { identityFiles, type IdentityFiles } from '@portcullis/trust';

/**
 * What a suite knows about the mesh it runs against, whichever driver booted
 * it (local processes now, containers later): the same suites run against both.
 * The driver in globalSetup passes it on through environment variables, the
 * only channel from globalSetup to the test workers.
 */
export interface MeshUnderTest {
  readonly manifest: Manifest;
  readonly environment: string;
  /** Where the tests find client identities (demo-client, monitor) and the bundle. */
  readonly certsDir: string;
  /** Where the mesh's services write their output, one JSON line each. */
  readonly logFile: string;
  /** The address a test dials to reach `service` from this machine. */
  address(service: string): Address;
  origin(service: string): string;
  identity(workload: string): IdentityFiles;
}

export const ENV = {
  manifest: 'PORTCULLIS_E2E_MANIFEST',
  environment: 'PORTCULLIS_E2E_ENVIRONMENT',
  certs: 'PORTCULLIS_E2E_CERTS',
  workdir: 'PORTCULLIS_E2E_WORKDIR',
} as const;

export function meshUnderTest(): MeshUnderTest {
  const read = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the e2e suites through jest, whose globalSetup boots the mesh`);
    return value;
  };
  const manifest = loadManifest(read(ENV.manifest));
  const environment = read(ENV.environment);
  const certsDir = read(ENV.certs);
  return {
    manifest,
    environment,
    certsDir,
    logFile: join(read(ENV.workdir), 'mesh.log'),
    address: (service) => addressOf(manifest, service, environment),
    origin: (service) => originOf(manifest, service, environment),
    identity: (workload) => identityFiles(certsDir, workload),
  };
}
