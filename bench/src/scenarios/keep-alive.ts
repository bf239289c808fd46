import type { Fixture } from '../contenders/fixture';
import { ROUTE } from '../contenders/target';
import { SERVERS, serverCpuSeconds, serverMemory, type ServerName, type Servers, type ServerUnderTest } from '../contenders/servers';
import { interleaved } from '../interleave';
import type { CpuLayout, Memory } from '../processes';
import { medianOfEach, ratio } from '../stats';
import { runAb } from '../tools/ab';

export interface KeepAliveSample {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU seconds per wall second of everything that serves the route (nginx and the app, for the sidecar). */
  readonly serverCpuShare: number;
  readonly loadCpuShare: number;
  readonly errors: number;
}

export interface KeepAliveReport {
  readonly concurrency: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly samples: Record<ServerName, KeepAliveSample[]>;
  readonly medians: Record<ServerName, KeepAliveSample>;
  /** Memory of everything serving each contender (nginx and the app for the sidecar), after the rounds. */
  readonly memory: Record<ServerName, Memory>;
  readonly ratios: {
    readonly portcullisOverPlaintext: number;
    readonly portcullisOverSidecar: number;
    /** Node's TLS alone (same app, same HTTPS options, no Portcullis checks) over plaintext, and Portcullis over that. */
    readonly tlsOnlyOverPlaintext: number;
    readonly portcullisOverTlsOnly: number;
    /** Portcullis with the mesh's Node flags over the same service with Node's defaults. */
    readonly serviceFlagsOverV8Defaults: number;
    /** The same split for the bare servers: what TLS costs Node with no framework at all. */
    readonly bareHttpsOverBareHttp: number;
    /** How much faster the load generator goes against a bare Node server than against each contender: above 1, it is not what limits them. */
    readonly loadGeneratorHeadroomTls: number;
    readonly loadGeneratorHeadroomPlaintext: number;
  };
}

export interface KeepAlivePlan {
  readonly rounds: number;
  readonly seconds: number;
  readonly concurrency: number;
}

/** Every server is a keep-alive contender. */
const CONTENDERS: readonly ServerName[] = SERVERS;

/**
 * Scenario 1: keep-alive requests/s and latency on `GET /inventory`, the
 * contenders interleaved round by round, ab presenting the caller's
 * certificate on every TLS connection.
 */
export async function keepAliveScenario(
  fixture: Fixture,
  servers: Servers,
  layout: CpuLayout,
  plan: KeepAlivePlan,
  log: (line: string) => void,
): Promise<KeepAliveReport> {
  const measure = async (server: ServerUnderTest, seconds: number): Promise<KeepAliveSample> => {
    const cpuBefore = serverCpuSeconds(server);
    const result = await runAb({
      url: `${server.tls ? 'https' : 'http'}://${server.host}:${server.port}${ROUTE}`,
      ...(server.tls ? { clientPem: fixture.caller.combinedPem } : {}),
      concurrency: plan.concurrency,
      seconds,
      cpus: layout.loadCpus,
      dir: fixture.dir,
    });
    return {
      requestsPerSecond: result.requestsPerSecond,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      serverCpuShare: (serverCpuSeconds(server) - cpuBefore) / result.wallSeconds,
      loadCpuShare: result.loadCpuShare,
      errors: result.failed + result.non2xx,
    };
  };
  const warmUpSeconds = Math.max(1, Math.round(plan.seconds / 2));
  for (const name of CONTENDERS) await measure(servers.byName.get(name)!, warmUpSeconds); // JIT and pools warm for everyone alike.
  const samples = await interleaved(plan.rounds, CONTENDERS, async (name, round) => {
    const sample = await measure(servers.byName.get(name)!, plan.seconds);
    log(`keep-alive round ${round + 1}/${plan.rounds} ${name}: ${Math.round(sample.requestsPerSecond)} req/s`);
    return sample;
  });
  const medians = Object.fromEntries(CONTENDERS.map((name) => [name, medianSample(samples[name])])) as Record<ServerName, KeepAliveSample>;
  const rps = (name: ServerName) => medians[name].requestsPerSecond;
  return {
    concurrency: plan.concurrency,
    seconds: plan.seconds,
    rounds: plan.rounds,
    samples,
    medians,
    memory: Object.fromEntries(CONTENDERS.map((name) => [name, serverMemory(servers.byName.get(name)!)])) as Record<ServerName, Memory>,
    ratios: {
      portcullisOverPlaintext: ratio(rps('portcullis'), rps('plaintext')),
      portcullisOverSidecar: ratio(rps('portcullis'), rps('sidecar')),
      tlsOnlyOverPlaintext: ratio(rps('tls-only'), rps('plaintext')),
      portcullisOverTlsOnly: ratio(rps('portcullis'), rps('tls-only')),
      serviceFlagsOverV8Defaults: ratio(rps('portcullis'), rps('portcullis-v8-defaults')),
      bareHttpsOverBareHttp: ratio(rps('bare-https'), rps('bare-http')),
      loadGeneratorHeadroomTls: ratio(rps('bare-https'), Math.max(rps('portcullis'), rps('sidecar'))),
      loadGeneratorHeadroomPlaintext: ratio(rps('bare-http'), rps('plaintext')),
    },
  };
}

/** Medians of every figure, except errors, which are counted over all rounds: one is one too many. */
function medianSample(samples: readonly KeepAliveSample[]): KeepAliveSample {
  return { ...medianOfEach(samples), errors: samples.reduce((total, s) => total + s.errors, 0) };
}
