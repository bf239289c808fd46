import {
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { CreateReservation, InventoryItem, Reservation } from '@portcullis/contracts';
import { StockRepository } from './stock.repository';

/**
 * How long stock stays reserved unless its order confirms it: long enough for the order flow
 * and its reconciler, short enough that stock held by a caller that vanished comes back.
 */
export const DEFAULT_RESERVATION_TTL_MS = 30_000;
const SWEEP_INTERVAL_MS = 1_000;

/** The stock rules as HTTP answers, and the sweeper that gives back expired reservations. */
@Injectable()
export class StockService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StockService.name);
  private readonly ttlMs = Number(process.env.PORTCULLIS_RESERVATION_TTL_MS ?? DEFAULT_RESERVATION_TTL_MS);
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly repository: StockRepository) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  list(): Promise<InventoryItem[]> {
    return this.repository.list();
  }

  async reserve(body: CreateReservation): Promise<Reservation> {
    const result = await this.repository.reserve(body, this.ttlMs);
    switch (result.kind) {
      case 'reserved':
      case 'replayed':
        return result.reservation;
      case 'unknown_sku':
        throw new NotFoundException(`unknown sku ${body.sku}`);
      case 'short':
        throw new ConflictException(`only ${result.available} of ${body.sku} available, ${body.quantity} requested`);
      case 'released':
        this.logger.warn(`reservation ${body.id} refused: it was released before this request was served`);
        throw new ConflictException(`reservation ${body.id} was released`);
      case 'mismatch':
        throw new UnprocessableEntityException(
          `reservation ${body.id} holds ${result.reservation.quantity} of ${result.reservation.sku}, not ${body.quantity} of ${body.sku}`,
        );
    }
  }

  async confirm(id: string): Promise<Reservation> {
    const result = await this.repository.confirm(id);
    if (result.kind === 'missing') throw new NotFoundException(`unknown reservation ${id}`);
    if (result.kind === 'released') throw new ConflictException(`reservation ${id} was released or expired`);
    return result.reservation;
  }

  /** Gives reserved stock back (the charge for it failed); idempotent, and it forbids a late reservation of the id. */
  async release(id: string): Promise<void> {
    const result = await this.repository.release(id);
    if (result.kind === 'confirmed') throw new ConflictException(`reservation ${id} is confirmed; its stock is sold`);
    this.logger.log(`reservation ${id} released${result.kind === 'tombstone' ? ' before it was made' : ''}`);
  }

  private async sweep(): Promise<void> {
    try {
      for (const expired of await this.repository.expire()) {
        this.logger.warn(`reservation ${expired.id} expired unconfirmed; ${expired.quantity} of ${expired.sku} back in stock`);
      }
    } catch (error) {
      this.logger.error(`expiring reservations failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
