import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { databaseFile, inTransaction, openDatabase, type CreateOrder, type Order } from '@portcullis/contracts';

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
export class OrdersRepository implements OnModuleDestroy {
  private readonly db = openDatabase(databaseFile('orders'), MIGRATIONS);

  find(id: string): StoredOrder | undefined {
    const row = this.db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as OrderRow | undefined;
    return row && toStored(row);
  }

  /** Creates the order for `key`, or returns the one that key already made. */
  createOnce(key: string, order: Order, request: string): { created: boolean; stored: StoredOrder } {
    return inTransaction(this.db, () => {
      const row = this.db.prepare('SELECT * FROM orders WHERE idempotency_key = ?').get(key) as OrderRow | undefined;
      if (row) return { created: false, stored: toStored(row) };
      this.db
        .prepare("INSERT INTO orders VALUES (?, ?, ?, ?, ?, 'pending', NULL, ?, NULL, NULL, NULL, ?, ?)")
        .run(order.id, key, request, order.sku, order.quantity, order.reservationId, order.createdAt, order.createdAt);
      return { created: true, stored: { order, request, failure: null } };
    });
  }

  setAmount(id: string, amountCents: number): void {
    this.db.prepare('UPDATE orders SET amount_cents = ?, updated_at = ? WHERE id = ?').run(amountCents, new Date().toISOString(), id);
  }

  confirm(id: string, chargeId: string, amountCents: number): void {
    this.db
      .prepare("UPDATE orders SET status = 'confirmed', charge_id = ?, amount_cents = ?, updated_at = ? WHERE id = ? AND status = 'pending'")
      .run(chargeId, amountCents, new Date().toISOString(), id);
  }

  fail(id: string, status: number, body: object): void {
    this.db
      .prepare("UPDATE orders SET status = 'failed', failure_status = ?, failure_body = ?, updated_at = ? WHERE id = ? AND status = 'pending'")
      .run(status, JSON.stringify(body), new Date().toISOString(), id);
  }

  pending(limit = 100): Order[] {
    const rows = this.db.prepare("SELECT * FROM orders WHERE status = 'pending' ORDER BY created_at LIMIT ?").all(limit) as unknown as OrderRow[];
    return rows.map((row) => toStored(row).order);
  }

  onModuleDestroy(): void {
    this.db.close();
  }
}
