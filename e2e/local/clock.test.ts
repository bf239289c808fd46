import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { identityFiles } from '@portcullis/trust';
import { editedManifest, REPO_ROOT, tempDir } from '../../test-support/temp-mesh';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/**
 * A mesh started with 24 h certificates whose clock then jumps 23 h ahead:
 * the runner's renewer must reissue them and every service take them up, or
 * the mesh dies an hour later. The clock of every process involved (runner,
 * services, curl) is moved together with libfaketime, through a file that
 * says the offset.
 */
describe('the clock moving 23 hours ahead', () => {
  it('finds the certificates renewed and the mesh still serving, also past the first certificates\' expiry', async () => {
    expect(existsSync(LIBFAKETIME)).toBe(true); // Debian's faketime package, which .ci/run installs.
    const work = tempDir('clock');
    const offsetFile = join(work.dir, 'offset');
    writeFileSync(offsetFile, '+0\n');
    const fakeTime = { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
    const manifestFile = join(work.dir, 'mesh.yaml');
    writeFileSync(manifestFile, editedManifest(...[1, 2, 3, 4].map((i): [string, string] => [`local: 127.0.0.${i}\n`, `local: 127.0.7.${i}\n`])).text);
    const certsDir = join(work.dir, 'certs');
    const up = spawn(process.execPath, [join(REPO_ROOT, 'tools/mesh/dist/cli.js'), 'up', '--renew-check-seconds=1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...fakeTime, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_CERTS: certsDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });

    const curl = (workload: string, path: string, data?: string) => {
      const files = identityFiles(certsDir, workload);
      const args = ['--silent', '--max-time', '10', '--cacert', files.bundle, '--cert', files.cert, '--key', files.key, '--write-out', '\n%{http_code}'];
      if (data) args.push('-H', 'content-type: application/json', '--data-binary', data);
      const run = spawnSync('curl', [...args, `https://127.0.7.1:8443${path}`], { env: { ...process.env, ...fakeTime }, encoding: 'utf8' });
      const lines = run.stdout.split('\n');
      return { status: Number(lines.pop()), body: lines.join('\n') };
    };
    const order = () => curl('demo-client', '/orders', '{"sku":"WIDGET-1","quantity":1}').status;
    const gatewayCertificate = () => (JSON.parse(curl('monitor', '/healthz').body) as { certificate: { serial: string; notAfter: string } }).certificate;

    try {
      for await (const line of createInterface({ input: up.stdout! })) if (line.startsWith('Portcullis mesh ready')) break;
      expect(order()).toBe(201);
      const first = gatewayCertificate();

      writeFileSync(offsetFile, '+23h\n');
      let renewed = first;
      for (let attempt = 0; attempt < 100 && renewed.serial === first.serial; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        renewed = gatewayCertificate();
      }
      expect(renewed.serial).not.toBe(first.serial);
      expect(new Date(renewed.notAfter).getTime()).toBeGreaterThan(new Date(first.notAfter).getTime() + 22 * 3_600_000);
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
