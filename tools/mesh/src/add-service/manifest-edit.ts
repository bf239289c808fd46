import { isIP } from 'node:net';
import { isMap, isSeq, parseDocument, type Scalar, type YAMLSeq } from 'yaml';
import { NAME_PATTERN, parseManifest, ROUTE_PATTERN, type Manifest } from '@portcullis/manifest';
import { KUBERNETES_ENVIRONMENT, kubernetesAddressFor } from '../kubernetes/environment';

/** What `mesh add service` was asked for. */
export interface NewService {
  readonly name: string;
  /** Services the new one calls: it is added to the allow list of their own routes. */
  readonly calls: readonly string[];
  /** Workloads that call the new one: allowed on its routes, and (services) given it in their `calls`. */
  readonly callers: readonly string[];
  /** `METHOD /path`, each allowed to every caller. */
  readonly routes: readonly string[];
}

/** The environment whose addresses are processes on this machine, and where the next loopback is handed out. */
const LOCAL_ENVIRONMENT = 'local';
/** The port every service listens on when the manifest has none yet to follow. */
const DEFAULT_PORT = 8443;

/** Text to put at an offset of the original file. */
interface Insertion {
  readonly at: number;
  readonly text: string;
}

/**
 * mesh.yaml with `service` added: its own entry, its name in the `calls` of
 * the services that call it and on the allow lists of the routes it calls.
 * The YAML Document API finds where each of those lives, and the new text is
 * spliced in there, so every other byte of the file (comments, their
 * alignment, blank lines, flow lists) stays as its author wrote it; printing
 * the whole Document again would move trailing comments and respace lists.
 * The result is parsed by the manifest's own validator before it is
 * returned, so nothing half-right is ever written.
 */
export function addServiceToManifest(manifest: Manifest, text: string, service: NewService): { text: string; grants: string[] } {
  const { name } = service;
  if (!NAME_PATTERN.test(name)) throw new Error(`"${name}" cannot name a service: use lowercase letters, digits and dashes, starting with a letter`);
  for (const route of service.routes) {
    if (!ROUTE_PATTERN.test(route))
      throw new Error(`--route "${route}": must look like "GET /path" (GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS, a space, then the path)`);
  }
  if (manifest.services.has(name) || manifest.clients.has(name)) throw new Error(`${manifest.file}: "${name}" is already a workload; pick another name`);
  for (const callee of service.calls) {
    if (!manifest.services.has(callee))
      throw new Error(`--calls ${callee}: not a service of ${manifest.file}; known services: ${[...manifest.services.keys()].join(', ')}`);
  }
  for (const caller of service.callers) {
    if (!manifest.services.has(caller) && !manifest.clients.has(caller)) throw new Error(`--callers ${caller}: not a service or client of ${manifest.file}`);
  }
  if (service.callers.length > 0 && service.routes.length === 0) {
    throw new Error('--callers needs at least one --route "METHOD /path" for them to call; a service without routes can only be denied');
  }

  const doc = parseDocument(text);
  const services = doc.get('services', true);
  if (!isMap(services) || services.items.length === 0) throw new Error(`${manifest.file}: has no services to add one beside`);
  const insertions: Insertion[] = [];

  // The new entry, after the last service, indented as the first one is.
  const first = services.items[0]!.key as Scalar;
  const unit = ' '.repeat(columnOf(text, first.range![0]));
  const lines = [
    `${unit}${name}:`,
    `${unit}${unit}id: spiffe://${manifest.trustDomain}/service/${name}`,
    `${unit}${unit}port: ${commonPort(manifest)}`,
    `${unit}${unit}addresses:`,
    ...manifest.environments.map((environment) => `${unit}${unit}${unit}${environment}: ${addressIn(manifest, environment, name)}`),
    ...(service.calls.length > 0 ? [`${unit}${unit}calls: ${flowList(service.calls)}`] : []),
    ...(service.routes.length > 0
      ? [`${unit}${unit}routes:`, ...service.routes.map((route) => `${unit}${unit}${unit}${route}: ${flowList(service.callers)}`)]
      : [`${unit}${unit}routes: {}`]),
  ];
  let end = services.range![1];
  while (end > 0 && /\s/.test(text[end - 1]!)) end--; // After the last service's last character, before the blank lines.
  insertions.push({ at: end, text: `\n\n${lines.join('\n')}` });

  for (const caller of service.callers.filter((c) => manifest.services.has(c))) {
    const calls = doc.getIn(['services', caller, 'calls'], true);
    if (calls !== undefined) {
      insertions.push(appendToList(text, calls, name));
      continue;
    }
    // No `calls` yet: a line of its own just before the caller's routes.
    const entry = doc.getIn(['services', caller], true);
    const routesPair = isMap(entry) ? entry.items.find((pair) => (pair.key as Scalar).value === 'routes') : undefined;
    if (!routesPair) throw new Error(`${manifest.file}: ${caller} has no routes to put its calls beside; add "calls: [${name}]" to it by hand`);
    const at = (routesPair.key as Scalar).range![0];
    insertions.push({ at: at - columnOf(text, at), text: `${' '.repeat(columnOf(text, at))}calls: [${name}]\n` });
  }

  const grants: string[] = [];
  for (const callee of service.calls) {
    const routes = doc.getIn(['services', callee, 'routes'], true);
    const own = isMap(routes) ? routes.items : [];
    if (own.length === 0) throw new Error(`--calls ${callee}: ${callee} serves no route of its own in ${manifest.file}; add the route there first`);
    for (const pair of own) {
      if (!(pair.value as YAMLSeq).items.some((item) => (item as Scalar).value === name)) insertions.push(appendToList(text, pair.value as YAMLSeq, name));
      grants.push(`${callee} ${String((pair.key as Scalar).value)}`);
    }
  }

  const edited = insertions
    .sort((a, b) => b.at - a.at)
    .reduce((result, insertion) => result.slice(0, insertion.at) + insertion.text + result.slice(insertion.at), text);
  parseManifest(edited, manifest.file); // Throws the validator's own sentences, with line numbers.
  return { text: edited, grants };
}

const flowList = (names: readonly string[]) => `[${names.join(', ')}]`;

const columnOf = (text: string, offset: number) => offset - text.lastIndexOf('\n', offset - 1) - 1;

/** `, name` before a flow list's `]`, or a `- name` line after a block list's last item. */
function appendToList(text: string, list: unknown, name: string): Insertion {
  if (!isSeq(list)) throw new Error(`expected a list of names at offset ${String((list as { range?: number[] }).range?.[0])}`);
  const end = list.range![1];
  if (list.flow) {
    const close = text.lastIndexOf(']', end - 1);
    return { at: close, text: list.items.length === 0 ? name : `, ${name}` };
  }
  const last = list.items.at(-1) as Scalar;
  const dash = text.lastIndexOf('-', last.range![0]);
  return { at: last.range![1], text: `\n${' '.repeat(columnOf(text, dash))}- ${name}` };
}

/** The port the services share (8443 in this mesh), so a new one listens where its peers expect. */
function commonPort(manifest: Manifest): number {
  const counts = new Map<number, number>();
  for (const service of manifest.services.values()) counts.set(service.port, (counts.get(service.port) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? DEFAULT_PORT;
}

/** Locally the next unused 127.0.0.x; on Kubernetes its Service in the mesh's namespace; elsewhere the service's own name, which the network's DNS resolves. */
function addressIn(manifest: Manifest, environment: string, name: string): string {
  if (environment === KUBERNETES_ENVIRONMENT) return kubernetesAddressFor(manifest, name);
  if (environment !== LOCAL_ENVIRONMENT) return name;
  const taken = new Set([...manifest.services.values()].map((s) => s.addresses.get(environment)?.host).filter((h) => h !== undefined && isIP(h) === 4));
  for (let octet = 1; octet < 255; octet++) {
    if (!taken.has(`127.0.0.${octet}`)) return `127.0.0.${octet}`;
  }
  throw new Error(`${manifest.file}: every address of 127.0.0.0/24 is taken; give ${name} a local address by hand`);
}
