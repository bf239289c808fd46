import { footprintTrend, type FootprintSample } from '@portcullis/mesh';

const MB = 2 ** 20;
/** One sample a second for `seconds`, RSS from `rss(t)`, descriptors from `fds(t)`. */
const series = (seconds: number, rss: (t: number) => number, fds: (t: number) => number = () => 40): FootprintSample[] =>
  Array.from({ length: seconds + 1 }, (_, t) => ({ atSeconds: t, rssBytes: rss(t), openFds: fds(t) }));

describe('the footprint trend of a soak', () => {
  it('sees a garbage-collected sawtooth after the warm-up as flat', () => {
    // Climbs 60 MB during a 30 s warm-up, then saws between 150 and 170 MB as V8 collects.
    const trend = footprintTrend(
      series(90, (t) => (t < 30 ? 110 + 2 * t : 150 + (t % 10) * 2) * MB),
      30,
    );
    expect(Math.abs(trend.rssGrowthAfterWarmup)).toBeLessThan(0.02);
    expect(trend.rssMaxDriftAfterWarmup).toBeLessThan(0.15);
    expect(trend.rssBytes.start).toBe(110 * MB);
    expect(trend.fdGrowthAfterWarmup).toBe(0);
  });

  it('sees 6 KB kept for each of 120 handshakes a second as growing', () => {
    const trend = footprintTrend(
      series(90, (t) => 150 * MB + t * 120 * 6 * 1024),
      30,
    );
    expect(trend.rssBytesPerMinute / MB).toBeCloseTo(42.2, 0);
    expect(trend.rssGrowthAfterWarmup).toBeGreaterThan(0.1);
  });

  it('sees descriptors that are never closed', () => {
    const trend = footprintTrend(
      series(
        90,
        () => 150 * MB,
        (t) => 40 + t,
      ),
      30,
    );
    expect(trend.fdGrowthAfterWarmup).toBeCloseTo(60, 5);
    expect(trend.openFds.end).toBe(130);
  });
});
