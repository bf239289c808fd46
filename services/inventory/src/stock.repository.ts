import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { databaseFile, inTransaction, openDatabase, type CreateReservation, type Migration, type InventoryItem, type Reservation } from '@portcullis/contracts';

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
  (db) => {
    const insert = db.prepare('INSERT INTO stock (sku, available, unit_price_cents) VALUES (?, ?, ?)');
    for (const line of SEED_STOCK) insert.run(line.sku, line.units, line.unitPriceCents);
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
 */
@Injectable()
export class StockRepository implements OnModuleDestroy {
  private readonly db = openDatabase(databaseFile('inventory'), MIGRATIONS);

  list(): InventoryItem[] {
    return this.db.prepare('SELECT sku, available FROM stock ORDER BY sku').all() as unknown as InventoryItem[];
  }

  private find(id: string): ReservationRow | undefined {
    return this.db.prepare('SELECT * FROM reservations WHERE id = ?').get(id) as ReservationRow | undefined;
  }

  reserve({ id, sku, quantity }: CreateReservation, ttlMs: number, now = new Date()): ReserveResult {
    return inTransaction(this.db, () => {
      const existing = this.find(id);
      if (existing) {
        if (existing.status === 'released') return { kind: 'released', reservation: toReservation(existing) };
        const same = existing.sku === sku && existing.quantity === quantity;
        return { kind: same ? 'replayed' : 'mismatch', reservation: toReservation(existing) };
      }
      const line = this.db.prepare('SELECT available, unit_price_cents FROM stock WHERE sku = ?').get(sku) as
        { available: number; unit_price_cents: number } | undefined;
      if (!line) return { kind: 'unknown_sku' };
      if (line.available < quantity) return { kind: 'short', available: line.available };
      this.db.prepare('UPDATE stock SET available = available - ?, reserved = reserved + ? WHERE sku = ?').run(quantity, quantity, sku);
      const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
      this.db
        .prepare("INSERT INTO reservations VALUES (?, ?, ?, ?, 'reserved', ?, ?)")
        .run(id, sku, quantity, line.unit_price_cents, expiresAt, now.toISOString());
      return { kind: 'reserved', reservation: { id, sku, quantity, unitPriceCents: line.unit_price_cents, status: 'reserved', expiresAt } };
    });
  }

  /** Reserved -> sold. A reservation that expired (even if not swept yet) was released instead. */
  confirm(id: string, now = new Date()): ConfirmResult {
    return inTransaction(this.db, () => {
      const row = this.find(id);
      if (!row) return { kind: 'missing' };
      if (row.status === 'confirmed') return { kind: 'confirmed', reservation: toReservation(row) };
      if (row.status === 'reserved' && row.expires_at <= now.toISOString()) this.releaseRow(row, now);
      if (row.status === 'released' || row.expires_at <= now.toISOString()) return { kind: 'released' };
      this.db.prepare('UPDATE stock SET reserved = reserved - ?, sold = sold + ? WHERE sku = ?').run(row.quantity, row.quantity, row.sku);
      this.db.prepare("UPDATE reservations SET status = 'confirmed', updated_at = ? WHERE id = ?").run(now.toISOString(), id);
      return { kind: 'confirmed', reservation: toReservation({ ...row, status: 'confirmed' }) };
    });
  }

  /**
   * Reserved -> available. An id never reserved gets a `released` tombstone, so that a reservation
   * request still on its way (its caller gave up on it) cannot take the stock afterwards.
   */
  release(id: string, now = new Date()): ReleaseResult {
    return inTransaction(this.db, () => {
      const row = this.find(id);
      if (!row) {
        this.db.prepare("INSERT INTO reservations VALUES (?, '', 0, 0, 'released', ?, ?)").run(id, now.toISOString(), now.toISOString());
        return { kind: 'tombstone' };
      }
      if (row.status === 'confirmed') return { kind: 'confirmed' };
      if (row.status === 'reserved') this.releaseRow(row, now);
      return { kind: 'released' };
    });
  }

  /** Releases every reservation past its expiry; returns what it released. */
  expire(now = new Date()): Reservation[] {
    return inTransaction(this.db, () => {
      const rows = this.db
        .prepare("SELECT * FROM reservations WHERE status = 'reserved' AND expires_at <= ?")
        .all(now.toISOString()) as unknown as ReservationRow[];
      for (const row of rows) this.releaseRow(row, now);
      return rows.map(toReservation);
    });
  }

  private releaseRow(row: ReservationRow, now: Date): void {
    this.db.prepare('UPDATE stock SET available = available + ?, reserved = reserved - ? WHERE sku = ?').run(row.quantity, row.quantity, row.sku);
    this.db.prepare("UPDATE reservations SET status = 'released', updated_at = ? WHERE id = ?").run(now.toISOString(), row.id);
  }

  onModuleDestroy(): void {
    this.db.close();
  }
}
