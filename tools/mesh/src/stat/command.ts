import type { Manifest } from '@portcullis/manifest';
import { monitorClient } from '../readiness';
import { meshStat, type StatReport } from './compute';
import { renderStat } from './render';
import { takeSnapshot } from './snapshot';

export interface StatOptions {
  readonly manifest: Manifest;
  readonly certsDir: string;
  readonly environment: string;
  /** Seconds between the two reads of every service's metrics. */
  readonly intervalSeconds: number;
  readonly watch: boolean;
  readonly json: boolean;
  readonly print: (text: string) => void;
  /** Ends `--watch` (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** ANSI: cursor home and clear the screen, so that `--watch` redraws in place. */
const CLEAR = '\u001b[H\u001b[2J';

/**
 * `mesh stat`: reads every service's metrics as the `monitor` client twice, an interval apart,
 * and prints rates, success, latency, refusals and certificate time left per service and per
 * edge. With `--watch` the second read of one round is the first of the next.
 */
export async function runStat(options: StatOptions): Promise<StatReport> {
  const services = [...options.manifest.services.keys()];
  const monitor = monitorClient(options.manifest, options.certsDir, options.environment);
  const show = (report: StatReport) => options.print(options.json ? JSON.stringify(report) : `${options.watch ? CLEAR : ''}${renderStat(report)}`);
  try {
    let before = await takeSnapshot(monitor.client, services);
    let last: StatReport | undefined;
    for (;;) {
      await sleep(options.intervalSeconds * 1000, options.signal);
      // Ctrl-C while --watch waits ends it quietly; before any second read there is nothing to show.
      if (options.signal?.aborted) {
        if (last) return last;
        throw new Error('mesh stat was stopped before its second read');
      }
      const after = await takeSnapshot(monitor.client, services);
      last = meshStat(services, before, after);
      show(last);
      if (!options.watch) return last;
      before = after;
    }
  } finally {
    await monitor.close();
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
