import { originOf } from '@portcullis/manifest';
import { curlExample } from '../curl';
import { startLocalMesh } from '../local-mesh';
import { untilStopped, wholeNumber, type Command } from './command';

export const up: Command = {
  name: 'up',
  summary: 'boot the mesh as local processes and keep its certificates renewed',
  synopsis: '[--verbose] [--renew-check-seconds <n>]',
  help: `Issues certificates, boots every service of the manifest as a local process, waits until each answers over
mTLS, and keeps renewing certificates as they come due. Ctrl-C stops the mesh.
  --verbose                    show every line the services write (identity reloads included), not only warnings and errors
  --renew-check-seconds <n>    how often to look for certificates due for renewal (default 60)`,
  options: { verbose: { type: 'boolean' }, 'renew-check-seconds': { type: 'string' } },
  async run(input) {
    const { location, print } = input;
    const verbose = input.values.verbose === true;
    const mesh = await startLocalMesh({
      manifestFile: location.manifestFile,
      certsDir: location.certsDir,
      environment: location.environment,
      renewCheckMs: wholeNumber(input, 'renew-check-seconds', 60) * 1_000,
      onOutput: (service, line) => {
        if (verbose || !isRoutine(line)) print(`[${service}] ${line}`);
      },
    });
    const services = [...mesh.manifest.services.keys()];
    print(`Portcullis mesh ready: ${services.join(', ')} on mutual TLS in ${(mesh.readyInMs / 1000).toFixed(1)} s. Try:`);
    print(curlExample(mesh.certsDir, originOf(mesh.manifest, 'gateway', mesh.environment)));
    print('Press Ctrl-C to stop.');
    await untilStopped();
    print('stopping the mesh...');
    await mesh.stop();
    return 0;
  },
};

/** Info-level JSON log lines of the services; warnings, errors and anything not JSON are always shown. */
function isRoutine(line: string): boolean {
  try {
    const level = (JSON.parse(line) as { level?: string }).level;
    return level === 'log' || level === 'info' || level === 'debug' || level === 'verbose';
  } catch {
    return false;
  }
}
