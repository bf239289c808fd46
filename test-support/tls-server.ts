import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Manifest } from '@portcullis/manifest';
import { identityFiles } from '@portcullis/layout';
import {
  FAULTS_ROUTE,
  AuditLog,
  ConnectionAdmission,
  jsonLineSink,
  hardenTlsServer,
  IdentitySource,
  loadIdentity,
  meshFastifyOptions,
  SERVER_LIMITS,
  secureFastify,
  svidRules,
  type AuditLimits,
  type Identity,
  type ServerLimits,
} from '@portcullis/trust';

/** Loads a workload's identity from a directory made by `tempCerts`. */
export function identityOf(manifest: Manifest, certsDir: string, name: string): Identity {
  return loadIdentity(identityFiles(certsDir, name), expectationFor(manifest, name));
}

export function sourceOf(manifest: Manifest, certsDir: string, name: string): IdentitySource {
  return IdentitySource.open(identityFiles(certsDir, name), expectationFor(manifest, name));
}

function expectationFor(manifest: Manifest, name: string) {
  const workload = manifest.services.get(name) ?? manifest.clients.get(name)!;
  return { id: workload.id, ...svidRules(manifest), fix: 'test' };
}

/**
 * A real HTTPS server set up exactly as `bootstrapService` sets up a service
 * (the same options, authorization and hardening, without NestJS), presenting
 * `presenting`'s certificate and enforcing `service`'s policy, on an ephemeral
 * loopback port. Every handler records that it ran, so a test can tell that a
 * refused request never reached it. `reportEveryMs`: how often the admission
 * writes its summary of what it shed, into `shedLog`.
 */
export async function startTrustedServer(
  manifest: Manifest,
  certsDir: string,
  service: string,
  presenting = service,
  limits: Partial<ServerLimits> = {},
  auditLimits: Partial<AuditLimits> = {},
  reportEveryMs?: number,
  /** Registers routes before the trust library's hooks are in place, as a plugin set up first would. */
  registerFirst?: (fastify: FastifyInstance) => void,
) {
  const reached: string[] = [];
  const audit: string[] = [];
  const shedLog: string[] = [];
  const source = sourceOf(manifest, certsDir, presenting);
  const all = { ...SERVER_LIMITS, ...limits };
  const auditLog = new AuditLog(
    jsonLineSink((line) => audit.push(line)),
    { limits: auditLimits },
  );
  const admission = new ConnectionAdmission({ service, limits: all, log: (line) => shedLog.push(line), ...(reportEveryMs ? { reportEveryMs } : {}) });
  const context = { service, manifest, source, audit: auditLog, limits: all, admission };
  const fastify = Fastify(meshFastifyOptions(source, manifest.tls.minVersion, all));
  registerFirst?.(fastify);
  secureFastify(fastify, context);
  // PUT /faults is served by the trust library itself (secureFastify).
  for (const route of manifest.services.get(service)!.routes.filter((r) => !(r.method === FAULTS_ROUTE.method && r.path === FAULTS_ROUTE.url))) {
    fastify.route({
      method: route.method as 'GET',
      url: route.path,
      handler: async (request) => {
        reached.push(`${route.method} ${route.path}`);
        return { ok: true, caller: request.peer?.name };
      },
    });
  }
  await fastify.ready();
  hardenTlsServer(fastify.server, context);
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const port = (fastify.server.address() as AddressInfo).port;
  return { fastify, port, reached, audit, auditLog, shedLog, admission, source, close: () => fastify.close() };
}

/** A TLS connection to a test server on loopback presenting `name`'s certificate; resolves once the handshake is done. */
export function connectAs(
  manifest: Manifest,
  certsDir: string,
  port: number,
  name: string,
  options: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {},
): Promise<TLSSocket> {
  const identity = identityOf(manifest, certsDir, name);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'payments',
      ca: identity.bundlePem,
      cert: identity.chainPem,
      key: identity.keyPem,
      checkServerIdentity: () => undefined,
      ...options,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}
