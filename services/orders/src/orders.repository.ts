import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { openServiceDatabase, type CreateOrder, type Order, type SqlDatabase } from '@portcullis/contracts';

const MIGRATIONS = [
  `CREATE TABLE orders (
     id TEXT PRIMARY KEY,
     idempotency_key TEXT NOT NULL UNIQUE,
     request TEXT NOT NULL,
     sku TEXT NOT NULL,
     quantity INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'failed')),
     amount_cents INTEGER,
     reservation_id TEXT NOT NULL,
     charge_id TEXT,
     failure_status INTEGER,
     failure_body TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX orders_pending ON orders (status) WHERE status = 'pending';`,
];

interface OrderRow {
  id: string;
  idempotency_key: string;
  request: string;
  sku: string;
  quantity: number;
  status: Order['status'];
  amount_cents: number | null;
  reservation_id: string;
  charge_id: string | null;
  failure_status: number | null;
  failure_body: string | null;
  created_at: string;
}

/** An order as stored: the order itself, what its first request was, and how it failed (to replay it). */
export interface StoredOrder {
  readonly order: Order;
  readonly request: string;
  readonly failure: { readonly status: number; readonly body: object } | null;
}

const toStored = (row: OrderRow): StoredOrder => ({
  order: {
    id: row.id,
    sku: row.sku,
    quantity: row.quantity,
    status: row.status,
    amountCents: row.amount_cents,
    reservationId: row.reservation_id,
    chargeId: row.charge_id,
    createdAt: row.created_at,
  },
  request: row.request,
  failure: row.failure_status === null ? null : { status: row.failure_status, body: JSON.parse(row.failure_body ?? '{}') as object },
});

/** The canonical form of a request body, compared when a key comes back (same key, other body: 422). */
export const requestFingerprint = ({ sku, quantity }: CreateOrder): string => JSON.stringify({ sku, quantity });

/**
 * Orders on disk, one per idempotency key. Each state change is committed before the flow takes
 * its next step or answers, so a SIGKILL at any point leaves an order the reconciler can finish.
 */
@Injectable()
export class OrdersRepository implements OnModuleInit, OnModuleDestroy {
  private db!: SqlDatabase;

  async onModuleInit(): Promise<void> {
    this.db = await openServiceDatabase('orders', MIGRATIONS);
  }

  async find(id: string): Promise<StoredOrder | undefined> {
    const row = await this.db.get<OrderRow>('SELECT * FROM orders WHERE id = ?', id);
    return row && toStored(row);
  }

  /** Creates the order for `key`, or returns the one that key already made (two requests at once included). */
  createOnce(key: string, order: Order, request: string): Promise<{ created: boolean; stored: StoredOrder }> {
    return this.db.transaction(async (tx) => {
      const made = await tx.run(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, 'pending', NULL, ?, NULL, NULL, NULL, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
        order.id,
        key,
        request,
        order.sku,
        order.quantity,
        order.reservationId,
        order.createdAt,
        order.createdAt,
      );
      if (made === 1) return { created: true, stored: { order, request, failure: null } };
      const row = (await tx.get<OrderRow>('SELECT * FROM orders WHERE idempotency_key = ?', key))!;
      return { created: false, stored: toStored(row) };
    });
  }

  async setAmount(id: string, amountCents: number): Promise<void> {
    await this.db.run('UPDATE orders SET amount_cents = ?, updated_at = ? WHERE id = ?', amountCents, new Date().toISOString(), id);
  }

  /** Pending -> confirmed; false when the order was no longer pending (another replica's reconciler settled it). */
  async confirm(id: string, chargeId: string, amountCents: number): Promise<boolean> {
    const changed = await this.db.run(
      "UPDATE orders SET status = 'confirmed', charge_id = ?, amount_cents = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
      chargeId,
      amountCents,
      new Date().toISOString(),
      id,
    );
    return changed === 1;
  }

  async fail(id: string, status: number, body: object): Promise<void> {
    await this.db.run(
      "UPDATE orders SET status = 'failed', failure_status = ?, failure_body = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
      status,
      JSON.stringify(body),
      new Date().toISOString(),
      id,
    );
  }

  async pending(limit = 100): Promise<Order[]> {
    const rows = await this.db.all<OrderRow>("SELECT * FROM orders WHERE status = 'pending' ORDER BY created_at LIMIT ?", limit);
    return rows.map((row) => toStored(row).order);
  }

  async onModuleDestroy(): Promise<void> {
    await this.db?.close();
  }
}
