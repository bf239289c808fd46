import { HttpException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { newId, relatedId, type CreateOrder, type Order } from '@portcullis/contracts';
import { OrdersRepository, requestFingerprint, type StoredOrder } from './orders.repository';
import { SagaSteps } from './saga-steps';

/** An order as answered: 201 confirmed, 202 pending (in doubt; the reconciler finishes it). */
export interface Placed {
  readonly status: 201 | 202;
  readonly order: Order;
}

/**
 * Places orders as a saga: reserve the stock, charge, confirm the stock. Each step is idempotent
 * by a key derived from the order, and each state change is on disk before the next step.
 * A step that got no answer leaves the order `pending`; the reconciler asks the peer what
 * happened and finishes or compensates it. A known refusal compensates at once.
 *
 * Idempotency-Key semantics follow the IETF httpapi draft (draft-ietf-httpapi-idempotency-key-header):
 * the same key and body replays the first outcome (the same order, or the same error), the same key
 * with another body is 422, and a key whose first request is still being served is 409.
 */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);
  /** Orders whose first request is being served by this process: the reconciler leaves them alone. */
  readonly inFlight = new Set<string>();

  constructor(
    private readonly repository: OrdersRepository,
    private readonly steps: SagaSteps,
  ) {}

  async place(key: string, body: CreateOrder): Promise<Placed> {
    const id = newId('ord');
    const fresh: Order = {
      id,
      sku: body.sku,
      quantity: body.quantity,
      status: 'pending',
      amountCents: null,
      reservationId: relatedId(id, 'res'),
      chargeId: null,
      createdAt: new Date().toISOString(),
    };
    const request = requestFingerprint(body);
    const { created, stored } = await this.repository.createOnce(key, fresh, request);
    if (!created) return this.replay(key, stored, request);
    this.inFlight.add(id);
    try {
      return await this.run(fresh);
    } finally {
      this.inFlight.delete(id);
    }
  }

  async find(id: string): Promise<Order> {
    const stored = await this.repository.find(id);
    if (!stored) throw new NotFoundException(`no order ${id}`);
    return stored.order;
  }

  private replay(key: string, stored: StoredOrder, request: string): Placed {
    if (stored.request !== request) {
      throw new HttpException(
        { statusCode: 422, error: 'Unprocessable Entity', message: `Idempotency-Key ${key} was used for another request (${stored.request})` },
        422,
      );
    }
    const { order } = stored;
    if (order.status === 'pending' && this.inFlight.has(order.id)) {
      throw new HttpException(
        { statusCode: 409, error: 'Conflict', message: `the first request with Idempotency-Key ${key} is still being served; retry later` },
        409,
      );
    }
    this.logger.log(`Idempotency-Key ${key} seen again: answering with order ${order.id} (${order.status})`);
    if (order.status === 'failed' && stored.failure) throw new HttpException(stored.failure.body, stored.failure.status);
    return { status: order.status === 'confirmed' ? 201 : 202, order };
  }

  private async run(order: Order): Promise<Placed> {
    const pending = async (why: string): Promise<Placed> => {
      this.logger.warn(`order ${order.id} pending: ${why}; the reconciler will settle it`);
      return { status: 202, order: await this.find(order.id) };
    };
    const reserved = await this.steps.reserve(order);
    if (reserved.kind === 'unknown') return pending(`reservation outcome unknown (${reserved.reason})`);
    if (reserved.kind === 'refused') return this.failWith(order, reserved.status, reserved.body);
    const amountCents = reserved.value.quantity * reserved.value.unitPriceCents;
    await this.repository.setAmount(order.id, amountCents);

    const charged = await this.steps.charge(order, amountCents);
    if (charged.kind === 'unknown') return pending(`charge outcome unknown (${charged.reason})`);
    if (charged.kind === 'refused') {
      const released = await this.steps.releaseStock(order);
      if (released.kind !== 'done') this.logger.error(`order ${order.id}: releasing ${order.reservationId} failed; its reservation expires by itself`);
      return this.failWith(order, charged.status, charged.body);
    }

    const confirmed = await this.steps.confirmStock(order);
    if (confirmed.kind === 'unknown') return pending(`stock confirmation unknown (${confirmed.reason})`);
    if (confirmed.kind === 'refused') {
      // The reservation expired while the charge was under way: give the money back.
      const voided = await this.steps.voidCharge(order);
      if (voided.kind !== 'done') return pending('reservation expired and the void of its charge got no answer');
      return this.failWith(order, 409, {
        statusCode: 409,
        error: 'Conflict',
        message: 'the reservation expired before the charge went through; the charge was voided',
      });
    }
    if (!(await this.repository.confirm(order.id, charged.value.id, amountCents))) {
      // No longer pending: a reconciler (another replica's) settled it meanwhile. Answer what it decided.
      const settled = (await this.repository.find(order.id))!;
      if (settled.order.status === 'failed' && settled.failure) throw new HttpException(settled.failure.body, settled.failure.status);
      return { status: settled.order.status === 'confirmed' ? 201 : 202, order: settled.order };
    }
    // What was just committed, without reading it back.
    return { status: 201, order: { ...order, status: 'confirmed', chargeId: charged.value.id, amountCents } };
  }

  private async failWith(order: Order, status: number, body: object): Promise<never> {
    await this.repository.fail(order.id, status, body);
    this.logger.warn(`order ${order.id} failed (${status}): ${JSON.stringify(body)}`);
    throw new HttpException(body, status);
  }
}
