/**
 * Runs every contender once per round, in the same order each round
 * (A B C A B C ...), and keeps each one's samples. A machine that gets slower
 * or faster during the run then affects every contender alike, and the
 * median of the rounds is not decided by one noisy moment.
 */
export async function interleaved<Name extends string, Sample>(
  rounds: number,
  contenders: readonly Name[],
  measure: (contender: Name, round: number) => Promise<Sample>,
): Promise<Record<Name, Sample[]>> {
  const samples = Object.fromEntries(contenders.map((name) => [name, [] as Sample[]])) as Record<Name, Sample[]>;
  for (let round = 0; round < rounds; round++) {
    for (const contender of contenders) samples[contender].push(await measure(contender, round));
  }
  return samples;
}
