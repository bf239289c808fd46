import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Charge, expectOk, newId, Reservation, type CreateOrder, type Order } from '@portcullis/contracts';
import { MeshClient } from '@portcullis/trust';

/**
 * How many orders the service remembers. They live in memory until orders get a database of their
 * own, and a service that keeps every order it ever placed grows until it runs out of memory (the
 * soak measured 114 -> 487 MB in 25 minutes): the most recent ones are kept, an older id answers 404.
 */
export const ORDERS_KEPT = 10_000;

/** Places orders: reserve stock in inventory, then charge payments, releasing the stock if the charge fails. */
@Injectable()
export class OrdersService {
  private readonly orders = new LRUCache<string, Order>({ max: ORDERS_KEPT });
  private readonly logger = new Logger(OrdersService.name);

  constructor(private readonly mesh: MeshClient) {}

  async place({ sku, quantity }: CreateOrder): Promise<Order> {
    const reservation = expectOk('inventory', await this.mesh.call('inventory', 'POST', '/reservations', { sku, quantity }), Reservation);
    const id = newId('ord');
    const amountCents = reservation.quantity * reservation.unitPriceCents;
    let charge: Charge;
    try {
      charge = expectOk('payments', await this.mesh.call('payments', 'POST', '/charges', { reference: id, amountCents }), Charge);
    } catch (error) {
      await this.release(reservation.id);
      throw error;
    }
    const order: Order = {
      id,
      sku,
      quantity,
      status: 'confirmed',
      amountCents,
      reservationId: reservation.id,
      chargeId: charge.id,
      createdAt: new Date().toISOString(),
    };
    this.orders.set(id, order);
    return order;
  }

  /** Gives the stock back; a failure here is logged, and the caller still hears why the order failed. */
  private async release(reservationId: string): Promise<void> {
    try {
      const response = await this.mesh.call('inventory', 'DELETE', `/reservations/${reservationId}`);
      if (response.status !== 204) this.logger.error(`releasing ${reservationId} answered ${response.status}; its stock stays reserved`);
    } catch (error) {
      this.logger.error(`releasing ${reservationId} failed (${error instanceof Error ? error.message : String(error)}); its stock stays reserved`);
    }
  }

  find(id: string): Order {
    const order = this.orders.get(id);
    if (!order) throw new NotFoundException(`no order ${id}`);
    return order;
  }
}
