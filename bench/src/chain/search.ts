/** One repeat's steps, and the highest rate it sustained (0 when none did). */
export interface SearchResult<Probe> {
  readonly probes: Probe[];
  readonly sustainedRate: number;
}

/**
 * One repeat's search for the highest rate sustained: from `start`, up by `factor` while steps
 * hold and down while they fail; once it has one of each, the next step goes to their geometric
 * middle. Steps past the knee end early (load-generator.ts), so a search costs little more than
 * its sustained steps.
 */
export async function search<Probe extends { readonly sustained: boolean }>(
  plan: { readonly probesPerRepeat: number; readonly searchFactor: number },
  start: number,
  step: (rate: number) => Promise<Probe>,
): Promise<SearchResult<Probe>> {
  const probes: Probe[] = [];
  let highestHeld = 0;
  let lowestFailed = Number.POSITIVE_INFINITY;
  let rate = Math.round(start);
  for (let i = 0; i < plan.probesPerRepeat; i++) {
    const result = await step(rate);
    probes.push(result);
    if (result.sustained) highestHeld = Math.max(highestHeld, rate);
    else lowestFailed = Math.min(lowestFailed, rate);
    const next =
      lowestFailed === Number.POSITIVE_INFINITY
        ? rate * plan.searchFactor
        : highestHeld === 0
          ? rate / plan.searchFactor
          : Math.sqrt(highestHeld * lowestFailed);
    const rounded = Math.round(next);
    if (rounded <= highestHeld || rounded >= lowestFailed || rounded < 1) break;
    rate = rounded;
  }
  return { probes, sustainedRate: highestHeld };
}
