import { loadManifest } from '@portcullis/manifest';
import { runDrill } from '../drill';
import { UsageError, wholeNumber, type Command } from './command';

export const drill: Command = {
  name: 'drill',
  summary: 'load through the whole chain while renewing, rotating and revoking',
  synopsis: '[--requests <n>] [--crash <service>]',
  help: `Puts steady load through the gateway across the whole call chain while it renews every leaf, rotates the CA and
revokes a client; prints the report as JSON and exits 1 if a single request failed (or, with --crash, if a confirmed
order was lost).
  --requests <n>       keep the load going until at least this many requests were sent (default 10000)
  --crash <service>    after the renewal, wait (up to 60 s) for <service> to be killed and started again by its
                       supervisor, then go on: kill it (kill -9) when the drill says so. For a container, kill its
                       main process as the host sees it (docker inspect -f '{{.State.Pid}}'): \`docker kill\` counts as
                       a stop, and compose's restart policy would leave it down. Requests that overlap the crash are
                       counted apart from the load ("crash"), as may fail; orders confirmed before it must stay so.`,
  options: { requests: { type: 'string' }, crash: { type: 'string' } },
  async run(input) {
    const { location, print } = input;
    const manifest = loadManifest(location.manifestFile);
    const crashed = input.values.crash;
    if (crashed !== undefined && (typeof crashed !== 'string' || !manifest.services.has(crashed))) {
      throw new UsageError(`--crash takes one of the services of ${manifest.file} (${[...manifest.services.keys()].join(', ')}), not "${String(crashed)}"`);
    }
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const report = await runDrill({
      manifest,
      certsDir: location.certsDir,
      environment: location.environment,
      minRequests: wholeNumber(input, 'requests', 10_000),
      // The drill cannot reach another process's PID from here (nor another container's): whoever runs it does the kill.
      ...(crashed ? { crash: { service: crashed, kill: (service: string) => log(`crash: kill -9 ${service} now`) } } : {}),
      log,
    });
    print(JSON.stringify(report, null, 2));
    return report.load.failed === 0 && (report.crash?.lostConfirmed ?? 0) === 0 ? 0 : 1;
  },
};
