import { loadManifest } from '@portcullis/manifest';
import { runStat } from '../stat/command';
import { UsageError, type Command } from './command';

export const stat: Command = {
  name: 'stat',
  summary: 'rates, success, latency, refusals and certificate time left, per service and per edge',
  synopsis: '[--interval <seconds>] [--watch] [--json]',
  help: `Reads every service's GET /metrics (JSON) as monitor twice, an interval apart, and prints per service and per edge
(caller -> callee, as the callee counted it) requests per second, success rate (not 5xx), p50/p99 latency, refusals
(TLS refusals by reason, authorization denials) and the time left on each certificate. A service that does not answer
is a row saying why.
  --interval <s>    seconds between the two reads (default 2; 0.1 to 3600)
  --watch           redraw in place every interval until Ctrl-C
  --json            print the report as one JSON line (with --watch, one a line)`,
  options: { interval: { type: 'string' }, watch: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values, location, print }) {
    const text = values.interval;
    const intervalSeconds = text === undefined ? 2 : Number(text);
    // A rate needs time between the reads; more than an hour is surely a typo for minutes.
    if (typeof text === 'boolean' || !Number.isFinite(intervalSeconds) || intervalSeconds < 0.1 || intervalSeconds > 3600) {
      throw new UsageError(`--interval takes seconds between 0.1 and 3600, not "${String(text)}"`);
    }
    const stop = new AbortController();
    const abort = () => stop.abort();
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    try {
      await runStat({
        manifest: loadManifest(location.manifestFile),
        certsDir: location.certsDir,
        environment: location.environment,
        intervalSeconds,
        watch: values.watch === true,
        json: values.json === true,
        print,
        signal: stop.signal,
      });
      return 0;
    } finally {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    }
  },
};
