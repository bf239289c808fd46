import type { ChainPlan } from './scenarios/chain';
import type { TransportPlan } from './scenarios/transport';

/** How long each scenario runs. The full plan takes about a quarter of an hour, the chain half of it; the smoke plan only proves every scenario still runs. */
export interface Plan {
  readonly name: 'full' | 'smoke';
  readonly keepAlive: { rounds: number; seconds: number; concurrency: number };
  readonly handshakes: { rounds: number; seconds: number; parallel: number };
  readonly startup: { rounds: number };
  readonly chain: ChainPlan;
  readonly transport: TransportPlan;
  readonly authority: { rounds: number; sizes: readonly number[] };
  /** How long each core's clock-reading loop runs (scenarios/hiccups.ts). */
  readonly hiccupSeconds: number;
}

export const FULL_PLAN: Plan = {
  name: 'full',
  keepAlive: { rounds: 5, seconds: 4, concurrency: 32 },
  handshakes: { rounds: 5, seconds: 3, parallel: 2 },
  startup: { rounds: 3 },
  // The chain takes six to eight minutes: 15-s steps after a 2-s lead-in, three repeats of each
  // chain's search in turn (a step past the knee ends within seconds), then a profile of each.
  chain: {
    warmupRates: [50, 100, 200, 300],
    warmupSeconds: 2,
    scout: { firstRate: 200, factor: 1.3, seconds: 3, maxSteps: 5 },
    stepSeconds: 15,
    leadInSeconds: 2,
    fixedRate: 200,
    repeats: 3,
    probesPerRepeat: 3,
    searchFactor: 1.15,
    p99BudgetMs: 50,
    settleSeconds: 1,
    profileSeconds: 8,
    profileShare: 0.8,
  },
  authority: { rounds: 3, sizes: [10, 100] },
  hiccupSeconds: 10,
  // HTTP/2 against pooled HTTP/1.1 between two services: about 30 s, warm-ups included.
  transport: { rounds: 3, seconds: 2, inFlight: [8, 32], warmUpSeconds: 1 },
};

export const SMOKE_PLAN: Plan = {
  name: 'smoke',
  keepAlive: { rounds: 1, seconds: 1, concurrency: 8 },
  handshakes: { rounds: 1, seconds: 1, parallel: 1 },
  startup: { rounds: 1 },
  chain: {
    warmupRates: [20],
    warmupSeconds: 1,
    scout: { firstRate: 40, factor: 2, seconds: 1, maxSteps: 1 },
    stepSeconds: 1,
    leadInSeconds: 0.5,
    fixedRate: 30,
    repeats: 1,
    probesPerRepeat: 1,
    searchFactor: 1.5,
    p99BudgetMs: 50,
    settleSeconds: 0.1,
    profileSeconds: 1,
    profileShare: 0.5,
  },
  authority: { rounds: 1, sizes: [3] },
  hiccupSeconds: 1,
  transport: { rounds: 1, seconds: 1, inFlight: [8], warmUpSeconds: 0.5 },
};
