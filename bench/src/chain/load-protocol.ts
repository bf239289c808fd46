/** What the bench and its load generator process (load-generator.ts) say to each other. */
export interface GeneratorRequest {
  /** `https://host:port` or `http://host:port`. */
  readonly origin: string;
  readonly method: 'POST' | 'GET';
  readonly path: string;
  readonly body: unknown;
  /** Answers that count as success. */
  readonly expectStatus: readonly number[];
  /** Keep-alive connections the generator may open; a request that finds them all busy waits (its latency counts from when it was due). */
  readonly connections: number;
  /** Present the client's certificate over TLS 1.3 and check the server's against the mesh bundle. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string; readonly servername: string };
  /** Where plain connections come from (the plaintext chain identifies callers by address). */
  readonly localAddress?: string;
}

export interface StepRequest {
  readonly rate: number;
  readonly seconds: number;
  /** Sent at the same rate before the measured `seconds`, not counted: the pools on every hop grow to the rate. */
  readonly leadInSeconds: number;
  readonly budgetMs: number;
  /** End the step as soon as it cannot be sustained (not for a warm-up, which must run its course). */
  readonly stopEarly: boolean;
}

export interface StepOutcome {
  readonly rate: number;
  readonly seconds: number;
  readonly planned: number;
  readonly sent: number;
  readonly failed: number;
  readonly failures: Record<string, number>;
  /** Requests sent per second of sending. */
  readonly achievedRate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers later than the budget (counted from when each was due). */
  readonly overBudget: number;
  /** How late the generator sent, against its own schedule: its own limit shows here. */
  readonly sendLagP99Ms: number;
  readonly sendLagMaxMs: number;
  readonly generatorCpuSeconds: number;
  readonly wallSeconds: number;
  /** Why the step ended before its time, when it could no longer be sustained. */
  readonly stoppedEarly?: string;
}
