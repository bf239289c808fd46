import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Manifest } from '@portcullis/manifest';
import { generateCompose } from './compose-generate';
import { readmeWithTables } from './tables';
import { DEPLOY_DIR } from './kubernetes/environment';
import { writeKubernetesFiles } from './kubernetes/files';

export const COMPOSE_FILE = 'docker-compose.yml';
export const README_FILE = 'README.md';

/**
 * `mesh generate`: rewrites the files derived from the manifest that sit
 * beside it (the compose file's services and volumes, the README's tables,
 * deploy/kubernetes),
 * and returns the ones whose content changed. A file that is absent is
 * skipped: a copy of the mesh need not carry a README.
 */
export function generateDerivedFiles(manifest: Manifest): string[] {
  const root = dirname(manifest.file);
  const derived: [string, (text: string, file: string) => string][] = [
    [COMPOSE_FILE, (text, file) => generateCompose(manifest, text, file)],
    [README_FILE, (text, file) => readmeWithTables(manifest, text, file)],
  ];
  const changed: string[] = [];
  for (const [name, derive] of derived) {
    const file = join(root, name);
    if (!existsSync(file)) continue;
    const before = readFileSync(file, 'utf8');
    const after = derive(before, file);
    if (after === before) continue;
    writeFileSync(file, after);
    changed.push(name);
  }
  // deploy/kubernetes, where the mesh has one (a copy of the mesh need not).
  if (existsSync(join(root, DEPLOY_DIR))) changed.push(...writeKubernetesFiles(manifest));
  return changed;
}
