import { isIP } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { ConsoleLogger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ManifestError } from '@portcullis/manifest';
import { routePolicy } from '../authorize';
import { openMeshContext, type MeshContext } from '../context';
import { IdentityError } from '../identity';
import { collectRoutes, installAuthorization, policyGaps } from '../server/authorization';
import { PeerIdentifier } from '../server/peer';
import { serverTlsOptions } from '../server/tls-options';
import { MeshCallFilter } from './mesh-call.filter';
import { TrustModule } from './trust.module';

/** Limits against slow or greedy clients; generous for the small JSON calls of a mesh. */
export const SERVER_LIMITS = {
  bodyLimitBytes: 16 * 1024,
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  // Longer than the mesh client's 4 s, so the client always closes an idle connection first.
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
} as const;

export interface BootstrapOptions {
  /** The service's name in mesh.yaml; everything else comes from the manifest. */
  readonly service: string;
}

/**
 * Starts a NestJS service as a member of the mesh: loads and checks the
 * manifest and the service's identity, serves HTTPS with mandatory client
 * certificates on the manifest's address, and denies every caller the
 * manifest does not allow. A bad manifest or certificate ends the process
 * with one sentence naming the file and the fix.
 */
export async function bootstrapService(appModule: Type, options: BootstrapOptions): Promise<NestFastifyApplication> {
  let context: MeshContext;
  try {
    context = openMeshContext(options.service);
  } catch (error) {
    return exitWith(options.service, error);
  }
  try {
    return await startService(appModule, context);
  } catch (error) {
    return exitWith(options.service, error);
  }
}

async function startService(appModule: Type, context: MeshContext): Promise<NestFastifyApplication> {
  const { manifest, service, source, audit } = context;
  const logger = new ConsoleLogger(service.name, { json: true });
  const adapter = new FastifyAdapter({
    https: { ...serverTlsOptions(source.current(), manifest.tls.minVersion), handshakeTimeout: SERVER_LIMITS.handshakeTimeoutMs },
    bodyLimit: SERVER_LIMITS.bodyLimitBytes,
    requestTimeout: SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
    // HEAD would be a second, unlisted route for every GET; the manifest lists what exists.
    exposeHeadRoutes: false,
    return503OnClosing: true,
  });
  const fastify = adapter.getInstance();
  // The mesh speaks JSON: a text/plain body gets 415 rather than reaching a handler as a string.
  fastify.removeContentTypeParser('text/plain');
  const policy = routePolicy(manifest, service.name);
  const served = collectRoutes(fastify);
  installAuthorization(fastify, { service: service.name, policy, peers: new PeerIdentifier(manifest), audit });

  const app = await NestFactory.create<NestFastifyApplication>(
    { module: class MeshServiceModule {}, imports: [TrustModule.forRoot(context), appModule] },
    adapter,
    { logger },
  );
  app.useGlobalFilters(new MeshCallFilter());
  app.enableShutdownHooks();
  await app.init();

  const { uncovered, unserved } = policyGaps(served, policy);
  if (uncovered.length > 0) logger.warn(`routes no policy in ${manifest.file} covers, denied to every caller: ${uncovered.join(', ')}`);
  if (unserved.length > 0) logger.warn(`routes ${manifest.file} lists but ${service.name} does not serve: ${unserved.join(', ')}`);

  // With `https` options Fastify creates a node:https server, which is a tls.Server.
  const server = app.getHttpServer() as unknown as TlsServer;
  hardenServer(server, context);
  source.onChange((identity) => server.setSecureContext(serverTlsOptions(identity, manifest.tls.minVersion)));

  const address = service.addresses.get(context.environment)!;
  // A DNS name (compose, Kubernetes) is how peers find us, not an interface: listen on all of them there.
  const host = isIP(address.host) === 0 ? '0.0.0.0' : address.host;
  // Fastify's own listen: Nest's would log a listen error as a stack of its own before we can say it in one sentence.
  await fastify.listen({ port: address.port, host });
  logger.log({ message: `${service.name} listening`, id: service.id, address: `${host}:${address.port}`, environment: context.environment });
  return app;

  function hardenServer(tlsServer: TlsServer, { audit: log }: MeshContext) {
    tlsServer.maxConnections = SERVER_LIMITS.maxConnections;
    (tlsServer as TlsServer & { headersTimeout: number }).headersTimeout = SERVER_LIMITS.headersTimeoutMs;
    tlsServer.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
    tlsServer.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      log.refused({
        service: service.name,
        stage: 'handshake',
        reason: handshakeRefusalReason(error, socket),
        ...(socket.remoteAddress ? { remoteAddress: socket.remoteAddress } : {}),
      });
    });
  }
}

/**
 * Node checks a client certificate after the handshake and drops the
 * connection without an alert, so the error is only "socket hang up"; the
 * real reason (UNABLE_TO_GET_ISSUER_CERT, CERT_HAS_EXPIRED, ...) is left on
 * the socket. OpenSSL's own errors carry a short `reason` without the
 * file-and-line noise of their message.
 */
function handshakeRefusalReason(error: Error, socket: TLSSocket): string {
  const verifyError = socket.authorizationError;
  if (verifyError) return `client certificate refused: ${String(verifyError)}`;
  return (error as Error & { reason?: string }).reason ?? error.message.trim();
}

function exitWith(service: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  let message: string;
  if (error instanceof IdentityError || error instanceof ManifestError) message = error.message;
  else if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') {
    const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
    message = `${address}:${port} ${code === 'EADDRINUSE' ? 'is already in use (is the mesh already running?)' : 'is not an address of this machine'}; stop what holds it or change the address in mesh.yaml`;
  } else message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${service}: ${message}\n`);
  process.exit(1);
}
