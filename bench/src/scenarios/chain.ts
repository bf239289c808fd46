import { rmSync } from 'node:fs';
import { loadManifest } from '@portcullis/manifest';
import { DEMO_CLIENT, externalClient } from '@portcullis/mesh';
import { freshCertsDir, startMesh } from '../contenders/mesh-process';
import { openLoop, type OpenLoopResult } from '../open-loop';
import { REPO_MANIFEST } from '../paths';
import { maxMemory, memoryOf, NO_MEMORY, type Memory } from '../processes';

export interface ChainPlan {
  readonly fixedRate: number;
  readonly stepSeconds: number;
  readonly firstRate: number;
  readonly stepFactor: number;
  readonly maxSteps: number;
  readonly p99BudgetMs: number;
}

export interface ServiceFootprint {
  /** Once the mesh is ready and before any load. */
  readonly idle: Memory;
  /** The highest seen during the rate steps the chain sustained (p99 under budget, nothing failed). */
  readonly peakUnderLoad: Memory;
}

export interface ChainStep extends OpenLoopResult {
  /** Sent in full, p99 under budget, nothing failed. */
  readonly sustained: boolean;
}

export interface ChainReport {
  readonly plan: ChainPlan;
  readonly fixed: OpenLoopResult;
  /** Every rate tried, in order, until p99 went over budget or a request failed. */
  readonly steps: ChainStep[];
  /** The highest rate sent in full, with p99 under budget and no failed request. */
  readonly sustainedRate: number;
  readonly footprint: Record<string, ServiceFootprint>;
}

/**
 * Scenarios 3 and 5 (memory): `POST /orders` through gateway -> orders ->
 * inventory + payments on the mesh that `pnpm start` runs, as the demo client
 * over mTLS, at a fixed rate and then at rising rates until p99 goes over
 * budget; each service's memory idle and under that load.
 */
export async function chainScenario(plan: ChainPlan, log: (line: string) => void): Promise<ChainReport> {
  const certsDir = freshCertsDir();
  const mesh = await startMesh(certsDir);
  const manifest = loadManifest(REPO_MANIFEST);
  const demo = externalClient(manifest, certsDir, 'local', DEMO_CLIENT);
  try {
    const names = [...manifest.services.keys()];
    const pids = mesh.servicePids(names);
    if (pids.size !== names.length) throw new Error(`found ${pids.size} of ${names.length} service processes under pnpm start`);
    const order = async () => {
      const response = await demo.client.call('gateway', 'POST', '/orders', { sku: 'WIDGET-1', quantity: 1 });
      return response.status === 201 ? undefined : `HTTP ${response.status}`;
    };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const idle = new Map(names.map((name) => [name, memoryOf(pids.get(name)!)]));
    // Peaks per rate step: a step past the budget queues requests in memory by design (an open loop
    // does not slow down), so only the steps the chain sustained count as "under load".
    let stepPeak = new Map(names.map((name) => [name, NO_MEMORY]));
    const peak = new Map(names.map((name) => [name, NO_MEMORY]));
    const sampler = setInterval(() => {
      for (const name of names) stepPeak.set(name, maxMemory(stepPeak.get(name)!, memoryOf(pids.get(name)!)));
    }, 200);
    const run = async (rate: number) => {
      stepPeak = new Map(names.map((name) => [name, NO_MEMORY]));
      const result = await openLoop(rate, plan.stepSeconds, order);
      const sustained = result.p99Ms < plan.p99BudgetMs && result.failed === 0 && result.achievedRate >= rate * 0.95;
      if (sustained) for (const name of names) peak.set(name, maxMemory(peak.get(name)!, stepPeak.get(name)!));
      return { result, sustained };
    };
    try {
      // Warm-up at the same rate: the JIT, the connection pools on every hop, V8's heap sizes.
      await openLoop(plan.fixedRate, plan.stepSeconds, order);
      const { result: fixed } = await run(plan.fixedRate);
      log(`chain at ${plan.fixedRate}/s: p50 ${fixed.p50Ms.toFixed(1)} ms, p99 ${fixed.p99Ms.toFixed(1)} ms, ${fixed.failed} failed`);
      const steps: ChainStep[] = [];
      let sustainedRate = 0;
      for (let step = 0, rate = plan.firstRate; step < plan.maxSteps; step++, rate = Math.round(rate * plan.stepFactor)) {
        const { result, sustained } = await run(rate);
        steps.push({ ...result, sustained });
        log(`chain at ${rate}/s: achieved ${Math.round(result.achievedRate)}/s, p99 ${result.p99Ms.toFixed(1)} ms, ${result.failed} failed`);
        if (!sustained) break;
        sustainedRate = rate;
      }
      const footprint = Object.fromEntries(names.map((name) => [name, { idle: idle.get(name)!, peakUnderLoad: peak.get(name)! }]));
      return { plan, fixed, steps, sustainedRate, footprint };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await demo.close();
    await mesh.stop();
    rmSync(certsDir, { recursive: true, force: true });
  }
}
