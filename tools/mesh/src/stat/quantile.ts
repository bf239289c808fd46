/** One cumulative bucket of a histogram: the count of observations at most `le` seconds. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * The q-quantile of a histogram's cumulative buckets, as Prometheus' `histogram_quantile`
 * computes it: find the bucket the rank falls in and interpolate linearly inside it (from 0 for
 * the first bucket); a rank in the +Inf bucket answers the highest finite bound. `undefined` when
 * there were no observations, as Prometheus answers NaN.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1);
  if (!total || total.le !== Number.POSITIVE_INFINITY || total.count <= 0) return undefined;
  const rank = q * total.count;
  const index = sorted.findIndex((bucket) => bucket.count >= rank);
  const bucket = sorted[index]!;
  if (bucket.le === Number.POSITIVE_INFINITY) return sorted.length >= 2 ? sorted[sorted.length - 2]!.le : undefined;
  const start = index === 0 ? 0 : sorted[index - 1]!.le;
  const below = index === 0 ? 0 : sorted[index - 1]!.count;
  if (index === 0 && bucket.le <= 0) return bucket.le;
  const inBucket = bucket.count - below;
  return inBucket === 0 ? start : start + (bucket.le - start) * ((rank - below) / inBucket);
}
