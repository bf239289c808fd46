import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { newId, type CreateReservation, type InventoryItem, type Reservation } from '@portcullis/contracts';

interface StockLine {
  available: number;
  readonly unitPriceCents: number;
}

/**
 * How many reservations can still be released. A reservation is released when the charge for it
 * fails, within the same order call; one that was never released belongs to a placed order. The
 * most recent ones are kept, so memory stays flat under load; an older one can no longer be
 * released (its stock stays sold) and answers 404.
 */
export const RESERVATIONS_KEPT = 10_000;

/** In-memory stock, seeded with a few SKUs: enough to show a real flow, with no database to run. */
@Injectable()
export class StockService {
  private readonly stock = new Map<string, StockLine>([
    // Plenty of WIDGET-1, so that load and rotation drills never run out of stock.
    ['WIDGET-1', { available: 1_000_000, unitPriceCents: 1_250 }],
    ['GADGET-2', { available: 25, unitPriceCents: 4_999 }],
    ['GIZMO-3', { available: 5, unitPriceCents: 19_900 }],
  ]);
  private readonly reservations = new LRUCache<string, Reservation>({ max: RESERVATIONS_KEPT });

  list(): InventoryItem[] {
    return [...this.stock].map(([sku, line]) => ({ sku, available: line.available }));
  }

  reserve({ sku, quantity }: CreateReservation): Reservation {
    const line = this.stock.get(sku);
    if (!line) throw new NotFoundException(`unknown sku ${sku}`);
    if (line.available < quantity) throw new ConflictException(`only ${line.available} of ${sku} available, ${quantity} requested`);
    line.available -= quantity;
    const reservation = { id: newId('res'), sku, quantity, unitPriceCents: line.unitPriceCents };
    this.reservations.set(reservation.id, reservation);
    return reservation;
  }

  /** Gives reserved stock back, e.g. when the payment for it failed. */
  release(id: string): void {
    const reservation = this.reservations.get(id);
    if (!reservation) throw new NotFoundException(`unknown reservation ${id}`);
    this.reservations.delete(id);
    this.stock.get(reservation.sku)!.available += reservation.quantity;
  }
}
