import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadManifest } from '@portcullis/manifest';
import { issueMeshCertificates } from '@portcullis/pki';
import { entryService, startChain, type ChainKind, type ChainMesh } from '../chain/chain-mesh';
import { startLoadGenerator, type LoadGenerator } from '../chain/load';
import type { StepOutcome } from '../chain/load-protocol';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from '../chain/profile-summary';
import { search, type SearchResult } from '../chain/search';
import { freshCertsDir } from '../contenders/mesh-process';
import { REPO_MANIFEST } from '../paths';
import { cpuSeconds, kernelSeconds, machineCores, machineTicks, maxMemory, memoryOf, NO_MEMORY, runQueueSeconds, type Memory } from '../processes';
import { median, ratio } from '../stats';

export interface ChainPlan {
  /** Rising rates sent before anything is measured, each for `warmupSeconds`: the JIT, the pools on every hop, V8's heap sizes. */
  readonly warmupRates: readonly number[];
  readonly warmupSeconds: number;
  /** A quick climb from `firstRate` by `factor` in short steps, to find where each repeat's search starts. */
  readonly scout: { readonly firstRate: number; readonly factor: number; readonly seconds: number; readonly maxSteps: number };
  /** Every measured step: its length, and the lead-in at the same rate before it that is not counted. */
  readonly stepSeconds: number;
  readonly leadInSeconds: number;
  /** One step at this rate per repeat per chain: both chains' latency at the same load. */
  readonly fixedRate: number;
  readonly repeats: number;
  /** Steps per repeat's search: up or down by `searchFactor` from where it starts, then halving the gap (geometrically). */
  readonly probesPerRepeat: number;
  readonly searchFactor: number;
  readonly p99BudgetMs: number;
  /** A pause after each step, for what a step past the knee queued to drain before the next one. */
  readonly settleSeconds: number;
  /** The profile step: each chain at `profileShare` of its median sustained rate, every service profiled for `profileSeconds`. */
  readonly profileSeconds: number;
  readonly profileShare: number;
}

/** One step as measured, and what every process and the machine did meanwhile. */
export interface ChainProbe extends StepOutcome {
  /** Sent in full, p99 under budget, nothing failed. */
  readonly sustained: boolean;
  /** CPU time over wall time, per process: each service by name, and `load generator`; 1 is one core. */
  readonly cpu: Record<string, number>;
  /** Per process, CPU milliseconds per order sent in the step: what each order costs it, whatever else runs on the machine. */
  readonly cpuMsPerOrder: Record<string, number>;
  /** Per process, the share of its CPU time spent in the kernel (system time). */
  readonly kernelShare: Record<string, number>;
  /** Per process, the share of the step its main thread was ready to run but waiting for a core. */
  readonly runQueue: Record<string, number>;
  /** Share of all the machine's cores busy during the step, ours and everyone else's. */
  readonly machineBusy: number;
  /** The part of `machineBusy` that was not the chain or its load generator (other programs on the machine). */
  readonly othersBusy: number;
}

export type ChainRepeat = SearchResult<ChainProbe>;

export interface ChainProfile {
  readonly rate: number;
  readonly probe: ChainProbe;
  /** By service name. */
  readonly services: Record<string, ProfileSummary>;
}

export interface ChainContender {
  readonly kind: ChainKind;
  readonly scout: ChainProbe[];
  readonly fixed: ChainProbe[];
  readonly repeats: ChainRepeat[];
  /** Median, lowest and highest of the repeats' sustained rates. */
  readonly sustained: { readonly median: number; readonly min: number; readonly max: number };
  /** Median over the repeats of the fixed-rate step's latencies. */
  readonly fixedLatency: { readonly p50Ms: number; readonly p99Ms: number };
  readonly profile?: ChainProfile;
}

export interface ServiceFootprint {
  /** Once the mesh is ready and before any load. */
  readonly idle: Memory;
  /** The highest seen during the rate steps the chain sustained (p99 under budget, nothing failed). */
  readonly peakUnderLoad: Memory;
}

export interface ChainReport {
  readonly plan: ChainPlan;
  /** The service that takes the orders, and every service of the manifest (each one a process of both chains). */
  readonly entry: string;
  readonly services: string[];
  readonly contenders: { readonly mtls: ChainContender; readonly plaintext: ChainContender };
  /** mTLS chain's median sustained rate over the plaintext chain's; null when the plaintext chain sustained no step. */
  readonly mtlsOverPlaintext: number | null;
  /** The mTLS chain's memory (section 5). */
  readonly footprint: Record<string, ServiceFootprint>;
}

const KINDS: readonly ChainKind[] = ['mtls', 'plaintext'];
const GENERATOR = 'load generator';

interface Running {
  readonly chain: ChainMesh;
  readonly generator: LoadGenerator;
}

/**
 * Scenario 3, the whole chain: `POST /orders` as the demo client through every service the order
 * flow reaches, on two chains of the same services that run side by side and take turns: the
 * services as they run (mTLS), and the same services over plain HTTP (plaintext-preload.ts). The
 * load comes from a process of its own, an open loop (load-generator.ts). Each repeat searches for
 * the highest rate each chain sustains (every step `stepSeconds` long after an uncounted lead-in,
 * p99 under budget, nothing failed); the report gives the median over the repeats and the spread.
 * Then every service of each chain is profiled at a steady rate below that.
 */
export async function chainScenario(plan: ChainPlan, log: (line: string) => void): Promise<ChainReport> {
  const certsDir = freshCertsDir();
  const base = dirname(certsDir);
  const manifest = loadManifest(REPO_MANIFEST);
  await issueMeshCertificates(manifest, certsDir);
  const names = [...manifest.services.keys()];
  const running = new Map<ChainKind, Running>();
  try {
    for (const kind of KINDS) {
      const chain = await startChain(kind, certsDir, join(base, kind));
      running.set(kind, { chain, generator: await startLoadGenerator(chain.load) });
    }
    const mtls = running.get('mtls')!.chain;
    await sleep(1_000);
    const idle = new Map(names.map((name) => [name, memoryOf(mtls.services.get(name)!.pid)]));
    let stepPeak = new Map(names.map((name) => [name, NO_MEMORY]));
    const peak = new Map(names.map((name) => [name, NO_MEMORY]));
    const sampler = setInterval(() => {
      for (const name of names) stepPeak.set(name, maxMemory(stepPeak.get(name)!, memoryOf(mtls.services.get(name)!.pid)));
    }, 200);

    const probe = async (kind: ChainKind, rate: number, seconds: number, options: { leadIn?: number; stopEarly?: boolean; onMeasuring?: () => void } = {}) => {
      const { chain, generator } = running.get(kind)!;
      const pids: [string, number][] = [...[...chain.services].map(([name, service]): [string, number] => [name, service.pid]), [GENERATOR, generator.pid]];
      stepPeak = new Map(names.map((name) => [name, NO_MEMORY]));
      const leadIn = options.leadIn ?? plan.leadInSeconds;
      // CPU and the machine from the end of the lead-in, like the latencies.
      const now = () => ({
        at: performance.now(),
        cpu: pids.map(([, pid]) => cpuSeconds(pid)),
        kernel: pids.map(([, pid]) => kernelSeconds(pid)),
        queued: pids.map(([, pid]) => runQueueSeconds(pid)),
        machine: machineTicks(),
      });
      const atStart = now();
      let before = atStart;
      const measuring = setTimeout(() => {
        before = now();
        options.onMeasuring?.();
      }, leadIn * 1000);
      const outcome = await generator.step({ rate, seconds, leadInSeconds: leadIn, budgetMs: plan.p99BudgetMs, stopEarly: options.stopEarly ?? true });
      clearTimeout(measuring);
      const wall = (performance.now() - before.at) / 1000;
      const machine = machineTicks();
      const cpu = Object.fromEntries(pids.map(([name, pid], i) => [name, (cpuSeconds(pid) - before.cpu[i]!) / wall]));
      // Per order from the step's very start: the generator returns once every order it sent (the lead-in's too) is answered.
      const orders = Math.round(rate * leadIn) + outcome.sent;
      const cpuMsPerOrder = Object.fromEntries(pids.map(([name, pid], i) => [name, ((cpuSeconds(pid) - atStart.cpu[i]!) * 1000) / Math.max(1, orders)]));
      const kernelShare = Object.fromEntries(
        pids.map(([name, pid], i) => [name, (kernelSeconds(pid) - atStart.kernel[i]!) / Math.max(1e-9, cpuSeconds(pid) - atStart.cpu[i]!)]),
      );
      const runQueue = Object.fromEntries(pids.map(([name, pid], i) => [name, (runQueueSeconds(pid) - before.queued[i]!) / wall]));
      const machineBusy = (machine.busy - before.machine.busy) / Math.max(1, machine.total - before.machine.total);
      const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
      const sustained = !outcome.stoppedEarly && outcome.failed === 0 && outcome.p99Ms < plan.p99BudgetMs && outcome.achievedRate >= rate * 0.95;
      if (sustained && kind === 'mtls') for (const name of names) peak.set(name, maxMemory(peak.get(name)!, stepPeak.get(name)!));
      const cores = (share: number) => `${Math.round(share * 100)}%`;
      log(
        `chain ${kind} at ${rate}/s: ${sustained ? 'sustained' : 'NOT sustained'}, p50 ${outcome.p50Ms.toFixed(1)} ms, p99 ${outcome.p99Ms.toFixed(1)} ms, ${outcome.failed} failed` +
          `${outcome.stoppedEarly ? ` (stopped: ${outcome.stoppedEarly})` : ''}; cpu ${Object.entries(cpu)
            .map(([name, share]) => `${name} ${cores(share)}`)
            .join(', ')}; waiting for a core ${Object.entries(runQueue)
            .map(([name, share]) => `${name} ${cores(share)}`)
            .join(', ')}; machine ${cores(machineBusy)} busy, others ${cores(Math.max(0, machineBusy * machineCores() - ours) / machineCores())}`,
      );
      await sleep(plan.settleSeconds * 1000);
      return {
        ...outcome,
        sustained,
        cpu,
        cpuMsPerOrder,
        kernelShare,
        runQueue,
        machineBusy,
        othersBusy: Math.max(0, machineBusy - ours / machineCores()),
      } satisfies ChainProbe;
    };

    try {
      for (const kind of KINDS) for (const rate of plan.warmupRates) await probe(kind, rate, plan.warmupSeconds, { leadIn: 0, stopEarly: false });
      const scouts = new Map<ChainKind, ChainProbe[]>();
      const start = new Map<ChainKind, number>();
      for (const kind of KINDS) {
        const steps: ChainProbe[] = [];
        let rate = plan.scout.firstRate;
        let highest = 0;
        for (let i = 0; i < plan.scout.maxSteps; i++, rate = Math.round(rate * plan.scout.factor)) {
          const step = await probe(kind, rate, plan.scout.seconds, { leadIn: 0 });
          steps.push(step);
          if (!step.sustained) break;
          highest = rate;
        }
        scouts.set(kind, steps);
        start.set(kind, highest || plan.scout.firstRate);
      }

      const fixed = new Map<ChainKind, ChainProbe[]>(KINDS.map((kind) => [kind, []]));
      const repeats = new Map<ChainKind, ChainRepeat[]>(KINDS.map((kind) => [kind, []]));
      for (let r = 0; r < plan.repeats; r++) {
        // Take turns, and swap who goes first each repeat, so a machine that gets busier or quieter affects both alike.
        for (const kind of r % 2 === 0 ? KINDS : [...KINDS].reverse()) {
          fixed.get(kind)!.push(await probe(kind, plan.fixedRate, plan.stepSeconds));
          const found = await search(plan, start.get(kind)!, (rate) => probe(kind, rate, plan.stepSeconds));
          repeats.get(kind)!.push(found);
          start.set(kind, Math.max(1, median(repeats.get(kind)!.map((repeat) => repeat.sustainedRate)) || start.get(kind)! / plan.searchFactor));
        }
      }

      const contenders = {} as Record<ChainKind, ChainContender>;
      for (const kind of KINDS) {
        const rates = repeats.get(kind)!.map((repeat) => repeat.sustainedRate);
        const sustained = { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) };
        const profileRate = Math.max(1, Math.round((sustained.median || plan.fixedRate) * plan.profileShare));
        const profile = await profileChain(running.get(kind)!.chain, profileRate, (onMeasuring) =>
          probe(kind, profileRate, plan.profileSeconds, { stopEarly: false, onMeasuring }),
        );
        contenders[kind] = {
          kind,
          scout: scouts.get(kind)!,
          fixed: fixed.get(kind)!,
          repeats: repeats.get(kind)!,
          sustained,
          fixedLatency: { p50Ms: median(fixed.get(kind)!.map((f) => f.p50Ms)), p99Ms: median(fixed.get(kind)!.map((f) => f.p99Ms)) },
          ...(profile ? { profile } : {}),
        };
      }
      const footprint = Object.fromEntries(names.map((name) => [name, { idle: idle.get(name)!, peakUnderLoad: peak.get(name)! }]));
      return {
        plan,
        entry: entryService(manifest),
        services: names,
        contenders: { mtls: contenders.mtls, plaintext: contenders.plaintext },
        mtlsOverPlaintext: contenders.plaintext.sustained.median > 0 ? ratio(contenders.mtls.sustained.median, contenders.plaintext.sustained.median) : null,
        footprint,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    for (const { chain, generator } of running.values()) {
      await generator.close();
      await chain.stop();
    }
    rmSync(base, { recursive: true, force: true });
  }
}

/** Runs `step` with every service of `chain` profiled during its measured part (profiler.ts), and sums up each profile. */
async function profileChain(chain: ChainMesh, rate: number, step: (onMeasuring: () => void) => Promise<ChainProbe>): Promise<ChainProfile | undefined> {
  const signal = () => {
    for (const service of chain.services.values()) {
      try {
        process.kill(service.pid, 'SIGWINCH');
      } catch {
        // A service that died has no profile to give; the step's failures say why.
      }
    }
  };
  const probe = await step(signal);
  signal();
  const services: Record<string, ProfileSummary> = {};
  for (const [name, service] of chain.services) {
    const file = join(chain.profileDir, `${service.pid}.cpuprofile`);
    for (let waited = 0; !existsSync(file) && waited < 5_000; waited += 100) await sleep(100);
    if (!existsSync(file)) continue;
    await sleep(200); // Written in one call; give it a moment to finish.
    services[name] = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  }
  return Object.keys(services).length > 0 ? { rate, probe, services } : undefined;
}
