import { join } from 'node:path';
import { startChild } from '../child';
import type { GeneratorRequest, StepOutcome, StepRequest } from './load-protocol';

/** The load generator as a process of its own (load-generator.ts), one per contender, its connections kept between steps. */
export interface LoadGenerator {
  readonly pid: number;
  step(step: StepRequest): Promise<StepOutcome>;
  close(): Promise<void>;
}

export async function startLoadGenerator(request: GeneratorRequest): Promise<LoadGenerator> {
  // Node's default flags and no pinning: the generator is not what is measured.
  const child = startChild('load generator', join(__dirname, 'load-generator.js'), [], undefined, []);
  await child.ask({ kind: 'open', request }, 'opened');
  return {
    pid: child.pid,
    step: async (step) => (await child.ask<{ kind: 'outcome'; outcome: StepOutcome }>({ kind: 'step', step }, 'outcome')).outcome,
    // It closes its pool, then exits.
    close: () => child.stop({ kind: 'close' }),
  };
}
