import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from './temp-mesh';

/**
 * What a copy of the repository needs to edit, build, test and boot the mesh:
 * the manifest and the files derived from it, every package with its built
 * dist/ (timestamps kept, so `tsc -b` there rebuilds only what changes) and
 * its node_modules links, and the build and test configuration.
 */
const COPIED = [
  'mesh.yaml',
  'docker-compose.yml',
  'deploy',
  'README.md',
  'package.json',
  'pnpm-workspace.yaml',
  'tsconfig.json',
  'tsconfig.base.json',
  'tsconfig.test.json',
  'jest.config.js',
  'libs',
  'services',
  'tools/mesh',
  'bench',
  'test-support',
  'e2e',
];

/**
 * A throw-away copy of the repository in a temporary folder, for tests that
 * change it (`mesh add service`) and must leave the real one alone. The root
 * node_modules is a link to the real one: the packages' own links, kept
 * verbatim, resolve through it.
 */
export function repoCopy(): { dir: string; remove: () => void } {
  const copy = tempDir('repo');
  for (const entry of COPIED) {
    cpSync(join(REPO_ROOT, entry), join(copy.dir, entry), {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
      filter: (source) => !/\/(certs|coverage)$/.test(source),
    });
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy.dir, 'node_modules'));
  return copy;
}
