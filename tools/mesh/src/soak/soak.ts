import type { IdentityFiles } from '@portcullis/layout';
import { footprintOf } from './footprint';
import { startOutsideLoad, type LoadPlan } from './outside-load';
import { footprintTrend, type FootprintSample, type FootprintTrend } from './trend';

export interface SoakOptions {
  /** Where the load goes: the gateway's origin in the environment the mesh runs in. */
  readonly origin: string;
  /** The external client whose identity files the load presents (and re-reads as they are renewed). */
  readonly client: IdentityFiles;
  /** The processes to watch, by name; asked again at every sample, so a restarted service is followed. */
  readonly processes: () => ReadonlyMap<string, number>;
  readonly load: LoadPlan;
  readonly seconds: number;
  /** The first seconds of load, in which the JIT, the pools and V8's heap settle, are left out of the trend. */
  readonly warmupSeconds: number;
  readonly sampleEveryMs?: number;
  readonly log?: (line: string) => void;
}

export interface SoakReport {
  readonly load: LoadPlan;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly requests: {
    readonly sent: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly failures: Record<string, number>;
    readonly firstFailures: readonly { atSeconds: number; problem: string }[];
    readonly perSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
  };
  readonly samples: Record<string, FootprintSample[]>;
  readonly trends: Record<string, FootprintTrend>;
}

/**
 * A soak: steady load with new connections for minutes, each process's resident memory and open
 * file descriptors sampled from outside all along. Short tests miss what grows slowly: a native
 * allocation kept per handshake (Node 24.21's mTLS server, about 6 KB each), a map that is never
 * emptied, a socket never closed.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const samples: Record<string, FootprintSample[]> = {};
  const started = performance.now();
  const sample = () => {
    const atSeconds = (performance.now() - started) / 1000;
    for (const [name, pid] of options.processes()) {
      const footprint = footprintOf(pid);
      if (footprint) (samples[name] ??= []).push({ atSeconds, ...footprint });
    }
  };
  sample();
  const load = startOutsideLoad(options.origin, options.client, options.load);
  const sampler = setInterval(sample, options.sampleEveryMs ?? 1_000);
  const progress = setInterval(() => {
    const rss = Object.entries(samples).map(([name, list]) => `${name} ${Math.round(list.at(-1)!.rssBytes / 2 ** 20)} MB`);
    log(`soak ${Math.round((performance.now() - started) / 1000)} s: ${load.tally.sent} sent, ${load.tally.failed} failed; ${rss.join(', ')}`);
  }, 60_000);
  try {
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  } finally {
    clearInterval(progress);
    clearInterval(sampler);
    sample();
    await load.stop();
  }
  const { tally } = load;
  return {
    load: options.load,
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    requests: {
      sent: tally.sent,
      succeeded: tally.succeeded,
      failed: tally.failed,
      failures: tally.failures,
      firstFailures: tally.firstFailures,
      perSecond: tally.sent / options.seconds,
      p50Ms: percentile(tally.latenciesMs, 50),
      p99Ms: percentile(tally.latenciesMs, 99),
    },
    samples,
    trends: Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, footprintTrend(list, options.warmupSeconds)])),
  };
}

/** The nearest-rank percentile (`p` in 0..100). */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}
