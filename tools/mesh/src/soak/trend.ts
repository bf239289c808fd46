import type { Footprint } from './footprint';

export interface FootprintSample extends Footprint {
  /** Seconds since the load started. */
  readonly atSeconds: number;
}

/** How one process's footprint moved over a soak. */
export interface FootprintTrend {
  /** At the start of the load, at the end of the warm-up, and at the end. */
  readonly rssBytes: { readonly start: number; readonly warm: number; readonly end: number; readonly peak: number };
  readonly openFds: { readonly start: number; readonly warm: number; readonly end: number; readonly peak: number };
  /** Least-squares slope of RSS over the samples after the warm-up. */
  readonly rssBytesPerMinute: number;
  /** That slope over the window after the warm-up, as a fraction of the warm RSS: what "keeps growing" means. */
  readonly rssGrowthAfterWarmup: number;
  /** The largest distance of any sample after the warm-up from the warm RSS, as a fraction of it. */
  readonly rssMaxDriftAfterWarmup: number;
  /** Least-squares slope of the open file descriptors after the warm-up, over the whole window. */
  readonly fdGrowthAfterWarmup: number;
}

/**
 * Summarises the samples of one process. The warm figure is the median of the first minute after
 * the warm-up (or of its first fifth, if shorter) rather than one sample, so a garbage collection
 * that happens to fall on it does not move the reference.
 */
export function footprintTrend(samples: readonly FootprintSample[], warmupSeconds: number): FootprintTrend {
  if (samples.length === 0) throw new Error('no footprint samples: did the process exit?');
  const after = samples.filter((s) => s.atSeconds >= warmupSeconds);
  const measured = after.length >= 2 ? after : samples;
  const window = measured.at(-1)!.atSeconds - measured[0]!.atSeconds;
  const referenceEnd = measured[0]!.atSeconds + Math.min(60, window / 5);
  const reference = measured.filter((s) => s.atSeconds <= referenceEnd);
  const warmRss = median(reference.map((s) => s.rssBytes));
  const warmFds = median(reference.map((s) => s.openFds));
  const rssSlope = slopePerSecond(measured.map((s) => [s.atSeconds, s.rssBytes]));
  const fdSlope = slopePerSecond(measured.map((s) => [s.atSeconds, s.openFds]));
  const summary = (pick: (s: Footprint) => number, warm: number) => ({
    start: pick(samples[0]!),
    warm,
    end: pick(samples.at(-1)!),
    peak: Math.max(...samples.map(pick)),
  });
  return {
    rssBytes: summary((s) => s.rssBytes, warmRss),
    openFds: summary((s) => s.openFds, warmFds),
    rssBytesPerMinute: rssSlope * 60,
    rssGrowthAfterWarmup: (rssSlope * window) / warmRss,
    rssMaxDriftAfterWarmup: Math.max(...measured.map((s) => Math.abs(s.rssBytes - warmRss) / warmRss)),
    fdGrowthAfterWarmup: fdSlope * window,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The least-squares slope of y over x. */
function slopePerSecond(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}
