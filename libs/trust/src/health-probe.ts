import { isIP } from 'node:net';
import type { Manifest } from '@portcullis/manifest';
import { openMeshContext } from './context';
import { MeshClient } from './client/mesh-client';

/**
 * A container health check over mTLS: `node .../health-probe.js` inside a
 * service's container calls that service's own `GET /healthz` with the
 * service's own certificate (the manifest allows `self` there), pinning its
 * own SPIFFE ID. So "healthy" means what peers need: listening, TLS working,
 * certificate valid, authorization in place. The service's name comes from
 * PORTCULLIS_SERVICE, which the Dockerfile sets.
 */
async function probe(): Promise<number> {
  const service = process.env.PORTCULLIS_SERVICE;
  if (!service) throw new Error('PORTCULLIS_SERVICE is not set: the health probe needs to know which service it checks');
  const context = openMeshContext(service);
  const client = new MeshClient({
    manifest: dialingItself(context.manifest, service, context.environment),
    environment: context.environment,
    self: context.service,
    source: context.source,
    responseTimeoutMs: 2_000,
  });
  try {
    const response = await client.call(service, 'GET', '/healthz');
    if (response.status === 200) return 0;
    process.stderr.write(`${service}: /healthz answered ${response.status}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

/**
 * Where the service listens, from inside its own container. A DNS name (compose, Kubernetes)
 * is how peers find the service, and the service then listens on every interface: the probe
 * dials loopback instead, because on Kubernetes the name is a Service that routes only to
 * pods already ready (a readiness probe through it would never pass) and may pick another
 * replica. The client pins the SPIFFE ID, not the host, so the certificate check is the same.
 */
function dialingItself(manifest: Manifest, service: string, environment: string): Manifest {
  const spec = manifest.services.get(service);
  const address = spec?.addresses.get(environment);
  if (!spec || !address || isIP(address.host) !== 0) return manifest;
  const addresses = new Map(spec.addresses).set(environment, { host: '127.0.0.1', port: address.port });
  return { ...manifest, services: new Map(manifest.services).set(service, { ...spec, addresses }) };
}

probe().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
