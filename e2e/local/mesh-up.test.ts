import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { originOf } from '@portcullis/manifest';
import { relocatedManifest, REPO_ROOT, tempDir } from '../../test-support/temp-mesh';

/** Whether something accepts TCP connections on host:port. */
const accepting = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/**
 * `pnpm start` as a newcomer runs it: the `mesh up` command boots the mesh,
 * prints a ready line and a curl call, and stops everything on Ctrl-C. It runs
 * beside the suites' own mesh, so its manifest moves the services to other
 * loopback addresses, which also shows that addresses come from the manifest alone.
 */
describe('mesh up', () => {
  it('boots, prints a curl call that places an order, and stops every service on Ctrl-C', async () => {
    const work = tempDir('up');
    const manifestFile = join(work.dir, 'mesh.yaml');
    const relocated = relocatedManifest('127.0.9');
    const manifest = relocated.manifest();
    writeFileSync(manifestFile, relocated.text);
    const up = spawn(process.execPath, [join(REPO_ROOT, 'tools/mesh/dist/cli.js'), 'up'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_CERTS: join(work.dir, 'certs') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
    try {
      const lines = createInterface({ input: up.stdout! })[Symbol.asyncIterator]();
      const printed: string[] = [];
      for (let line = await lines.next(); !line.done; line = await lines.next()) {
        printed.push(line.value);
        if (line.value.startsWith('curl ')) break;
      }
      const services = [...manifest.services.keys()].join(', ');
      expect(printed.find((line) => line.startsWith('Portcullis mesh ready'))).toMatch(
        new RegExp(`^Portcullis mesh ready: ${services} on mutual TLS in \\d+\\.\\d s; logs in \\S+\\. Try:$`),
      );
      // Every service's lines, as JSON, in logs/<service>.log beside certs/ (stdout is a pipe here: JSON there too).
      for (const service of services.split(', ')) {
        const logged = readFileSync(join(work.dir, 'logs', `${service}.log`), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { service: string; message: string });
        expect(logged.find((record) => record.message === `${service} listening`)).toEqual(expect.objectContaining({ service }));
      }
      const curlLine = printed.at(-1)!;
      expect(curlLine).toContain(`${originOf(manifest, 'gateway', 'local')}/orders`);
      const order = spawnSync('bash', ['-c', `${curlLine} --silent --show-error --fail`], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(order.stderr).toBe('');
      expect(JSON.parse(order.stdout)).toEqual(expect.objectContaining({ sku: 'WIDGET-1', quantity: 2, status: 'confirmed' }));

      up.kill('SIGINT');
      expect(await exited).toBe(0);
      for (const service of manifest.services.values()) {
        const { host, port } = service.addresses.get('local')!;
        expect(await accepting(host, port)).toBe(false);
      }
    } finally {
      up.kill('SIGKILL');
      work.remove();
    }
  });
});
