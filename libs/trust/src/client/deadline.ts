import { DEADLINE_HEADER, remainingForCall } from '../deadline';
import { MeshCallError } from './call-error';

/**
 * How long a call may take and the deadline it carries: the client's own call timeout, or less if
 * the request being served has less left (less a margin, so this hop can still answer its own
 * caller). When nothing is left no call starts: the caller has gone, and a call now (a charge!)
 * would do work nobody waits for.
 */
export function callBudget(target: string, ownMs: number): CallBudget {
  const remaining = remainingForCall();
  if (remaining === undefined) return { ms: ownMs, fromCaller: false, underDeadline: false, headers: { [DEADLINE_HEADER]: String(ownMs) } };
  if (remaining <= 0) throw new MeshCallError(target, 'deadline', "the caller's deadline has passed; no new call started");
  const ms = Math.min(ownMs, remaining);
  return { ms, fromCaller: ms < ownMs, underDeadline: true, headers: { [DEADLINE_HEADER]: String(ms) } };
}

export interface CallBudget {
  /** The whole call may take this long. */
  readonly ms: number;
  /** The caller's deadline, not this client's own timeout, set `ms`. */
  readonly fromCaller: boolean;
  /**
   * The call is made while serving a request with a deadline: its answer may take all of `ms`.
   * Without this, a fixed response timeout shorter than the budget (5 s of 7) makes a caller
   * give up before its callee does, which is the order of giving up that charges a customer
   * who was told the order failed.
   */
  readonly underDeadline: boolean;
  readonly headers: Readonly<Record<string, string>>;
}
