import { isIP } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ManifestError } from '@portcullis/manifest';
import { openMeshContext, type MeshContext } from '../context';
import { IdentityError, type Identity } from '../identity';
import { watchIdentity } from '../watch';
import { NestPinoLogger } from '../observe/logger';
import { installTracing } from '../observe/tracing';
import { policyGaps } from '../server/authorization';
import { hardenTlsServer, meshFastifyOptions, secureFastify, serverLimits } from '../server/mesh-server';
import { benchmarkPlaintext, PlaintextPeers, withoutTls } from '../bench-transport';
import { MeshCallFilter } from './mesh-call.filter';
import { TrustModule } from './trust.module';

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
  try {
    return await startService(appModule, openMeshContext(options.service));
  } catch (error) {
    return exitWith(options.service, error);
  }
}

async function startService(appModule: Type, context: MeshContext): Promise<NestFastifyApplication> {
  const { manifest, service, source, audit, metrics, admission } = context;
  const logger = context.logger;
  // Before any request: the propagator and context manager (and the OTLP exporter, if asked for).
  const tracing = await installTracing({ service: service.name });
  const limits = serverLimits(manifest);
  // Only ever set by the benchmark's plaintext contender, never by configuration: see bench-transport.ts.
  const plaintext = benchmarkPlaintext();
  const fastifyOptions = meshFastifyOptions(source, manifest.tls.minVersion, limits);
  const adapter = new FastifyAdapter(plaintext ? withoutTls(fastifyOptions, plaintext) : fastifyOptions);
  const peers = plaintext ? { peers: new PlaintextPeers(manifest, plaintext) } : {};
  const serverContext = { service: service.name, manifest, source, audit, limits, admission, metrics, logger, ...peers };
  const { served, policy } = secureFastify(adapter.getInstance(), serverContext);

  const app = await NestFactory.create<NestFastifyApplication>(
    { module: class MeshServiceModule {}, imports: [TrustModule.forRoot(context), appModule] },
    adapter,
    // Nest's own body parsers would add a form parser (a form-encoded body then reaches the JSON
    // schema as fields and fails with 400); Fastify's JSON parser alone makes anything else a 415.
    { logger: new NestPinoLogger(logger), bodyParser: false },
  );
  app.useGlobalFilters(new MeshCallFilter());
  app.enableShutdownHooks();
  await app.init();

  const { uncovered, unserved } = policyGaps(served, policy);
  if (uncovered.length > 0)
    logger.warn({ event: 'policy.gap', routes: uncovered }, `routes no policy in ${manifest.file} covers, denied to every caller: ${uncovered.join(', ')}`);
  if (unserved.length > 0)
    logger.warn({ event: 'policy.gap', routes: unserved }, `routes ${manifest.file} lists but ${service.name} does not serve: ${unserved.join(', ')}`);

  // With `https` options Fastify creates a node:https server, which is a tls.Server.
  if (!plaintext) hardenTlsServer(app.getHttpServer() as unknown as TlsServer, serverContext);

  const address = service.addresses.get(context.environment)!;
  // A DNS name (compose, Kubernetes) is how peers find us, not an interface: listen on all of them there.
  const host = isIP(address.host) === 0 ? '0.0.0.0' : address.host;
  // Fastify's own listen: Nest's would log a listen error as a stack of its own before we can say it in one sentence.
  await adapter.getInstance().listen({ port: address.port, host });
  logger.info(
    {
      event: 'service.listening',
      address: `${host}:${address.port}`,
      environment: context.environment,
      tracing,
      ...describe(source.current()),
      ...(plaintext ? { transport: 'PLAINTEXT, the benchmark contender: no TLS, no certificates' } : {}),
    },
    `${service.name} listening${plaintext ? ' over PLAINTEXT HTTP (benchmark only)' : ''}`,
  );
  // New certificates (renewal, CA rotation) are taken without a restart; bad ones are refused and said once.
  const watch = watchIdentity(source, {
    onReloaded: (identity) => {
      metrics.identityReload('applied');
      logger.info({ event: 'identity.reloaded', ...describe(identity) }, 'identity reloaded');
    },
    onRefused: (reason) => {
      metrics.identityReload('refused');
      logger.warn({ event: 'identity.refused', reason }, 'identity update refused; still serving the previous one');
    },
  });
  adapter.getInstance().server.once('close', () => {
    watch.close();
    // Refusals counted past the log's rate and not yet summarised are written before the process goes.
    audit.flush();
  });
  return app;
}

function describe(identity: Identity) {
  return { serial: identity.leaf.serialNumber, notAfter: identity.leaf.validToDate.toISOString() };
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
