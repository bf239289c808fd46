import { hiccupSentence } from '../src/report/hiccups';
import { summarize } from '../src/scenarios/hiccups';

describe('scheduling hiccups', () => {
  it("counts one core's gaps by size and keeps the five longest", () => {
    const gaps = [61.25, 44.8, 29, 23.4, 16.7, 12, 3, 1.5].sort((a, b) => b - a);
    expect(summarize(1, gaps)).toEqual({ core: 1, over1Ms: 8, over10Ms: 6, over50Ms: 1, longestMs: [61.3, 44.8, 29, 23.4, 16.7] });
  });

  it('states what the figures show, core by core', () => {
    const sentence = hiccupSentence({ seconds: 10, cores: [summarize(0, [10.9, 8.8]), summarize(1, [44.8, 29, 23.4])] });
    expect(sentence).toBe(
      "With nothing of the benchmark's running, a thread that never blocks, pinned to each core for 10 s, was kept off its core for more than 10 ms 4 times (core 0: 1, core 1: 3), more than 50 ms 0 times, at most 44.8 ms.",
    );
  });
});
