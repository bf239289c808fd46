import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Manifest } from '@portcullis/manifest';
import { AuditLog, identityFiles, installAuthorization, loadIdentity, PeerIdentifier, routePolicy, serverTlsOptions, type Identity } from '@portcullis/trust';

/** Loads a workload's identity from a directory made by `tempCerts`. */
export function identityOf(manifest: Manifest, certsDir: string, name: string): Identity {
  const workload = manifest.services.get(name) ?? manifest.clients.get(name)!;
  return loadIdentity(identityFiles(certsDir, name), { id: workload.id, trustDomain: manifest.trustDomain, fix: 'test' });
}

/**
 * A real HTTPS server with the trust library's TLS options and authorization,
 * presenting `presenting`'s certificate and enforcing `service`'s policy
 * (usually the same), on an ephemeral loopback port. Every handler records
 * that it ran, so a test can tell that a refused request never reached it.
 */
export async function startTrustedServer(manifest: Manifest, certsDir: string, service: string, presenting = service) {
  const reached: string[] = [];
  const audit: string[] = [];
  const fastify: FastifyInstance = Fastify({ https: serverTlsOptions(identityOf(manifest, certsDir, presenting), manifest.tls.minVersion) });
  installAuthorization(fastify, {
    service,
    policy: routePolicy(manifest, service),
    peers: new PeerIdentifier(manifest),
    audit: new AuditLog((line) => audit.push(line)),
  });
  for (const route of manifest.services.get(service)!.routes) {
    fastify.route({
      method: route.method as 'GET',
      url: route.path,
      handler: async (request) => {
        reached.push(`${route.method} ${route.path}`);
        return { ok: true, caller: request.peer?.name };
      },
    });
  }
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const port = (fastify.server.address() as AddressInfo).port;
  return { fastify, port, reached, audit, close: () => fastify.close() };
}
