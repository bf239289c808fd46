import type { Fixture } from '../contenders/fixture';
import { ROUTE } from '../contenders/target';
import { serverCpuSeconds, type ServerName, type Servers } from '../contenders/servers';
import { interleaved } from '../interleave';
import type { CpuLayout } from '../processes';
import { medianOfEach, ratio } from '../stats';
import { runSTime } from '../tools/s-time';

export type HandshakeMode = 'new' | 'reuse';

export interface HandshakeSample {
  readonly connectionsPerSecond: number;
  /** Server CPU milliseconds per connection (handshake, one request, close). */
  readonly serverCpuMsPerConnection: number;
  /** What one server core could take at that cost: 1000 / serverCpuMsPerConnection. */
  readonly serverCoreCapacity: number;
  readonly serverCpuShare: number;
  readonly loadCpuShare: number;
  readonly resumedShare: number;
}

type Contender = 'portcullis' | 'sidecar' | 'bare-https';
type Key = `${Contender}/${HandshakeMode}`;
const CONTENDERS: readonly Contender[] = ['portcullis', 'sidecar', 'bare-https'];
const MODES: readonly HandshakeMode[] = ['new', 'reuse'];

export interface HandshakePlan {
  readonly rounds: number;
  readonly seconds: number;
  readonly parallel: number;
}

export interface HandshakeReport {
  readonly plan: HandshakePlan;
  readonly samples: Record<Key, HandshakeSample[]>;
  readonly medians: Record<Key, HandshakeSample>;
  readonly ratios: {
    /** Measured connections/s, Portcullis over the sidecar. */
    readonly newOverSidecar: number;
    readonly reuseOverSidecar: number;
    /** Per server core, from the CPU each connection cost: what the server side alone could do. */
    readonly newCapacityOverSidecar: number;
    readonly reuseCapacityOverSidecar: number;
  };
}

/**
 * Scenario 2: new connections per second from `openssl s_time`, each with a
 * full handshake presenting the caller's certificate (`new`) or resuming a
 * TLS 1.3 session (`reuse`), against Portcullis, the sidecar and a bare Node
 * https server; interleaved.
 */
export async function handshakeScenario(
  fixture: Fixture,
  servers: Servers,
  layout: CpuLayout,
  plan: HandshakePlan,
  log: (line: string) => void,
): Promise<HandshakeReport> {
  const keys = CONTENDERS.flatMap((contender) => MODES.map((mode) => `${contender}/${mode}` as Key));
  const measure = async (key: Key, seconds: number): Promise<HandshakeSample> => {
    const [name, mode] = key.split('/') as [ServerName, HandshakeMode];
    const server = servers.byName.get(name)!;
    const cpuBefore = serverCpuSeconds(server);
    const result = await runSTime({
      host: server.host,
      port: server.port,
      mode,
      seconds,
      cert: fixture.caller.certPem,
      key: fixture.caller.keyPem,
      caFile: fixture.caller.caFile,
      path: ROUTE,
      parallel: plan.parallel,
      cpus: layout.loadCpus,
    });
    const serverCpu = serverCpuSeconds(server) - cpuBefore;
    const msPerConnection = (serverCpu * 1000) / Math.max(1, result.connections);
    return {
      connectionsPerSecond: result.connectionsPerSecond,
      serverCpuMsPerConnection: msPerConnection,
      serverCoreCapacity: 1000 / msPerConnection,
      serverCpuShare: serverCpu / result.wallSeconds,
      loadCpuShare: result.loadCpuShare,
      resumedShare: result.resumedShare,
    };
  };
  for (const key of keys) await measure(key, 1);
  const samples = await interleaved(plan.rounds, keys, async (key, round) => {
    const sample = await measure(key, plan.seconds);
    log(`handshakes round ${round + 1}/${plan.rounds} ${key}: ${Math.round(sample.connectionsPerSecond)} conn/s`);
    return sample;
  });
  const medians = Object.fromEntries(keys.map((key) => [key, medianOfEach(samples[key])])) as Record<Key, HandshakeSample>;
  const compare = (mode: HandshakeMode, field: 'connectionsPerSecond' | 'serverCoreCapacity') =>
    ratio(medians[`portcullis/${mode}`][field], medians[`sidecar/${mode}`][field]);
  return {
    plan,
    samples,
    medians,
    ratios: {
      newOverSidecar: compare('new', 'connectionsPerSecond'),
      reuseOverSidecar: compare('reuse', 'connectionsPerSecond'),
      newCapacityOverSidecar: compare('new', 'serverCoreCapacity'),
      reuseCapacityOverSidecar: compare('reuse', 'serverCoreCapacity'),
    },
  };
}
