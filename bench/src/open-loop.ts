import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './stats';

export interface OpenLoopResult {
  readonly targetRate: number;
  readonly achievedRate: number;
  readonly sent: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: Record<string, number>;
}

/**
 * Sends requests at a fixed rate whatever the answers do (an open loop), and
 * measures each latency from the moment its request was due, not from when it
 * went out: a server that stalls is charged for the requests queued behind the
 * stall (no "coordinated omission"). `send` resolves to an error string, or
 * undefined on success.
 */
export async function openLoop(rate: number, seconds: number, send: () => Promise<string | undefined>): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    inFlight.push(
      send().then(
        (problem) => {
          latencies.push(performance.now() - due);
          if (problem !== undefined) {
            failed++;
            failures[problem] = (failures[problem] ?? 0) + 1;
          }
        },
        (error: unknown) => {
          latencies.push(performance.now() - due);
          failed++;
          const reason = error instanceof Error ? error.message : String(error);
          failures[reason] = (failures[reason] ?? 0) + 1;
        },
      ),
    );
  }
  const sendingSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  return {
    targetRate: rate,
    achievedRate: total / Math.max(sendingSeconds, seconds),
    sent: total,
    failed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failures,
  };
}
