import { search } from '../src/chain/search';
import { areaOf, summarizeProfile } from '../src/chain/profile-summary';

/** A chain whose knee is at `knee` orders/s: every step at or below it holds. */
const chainWithKnee = (knee: number) => {
  const tried: number[] = [];
  const step = async (rate: number) => {
    tried.push(rate);
    return { sustained: rate <= knee };
  };
  return { tried, step };
};

describe("the chain's search for the highest sustained rate", () => {
  it('climbs while steps hold, then halves the gap to the first that failed', async () => {
    const { tried, step } = chainWithKnee(560);
    const found = await search({ probesPerRepeat: 3, searchFactor: 1.2 }, 400, step);
    expect(tried).toEqual([400, 480, 576]);
    expect(found.sustainedRate).toBe(480);
    const more = await search({ probesPerRepeat: 4, searchFactor: 1.2 }, 400, chainWithKnee(560).step);
    expect(more.sustainedRate).toBe(526); // sqrt(480 * 576)
  });

  it('comes down from a start that fails, and reports 0 when nothing held', async () => {
    const { tried, step } = chainWithKnee(300);
    const found = await search({ probesPerRepeat: 3, searchFactor: 1.5 }, 600, step);
    expect(tried).toEqual([600, 400, 267]);
    expect(found.sustainedRate).toBe(267);
    expect((await search({ probesPerRepeat: 2, searchFactor: 2 }, 100, chainWithKnee(0).step)).sustainedRate).toBe(0);
  });

  it('stops once the gap cannot be halved any more', async () => {
    const { tried, step } = chainWithKnee(10);
    await search({ probesPerRepeat: 10, searchFactor: 1.1 }, 10, step);
    expect(tried).toEqual([10, 11]);
  });
});

describe('the summary of a CPU profile', () => {
  it('sums self time per frame and per area, without the idle time', () => {
    const frame = (id: number, functionName: string, url = '') => ({ id, callFrame: { functionName, url, lineNumber: 0 } });
    const profile = {
      nodes: [
        frame(1, '(root)'),
        frame(2, '(idle)'),
        frame(3, 'exec'),
        frame(4, 'handle', 'file:///repo/node_modules/.pnpm/undici@8.12.4/node_modules/undici/lib/dispatcher/client-h1.js'),
        frame(5, 'onRequest', 'file:///repo/libs/trust/dist/server/authorization.js'),
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [2, 3, 3, 4, 5, 2],
      timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.busy).toBeCloseTo(4 / 5);
    expect(summary.frames[0]).toEqual({ name: 'exec', share: 0.5 });
    expect(summary.areas.map((a) => a.name)).toEqual(['node:sqlite (native, commits included)', 'undici', 'libs/trust']);
  });

  it('names the package a frame belongs to', () => {
    expect(areaOf('file:///r/node_modules/.pnpm/@nestjs+core@12.5.1/node_modules/@nestjs/core/router/x.js', 'f')).toBe('@nestjs/core');
    expect(areaOf('node:internal/tls/wrap', 'f')).toBe('node:internal/tls/wrap');
    expect(areaOf('file:///r/services/orders/dist/orders.service.js', 'f')).toBe('services/orders');
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
  });
});

describe('the long busy stretches of a profile', () => {
  it('finds the runs of samples without idle time that last 20 ms or more, and what ran in them', () => {
    const frame = (id: number, functionName: string) => ({ id, callFrame: { functionName, url: '', lineNumber: 0 } });
    // Samples 1 ms apart: 5 ms of exec, idle, then 25 ms of exec and GC.
    const samples = [3, 3, 3, 3, 3, 2, ...Array<number>(20).fill(3), ...Array<number>(5).fill(4), 2, 2];
    const profile = {
      nodes: [frame(1, '(root)'), frame(2, '(idle)'), frame(3, 'exec'), frame(4, '(garbage collector)')],
      startTime: 0,
      endTime: samples.length * 1000,
      samples,
      timeDeltas: samples.map(() => 1000),
    };
    const { longBusy } = summarizeProfile(profile);
    expect(longBusy.count).toBe(1);
    expect(longBusy.longestMs).toBe(25);
    expect(longBusy.frames).toEqual([
      { name: 'exec', share: 0.8 },
      { name: '(garbage collector)', share: 0.2 },
    ]);
  });
});
