import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { originOf } from '@portcullis/manifest';
import { identityFiles } from '@portcullis/layout';
import { eventually } from '../../test-support/eventually';
import { curlJson } from '../../test-support/outside-clients';
import { relocatedManifest, REPO_ROOT, tempDir } from '../../test-support/temp-mesh';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

type Certificate = { serial: string; notAfter: string };

/**
 * A mesh started with 24 h certificates whose clock then jumps 23 h ahead:
 * the runner's renewer must reissue them and every service take them up, or
 * the mesh dies an hour later. The clock of every process involved (runner,
 * services, curl) is moved together with libfaketime, through a file that
 * says the offset.
 */
describe('the clock moving 23 hours ahead', () => {
  it("finds the certificates renewed and the mesh still serving, also past the first certificates' expiry", async () => {
    expect(existsSync(LIBFAKETIME)).toBe(true); // Debian's faketime package, which .ci/run installs.
    const work = tempDir('clock');
    const offsetFile = join(work.dir, 'offset');
    writeFileSync(offsetFile, '+0\n');
    const fakeTime = { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
    const manifestFile = join(work.dir, 'mesh.yaml');
    const edited = relocatedManifest('127.0.7');
    writeFileSync(manifestFile, edited.text);
    const manifest = edited.manifest();
    const services = [...manifest.services.keys()];
    const certsDir = join(work.dir, 'certs');
    const up = spawn(process.execPath, [join(REPO_ROOT, 'tools/mesh/dist/cli.js'), 'up', '--renew-check-seconds=1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...fakeTime, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_CERTS: certsDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const said: string[] = [];
    createInterface({ input: up.stdout! }).on('line', (line) => said.push(line));
    const until = (what: string, holds: () => boolean) =>
      eventually(what, holds, { withinMs: 30_000, everyMs: 200 }).catch((error: Error) => {
        throw new Error(`${error.message}; the runner said:\n${said.join('\n')}`);
      });

    const as = (workload: string) => {
      const files = identityFiles(certsDir, workload);
      return { cacert: files.bundle, cert: files.cert, key: files.key };
    };
    const env = { ...process.env, ...fakeTime };
    const origin = (service: string) => originOf(manifest, service, 'local');
    const order = () => curlJson(`${origin('gateway')}/orders`, as('demo-client'), { sku: 'WIDGET-1', quantity: 1 }, [], env).status;
    const certificates = () =>
      new Map(
        services.map((service) => [
          service,
          (curlJson(`${origin(service)}/healthz`, as('monitor'), undefined, [], env).json as { certificate?: Certificate } | undefined)?.certificate,
        ]),
      );

    try {
      await until('the mesh to be ready', () => said.some((line) => line.startsWith('Portcullis mesh ready')));
      expect(order()).toBe(201);
      const first = certificates();

      writeFileSync(offsetFile, '+23h\n');
      // The renewer reports a round once every file in it is written; each service then reloads on its own.
      await until('the renewer to reissue every certificate', () =>
        [...services, ...manifest.clients.keys()].every((name) => said.some((line) => line.startsWith(`[mesh] issued ${name}:`))),
      );
      await until('every service to serve its renewed certificate', () =>
        [...certificates()].every(([service, now]) => now !== undefined && now.serial !== first.get(service)!.serial),
      );
      for (const [service, renewed] of certificates()) {
        expect(new Date(renewed!.notAfter).getTime()).toBeGreaterThan(new Date(first.get(service)!.notAfter).getTime() + 22 * 3_600_000);
      }
      expect(order()).toBe(201);

      writeFileSync(offsetFile, '+30h\n'); // The first certificates expired at +24 h.
      expect(order()).toBe(201);
    } finally {
      up.kill('SIGINT');
      await new Promise((resolve) => up.once('exit', resolve));
      work.remove();
    }
  }, 120_000);
});
