/** The middle value; for an even count, the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The nearest-rank percentile (`p` in 0..100) of a set of samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** `a / b`, rounded to two decimals: the form every comparison in the report takes. */
export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

/** The median of each field over a set of samples: one contender's figures for a comparison. */
export function medianOfEach<Sample extends { [K in keyof Sample]: number }>(samples: readonly Sample[]): Sample {
  const fields = Object.keys(samples[0] ?? {}) as (keyof Sample)[];
  return Object.fromEntries(fields.map((field) => [field, median(samples.map((sample) => sample[field]))])) as Sample;
}
