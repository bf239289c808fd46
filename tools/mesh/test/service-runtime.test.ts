import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NODE_FLAGS } from '@portcullis/mesh';
import { REPO_ROOT } from '../../../test-support/temp-mesh';

describe("the services' Node flags", () => {
  it('are the same in the Dockerfile as in mesh up and the benchmarks', () => {
    const cmd = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('CMD '))
      .map((line) => JSON.parse(line.slice('CMD '.length)) as string[]);
    expect(cmd).toEqual([['node', ...SERVICE_NODE_FLAGS, 'dist/main.js']]);
  });
});
