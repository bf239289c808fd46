import { Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import { Charge, Reservation, type Order } from '@portcullis/contracts';
import { MeshCallError, MeshClient, type MeshResponse } from '@portcullis/trust';

/**
 * What a step of the saga learned from its peer:
 * - `done`: the peer answered and did it;
 * - `refused`: the peer answered no (out of stock, declined, voided): nothing was done;
 * - `unknown`: no answer (timeout, connection lost, a 5xx): it may or may not have been done, and
 *   only asking the peer later tells. Treating this as `refused` is the bug that charges customers
 *   who were told their order failed.
 */
export type StepOutcome<T> =
  | { readonly kind: 'done'; readonly value: T; readonly status: number }
  | { readonly kind: 'refused'; readonly status: number; readonly body: object }
  | { readonly kind: 'unknown'; readonly reason: string };

/** The peers' answers that mean "no, and nothing was done". */
const REFUSALS = new Set([400, 402, 404, 409, 422]);

/** Each step of the order saga and each compensation, as one idempotent call to a peer. */
@Injectable()
export class SagaSteps {
  private readonly logger = new Logger(SagaSteps.name);

  constructor(private readonly mesh: MeshClient) {}

  reserve(order: Order): Promise<StepOutcome<Reservation>> {
    return this.step('inventory', 'POST', '/reservations', Reservation, { id: order.reservationId, sku: order.sku, quantity: order.quantity });
  }

  charge(order: Order, amountCents: number): Promise<StepOutcome<Charge>> {
    return this.step('payments', 'POST', '/charges', Charge, { reference: order.id, amountCents });
  }

  confirmStock(order: Order): Promise<StepOutcome<Reservation>> {
    return this.step('inventory', 'POST', `/reservations/${order.reservationId}/confirm`, Reservation);
  }

  /** The in-doubt question: did the charge for this order happen? (`refused` with 404: never.) */
  lookupCharge(order: Order): Promise<StepOutcome<Charge>> {
    return this.step('payments', 'GET', `/charges/${order.id}`, Charge);
  }

  /** Compensation of the charge: refunds it, or forbids it if it has not happened yet. */
  voidCharge(order: Order): Promise<StepOutcome<Charge>> {
    return this.step('payments', 'POST', `/charges/${order.id}/void`, Charge);
  }

  /** Compensation of the reservation: gives the stock back, or forbids a late reservation. */
  async releaseStock(order: Order): Promise<StepOutcome<null>> {
    return this.step('inventory', 'DELETE', `/reservations/${order.reservationId}`, null);
  }

  private async step<T>(target: string, method: 'GET' | 'POST' | 'DELETE', path: string, schema: z.ZodType<T> | null, body?: unknown): Promise<StepOutcome<T>> {
    let response: MeshResponse;
    try {
      response = await this.mesh.call(target, method, path, body);
    } catch (error) {
      const reason = error instanceof MeshCallError ? `${error.kind}: ${error.reason}` : String(error);
      this.logger.warn(`${method} ${target}${path}: no answer (${reason}); outcome unknown`);
      return { kind: 'unknown', reason };
    }
    if (response.status >= 200 && response.status < 300) {
      if (schema === null) return { kind: 'done', value: null as T, status: response.status };
      const parsed = schema.safeParse(response.body);
      if (parsed.success) return { kind: 'done', value: parsed.data, status: response.status };
      this.logger.error(`${method} ${target}${path} answered ${response.status} with an unexpected body; outcome unknown`);
      return { kind: 'unknown', reason: 'unexpected body' };
    }
    if (REFUSALS.has(response.status) && typeof response.body === 'object' && response.body !== null) {
      return { kind: 'refused', status: response.status, body: response.body };
    }
    this.logger.warn(`${method} ${target}${path} answered ${response.status}; outcome unknown`);
    return { kind: 'unknown', reason: `answered ${response.status}` };
  }
}
