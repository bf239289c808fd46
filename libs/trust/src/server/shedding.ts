/**
 * What the admission of connections shed, by decision, since start. A plain
 * object of counters, so `GET /healthz` reports it as is and a Prometheus
 * exporter can read each field as a `_total` counter.
 */
export interface ShedCounts {
  /** A new connection closed at accept: its source address already had `pendingPerAddress` handshakes pending. */
  readonly refusedPerAddress: number;
  /** A new connection (or a just finished handshake) closed: `connections` authenticated connections were open. */
  readonly refusedAtCapacity: number;
  /** The oldest pending connection closed to admit a new one: `pendingHandshakes` were pending. */
  readonly evictedOldest: number;
  /** A pending connection closed when its handshake deadline (scaled by the pending pool's fill) passed. */
  readonly handshakeDeadlineExpired: number;
}

export type ShedDecision = keyof ShedCounts;

export const SHED_DECISIONS: readonly ShedDecision[] = ['refusedPerAddress', 'refusedAtCapacity', 'evictedOldest', 'handshakeDeadlineExpired'];

export class SheddingCounters {
  private readonly counts: Record<ShedDecision, number> = { refusedPerAddress: 0, refusedAtCapacity: 0, evictedOldest: 0, handshakeDeadlineExpired: 0 };

  count(decision: ShedDecision): void {
    this.counts[decision]++;
  }

  snapshot(): ShedCounts {
    return { ...this.counts };
  }
}

/** What a summary line reports besides the counts: the state of the pools when it was written. */
export interface AdmissionGauges {
  readonly pending: number;
  readonly authenticated: number;
  readonly handshakeDeadlineMs: number;
  /** The source address holding the most pending handshakes, the likeliest culprit. */
  readonly busiestAddress: { readonly address: string; readonly pending: number } | null;
}

export type ShedLogSink = (line: string) => void;

/**
 * One JSON line per interval with what was shed in it, and nothing when
 * nothing was: a flood sheds thousands of connections a second, and a line for
 * each would be a second flood, into the log. (Refused handshakes of clients
 * that did talk TLS stay in the audit log, one line each.)
 */
export class ShedReporter {
  private reported: ShedCounts;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly service: string,
    private readonly counters: SheddingCounters,
    private readonly gauges: () => AdmissionGauges,
    private readonly sink: ShedLogSink,
  ) {
    this.reported = counters.snapshot();
  }

  start(everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => this.report(everyMs), everyMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Writes the summary line for the last `periodMs` if anything was shed in it. */
  report(periodMs: number): void {
    const now = this.counters.snapshot();
    const shed = Object.fromEntries(SHED_DECISIONS.map((decision) => [decision, now[decision] - this.reported[decision]])) as Record<ShedDecision, number>;
    this.reported = now;
    if (SHED_DECISIONS.every((decision) => shed[decision] === 0)) return;
    this.sink(
      JSON.stringify({ time: new Date().toISOString(), level: 'warn', event: 'mtls.shed', service: this.service, periodMs, ...shed, ...this.gauges() }),
    );
  }
}
