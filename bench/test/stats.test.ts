import { interleaved } from '../src/interleave';
import { median, medianOfEach, percentile, ratio } from '../src/stats';

describe('the statistics every comparison is reported with', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('takes nearest-rank percentiles', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it('rounds ratios to two decimals', () => {
    expect(ratio(2, 3)).toBe(0.67);
  });

  it('takes the median of every field of a set of samples', () => {
    expect(
      medianOfEach([
        { a: 1, b: 30 },
        { a: 3, b: 10 },
        { a: 2, b: 20 },
      ]),
    ).toEqual({ a: 2, b: 20 });
  });

  it("runs contenders interleaved, every round in the same order, and keeps each one's samples", async () => {
    const order: string[] = [];
    const samples = await interleaved(3, ['a', 'b'] as const, async (name, round) => {
      order.push(`${name}${round}`);
      return round;
    });
    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    expect(samples).toEqual({ a: [0, 1, 2], b: [0, 1, 2] });
  });
});
