import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { databaseFile, inTransaction, newId, openDatabase, type Charge } from '@portcullis/contracts';

const MIGRATIONS = [
  `CREATE TABLE charges (
     reference TEXT PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     amount_cents INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('captured', 'voided')),
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
];

interface ChargeRow {
  reference: string;
  id: string;
  amount_cents: number;
  status: Charge['status'];
}

const toCharge = (row: ChargeRow): Charge => ({ id: row.id, reference: row.reference, amountCents: row.amount_cents, status: row.status });

export type CaptureResult = { kind: 'captured' | 'replayed'; charge: Charge } | { kind: 'voided'; charge: Charge } | { kind: 'mismatch'; charge: Charge };

/**
 * Charges, one per reference, on disk before any answer. The reference is the idempotency key:
 * a retried charge finds the first one. A void of a reference never charged leaves a `voided`
 * tombstone, so a charge request that arrives after its caller gave up on it (held in a stalled
 * queue, answered late) cannot take the money afterwards.
 */
@Injectable()
export class ChargesRepository implements OnModuleDestroy {
  private readonly db = openDatabase(databaseFile('payments'), MIGRATIONS);

  find(reference: string): Charge | undefined {
    const row = this.db.prepare('SELECT * FROM charges WHERE reference = ?').get(reference) as ChargeRow | undefined;
    return row && toCharge(row);
  }

  capture(reference: string, amountCents: number): CaptureResult {
    return inTransaction(this.db, () => {
      const existing = this.find(reference);
      if (existing) {
        if (existing.status === 'voided') return { kind: 'voided', charge: existing };
        return { kind: existing.amountCents === amountCents ? 'replayed' : 'mismatch', charge: existing };
      }
      const now = new Date().toISOString();
      const id = newId('chg');
      this.db.prepare('INSERT INTO charges VALUES (?, ?, ?, ?, ?, ?)').run(reference, id, amountCents, 'captured', now, now);
      return { kind: 'captured', charge: { id, reference, amountCents, status: 'captured' } };
    });
  }

  /** Refunds a captured charge, or forbids a future one; either way the reference ends `voided`. */
  void(reference: string): Charge {
    return inTransaction(this.db, () => {
      const now = new Date().toISOString();
      const existing = this.find(reference);
      if (!existing) {
        const id = newId('chg');
        this.db.prepare('INSERT INTO charges VALUES (?, ?, 0, ?, ?, ?)').run(reference, id, 'voided', now, now);
        return { id, reference, amountCents: 0, status: 'voided' };
      }
      this.db.prepare("UPDATE charges SET status = 'voided', updated_at = ? WHERE reference = ?").run(now, reference);
      return { ...existing, status: 'voided' };
    });
  }

  onModuleDestroy(): void {
    this.db.close();
  }
}
