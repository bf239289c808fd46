import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { freshCertsDir, startMesh } from '../contenders/mesh-process';
import { interleaved } from '../interleave';
import { medianOfEach } from '../stats';

type Start = 'cold' | 'warm';

export interface StartupSample {
  /** `pnpm start` to "mesh ready", wall clock. */
  readonly readySeconds: number;
  /** The runner's own figure, without pnpm and the build check. */
  readonly runnerReadySeconds: number;
}

export interface StartupReport {
  readonly rounds: number;
  readonly samples: Record<Start, StartupSample[]>;
  readonly medians: Record<Start, StartupSample>;
}

/**
 * Scenario 5, start-up: how long `pnpm start` takes until every service
 * answers over mTLS, `cold` (no certificates yet: the CA and every leaf are
 * issued first) and `warm` (certificates already there), interleaved.
 */
export async function startupScenario(rounds: number, log: (line: string) => void): Promise<StartupReport> {
  const dirs: string[] = [];
  try {
    const samples = await interleaved(rounds, ['cold', 'warm'] as const, async (start, round) => {
      if (start === 'cold') dirs.push(freshCertsDir());
      const mesh = await startMesh(dirs.at(-1)!);
      await mesh.stop();
      log(`start-up round ${round + 1}/${rounds} ${start}: ready in ${mesh.readySeconds.toFixed(2)} s`);
      return { readySeconds: mesh.readySeconds, runnerReadySeconds: mesh.runnerReadySeconds };
    });
    return { rounds, samples, medians: { cold: medianOfEach(samples.cold), warm: medianOfEach(samples.warm) } };
  } finally {
    for (const dir of dirs) rmSync(dirname(dir), { recursive: true, force: true });
  }
}
