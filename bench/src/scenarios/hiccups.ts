import { machineCores, pinned, runMeasured } from '../processes';

/** How long, and how often, the machine stopped a thread that wanted to run, core by core. */
export interface HiccupReport {
  readonly seconds: number;
  readonly cores: readonly CoreHiccups[];
}

export interface CoreHiccups {
  readonly core: number;
  /** Gaps between two consecutive reads of the clock by a thread that never blocks. */
  readonly over1Ms: number;
  readonly over10Ms: number;
  readonly over50Ms: number;
  /** The five longest, in milliseconds. */
  readonly longestMs: readonly number[];
}

/**
 * A loop that only reads the clock, one per core, pinned there, all at once: every gap between two
 * reads is time the thread wanted the core and did not have it (the kernel's own work, another
 * virtual machine on the same host). Nothing of ours runs meanwhile, so this is the floor under
 * every latency the chain measures: a gap of 40 ms on a core breaks a 50-ms p99 by itself.
 */
const LOOP = `
const end = process.hrtime.bigint() + BigInt(Number(process.argv[1]) * 1e9);
let last = process.hrtime.bigint();
const gaps = [];
for (;;) {
  const now = process.hrtime.bigint();
  const gap = Number(now - last) / 1e6;
  if (gap > 1) gaps.push(gap);
  last = now;
  if (now > end) break;
}
process.stdout.write(JSON.stringify(gaps));
`;

export async function hiccupScenario(seconds: number, log: (line: string) => void): Promise<HiccupReport> {
  const cores = Array.from({ length: machineCores() }, (_, core) => core);
  const runs = await Promise.all(
    cores.map(async (core) => {
      const [command, args] = pinned(String(core), process.execPath, ['-e', LOOP, String(seconds)]);
      const gaps = (JSON.parse((await runMeasured(command, args)).stdout) as number[]).sort((a, b) => b - a);
      return summarize(core, gaps);
    }),
  );
  for (const run of runs) {
    log(
      `hiccups on core ${run.core} over ${seconds} s: ${run.over1Ms} over 1 ms, ${run.over10Ms} over 10 ms, ${run.over50Ms} over 50 ms; longest ${run.longestMs.map((g) => g.toFixed(1)).join(', ')} ms`,
    );
  }
  return { seconds, cores: runs };
}

/** Counts and the longest of one core's gaps (sorted longest first). */
export function summarize(core: number, gaps: readonly number[]): CoreHiccups {
  return {
    core,
    over1Ms: gaps.filter((g) => g > 1).length,
    over10Ms: gaps.filter((g) => g > 10).length,
    over50Ms: gaps.filter((g) => g > 50).length,
    longestMs: gaps.slice(0, 5).map((g) => Math.round(g * 10) / 10),
  };
}
