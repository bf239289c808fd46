import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { newId, openServiceDatabase, type Charge, type SqlDatabase, type SqlExecutor } from '@portcullis/contracts';

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

export type CaptureResult = { kind: 'captured' | 'replayed' | 'voided' | 'mismatch'; charge: Charge };

/**
 * Charges, one per reference, on disk before any answer. The reference is the idempotency key:
 * a retried charge finds the first one. A void of a reference never charged leaves a `voided`
 * tombstone, so a charge request that arrives after its caller gave up on it (held in a stalled
 * queue, answered late) cannot take the money afterwards.
 */
@Injectable()
export class ChargesRepository implements OnModuleInit, OnModuleDestroy {
  private db!: SqlDatabase;

  async onModuleInit(): Promise<void> {
    this.db = await openServiceDatabase('payments', MIGRATIONS);
  }

  async find(reference: string): Promise<Charge | undefined> {
    const row = await this.db.get<ChargeRow>('SELECT * FROM charges WHERE reference = ?', reference);
    return row && toCharge(row);
  }

  /** The charge, locked until the transaction ends (after the insert that made sure it exists). */
  private async locked(tx: SqlExecutor, reference: string): Promise<Charge> {
    return toCharge((await tx.get<ChargeRow>('SELECT * FROM charges WHERE reference = ? FOR UPDATE', reference))!);
  }

  capture(reference: string, amountCents: number): Promise<CaptureResult> {
    return this.db.transaction(async (tx) => {
      const now = new Date().toISOString();
      // Two requests for one reference at once: the second waits on the first's row, then finds it.
      const inserted = await tx.run(
        "INSERT INTO charges VALUES (?, ?, ?, 'captured', ?, ?) ON CONFLICT (reference) DO NOTHING",
        reference,
        newId('chg'),
        amountCents,
        now,
        now,
      );
      const charge = await this.locked(tx, reference);
      if (inserted === 1) return { kind: 'captured', charge };
      if (charge.status === 'voided') return { kind: 'voided', charge };
      return { kind: charge.amountCents === amountCents ? 'replayed' : 'mismatch', charge };
    });
  }

  /** Refunds a captured charge, or forbids a future one; either way the reference ends `voided`. */
  void(reference: string): Promise<Charge> {
    return this.db.transaction(async (tx) => {
      const now = new Date().toISOString();
      await tx.run("INSERT INTO charges VALUES (?, ?, 0, 'voided', ?, ?) ON CONFLICT (reference) DO NOTHING", reference, newId('chg'), now, now);
      await tx.run("UPDATE charges SET status = 'voided', updated_at = ? WHERE reference = ?", now, reference);
      return this.locked(tx, reference);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.db?.close();
  }
}
