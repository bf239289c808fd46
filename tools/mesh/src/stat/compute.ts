import { METRIC_NAMES } from '@portcullis/trust';
import { histogramQuantile, type Bucket } from './quantile';
import type { MetricFamily, MetricSample, ServiceScrape, Snapshot } from './snapshot';

/** Traffic over the interval between two snapshots. */
export interface Traffic {
  readonly requests: number;
  readonly perSecond: number;
  /** Share of answers that were not 5xx; `null` with no requests. */
  readonly successRate: number | null;
  /** Latency quantiles in seconds, from the histogram's bucket deltas; `null` with no requests. */
  readonly p50: number | null;
  readonly p99: number | null;
}

export interface ServiceStat {
  readonly service: string;
  /** Why the service's metrics could not be read (in either snapshot); absent when they were. */
  readonly error?: string;
  /** Everything the service answered, whoever called. */
  readonly traffic?: Traffic;
  /** Refused over the interval: TLS refusals by reason, and identified callers the policy denied. */
  readonly refusals?: { readonly tls: Readonly<Record<string, number>>; readonly denied: number };
  /** Seconds until the service's current leaf expires (negative once it has). */
  readonly certificateSecondsLeft?: number | null;
}

/** Caller -> callee, as the callee counted it (by the caller's short name, `unknown` for strangers). */
export interface EdgeStat extends Traffic {
  readonly source: string;
  readonly target: string;
}

export interface StatReport {
  readonly intervalSeconds: number;
  readonly services: readonly ServiceStat[];
  readonly edges: readonly EdgeStat[];
}

/**
 * What `mesh stat` shows, from two snapshots of every service's metrics: rates and success
 * from the server counters' deltas, latency from the histogram buckets' deltas, refusals over
 * the interval, and each certificate's time left as of the second snapshot.
 */
export function meshStat(services: readonly string[], before: Snapshot, after: Snapshot): StatReport {
  const rows: ServiceStat[] = [];
  const edges: EdgeStat[] = [];
  let longest = 0;
  for (const service of services) {
    const [first, second] = [before.get(service), after.get(service)];
    const failed = failure(first) ?? failure(second);
    if (failed !== undefined || !first || !second || !('metrics' in first) || !('metrics' in second)) {
      rows.push({ service, error: failed ?? 'not read' });
      continue;
    }
    const seconds = Math.max((second.at - first.at) / 1000, 0.001);
    longest = Math.max(longest, seconds);
    const requests = deltas(first.metrics, second.metrics, METRIC_NAMES.serverRequests);
    const buckets = deltas(first.metrics, second.metrics, METRIC_NAMES.serverDuration, `${METRIC_NAMES.serverDuration}_bucket`);
    const sources = [...new Set(requests.map((sample) => String(sample.labels.source)))].sort();
    for (const source of sources) {
      const bySource = (sample: MetricSample) => String(sample.labels.source) === source;
      edges.push({ source, target: service, ...traffic(requests.filter(bySource), buckets.filter(bySource), seconds) });
    }
    const tls: Record<string, number> = {};
    for (const sample of deltas(first.metrics, second.metrics, METRIC_NAMES.tlsRefusals)) {
      if (sample.value > 0) tls[String(sample.labels.reason)] = (tls[String(sample.labels.reason)] ?? 0) + sample.value;
    }
    const denied = deltas(first.metrics, second.metrics, METRIC_NAMES.authorizationDenials).reduce((sum, sample) => sum + sample.value, 0);
    const expiry = family(second.metrics, METRIC_NAMES.certificateExpiry)?.values[0]?.value;
    rows.push({
      service,
      traffic: traffic(requests, buckets, seconds),
      refusals: { tls, denied },
      // 0 is the gauge before any identity was loaded, not a certificate from 1970.
      certificateSecondsLeft: expiry === undefined || expiry <= 0 ? null : expiry - second.at / 1000,
    });
  }
  return { intervalSeconds: longest, services: rows, edges };
}

function failure(scrape: ServiceScrape | undefined): string | undefined {
  if (!scrape) return 'not read';
  return 'error' in scrape ? scrape.error : undefined;
}

function traffic(requests: readonly MetricSample[], buckets: readonly MetricSample[], seconds: number): Traffic {
  const total = requests.reduce((sum, sample) => sum + sample.value, 0);
  const failed = requests.filter((sample) => Number(sample.labels.status) >= 500).reduce((sum, sample) => sum + sample.value, 0);
  // The edges' buckets added up by bound, as `sum by (le)` does before histogram_quantile.
  const byBound = new Map<number, number>();
  for (const sample of buckets) {
    const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
  }
  const merged: Bucket[] = [...byBound].map(([le, count]) => ({ le, count }));
  return {
    requests: total,
    perSecond: total / seconds,
    successRate: total === 0 ? null : (total - failed) / total,
    p50: histogramQuantile(0.5, merged) ?? null,
    p99: histogramQuantile(0.99, merged) ?? null,
  };
}

function family(metrics: readonly MetricFamily[], name: string): MetricFamily | undefined {
  return metrics.find((candidate) => candidate.name === name);
}

/**
 * The increase of each series of a counter (or of a histogram's samples named `sampleName`)
 * between two reads. A series that went down was reset (the service restarted): its whole
 * value is the increase, as Prometheus' `increase` counts it.
 */
function deltas(before: readonly MetricFamily[], after: readonly MetricFamily[], name: string, sampleName?: string): MetricSample[] {
  const pick = (metrics: readonly MetricFamily[]) =>
    (family(metrics, name)?.values ?? []).filter((sample) => sampleName === undefined || sample.metricName === sampleName);
  const earlier = new Map(pick(before).map((sample) => [seriesKey(sample), sample.value]));
  return pick(after).map((sample) => {
    const previous = earlier.get(seriesKey(sample)) ?? 0;
    return { ...sample, value: sample.value >= previous ? sample.value - previous : sample.value };
  });
}

function seriesKey(sample: MetricSample): string {
  return JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b)));
}
