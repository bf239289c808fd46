/**
 * When to start a crashed service again: half a second after the first crash, then twice as late after each
 * crash up to a ceiling, as Kubernetes' CrashLoopBackOff and systemd's RestartSec steps do. A
 * service that ran long enough before it died starts its count over.
 */
export class RestartPolicy {
  private readonly crashes = new Map<string, number>();

  constructor(
    private readonly firstDelayMs = 500,
    private readonly maxDelayMs = 30_000,
    private readonly healthyAfterMs = 60_000,
  ) {}

  /** Records a crash of `service` after `ranMs`; returns how long to wait before starting it again. */
  next(service: string, ranMs: number): number {
    const previous = ranMs >= this.healthyAfterMs ? 0 : (this.crashes.get(service) ?? 0);
    this.crashes.set(service, previous + 1);
    return Math.min(this.firstDelayMs * 2 ** previous, this.maxDelayMs);
  }

  count(service: string): number {
    return this.crashes.get(service) ?? 0;
  }
}
