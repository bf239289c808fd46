import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityTable, policyTable } from '@portcullis/mesh';
import { REPO_ROOT, repoManifest } from '../../../test-support/temp-mesh';

describe('the README', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  it('shows the port, identity and policy tables exactly as mesh.yaml says them', () => {
    const between = /<!-- mesh tables -->\n([\s\S]*?)\n<!-- \/mesh tables -->/.exec(readme)?.[1];
    const manifest = repoManifest();
    expect(between).toBe(`${identityTable(manifest)}\n\n${policyTable(manifest)}`);
  });

  it('gives the test command that CI runs', () => {
    const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^pnpm test$/m);
    expect(readme).toMatch(/^pnpm test$/m);
  });
});
