import { parseArgs } from 'node:util';

export const STAT_USAGE = `stat [--interval=2] [--watch] [--json]
                              rates, success, p50/p99 latency, refusals and certificate time left per service and
                              per edge (caller -> callee), from every service's GET /metrics read twice as monitor,
                              --interval seconds apart; --watch redraws until Ctrl-C, --json prints one JSON report a line`;

/** `mesh stat`'s options; a mistake throws one sentence. */
export function parseStatArgs(args: readonly string[]): { intervalSeconds: number; watch: boolean; json: boolean } {
  const { values } = parseArgs({
    args: [...args],
    options: { interval: { type: 'string' }, watch: { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: false,
  });
  const intervalSeconds = values.interval === undefined ? 2 : Number(values.interval);
  // A rate needs time between the reads; more than an hour is surely a typo for minutes.
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 0.1 || intervalSeconds > 3600) {
    throw new Error(`--interval takes seconds between 0.1 and 3600, not "${values.interval}"`);
  }
  return { intervalSeconds, watch: values.watch === true, json: values.json === true };
}
