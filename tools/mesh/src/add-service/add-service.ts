import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { loadManifest } from '@portcullis/manifest';
import { issueCertificates } from '../certs';
import { generateDerivedFiles } from '../generate';
import { addServiceToManifest, type NewService } from './manifest-edit';
import { addProjectReference, scaffoldService } from './scaffold';

/**
 * `mesh add service <name> [--calls a,b] [--callers x,y] [--route "GET /path"]...`:
 * everything a new service needs, in the order that keeps the repository
 * consistent if a step fails: the manifest edit is checked by the manifest's
 * validator before anything is written, then the service's folder, the build
 * reference, the files derived from the manifest, and its certificate.
 */
export async function addService(manifestFile: string, certsDir: string, service: NewService, print: (line: string) => void): Promise<void> {
  const manifest = loadManifest(manifestFile);
  const root = dirname(manifest.file);
  const { text, grants } = addServiceToManifest(manifest, readFileSync(manifest.file, 'utf8'), service);
  const files = scaffoldService(root, service.name, service.routes);
  writeFileSync(manifest.file, text);
  addProjectReference(root, service.name);
  const updated = loadManifest(manifest.file);
  const derived = generateDerivedFiles(updated);

  const at = (file: string) => relative(process.cwd(), file) || '.';
  const added = updated.services.get(service.name)!;
  const addresses = [...added.addresses].map(([environment, a]) => `${environment} ${a.host}:${a.port}`).join(', ');
  print(`added ${service.name} to ${at(manifest.file)}: ${added.id}; addresses ${addresses}`);
  for (const grant of grants) print(`  ${service.name} may call ${grant} (trim the allow lists in mesh.yaml to what it needs)`);
  for (const caller of service.callers.filter((c) => updated.services.has(c))) print(`  ${caller} now lists ${service.name} in its calls`);
  print(`wrote ${files.join(', ')}; added services/${service.name} to tsconfig.json`);
  if (derived.length > 0) print(`regenerated ${derived.join(', ')} from the manifest`);
  await issueCertificates(updated, certsDir, { only: [service.name] }, print);
  print(`Next:
  pnpm install                 link services/${service.name}'s dependencies (and record it in pnpm-lock.yaml)
  pnpm start                   build and boot the mesh with ${service.name} in it
  edit services/${service.name}/src/${service.name}.controller.ts, and its test in services/${service.name}/test/`);
}
