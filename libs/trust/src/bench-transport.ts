import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import type { Manifest, Workload } from '@portcullis/manifest';
import { PeerIdentifier, type PeerVerdict } from './server/peer';

/**
 * FOR THE BENCHMARK ONLY. The seam through which `bench/` runs the services' own code (their
 * `dist/main.js`, this library, Nest, Fastify, undici, the databases) over plain HTTP, as the
 * contender that shows what mutual TLS costs the whole chain (bench/src/chain/plaintext-preload.ts).
 *
 * Why this is not a plaintext switch a production service could be configured into: nothing reads
 * it from configuration (no environment variable, manifest field or file). The only way in is code
 * running inside the service's own process calling `installPlaintextForBenchmark` before
 * `bootstrapService`, and code that runs there can already do anything to the process (patch
 * `node:tls`, answer requests itself): the seam gives it nothing it did not have. It is not part
 * of the package's main entry points (only `@portcullis/trust/bench`), the bench's preload that
 * calls it lives in `bench/` (never deployed: the images carry `pnpm deploy` of a service), and a
 * service started with it says PLAINTEXT in its "listening" line.
 *
 * The seam is three narrow points: the server Fastify creates (`bootstrap.ts`), who the caller of
 * a connection is (`secureFastify`'s peers), and how the mesh client connects (`MeshClient`).
 */
export interface PlaintextTransport {
  /** Fastify's `serverFactory`: a plain node:http server in place of the https one. */
  createServer(handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>): Server;
  /** How `self`'s mesh client connects to `target` without TLS. */
  connector(target: string, self: Workload): buildConnector.connector;
  /** Who is on the other end of a plain connection, in place of its certificate. */
  identify(socket: Socket): PeerVerdict;
}

let installed: PlaintextTransport | undefined;

/** Replaces mutual TLS with `transport` for every server and mesh client this process makes from now on. Benchmark only. */
export function installPlaintextForBenchmark(transport: PlaintextTransport): void {
  installed = transport;
}

/** The plaintext transport the benchmark installed in this process; undefined in every real service. */
export function benchmarkPlaintext(): PlaintextTransport | undefined {
  return installed;
}

/** Fastify's options for a mesh server with its https options swapped for the plaintext transport's server. */
export function withoutTls<Options extends { https: object }>(
  options: Options,
  transport: PlaintextTransport,
): Omit<Options, 'https'> & { serverFactory: (handler: RequestListener) => Server } {
  const plain: Partial<Options> = { ...options };
  delete plain.https;
  return { ...(plain as Omit<Options, 'https'>), serverFactory: (handler: RequestListener) => transport.createServer(handler) };
}

/** A `PeerIdentifier` that asks the plaintext transport instead of a certificate. */
export class PlaintextPeers extends PeerIdentifier {
  constructor(
    manifest: Manifest,
    private readonly transport: PlaintextTransport,
  ) {
    // No certificates: no deny list, and one trust bundle for ever (so no connection is "opened under an old one").
    super(manifest, { current: () => ({ revoked: new Set<string>(), bundlePem: '' }) });
  }

  override identify(socket: TLSSocket): PeerVerdict {
    return this.transport.identify(socket);
  }
}
