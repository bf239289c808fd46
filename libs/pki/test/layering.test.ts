import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../test-support/temp-mesh';

interface PackageJson {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const packageJson = (dir: string) => JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as PackageJson;
const allDependencies = (pkg: PackageJson) => Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies });

/** Every .ts file under `dir/src`, with its text. */
function sources(dir: string): { file: string; text: string }[] {
  const src = join(REPO_ROOT, dir, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ file: join(dir, 'src', file), text: readFileSync(join(src, file), 'utf8') }));
}

/**
 * Dependencies point one way: services -> trust -> manifest. The CA tool
 * writes files; what it shares with the runtime is the on-disk layout, which
 * lives in @portcullis/layout, so it never imports the runtime.
 */
describe('layering', () => {
  it('libs/pki does not depend on the trust library', () => {
    expect(allDependencies(packageJson('libs/pki'))).not.toContain('@portcullis/trust');
    expect(allDependencies(packageJson('libs/pki'))).toContain('@portcullis/layout');
    const offenders = sources('libs/pki').filter(({ text }) => text.includes('@portcullis/trust'));
    expect(offenders.map(({ file }) => file)).toEqual([]);
  });

  it('libs/layout depends on nothing but Node', () => {
    expect(allDependencies(packageJson('libs/layout'))).toEqual([]);
    const imports = sources('libs/layout').flatMap(({ file, text }) => [...text.matchAll(/\bfrom '([^']+)'/g)].map((match) => ({ file, from: match[1]! })));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter(({ from }) => !from.startsWith('node:') && !from.startsWith('./'))).toEqual([]);
  });
});
