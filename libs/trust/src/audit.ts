import { classifyRefusalReason, type RefusalClass } from './refusal-class';
import { TokenBucket } from './token-bucket';

/**
 * Refusals are security events: each one is written as one JSON line on
 * stdout, with who (or why nobody), what and why, so a log pipeline can alert
 * on them without parsing prose. A flood of bad handshakes must not become a
 * flood of lines (16,382 in 3 minutes was measured), so past a rate the log
 * counts instead: what was not written line by line is written as one
 * summary line per interval, counted by class and stage. Nothing is dropped
 * unsaid, and `refusedCount` counts every refusal.
 */
export interface Refusal {
  readonly service: string;
  readonly stage: 'handshake' | 'request';
  readonly reason: string;
  /** Set by whoever knows it; a reason without one (an OpenSSL error) is classified from its text. */
  readonly class?: RefusalClass;
  readonly peer?: string;
  readonly route?: string;
  readonly remoteAddress?: string;
}

export type AuditSink = (line: string) => void;

/** Time, injectable so that a test can flood the log without waiting. */
export interface AuditClock {
  now(): number;
  /** Runs `callback` once after `ms`; must not keep the process alive. */
  later(callback: () => void, ms: number): void;
}

export interface AuditLimits {
  /** Refusal lines per second written in full, on average. */
  readonly linesPerSecond: number;
  /** Lines that may be written at once before the rate applies. */
  readonly burst: number;
  /** How often the count of refusals past the rate is written. */
  readonly summaryIntervalMs: number;
}

/**
 * 20 lines a second with a burst of 100: far more than a healthy mesh ever
 * refuses (a test run writes a few dozen), and a flood writes at most
 * 20 lines/s plus one summary every 10 s.
 */
export const AUDIT_LIMITS: AuditLimits = { linesPerSecond: 20, burst: 100, summaryIntervalMs: 10_000 };

const SYSTEM_CLOCK: AuditClock = {
  now: () => Date.now(),
  later: (callback, ms) => void setTimeout(callback, ms).unref(),
};

export interface AuditOptions {
  readonly limits?: Partial<AuditLimits>;
  readonly clock?: AuditClock;
}

/** What a summary line counts: refusals of one service, stage and class. */
interface Tally {
  readonly service: string;
  readonly stage: Refusal['stage'];
  readonly class: RefusalClass;
  count: number;
}

export class AuditLog {
  private refusals = 0;
  private readonly limits: AuditLimits;
  private readonly clock: AuditClock;
  private readonly bucket: TokenBucket;
  /** Refusals not written line by line since the last summary, by service, stage and class. */
  private unwritten = new Map<string, Tally>();
  private unwrittenSince = 0;

  constructor(
    private readonly sink: AuditSink = (line) => process.stdout.write(line + '\n'),
    options: AuditOptions = {},
  ) {
    this.limits = { ...AUDIT_LIMITS, ...options.limits };
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.bucket = new TokenBucket(this.limits.linesPerSecond, this.limits.burst, this.clock.now());
  }

  refused(refusal: Refusal): void {
    this.refusals++;
    const now = this.clock.now();
    const { class: given, ...fields } = refusal;
    const refusalClass = given ?? classifyRefusalReason(refusal.reason);
    if (this.bucket.take(now)) {
      this.sink(JSON.stringify({ time: new Date(now).toISOString(), level: 'warn', event: 'mtls.refused', ...fields, class: refusalClass }));
      return;
    }
    if (this.unwritten.size === 0) {
      this.unwrittenSince = now;
      this.clock.later(() => this.flush(), this.limits.summaryIntervalMs);
    }
    const key = `${refusal.service}\n${refusal.stage}\n${refusalClass}`;
    const tally = this.unwritten.get(key);
    if (tally) tally.count++;
    else this.unwritten.set(key, { service: refusal.service, stage: refusal.stage, class: refusalClass, count: 1 });
  }

  /** Writes the summary of refusals not written line by line, if any (also called on its own timer). */
  flush(): void {
    if (this.unwritten.size === 0) return;
    const counts = [...this.unwritten.values()].sort((a, b) => b.count - a.count);
    this.unwritten = new Map();
    const now = this.clock.now();
    this.sink(
      JSON.stringify({
        time: new Date(now).toISOString(),
        level: 'warn',
        event: 'mtls.refused.summary',
        since: new Date(this.unwrittenSince).toISOString(),
        notLogged: counts.reduce((sum, tally) => sum + tally.count, 0),
        counts,
      }),
    );
  }

  /** How many refusals there were since start, written line by line or not, for the status route and metrics. */
  get refusedCount(): number {
    return this.refusals;
  }
}
