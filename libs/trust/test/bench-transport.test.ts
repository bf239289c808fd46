import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { benchmarkPlaintext } from '@portcullis/trust/bench';
import { REPO_ROOT } from '../../../test-support/temp-mesh';

/** Every TypeScript source file under `dir`, without dependencies and build output. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The plaintext transport exists for the benchmark's contender only (bench-transport.ts): no
 * configuration reaches it, and no code outside bench/ installs it.
 */
describe("the benchmark's plaintext transport", () => {
  it('is not installed in a process that did not install it', () => {
    expect(benchmarkPlaintext()).toBeUndefined();
  });

  it('is installed only by the bench, and imported only by the bench and the seam itself', () => {
    const users = ['libs', 'services', 'tools', 'e2e', 'test-support', 'bench']
      .flatMap((dir) => sources(join(REPO_ROOT, dir)))
      .filter((file) => /installPlaintextForBenchmark|@portcullis\/trust\/bench|bench-transport/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(REPO_ROOT, file))
      .filter((file) => !file.startsWith('bench/src/chain/') && file !== 'libs/trust/test/bench-transport.test.ts');
    expect(users.sort()).toEqual([
      'libs/trust/src/bench-transport.ts',
      'libs/trust/src/client/mesh-client.ts',
      'libs/trust/src/nest/bootstrap.ts',
      'libs/trust/src/server/mesh-server.ts',
    ]);
  });
});
