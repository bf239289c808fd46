import { parse } from 'yaml';
import type { Manifest, Service } from '@portcullis/manifest';
import { MONITOR_CLIENT } from './readiness';

/** The compose environment of the manifest: where services find each other inside the compose network. */
export const COMPOSE_ENVIRONMENT = 'compose';
/** The one-shot job that issues certificates into the volumes. */
export const CERTS_JOB = 'certs';
/** Where a service's database lives in its container (PORTCULLIS_DATA in the Dockerfile). */
export const DATA_MOUNT = '/data';
/** Each service's own volume for its database, mounted writable: the state that survives the container. */
export const serviceDataVolume = (service: string): string => `${service}-data:${DATA_MOUNT}`;
/** The long-running job that renews them. */
export const RENEWER = 'renewer';

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> };
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
}

/**
 * Where docker-compose.yml disagrees with mesh.yaml: the classic 8443 failure
 * of a port or name changed in one place and not the other, a service mounting
 * another's key, or a container without the hardening. Empty when they agree.
 */
export function composeProblems(manifest: Manifest, composeText: string): string[] {
  const compose = parse(composeText, { merge: true }) as { services?: Record<string, ComposeService> };
  const services = compose.services ?? {};
  const problems: string[] = [];
  const expected = new Map<string, Service>();
  for (const service of manifest.services.values()) {
    const address = service.addresses.get(COMPOSE_ENVIRONMENT);
    if (!address) {
      problems.push(`mesh.yaml gives ${service.name} no ${COMPOSE_ENVIRONMENT} address`);
      continue;
    }
    expected.set(address.host, service);
  }

  for (const name of Object.keys(services)) {
    if (name !== CERTS_JOB && name !== RENEWER && !expected.has(name))
      problems.push(`compose service ${name} is not a service of mesh.yaml (its compose addresses are ${[...expected.keys()].join(', ')})`);
  }
  const job = services[CERTS_JOB];
  if (!job) problems.push(`there is no "${CERTS_JOB}" job to issue certificates`);
  const renewer = services[RENEWER];
  if (!renewer) problems.push(`there is no "${RENEWER}" to renew certificates`);

  for (const [name, service] of expected) {
    const spec = services[name];
    if (!spec) {
      problems.push(`mesh.yaml's ${service.name} (compose address ${name}) has no compose service`);
      continue;
    }
    const where = `compose service ${name}`;
    if (spec.image !== `portcullis/${service.name}` || spec.build?.args?.SERVICE !== service.name) {
      problems.push(`${where} must run the image portcullis/${service.name} built with SERVICE=${service.name}`);
    }
    const identityVolume = `${service.name}-identity:/certs/${service.name}:ro`;
    const dataVolume = serviceDataVolume(service.name);
    if (JSON.stringify(spec.volumes ?? []) !== JSON.stringify([identityVolume, dataVolume])) {
      problems.push(
        `${where} must mount exactly its own identity, read-only (${identityVolume}), and its own data (${dataVolume}), not ${JSON.stringify(spec.volumes ?? [])}`,
      );
    }
    for (const [writer, spec] of [
      [CERTS_JOB, job],
      [RENEWER, renewer],
    ] as const) {
      if (spec && !(spec.volumes ?? []).includes(`${service.name}-identity:/certs/${service.name}`)) {
        problems.push(`the ${writer} does not write ${service.name}'s identity volume`);
      }
    }
    const port = service.addresses.get(COMPOSE_ENVIRONMENT)!.port;
    const published = (spec.ports ?? []).map((mapping) => Number(mapping.split(':').pop()));
    if (isEdge(manifest, service)) {
      if (published.length !== 1 || published[0] !== port) {
        problems.push(`${where} is called from outside the mesh and must publish its port ${port} once, not ${JSON.stringify(spec.ports ?? [])}`);
      }
    } else if (published.length > 0) {
      problems.push(`${where} is only called inside the mesh and must not publish ports (${JSON.stringify(spec.ports)})`);
    }
    if (!(spec.healthcheck?.test ?? []).some((part) => part.includes('health-probe'))) {
      problems.push(`${where} needs the mTLS health probe as its healthcheck`);
    }
    const dependsOn = spec.depends_on ?? {};
    if (dependsOn[CERTS_JOB]?.condition !== 'service_completed_successfully') {
      problems.push(`${where} must wait for the ${CERTS_JOB} job to complete`);
    }
    for (const callee of service.calls) {
      const calleeHost = manifest.services.get(callee)!.addresses.get(COMPOSE_ENVIRONMENT)?.host ?? callee;
      if (dependsOn[calleeHost]?.condition !== 'service_healthy') problems.push(`${where} calls ${callee} and must wait for it to be healthy`);
    }
  }

  for (const [name, spec] of Object.entries(services)) {
    const hardened = spec.read_only === true && (spec.cap_drop ?? []).includes('ALL') && (spec.security_opt ?? []).includes('no-new-privileges:true');
    if (!hardened) problems.push(`compose service ${name} must have read_only: true, cap_drop: [ALL] and no-new-privileges`);
  }
  return problems;
}

/**
 * A service that external clients call, which is therefore published outside
 * the compose network. The monitor does not count: it checks health on every
 * service from the local runner, while containers check their own.
 */
export function isEdge(manifest: Manifest, service: Service): boolean {
  return service.routes.some((route) => route.allow.some((caller) => manifest.clients.has(caller) && caller !== MONITOR_CLIENT));
}
