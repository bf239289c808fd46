/** How long each scenario runs. The full plan stays under ten minutes; the smoke plan only proves every scenario still runs. */
export interface Plan {
  readonly name: 'full' | 'smoke';
  readonly keepAlive: { rounds: number; seconds: number; concurrency: number };
  readonly handshakes: { rounds: number; seconds: number; parallel: number };
  readonly startup: { rounds: number };
  readonly chain: { fixedRate: number; stepSeconds: number; firstRate: number; stepFactor: number; maxSteps: number; p99BudgetMs: number };
  readonly authority: { rounds: number; sizes: readonly number[] };
}

export const FULL_PLAN: Plan = {
  name: 'full',
  keepAlive: { rounds: 5, seconds: 4, concurrency: 32 },
  handshakes: { rounds: 5, seconds: 3, parallel: 2 },
  startup: { rounds: 3 },
  chain: { fixedRate: 200, stepSeconds: 4, firstRate: 100, stepFactor: 1.25, maxSteps: 16, p99BudgetMs: 50 },
  authority: { rounds: 3, sizes: [10, 100] },
};

export const SMOKE_PLAN: Plan = {
  name: 'smoke',
  keepAlive: { rounds: 1, seconds: 1, concurrency: 8 },
  handshakes: { rounds: 1, seconds: 1, parallel: 1 },
  startup: { rounds: 1 },
  chain: { fixedRate: 50, stepSeconds: 1, firstRate: 50, stepFactor: 2, maxSteps: 2, p99BudgetMs: 50 },
  authority: { rounds: 1, sizes: [3] },
};
