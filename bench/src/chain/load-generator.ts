/**
 * The chain's load generator, a process of its own (forked by load.ts) so that its event loop
 * is not the one that also samples memory and decides the plan. An open loop: requests go out
 * at a fixed rate whatever the answers do, each latency counted from when its request was due,
 * not from when it went out, so a stall is charged to every request queued behind it (no
 * coordinated omission). How late each request left is recorded too: the generator falling
 * behind its own schedule shows there, not as a slow chain.
 *
 * A step ends early once it cannot be sustained any more: when more than 1% of its requests
 * are already over the latency budget (answered late, or still unanswered past it), p99 is
 * over budget whatever happens next, and waiting out the rest would only pile up a backlog
 * that the next step would inherit.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { GeneratorRequest, StepOutcome, StepRequest } from './load-protocol';

let pool: Pool | undefined;
let request: GeneratorRequest | undefined;

function open(target: GeneratorRequest): Pool {
  const { tls } = target;
  return new Pool(target.origin, {
    connections: target.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
    allowH2: false,
    // undici takes the source address from the pool's options, not from `connect`.
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    connect: tls
      ? {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ca: readFileSync(tls.caFile),
          servername: tls.servername,
          rejectUnauthorized: true,
          minVersion: 'TLSv1.3',
        }
      : {},
  });
}

const sortedPercentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;

function runStep(step: StepRequest): Promise<StepOutcome> {
  const target = request!;
  const client = pool!;
  const leadIn = Math.round(step.rate * step.leadInSeconds);
  const measured = Math.max(1, Math.round(step.rate * step.seconds));
  const total = leadIn + measured;
  const interval = 1000 / step.rate;
  const allowedOver = Math.floor(measured / 100);
  const latency = new Float64Array(measured);
  const lag = new Float64Array(total);
  const done = new Uint8Array(total);
  const failures: Record<string, number> = {};
  let sent = 0;
  let settled = 0;
  let answered = 0;
  let failed = 0;
  let over = 0;
  let oldestPending = leadIn;
  let stoppedEarly: string | undefined;
  const cpuBefore = process.cpuUsage();
  const start = performance.now() + 5;
  const due = (i: number) => start + i * interval;
  /** When the measured part began: the lead-in's requests are sent but not counted. */
  const measuredStart = due(leadIn);
  const body = JSON.stringify(target.body);
  let sendingEnded = start;
  let sendingDone = false;
  let finished = false;

  return new Promise((resolve) => {
    const finish = () => {
      if (finished) return;
      finished = true;
      const latencies = latency.subarray(0, answered).sort();
      const lags = lag.subarray(0, sent).sort();
      const cpu = process.cpuUsage(cpuBefore);
      const measuredSent = Math.max(0, sent - leadIn);
      resolve({
        rate: step.rate,
        seconds: step.seconds,
        planned: measured,
        sent: measuredSent,
        failed,
        failures,
        achievedRate: measuredSent / Math.max((sendingEnded - measuredStart) / 1000, 1e-3),
        p50Ms: sortedPercentile(latencies, 50),
        p99Ms: sortedPercentile(latencies, 99),
        maxMs: latencies.length ? latencies[latencies.length - 1]! : Number.NaN,
        overBudget: over,
        sendLagP99Ms: sortedPercentile(lags, 99),
        sendLagMaxMs: lags.length ? lags[lags.length - 1]! : 0,
        generatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
        wallSeconds: (performance.now() - start) / 1000,
        ...(stoppedEarly ? { stoppedEarly } : {}),
      });
    };
    const settle = (i: number, problem: string | undefined) => {
      settled++;
      done[i] = 1;
      if (i >= leadIn) {
        const ms = performance.now() - due(i);
        latency[answered++] = ms;
        if (ms > step.budgetMs) over++;
      }
      if (problem !== undefined) {
        failed++;
        failures[problem] = (failures[problem] ?? 0) + 1;
      }
      if (sendingDone && settled === sent) finish();
    };
    const fire = (i: number) => {
      lag[i] = performance.now() - due(i);
      client.request({ path: target.path, method: target.method, headers: { 'content-type': 'application/json' }, body }).then(
        async (response) => {
          await response.body.dump();
          settle(i, target.expectStatus.includes(response.statusCode) ? undefined : `HTTP ${response.statusCode}`);
        },
        (error: unknown) => settle(i, error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)),
      );
    };
    /** Measured requests already over budget: answered late, or due more than the budget ago and still unanswered. */
    const lost = (now: number) => {
      while (oldestPending < sent && done[oldestPending]) oldestPending++;
      let late = 0;
      for (let i = oldestPending; i < sent && due(i) < now - step.budgetMs; i++) if (!done[i]) late++;
      return over + late;
    };
    let lastCheck = 0;
    const tick = () => {
      const now = performance.now();
      while (sent < total && due(sent) <= now) fire(sent++);
      if (step.stopEarly && now - lastCheck >= 50) {
        lastCheck = now;
        const at = `${((now - measuredStart) / 1000).toFixed(1)} s into the step`;
        if (lost(now) > allowedOver) stoppedEarly = `more than 1% of the step over ${step.budgetMs} ms ${at}`;
        else if (failed > 0) stoppedEarly = `a request failed ${at}`;
      }
      if (sent < total && !stoppedEarly) {
        setTimeout(tick, Math.max(0, due(sent) - performance.now()));
        return;
      }
      sendingEnded = performance.now();
      sendingDone = true;
      if (settled === sent) finish();
    };
    setTimeout(tick, 5);
  });
}

process.on('message', (message: { kind: 'open'; request: GeneratorRequest } | { kind: 'step'; step: StepRequest } | { kind: 'close' }) => {
  if (message.kind === 'open') {
    request = message.request;
    pool = open(message.request);
    process.send!({ kind: 'opened' });
  } else if (message.kind === 'step') {
    void runStep(message.step).then((outcome) => process.send!({ kind: 'outcome', outcome }));
  } else {
    void pool?.close().finally(() => process.exit(0));
  }
});
// A bench that crashed leaves no generator behind.
process.once('disconnect', () => process.exit(0));
