import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Manifest, Workload } from './model';

export const MANIFEST_FILE = 'mesh.yaml';

/** The workload (service or client) called `name`, or undefined. */
export function workloadNamed(manifest: Manifest, name: string): Workload | undefined {
  return manifest.services.get(name) ?? manifest.clients.get(name);
}

/** The workload whose SPIFFE ID is `id`, or undefined when the manifest does not know it. */
export function workloadWithId(manifest: Manifest, id: string): Workload | undefined {
  for (const workload of [...manifest.services.values(), ...manifest.clients.values()]) {
    if (workload.id === id) return workload;
  }
  return undefined;
}

/**
 * Where the manifest is: `PORTCULLIS_MANIFEST` when set, otherwise the nearest
 * mesh.yaml in the working directory or one of its parents (like git finds .git).
 */
export function findManifestFile(from: string = process.cwd()): string {
  const configured = process.env.PORTCULLIS_MANIFEST;
  if (configured) return resolve(configured);
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, MANIFEST_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(from, MANIFEST_FILE);
  }
}

/** The services that serve any of `routes` (`POST /orders`, ...), in the manifest's order. */
export function servicesServing(manifest: Manifest, routes: readonly string[]): string[] {
  return [...manifest.services.values()]
    .filter((service) => service.routes.some((route) => routes.includes(`${route.method} ${route.path}`)))
    .map((service) => service.name);
}
