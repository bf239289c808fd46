import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How long the caller will still wait, in milliseconds, relative as gRPC's `grpc-timeout` is: a
 * relative budget needs no agreement between the clocks of two hosts.
 */
export const DEADLINE_HEADER = 'portcullis-timeout-ms';

/**
 * What each hop keeps for itself out of what remains: time to write its own answer (or its
 * compensation) after its callee gave up, before its caller gives up on it.
 */
export const DEADLINE_MARGIN_MS = 250;

/**
 * The budget of a request that came with no deadline (an outside client of the gateway, the
 * monitor): long enough for the order flow under load, shorter than the server's own request
 * timeout (10 s), so that the mesh gives its answer before Fastify cuts the connection.
 */
export const DEFAULT_BUDGET_MS = 8_000;

/** The longest budget a caller may ask for; a larger header is clamped, not refused. */
export const MAX_BUDGET_MS = 60_000;

const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with an absolute deadline (epoch ms) that every mesh call made inside it will honour. */
export function withDeadline<T>(deadline: number, work: () => T): T {
  return deadlines.run(deadline, work);
}

/** The deadline of the request being served, if any (epoch ms). */
export function currentDeadline(): number | undefined {
  return deadlines.getStore();
}

/** Milliseconds a new call may take: what the current deadline leaves, less the margin (may be <= 0). */
export function remainingForCall(now: number = Date.now()): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline - now - DEADLINE_MARGIN_MS;
}

/** The header's value as a budget in ms, or a sentence saying why it is not one. */
export function parseBudget(value: string | string[] | undefined): { ok: true; budgetMs: number | undefined } | { ok: false; reason: string } {
  if (value === undefined) return { ok: true, budgetMs: undefined };
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^-?\d{1,9}$/.test(text)) return { ok: false, reason: `${DEADLINE_HEADER} must be a whole number of milliseconds` };
  return { ok: true, budgetMs: Math.min(Number(text), MAX_BUDGET_MS) };
}
