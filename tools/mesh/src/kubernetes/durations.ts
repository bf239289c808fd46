/**
 * A duration in Go's syntax, as cert-manager reads `duration` and `renewBefore`:
 * whole hours, minutes or seconds, whichever is exact (`24h`, `90m`, `45s`).
 */
export function goDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  throw new Error(`${ms} ms is not a whole number of seconds`);
}
