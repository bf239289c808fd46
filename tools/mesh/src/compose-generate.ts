import { isAlias, isMap, isScalar, isSeq, parse, parseDocument, Scalar, type Document, type Pair, type YAMLMap } from 'yaml';
import type { Manifest, Service } from '@portcullis/manifest';
import { CERTS_JOB, COMPOSE_ENVIRONMENT, isEdge, RENEWER, serviceDataVolume } from './compose-check';

/** The anchor every service entry merges: hardening, restart policy, the mTLS health check. */
const SERVICE_ANCHOR = 'service';
const IDENTITY_VOLUME = /-identity(:|$)/;
/** The named volumes written from the manifest: each service's identity and its data. */
const SERVICE_VOLUME = /-(identity|data)(:|$)/;

/**
 * docker-compose.yml with its per-service entries, the certificate jobs'
 * volume mounts and the named volumes rewritten from the manifest; everything
 * else (the jobs, the anchors, the comments) is kept as written. What
 * `composeProblems` checks, this writes, so a generated file passes the check
 * and a hand edit that breaks it still fails it.
 */
export function generateCompose(manifest: Manifest, composeText: string, file = 'docker-compose.yml'): string {
  const doc = parseDocument(composeText);
  const merged = parse(composeText, { merge: true }) as { services?: Record<string, { build?: { args?: Record<string, string> } }> };
  const nodeImage = merged.services?.[CERTS_JOB]?.build?.args?.NODE_IMAGE;
  if (nodeImage === undefined) throw new Error(`${file}: the ${CERTS_JOB} job has no build.args.NODE_IMAGE for the services to be built with; restore it`);
  const anchored = findAnchor(doc, SERVICE_ANCHOR);
  if (!anchored) throw new Error(`${file}: there is no &${SERVICE_ANCHOR} anchor (the settings every service shares); restore it`);

  const services = doc.get('services', true);
  if (!isMap(services)) throw new Error(`${file}: has no services map; restore the ${CERTS_JOB} and ${RENEWER} jobs`);
  services.items = services.items.filter((pair) => [CERTS_JOB, RENEWER].includes(keyOf(pair)));
  for (const service of manifest.services.values()) {
    const host = service.addresses.get(COMPOSE_ENVIRONMENT)?.host;
    if (host === undefined) throw new Error(`${manifest.file}: ${service.name} has no ${COMPOSE_ENVIRONMENT} address; add one`);
    const key = new Scalar(host);
    key.spaceBefore = true;
    services.items.push(doc.createPair(key, serviceEntry(doc, manifest, service, nodeImage, anchored)));
  }

  const identities = [...manifest.services.keys()];
  const mounts = jobVolumes(doc, services);
  if (!mounts) throw new Error(`${file}: the ${CERTS_JOB} job mounts no volumes list; give it one with the CA's volume`);
  mounts.items = [
    ...mounts.items.filter((item) => !(isScalar(item) && IDENTITY_VOLUME.test(String(item.value)))),
    ...identities.map((name) => doc.createNode(`${name}-identity:/certs/${name}`)),
  ];

  const volumes = doc.get('volumes', true);
  if (!isMap(volumes)) throw new Error(`${file}: has no volumes map; restore it with the CA's volume`);
  volumes.items = [
    ...volumes.items.filter((pair) => !SERVICE_VOLUME.test(keyOf(pair))),
    ...identities.flatMap((name) =>
      [`${name}-identity`, `${name}-data`].map((volume) => {
        const empty = new Scalar(null);
        empty.source = ''; // `name-identity:` with nothing after it, as Compose writes a default volume.
        return doc.createPair(volume, empty);
      }),
    ),
  ];
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

/** The prefix of the variables that move where an edge service is published: `<prefix>_PORT`, `<prefix>_ADDRESS`. */
export function publishVariable(service: string): string {
  return `PORTCULLIS_${service.toUpperCase().replaceAll('-', '_')}`;
}

function serviceEntry(doc: Document, manifest: Manifest, service: Service, nodeImage: string, anchored: YAMLMap): YAMLMap {
  const entry = doc.createNode({
    image: `portcullis/${service.name}`,
    build: { context: '.', args: { NODE_IMAGE: nodeImage, SERVICE: service.name } },
    volumes: [`${service.name}-identity:/certs/${service.name}:ro`, serviceDataVolume(service.name)],
  }) as YAMLMap;
  entry.items.unshift(doc.createPair('<<', doc.createAlias(anchored)));
  if (isEdge(manifest, service)) {
    // Published on the host, on loopback unless told otherwise; PORTCULLIS_<NAME>_PORT/_ADDRESS move it.
    const port = service.addresses.get(COMPOSE_ENVIRONMENT)!.port;
    const variable = publishVariable(service.name);
    const mapping = new Scalar(`\${${variable}_ADDRESS:-127.0.0.1}:\${${variable}_PORT:-${port}}:${port}`);
    mapping.type = Scalar.QUOTE_DOUBLE;
    entry.set('ports', doc.createNode([mapping]));
  }
  if (service.calls.length > 0) {
    // Overrides the anchor's depends_on, so it repeats the wait for the certificates.
    const dependsOn: Record<string, { condition: string }> = { [CERTS_JOB]: { condition: 'service_completed_successfully' } };
    for (const callee of service.calls) {
      dependsOn[manifest.services.get(callee)!.addresses.get(COMPOSE_ENVIRONMENT)!.host] = { condition: 'service_healthy' };
    }
    entry.set('depends_on', doc.createNode(dependsOn));
  }
  return entry;
}

/** The certificate job's volumes: its own list, or the one of the map it merges (the x-authority anchor). */
function jobVolumes(doc: Document, services: YAMLMap) {
  const job = services.get(CERTS_JOB, true);
  if (!isMap(job)) return undefined;
  const own = job.get('volumes', true);
  if (isSeq(own)) return own;
  const merge = job.items.find((pair) => keyOf(pair) === '<<')?.value;
  const base = isAlias(merge) ? merge.resolve(doc) : undefined;
  const inherited = isMap(base) ? base.get('volumes', true) : undefined;
  return isSeq(inherited) ? inherited : undefined;
}

function findAnchor(doc: Document, anchor: string): YAMLMap | undefined {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const found = root.items.map((pair) => pair.value).find((value) => isMap(value) && value.anchor === anchor);
  return isMap(found) ? found : undefined;
}

const keyOf = (pair: Pair): string => String(isScalar(pair.key) ? pair.key.value : pair.key);
