import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  openServiceDatabase,
  type CreateReservation,
  type InventoryItem,
  type Migration,
  type Reservation,
  type SqlDatabase,
  type SqlExecutor,
} from '@portcullis/contracts';

/** The stock a new database starts with: enough to show a real flow. */
export const SEED_STOCK: ReadonlyArray<{ sku: string; units: number; unitPriceCents: number }> = [
  // Plenty of WIDGET-1, so that load and rotation drills never run out of stock.
  { sku: 'WIDGET-1', units: 1_000_000, unitPriceCents: 1_250 },
  { sku: 'GADGET-2', units: 25, unitPriceCents: 4_999 },
  { sku: 'GIZMO-3', units: 5, unitPriceCents: 19_900 },
];

const MIGRATIONS: Migration[] = [
  `CREATE TABLE stock (
     sku TEXT PRIMARY KEY,
     available INTEGER NOT NULL CHECK (available >= 0),
     reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
     sold INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0),
     unit_price_cents INTEGER NOT NULL
   );
   CREATE TABLE reservations (
     id TEXT PRIMARY KEY,
     sku TEXT NOT NULL,
     quantity INTEGER NOT NULL,
     unit_price_cents INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('reserved', 'confirmed', 'released')),
     expires_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX reservations_expiring ON reservations (status, expires_at);`,
  async (tx) => {
    for (const line of SEED_STOCK)
      await tx.run('INSERT INTO stock (sku, available, unit_price_cents) VALUES (?, ?, ?)', line.sku, line.units, line.unitPriceCents);
  },
];

interface ReservationRow {
  id: string;
  sku: string;
  quantity: number;
  unit_price_cents: number;
  status: Reservation['status'];
  expires_at: string;
}

const toReservation = (row: ReservationRow): Reservation => ({
  id: row.id,
  sku: row.sku,
  quantity: row.quantity,
  unitPriceCents: row.unit_price_cents,
  status: row.status,
  expiresAt: row.expires_at,
});

export type ReserveResult =
  | { kind: 'reserved' | 'replayed'; reservation: Reservation }
  | { kind: 'released' | 'mismatch'; reservation: Reservation }
  | { kind: 'unknown_sku' }
  | { kind: 'short'; available: number };

export type ConfirmResult = { kind: 'confirmed'; reservation: Reservation } | { kind: 'released' } | { kind: 'missing' };
export type ReleaseResult = { kind: 'released' | 'tombstone' } | { kind: 'confirmed' };

/**
 * Stock and reservations on disk. Every unit is in exactly one of `available`, `reserved` or
 * `sold`, moved between them in one transaction with the reservation it belongs to, so no crash
 * can lose or double a unit. A reservation is keyed by the id its caller chose: a retry finds it.
 * Rows read before a write are locked (`FOR UPDATE`), so concurrent orders for one SKU queue on
 * its stock line instead of both taking the last unit.
 */
@Injectable()
export class StockRepository implements OnModuleInit, OnModuleDestroy {
  private db!: SqlDatabase;

  async onModuleInit(): Promise<void> {
    this.db = await openServiceDatabase('inventory', MIGRATIONS);
  }

  list(): Promise<InventoryItem[]> {
    return this.db.all<InventoryItem>('SELECT sku, available FROM stock ORDER BY sku');
  }

  private find(tx: SqlExecutor, id: string): Promise<ReservationRow | undefined> {
    return tx.get<ReservationRow>('SELECT * FROM reservations WHERE id = ? FOR UPDATE', id);
  }

  reserve({ id, sku, quantity }: CreateReservation, ttlMs: number, now = new Date()): Promise<ReserveResult> {
    return this.db.transaction(async (tx): Promise<ReserveResult> => {
      const line = await tx.get<{ available: number; unit_price_cents: number }>('SELECT available, unit_price_cents FROM stock WHERE sku = ? FOR UPDATE', sku);
      // After the stock line's lock: a retry of the same id running at once waits here, then finds the first.
      const existing = await this.find(tx, id);
      if (existing) {
        if (existing.status === 'released') return { kind: 'released', reservation: toReservation(existing) };
        const same = existing.sku === sku && existing.quantity === quantity;
        return { kind: same ? 'replayed' : 'mismatch', reservation: toReservation(existing) };
      }
      if (!line) return { kind: 'unknown_sku' };
      if (line.available < quantity) return { kind: 'short', available: line.available };
      await tx.run('UPDATE stock SET available = available - ?, reserved = reserved + ? WHERE sku = ?', quantity, quantity, sku);
      const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
      await tx.run("INSERT INTO reservations VALUES (?, ?, ?, ?, 'reserved', ?, ?)", id, sku, quantity, line.unit_price_cents, expiresAt, now.toISOString());
      return { kind: 'reserved', reservation: { id, sku, quantity, unitPriceCents: line.unit_price_cents, status: 'reserved', expiresAt } };
    });
  }

  /** Reserved -> sold. A reservation that expired (even if not swept yet) was released instead. */
  confirm(id: string, now = new Date()): Promise<ConfirmResult> {
    return this.db.transaction(async (tx): Promise<ConfirmResult> => {
      const row = await this.find(tx, id);
      if (!row) return { kind: 'missing' };
      if (row.status === 'confirmed') return { kind: 'confirmed', reservation: toReservation(row) };
      if (row.status === 'released') return { kind: 'released' };
      if (row.expires_at <= now.toISOString()) {
        await this.releaseRow(tx, row, now);
        return { kind: 'released' };
      }
      await tx.run('UPDATE stock SET reserved = reserved - ?, sold = sold + ? WHERE sku = ?', row.quantity, row.quantity, row.sku);
      await tx.run("UPDATE reservations SET status = 'confirmed', updated_at = ? WHERE id = ?", now.toISOString(), id);
      return { kind: 'confirmed', reservation: toReservation({ ...row, status: 'confirmed' }) };
    });
  }

  /**
   * Reserved -> available. An id never reserved gets a `released` tombstone, so that a reservation
   * request still on its way (its caller gave up on it) cannot take the stock afterwards.
   */
  release(id: string, now = new Date()): Promise<ReleaseResult> {
    return this.db.transaction(async (tx): Promise<ReleaseResult> => {
      let row = await this.find(tx, id);
      if (!row) {
        const made = await tx.run(
          "INSERT INTO reservations VALUES (?, '', 0, 0, 'released', ?, ?) ON CONFLICT (id) DO NOTHING",
          id,
          now.toISOString(),
          now.toISOString(),
        );
        if (made === 1) return { kind: 'tombstone' };
        // The reservation was made between our read and our insert: release it as any other.
        row = (await this.find(tx, id))!;
      }
      if (row.status === 'confirmed') return { kind: 'confirmed' };
      if (row.status === 'reserved') await this.releaseRow(tx, row, now);
      return { kind: 'released' };
    });
  }

  /** Releases every reservation past its expiry; returns what it released. */
  expire(now = new Date()): Promise<Reservation[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.all<ReservationRow>("SELECT * FROM reservations WHERE status = 'reserved' AND expires_at <= ? FOR UPDATE", now.toISOString());
      for (const row of rows) await this.releaseRow(tx, row, now);
      return rows.map(toReservation);
    });
  }

  private async releaseRow(tx: SqlExecutor, row: ReservationRow, now: Date): Promise<void> {
    await tx.run('UPDATE stock SET available = available + ?, reserved = reserved - ? WHERE sku = ?', row.quantity, row.quantity, row.sku);
    await tx.run("UPDATE reservations SET status = 'released', updated_at = ? WHERE id = ?", now.toISOString(), row.id);
  }

  async onModuleDestroy(): Promise<void> {
    await this.db?.close();
  }
}
