import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { originOf } from '@portcullis/manifest';
import { DEMO_CLIENT, runSoak, startLocalMesh, type FootprintSample, type FootprintTrend, type SoakReport } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { SHED_DECISIONS } from '@portcullis/trust';
import { freshCertsDir } from '../contenders/mesh-process';
import { REPO_MANIFEST } from '../paths';

export interface SoakPlan {
  readonly minutes: number;
  readonly warmupMinutes: number;
  readonly ratePerSecond: number;
  readonly freshEvery: number;
  readonly orderShare: number;
  /** Short-lived leaves, so that the soak also crosses renewal rounds (every few minutes). */
  readonly leafLifetime: string;
  readonly renewCheckSeconds: number;
}

export const FULL_SOAK: SoakPlan = {
  minutes: 20,
  warmupMinutes: 5,
  ratePerSecond: 400,
  freshEvery: 5,
  orderShare: 0.3,
  leafLifetime: '6m',
  renewCheckSeconds: 10,
};
export const SMOKE_SOAK: SoakPlan = {
  minutes: 0.25,
  warmupMinutes: 0.05,
  ratePerSecond: 50,
  freshEvery: 5,
  orderShare: 0.3,
  leafLifetime: '6m',
  renewCheckSeconds: 10,
};

export interface SoakResults {
  readonly measuredAt: string;
  readonly node: string;
  readonly plan: SoakPlan;
  readonly requests: SoakReport['requests'];
  /** Certificates the runner renewed during the soak (every workload, every round). */
  readonly renewals: number;
  /** What the services and the runner warned of during the soak (shed connections, refusals, restarts), counted by who and what. */
  readonly warnings?: Record<string, number>;
  readonly trends: Record<string, FootprintTrend>;
  /** One sample a minute per service (the run samples every 5 s; the trend uses them all). */
  readonly samples: Record<string, FootprintSample[]>;
}

/**
 * The soak: the local mesh (as `pnpm start` runs it, leaves of a few minutes so renewals happen
 * along the way) under steady load from an outside https client, a share of it on new connections,
 * for many minutes; each service's RSS and open file descriptors read from /proc every 5 s.
 */
export async function soakScenario(plan: SoakPlan, log: (line: string) => void): Promise<SoakResults> {
  const certsDir = freshCertsDir();
  const manifestFile = join(certsDir, 'mesh.yaml');
  const text = readFileSync(REPO_MANIFEST, 'utf8');
  const shortLived = text.replace(/^(\s*leafLifetime:\s*)\S+/m, `$1${plan.leafLifetime}`);
  if (shortLived === text && !text.includes(`leafLifetime: ${plan.leafLifetime}`))
    throw new Error(`${REPO_MANIFEST} has no certificates.leafLifetime to shorten`);
  writeFileSync(manifestFile, shortLived);
  let renewals = 0;
  const warnings: Record<string, number> = {};
  const mesh = await startLocalMesh({
    manifestFile,
    certsDir: join(certsDir, 'certs'),
    renewCheckMs: plan.renewCheckSeconds * 1000,
    onOutput: (service, line) => {
      if (service === 'mesh' && line.startsWith('issued ')) renewals++;
      if (service === 'mesh' && line.startsWith('renewal failed')) log(line);
      const warning = warningOf(service, line);
      if (warning) warnings[warning] = (warnings[warning] ?? 0) + 1;
    },
  });
  try {
    log(`soak: ${plan.minutes} min at ${plan.ratePerSecond}/s, 1 in ${plan.freshEvery} on a new connection, leaves of ${plan.leafLifetime}`);
    const report = await runSoak({
      origin: originOf(mesh.manifest, 'gateway', 'local'),
      client: identityFiles(mesh.certsDir, DEMO_CLIENT),
      processes: () => mesh.pids(),
      load: { ratePerSecond: plan.ratePerSecond, freshEvery: plan.freshEvery, orderShare: plan.orderShare },
      seconds: plan.minutes * 60,
      warmupSeconds: plan.warmupMinutes * 60,
      sampleEveryMs: 5_000,
      log,
    });
    const everyMinute = (samples: FootprintSample[]) =>
      samples.filter((s, i) => i === 0 || i === samples.length - 1 || Math.floor(s.atSeconds / 60) > Math.floor(samples[i - 1]!.atSeconds / 60));
    return {
      measuredAt: new Date().toISOString(),
      node: process.version,
      plan,
      requests: report.requests,
      renewals,
      warnings,
      trends: report.trends,
      samples: Object.fromEntries(Object.entries(report.samples).map(([name, samples]) => [name, everyMinute(samples)])),
    };
  } finally {
    await mesh.stop();
    rmSync(certsDir, { recursive: true, force: true });
  }
}

/**
 * `gateway mtls.shed refusedPerAddress` for a service's JSON line at warn level or above (what was
 * shed, or the refusal's class, beside the event); `mesh <line>` for the runner's restarts and failures.
 */
function warningOf(service: string, line: string): string | undefined {
  if (service === 'mesh') return /exited|restart|failed/.test(line) ? `mesh ${line.replace(/\d+/g, 'N').slice(0, 120)}` : undefined;
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as Record<string, unknown> & { level?: string | number; event?: string; message?: string; class?: string };
    const level = typeof entry.level === 'number' ? (entry.level >= 40 ? 'warn' : 'info') : entry.level;
    if (level !== 'warn' && level !== 'error' && level !== 'fatal') return undefined;
    const what = entry.event === 'mtls.shed' ? SHED_DECISIONS.filter((decision) => Number(entry[decision]) > 0).join('+') : entry.class;
    return `${service} ${entry.event ?? entry.message ?? 'warning'}${what ? ` ${what}` : ''}`;
  } catch {
    return undefined;
  }
}
