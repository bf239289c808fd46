import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadManifest, parseManifest, servicesServing, type Manifest } from '@portcullis/manifest';
import { issueMeshCertificates, type IssueOptions } from '@portcullis/pki';

/** The repository's own manifest: tests run against the mesh as it is described, not a copy of it. */
export const REPO_ROOT = resolve(__dirname, '..');
export const MANIFEST_FILE = join(REPO_ROOT, 'mesh.yaml');
export const manifestText = (): string => readFileSync(MANIFEST_FILE, 'utf8');
export const repoManifest = (): Manifest => loadManifest(MANIFEST_FILE);

/** A manifest derived from the real one by textual edits, checked to have actually changed. */
export function editedManifest(...edits: [string | RegExp, string][]): { text: string; manifest: () => Manifest } {
  let text = manifestText();
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`edit did not apply: ${String(from)}`);
    text = next;
  }
  return { text, manifest: () => parseManifest(text, MANIFEST_FILE) };
}

/**
 * The manifest (the repository's, or `text`) with every service's local loopback
 * address moved from 127.0.0.x to `<prefix>.x`, keeping the last octet and any port:
 * a test boots a mesh of its own there, beside the suites' mesh, whatever services
 * the manifest has. `hosts` are the new local hosts, one per service.
 */
export function relocatedManifest(prefix: string, text = manifestText()): { text: string; manifest: () => Manifest; hosts: string[] } {
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(prefix) || prefix === '127.0.0')
    throw new Error(`relocatedManifest: "${prefix}" is not another /24 of 127.0.0.0/8, such as 127.0.8`);
  const relocated = text.replace(/^(\s+local: )127\.0\.0\.(\d{1,3})\b/gm, `$1${prefix}.$2`);
  if (relocated === text) throw new Error('relocatedManifest: the manifest has no local address on 127.0.0.x to move');
  const manifest = () => parseManifest(relocated, MANIFEST_FILE);
  const hosts = [...manifest().services.values()].map((s) => s.addresses.get('local')!.host);
  return { text: relocated, manifest, hosts };
}

/** The 1-based line of the first occurrence of `needle` in `text`, to check the line numbers errors name. */
export const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `portcullis-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Issues the whole mesh's certificates into a fresh directory; keys are made now and thrown away after. */
export async function tempCerts(manifest: Manifest = repoManifest(), options: IssueOptions = {}) {
  const temp = tempDir('certs');
  const result = await issueMeshCertificates(manifest, temp.dir, options);
  return { ...temp, manifest, result };
}

/** The routes `POST /orders` travels through: the order flow's business routes, named once here. */
export const ORDER_FLOW_ROUTES = ['POST /orders', 'POST /reservations', 'POST /charges'] as const;

/**
 * The caller -> service edges that requests to `routes` take, from the manifest: every service
 * serving one of the routes, and every caller its allow list names among `clients` and the
 * services. Tests name the business routes they exercise; which services serve them, and so which
 * edges and services a trace or a stat must show, comes from mesh.yaml.
 */
export function edgesOf(manifest: Manifest, routes: readonly string[], clients: readonly string[]): string[] {
  return [...manifest.services.values()].flatMap((service) =>
    service.routes
      .filter((route) => routes.includes(`${route.method} ${route.path}`))
      .flatMap((route) => route.allow.filter((caller) => clients.includes(caller) || (manifest.services.has(caller) && caller !== service.name)))
      .map((caller) => `${caller} -> ${service.name}`),
  );
}

/** The services requests to `routes` reach, from the manifest. */
export const servicesOf = servicesServing;

/** Who plays which part in the order flow: found by who serves its routes in mesh.yaml, not by name. */
export interface OrderFlowRoles {
  /** Where outside clients place orders (the gateway). */
  readonly entry: string;
  /** The service behind it that runs the saga and keeps the orders. */
  readonly orders: string;
  /** The service that reserves stock. */
  readonly inventory: string;
  /** The service that charges. */
  readonly payments: string;
}

export function orderFlowRoles(manifest: Manifest): OrderFlowRoles {
  // A route is served at the edge (to outside clients) or behind it (to services only).
  const serving = (route: string, edge: boolean): string => {
    const found = [...manifest.services.values()].filter((service) =>
      service.routes.some((r) => `${r.method} ${r.path}` === route && r.allow.some((caller) => manifest.clients.has(caller)) === edge),
    );
    if (found.length !== 1)
      throw new Error(`${manifest.file}: expected one service serving ${route} ${edge ? 'to clients' : 'to services'}, found ${found.length}`);
    return found[0]!.name;
  };
  const [order, reserve, charge] = ORDER_FLOW_ROUTES;
  return { entry: serving(order, true), orders: serving(order, false), inventory: serving(reserve, false), payments: serving(charge, false) };
}

/**
 * The manifest (the repository's, or `text`) with one more environment, `name`, in which each
 * service is at `addressOf(service)` (`host:port`): how a test on this machine reaches services
 * that live elsewhere, such as containers through the ports a test override publishes.
 */
export function withEnvironment(name: string, addressOf: (service: string) => string, text = manifestText()): Manifest {
  const byComposeHost = new Map([...parseManifest(text, MANIFEST_FILE).services.values()].map((s) => [s.addresses.get('compose')!.host, s.name]));
  const edited = text.replace(/^(\s+)compose: ([\w.-]+)(:\d+)?$/gm, (line, indent: string, host: string) => {
    const service = byComposeHost.get(host);
    return service ? `${line}\n${indent}${name}: ${addressOf(service)}` : line;
  });
  const manifest = parseManifest(edited, MANIFEST_FILE);
  for (const service of manifest.services.values())
    if (!service.addresses.has(name)) throw new Error(`withEnvironment: ${service.name} got no ${name} address`);
  return manifest;
}
