import type { Machine } from './machine';
import type { Memory } from './processes';
import type { Plan } from './plan';
import type { AuthorityReport } from './scenarios/authority';
import type { ChainReport } from './scenarios/chain';
import type { HandshakeReport } from './scenarios/handshakes';
import type { HiccupReport } from './scenarios/hiccups';
import type { SoakResults } from './scenarios/soak';
import type { KeepAliveReport } from './scenarios/keep-alive';
import type { StartupReport } from './scenarios/startup';
import type { TransportReport } from './scenarios/transport';

/** Everything one `pnpm bench` run measured: written as results.json, and the source of BENCHMARKS.md. */
export interface BenchResults {
  readonly generatedAt: string;
  readonly plan: Plan;
  readonly durationSeconds: number;
  readonly machine: Machine;
  readonly cpuLayout: string;
  /** How often the machine kept a runnable thread off its core, before anything else ran (absent from older results). */
  readonly hiccups?: HiccupReport;
  readonly keepAlive: KeepAliveReport;
  readonly handshakes: HandshakeReport;
  readonly chain: ChainReport;
  readonly authority: AuthorityReport;
  /** HTTP/2 against pooled HTTP/1.1 between two services (absent from results written before it existed). */
  readonly transport?: TransportReport;
  readonly startup: StartupReport;
  /** An idle `node -e` process, for scale. */
  readonly nodeFloor: Memory;
  /** The long soak, measured by `pnpm bench --soak` (20 minutes) and kept across full runs. */
  readonly soak?: SoakResults;
}
