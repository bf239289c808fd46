import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadManifest, originOf } from '@portcullis/manifest';
import { composeProblems, identityTable, kubernetesProblems, policyTable } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { eventually } from '../../test-support/eventually';
import { curlJson } from '../../test-support/outside-clients';
import { repoCopy } from '../../test-support/repo-copy';
import { relocatedManifest, REPO_ROOT, repoManifest } from '../../test-support/temp-mesh';

const original = repoManifest();
/** A name the manifest does not have yet (a repository that already added shipping still runs this test). */
const NEW = ['shipping', 'shipping-next', 'parcels'].find((name) => !original.services.has(name) && !original.clients.has(name))!;
/** A business route of the order flow: orders would ask shipping to ship what it sold. */
const CALLER = 'orders';
const ROUTES = ['GET /shipments/:id', 'POST /shipments'];

/**
 * `pnpm mesh add service` as a newcomer runs it, in a copy of the repository
 * (the real one is never touched): the command's own edits must leave a
 * repository whose checks pass, that builds, whose new service's test passes,
 * and whose mesh boots and lets the caller, and only it, call the new service
 * over mutual TLS.
 */
describe('mesh add service, in a copy of the repository', () => {
  const copy = repoCopy();
  const run = (command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
    const result = spawnSync(command, args, { cwd: copy.dir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 90_000 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  const manifestFile = join(copy.dir, 'mesh.yaml');
  let said = '';

  beforeAll(() => {
    said = run(
      process.execPath,
      [join(copy.dir, 'tools/mesh/dist/cli.js'), 'add', 'service', NEW, '--callers', CALLER, ...ROUTES.flatMap((r) => ['--route', r])],
      {
        PORTCULLIS_MANIFEST: manifestFile,
        PORTCULLIS_CERTS: join(copy.dir, 'certs'),
      },
    );
    // `pnpm install` would link the new package's dependencies; they are the ones payments has (a unit test keeps the template so).
    symlinkSync(join(copy.dir, 'services/payments/node_modules'), join(copy.dir, 'services', NEW, 'node_modules'));
    run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-b']);
  }, 120_000);
  afterAll(() => copy.remove());

  it('says what it did and what to do next', () => {
    expect(said).toContain(`added ${NEW} to mesh.yaml`);
    expect(said).toMatch(new RegExp(`^issued ${NEW} `, 'm'));
    expect(said).toContain('pnpm install');
    expect(said).toContain('pnpm start');
  });

  it('leaves a manifest that loads, with the service wired to its caller, and every check of the derived files passing', () => {
    const manifest = loadManifest(manifestFile);
    expect([...manifest.services.keys()]).toEqual([...original.services.keys(), NEW]);
    expect(manifest.services.get(CALLER)!.calls).toContain(NEW);
    expect(composeProblems(manifest, readFileSync(join(copy.dir, 'docker-compose.yml'), 'utf8'))).toEqual([]);
    expect(kubernetesProblems(manifest)).toEqual([]);
    const readme = readFileSync(join(copy.dir, 'README.md'), 'utf8');
    expect(/<!-- mesh tables -->\n([\s\S]*?)\n<!-- \/mesh tables -->/.exec(readme)?.[1]).toBe(`${identityTable(manifest)}\n\n${policyTable(manifest)}`);
    expect(JSON.parse(readFileSync(join(copy.dir, 'tsconfig.json'), 'utf8')).references).toContainEqual({ path: `services/${NEW}` });
    // The real repository is untouched.
    expect(loadManifest(original.file).services.has(NEW)).toBe(false);
  });

  it("builds a service whose own test passes in the repository's test run", () => {
    const out = spawnSync(
      process.execPath,
      ['--experimental-vm-modules', join(REPO_ROOT, 'node_modules/jest/bin/jest.js'), `services/${NEW}/test`, '--selectProjects', 'unit'],
      {
        cwd: copy.dir,
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
    expect(out.stderr).toMatch(new RegExp(`PASS unit services/${NEW}/test/${NEW}\\.controller\\.test\\.ts`));
    expect(out.status).toBe(0);
  });

  it('boots with the rest of the mesh and answers its caller over mTLS, the monitor on /healthz, and nobody else', async () => {
    const relocated = relocatedManifest('127.0.6', readFileSync(manifestFile, 'utf8'));
    const relocatedFile = join(copy.dir, 'relocated.yaml');
    writeFileSync(relocatedFile, relocated.text);
    const manifest = loadManifest(relocatedFile);
    const certsDir = join(copy.dir, 'certs-relocated');
    const up = spawn(process.execPath, [join(copy.dir, 'tools/mesh/dist/cli.js'), 'up'], {
      cwd: copy.dir,
      env: { ...process.env, PORTCULLIS_MANIFEST: relocatedFile, PORTCULLIS_CERTS: certsDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const printed: string[] = [];
    createInterface({ input: up.stdout! }).on('line', (line) => printed.push(line));
    const exited = new Promise((resolve) => up.once('exit', resolve));
    try {
      await eventually('the mesh to be ready', () => printed.some((line) => line.startsWith('Portcullis mesh ready')), {
        withinMs: 60_000,
        everyMs: 200,
      }).catch((error: Error) => {
        throw new Error(`${error.message}; the runner said:\n${printed.join('\n')}`);
      });
      expect(printed.find((line) => line.startsWith('Portcullis mesh ready'))).toContain(NEW);
      const as = (workload: string) => {
        const files = identityFiles(certsDir, workload);
        return { cacert: files.bundle, cert: files.cert, key: files.key };
      };
      const origin = originOf(manifest, NEW, 'local');
      expect(curlJson(`${origin}/shipments/shp_1`, as(CALLER))).toEqual(
        expect.objectContaining({ status: 200, json: { service: NEW, route: 'GET /shipments/:id', params: { id: 'shp_1' } } }),
      );
      expect(curlJson(`${origin}/shipments`, as(CALLER), { parcel: 1 }).status).toBe(201);
      expect(curlJson(`${origin}/healthz`, as('monitor')).status).toBe(200);
      for (const other of [...manifest.services.keys(), ...manifest.clients.keys()].filter((w) => w !== CALLER && w !== NEW && w !== 'monitor')) {
        expect([other, curlJson(`${origin}/shipments/shp_1`, as(other)).status]).toEqual([other, 403]);
      }
    } finally {
      up.kill('SIGINT');
      await exited;
    }
  }, 120_000);
});
