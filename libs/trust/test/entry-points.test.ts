import { join } from 'node:path';
import { built, FRAMEWORK, loadedModules } from '../../../test-support/loaded-modules';
import { REPO_ROOT } from '../../../test-support/temp-mesh';

/**
 * `@portcullis/trust` is the runtime without a framework; its NestJS face is
 * `@portcullis/trust/nest`. Each is required by its package name from a
 * package that depends on it, so the `exports` map is what resolves it.
 */
describe("the trust library's entry points", () => {
  const fromMeshTool = (specifier: string) => {
    built('libs/trust/dist/index.js');
    const run = loadedModules(['-e', `require(${JSON.stringify(specifier)})`], { cwd: join(REPO_ROOT, 'tools', 'mesh') });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return run.files;
  };

  it('@portcullis/trust loads no NestJS, Fastify or rxjs', () => {
    const files = fromMeshTool('@portcullis/trust');
    expect(files).toContain(join(REPO_ROOT, 'libs/trust/dist/index.js'));
    expect(files.filter((file) => FRAMEWORK.test(file))).toEqual([]);
  });

  it('@portcullis/trust/nest is the NestJS face (and the recorder sees it load NestJS)', () => {
    const files = fromMeshTool('@portcullis/trust/nest');
    expect(files).toContain(join(REPO_ROOT, 'libs/trust/dist/nest/index.js'));
    expect(files.some((file) => file.includes('@nestjs'))).toBe(true);
  });

  it('@portcullis/trust/nest loads undici, pg and the bulk of node-forge only when a service uses them', () => {
    // Every service loads this entry; a service that calls nobody, stores in SQLite and reads two
    // certificate extensions must not carry the mesh client's HTTP stack, PostgreSQL's driver or forge's RSA.
    const files = fromMeshTool('@portcullis/trust/nest');
    const packageFiles = (name: string) => files.filter((file) => file.includes(`/node_modules/${name}/`));
    expect(packageFiles('undici')).toEqual([]);
    expect(packageFiles('pg')).toEqual([]);
    expect(packageFiles('node-forge').filter((file) => !/\/lib\/(forge|util|baseN|oids|asn1)\.js$/.test(file))).toEqual([]);
  });

  it("the containers' health probe loads no NestJS, Fastify or rxjs", () => {
    // Without PORTCULLIS_SERVICE it stops at once, after every module it imports has loaded.
    const env = { ...process.env };
    delete env.PORTCULLIS_SERVICE;
    const run = loadedModules([built('libs/trust/dist/health-probe.js')], { env });
    expect(run.stderr).toMatch(/PORTCULLIS_SERVICE is not set/);
    expect(run.files).toContain(join(REPO_ROOT, 'libs/trust/dist/client/mesh-client.js'));
    expect(run.files.filter((file) => FRAMEWORK.test(file))).toEqual([]);
  });
});
