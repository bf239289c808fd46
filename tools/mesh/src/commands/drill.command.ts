import { loadManifest } from '@portcullis/manifest';
import { runDrill } from '../drill';
import { wholeNumber, type Command } from './command';

export const drill: Command = {
  name: 'drill',
  summary: 'load through the whole chain while renewing, rotating and revoking',
  synopsis: '[--requests <n>]',
  help: `Puts steady load through the gateway across the whole call chain while it renews every leaf, rotates the CA and
revokes a client; prints the report as JSON and exits 1 if a single request failed.
  --requests <n>    keep the load going until at least this many requests were sent (default 10000)`,
  options: { requests: { type: 'string' } },
  async run(input) {
    const { location, print } = input;
    const report = await runDrill({
      manifest: loadManifest(location.manifestFile),
      certsDir: location.certsDir,
      environment: location.environment,
      minRequests: wholeNumber(input, 'requests', 10_000),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    print(JSON.stringify(report, null, 2));
    return report.load.failed === 0 ? 0 : 1;
  },
};
