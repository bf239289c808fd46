import { join } from 'node:path';
import { loadManifest, type Address, type Manifest } from '@portcullis/manifest';
import { curlExample } from '@portcullis/mesh';
import { identityFiles, type IdentityFiles } from '@portcullis/layout';

/** How a test on this machine reaches one service of the mesh under test. */
export interface Endpoint {
  /** Where to open the TCP connection. */
  readonly connect: Address;
  /** The name to send as SNI and to check in the server's certificate. */
  readonly servername: string;
  /** `https://<name>:<port>` for clients that check host names against the certificate. */
  readonly origin: string;
  /** What curl needs to reach `origin` at `connect` (a `--resolve` when the name is not in DNS). */
  readonly curlArgs: readonly string[];
}

/**
 * What a suite knows about the mesh it runs against, whichever driver booted
 * it (local processes or containers): the same suites run against both. The
 * driver in globalSetup passes it on through environment variables, the only
 * channel from globalSetup to the test workers.
 */
export interface MeshUnderTest {
  readonly driver: 'local' | 'containers';
  readonly manifest: Manifest;
  readonly environment: string;
  /** Where the tests find every workload's identity and the CA (made for this run). */
  readonly certsDir: string;
  /** Where the mesh's services write their output, one JSON record per line. */
  readonly logFile: string;
  endpoint(service: string): Endpoint;
  identity(workload: string): IdentityFiles;
  /** The curl call that places an order through the gateway, as the README and `pnpm start` print it. */
  curlExample(): string;
  /** The containers driver: the container id of a compose service. */
  container(service: string): string;
}

/** What a driver hands the suites. */
export interface MeshHandle {
  readonly driver: MeshUnderTest['driver'];
  readonly manifestFile: string;
  readonly environment: string;
  readonly certsDir: string;
  readonly workdir: string;
  /** Where each service is reachable from this machine. */
  readonly addresses: Record<string, Address>;
  /** The containers driver: each compose service's container id. */
  readonly containers?: Record<string, string>;
}

const HANDLE = 'PORTCULLIS_E2E_MESH';

export function publishMesh(handle: MeshHandle): void {
  process.env[HANDLE] = JSON.stringify(handle);
}

export function meshUnderTest(): MeshUnderTest {
  const raw = process.env[HANDLE];
  if (!raw) throw new Error(`${HANDLE} is not set: run the e2e suites through jest, whose globalSetup boots the mesh`);
  const handle = JSON.parse(raw) as MeshHandle;
  const manifest = loadManifest(handle.manifestFile);
  const endpoint = (service: string): Endpoint => {
    const connect = handle.addresses[service];
    if (!connect) throw new Error(`the ${handle.driver} driver did not publish ${service}`);
    // Locally every service has an address of its own that its certificate names; containers are
    // reached through loopback ports, so the service's DNS name is resolved to loopback for curl.
    const direct = handle.driver === 'local';
    return {
      connect,
      servername: service,
      origin: direct ? `https://${connect.host}:${connect.port}` : `https://${service}:${connect.port}`,
      curlArgs: direct ? [] : ['--resolve', `${service}:${connect.port}:${connect.host}`],
    };
  };
  return {
    driver: handle.driver,
    manifest,
    environment: handle.environment,
    certsDir: handle.certsDir,
    logFile: join(handle.workdir, 'mesh.log'),
    endpoint,
    identity: (workload) => identityFiles(handle.certsDir, workload),
    container: (service) => {
      const id = handle.containers?.[service];
      if (!id) throw new Error(`the ${handle.driver} driver has no container for ${service}`);
      return id;
    },
    curlExample: () => {
      const gateway = handle.addresses.gateway!;
      return curlExample(handle.certsDir, `https://${gateway.host}:${gateway.port}`);
    },
  };
}
