import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Order } from '@portcullis/contracts';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { SagaSteps } from './saga-steps';

/** How often pending orders are looked at: well inside the 10 s in which payments' answer must settle them. */
export const RECONCILE_INTERVAL_MS = 1_000;

/**
 * Settles orders left `pending` (a step got no answer, or orders died mid-flow) by asking
 * payments, the one peer that knows whether money moved:
 * - the charge was captured: confirm the stock, and the order; if the stock is gone (its
 *   reservation expired), void the charge;
 * - there is no charge, or it was voided: void the reference (so a charge still on its way is
 *   refused), release the stock, and fail the order;
 * - payments does not answer: try again at the next tick.
 * Every step is idempotent, so a tick interrupted by a crash is simply done again.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Reconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly repository: OrdersRepository,
    private readonly orders: OrdersService,
    private readonly steps: SagaSteps,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), RECONCILE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const due = (await this.repository.pending()).filter((order) => !this.orders.inFlight.has(order.id));
      // In parallel: one stalled peer must not hold up every other order behind it.
      await Promise.all(due.map((order) => this.settle(order)));
    } catch (error) {
      this.logger.error(`reconciling failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = false;
    }
  }

  private async settle(order: Order): Promise<void> {
    const charge = await this.steps.lookupCharge(order);
    if (charge.kind === 'unknown') return;
    if (charge.kind === 'done' && charge.value.status === 'captured') {
      const confirmed = await this.steps.confirmStock(order);
      if (confirmed.kind === 'unknown') return;
      if (confirmed.kind === 'done') {
        await this.repository.confirm(order.id, charge.value.id, charge.value.amountCents);
        this.logger.log(`order ${order.id} confirmed by the reconciler: charge ${charge.value.id} was captured`);
        return;
      }
    } else if (charge.kind === 'refused' && charge.status !== 404) {
      this.logger.error(`order ${order.id}: payments refused the charge lookup (${charge.status}); will ask again`);
      return;
    }
    // No charge, a voided one, or a captured one whose stock is gone: undo both sides, then fail.
    const voided = await this.steps.voidCharge(order);
    if (voided.kind !== 'done') return;
    const released = await this.steps.releaseStock(order);
    if (released.kind === 'unknown') return;
    if (released.kind === 'refused') this.logger.error(`order ${order.id}: inventory refused to release ${order.reservationId} (${released.status})`);
    const body = { statusCode: 502, error: 'Bad Gateway', message: 'the order could not be completed; nothing was charged' };
    await this.repository.fail(order.id, 502, body);
    this.logger.warn(`order ${order.id} failed by the reconciler: charge voided (${voided.value.amountCents} cents refunded), stock released`);
  }
}
