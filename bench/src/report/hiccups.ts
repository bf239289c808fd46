import type { HiccupReport } from '../scenarios/hiccups';

/** One sentence of what the machine did to a thread that only wanted to run, stated from the figures. */
export function hiccupSentence(h: HiccupReport): string {
  const over10 = h.cores.reduce((sum, c) => sum + c.over10Ms, 0);
  const over50 = h.cores.reduce((sum, c) => sum + c.over50Ms, 0);
  const longest = Math.max(0, ...h.cores.flatMap((c) => c.longestMs));
  const perCore = h.cores.map((c) => `core ${c.core}: ${c.over10Ms}`).join(', ');
  return `With nothing of the benchmark's running, a thread that never blocks, pinned to each core for ${h.seconds} s, was kept off its core for more than 10 ms ${over10} times (${perCore}), more than 50 ms ${over50} times, at most ${longest.toFixed(1)} ms.`;
}
