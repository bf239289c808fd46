import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Client } from 'pg';
import { SEED_STOCK as SEED } from '../services/inventory/src/stock.repository';

/** The stock inventory's database starts with: every unit of it must stay accounted for. */
export const SEED_STOCK: Readonly<Record<string, number>> = Object.fromEntries(SEED.map((line) => [line.sku, line.units]));

/** What the three services' databases say, read from their files as an auditor would. */
export interface Ledger {
  readonly stock: ReadonlyMap<string, { available: number; reserved: number; sold: number }>;
  readonly orders: ReadonlyMap<string, { status: string; sku: string; quantity: number; chargeId: string | null }>;
  readonly charges: ReadonlyMap<string, { id: string; status: string; amountCents: number }>;
  readonly reservations: ReadonlyMap<string, { status: string; sku: string; quantity: number }>;
}

/** Everything lost or done twice, counted; all zero when stock, charges and orders agree. */
export interface Discrepancies {
  /** Units neither available, reserved nor sold (or counted twice), per SKU. */
  readonly stockLeaked: number;
  /** Units sold beyond the seed. */
  readonly oversold: number;
  /** Captured charges whose order is not confirmed: money taken for nothing. */
  readonly chargedNotConfirmed: number;
  /** Confirmed orders without a captured charge of the same id. */
  readonly confirmedNotCharged: number;
  /** Sold units that no confirmed order accounts for, or confirmed orders whose stock is not sold. */
  readonly soldMismatch: number;
  /** Orders still pending, reservations still held. */
  readonly pending: number;
  readonly reservedUnits: number;
}

/** Runs one query against one service's database. */
export type LedgerReader = <T>(service: string, sql: string) => Promise<T[]>;

/** Reads the SQLite files under a data folder, read-only, beside the running services. */
export const sqliteLedger =
  (dataDir: string): LedgerReader =>
  async <T>(service: string, sql: string) => {
    const db = new DatabaseSync(join(dataDir, service, `${service}.db`), { readOnly: true });
    try {
      return db.prepare(sql).all() as unknown as T[];
    } finally {
      db.close();
    }
  };

/** Reads each service's PostgreSQL database as the superuser. */
export const postgresLedger =
  (connect: (database: string) => Client): LedgerReader =>
  async <T>(service: string, sql: string) => {
    const client = connect(service);
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };

export async function readLedger(read: LedgerReader): Promise<Ledger> {
  type Stock = { sku: string; available: number; reserved: number; sold: number };
  type OrderRow = { id: string; status: string; sku: string; quantity: number; charge_id: string | null };
  type ChargeRow = { reference: string; id: string; status: string; amount_cents: number };
  type ReservationRow = { id: string; status: string; sku: string; quantity: number };
  return {
    stock: new Map((await read<Stock>('inventory', 'SELECT * FROM stock')).map((s) => [s.sku, { available: s.available, reserved: s.reserved, sold: s.sold }])),
    orders: new Map(
      (await read<OrderRow>('orders', 'SELECT * FROM orders')).map((o) => [
        o.id,
        { status: o.status, sku: o.sku, quantity: o.quantity, chargeId: o.charge_id },
      ]),
    ),
    charges: new Map(
      (await read<ChargeRow>('payments', 'SELECT * FROM charges')).map((c) => [c.reference, { id: c.id, status: c.status, amountCents: c.amount_cents }]),
    ),
    reservations: new Map(
      (await read<ReservationRow>('inventory', 'SELECT * FROM reservations')).map((r) => [r.id, { status: r.status, sku: r.sku, quantity: r.quantity }]),
    ),
  };
}

export function discrepancies(ledger: Ledger): Discrepancies {
  let stockLeaked = 0;
  let oversold = 0;
  let soldMismatch = 0;
  let reservedUnits = 0;
  for (const [sku, seed] of Object.entries(SEED_STOCK)) {
    const line = ledger.stock.get(sku) ?? { available: 0, reserved: 0, sold: 0 };
    stockLeaked += Math.abs(seed - (line.available + line.reserved + line.sold));
    oversold += Math.max(0, line.sold - seed);
    reservedUnits += line.reserved;
    const confirmedUnits = [...ledger.orders.values()].filter((o) => o.sku === sku && o.status === 'confirmed').reduce((n, o) => n + o.quantity, 0);
    soldMismatch += Math.abs(line.sold - confirmedUnits);
  }
  const orders = [...ledger.orders.entries()];
  const chargedNotConfirmed = [...ledger.charges.entries()].filter(
    ([reference, c]) => c.status === 'captured' && ledger.orders.get(reference)?.status !== 'confirmed',
  ).length;
  const confirmedNotCharged = orders.filter(
    ([id, o]) => o.status === 'confirmed' && (ledger.charges.get(id)?.status !== 'captured' || ledger.charges.get(id)?.id !== o.chargeId),
  ).length;
  const pending = orders.filter(([, o]) => o.status === 'pending').length;
  return { stockLeaked, oversold, chargedNotConfirmed, confirmedNotCharged, soldMismatch, pending, reservedUnits };
}

export const NOTHING_WRONG: Discrepancies = {
  stockLeaked: 0,
  oversold: 0,
  chargedNotConfirmed: 0,
  confirmedNotCharged: 0,
  soldMismatch: 0,
  pending: 0,
  reservedUnits: 0,
};
