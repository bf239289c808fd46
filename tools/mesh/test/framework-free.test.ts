import { join } from 'node:path';
import { built, FRAMEWORK, loadedModules } from '../../../test-support/loaded-modules';
import { MANIFEST_FILE, REPO_ROOT, tempDir } from '../../../test-support/temp-mesh';

/**
 * The CA and `mesh certs` only write files: loading NestJS and Fastify for
 * that costs start-up time and memory, and ties the CA to the runtime's
 * dependencies. These run the built command as a user does and list every
 * module the process loaded.
 */
describe('mesh certs', () => {
  it('issues the mesh its certificates without loading NestJS, Fastify or rxjs', () => {
    const certs = tempDir('certs-modules');
    try {
      const run = loadedModules([built('tools/mesh/dist/cli.js'), 'certs'], {
        env: { PORTCULLIS_CERTS: certs.dir, PORTCULLIS_MANIFEST: MANIFEST_FILE },
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      // The recorder saw the command itself, the CA and the layout: an empty list would prove nothing.
      for (const part of ['tools/mesh/dist/cli.js', 'libs/pki/dist/issue.js', 'libs/layout/dist/replace-directory.js']) {
        expect(run.files).toContain(join(REPO_ROOT, part));
      }
      expect(run.files.filter((file) => FRAMEWORK.test(file))).toEqual([]);
    } finally {
      certs.remove();
    }
  });
});
