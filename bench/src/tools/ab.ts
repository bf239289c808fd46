import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinned, runMeasured } from '../processes';

/** What ApacheBench reports for one run, plus the share of its core it used. */
export interface AbResult {
  readonly completed: number;
  readonly failed: number;
  readonly non2xx: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU seconds of ab per wall second: near 1 means the load generator saturated its core. */
  readonly loadCpuShare: number;
  readonly wallSeconds: number;
}

export interface AbOptions {
  readonly url: string;
  /** Leaf, chain and key in one PEM file (`-E`), for https URLs. */
  readonly clientPem?: string;
  readonly concurrency: number;
  readonly seconds: number;
  readonly cpus: string | undefined;
  /** A scratch directory for ab's percentile file. */
  readonly dir: string;
}

/**
 * Keep-alive load from ApacheBench: C, one thread, `concurrency` connections,
 * each presenting the client certificate, for `seconds`.
 */
export async function runAb(options: AbOptions): Promise<AbResult> {
  const percentiles = join(options.dir, 'ab-percentiles.csv');
  const args = [
    '-q',
    '-k',
    '-c',
    String(options.concurrency),
    // -t sets -n to 50,000; a larger -n after it lets the time limit decide.
    '-t',
    String(options.seconds),
    '-n',
    '5000000',
    '-e',
    percentiles,
    ...(options.clientPem ? ['-E', options.clientPem] : []),
    options.url,
  ];
  const run = await runMeasured(...pinned(options.cpus, 'ab', args));
  return { ...parseAbOutput(run.stdout, readFileSync(percentiles, 'utf8')), loadCpuShare: run.cpuSeconds / run.wallSeconds, wallSeconds: run.wallSeconds };
}

/** Reads ab's summary and its `-e` percentile file (one `percent,milliseconds` line per percent). */
export function parseAbOutput(summary: string, percentiles: string): Omit<AbResult, 'loadCpuShare' | 'wallSeconds'> {
  const number = (label: string, fallback?: number) => {
    const match = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(summary);
    if (match) return Number(match[1]);
    if (fallback !== undefined) return fallback;
    throw new Error(`ab printed no "${label}": ${summary.trim().split('\n').slice(-3).join(' | ')}`);
  };
  const at = new Map(
    percentiles
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').map(Number) as [number, number]),
  );
  return {
    completed: number('Complete requests'),
    failed: number('Failed requests'),
    // ab prints this line only when there were some.
    non2xx: number('Non-2xx responses', 0),
    requestsPerSecond: number('Requests per second'),
    p50Ms: at.get(50) ?? Number.NaN,
    p99Ms: at.get(99) ?? Number.NaN,
  };
}
