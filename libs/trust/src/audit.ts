/**
 * Refusals are security events: each one is written once, as one JSON line on
 * stdout, with who (or why nobody), what and why, so a log pipeline can alert
 * on them without parsing prose.
 */
export interface Refusal {
  readonly service: string;
  readonly stage: 'handshake' | 'request';
  readonly reason: string;
  readonly peer?: string;
  readonly route?: string;
  readonly remoteAddress?: string;
}

export type AuditSink = (line: string) => void;

export class AuditLog {
  private refusals = 0;

  constructor(private readonly sink: AuditSink = (line) => process.stdout.write(line + '\n')) {}

  refused(refusal: Refusal): void {
    this.refusals++;
    this.sink(JSON.stringify({ time: new Date().toISOString(), level: 'warn', event: 'mtls.refused', ...refusal }));
  }

  /** How many refusals were logged since start, for the status route and metrics. */
  get refusedCount(): number {
    return this.refusals;
  }
}
