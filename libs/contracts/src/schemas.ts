import { z } from 'zod';

/** The shapes the services exchange. One definition each, used by the caller and the callee alike. */

export const Sku = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/, 'must be 1-32 upper-case letters, digits or dashes');
export const Quantity = z.number().int('must be a whole number').min(1).max(1_000);
export const Id = z.string().regex(/^[a-z]+_[0-9a-f]{16}$/, 'is not an id');

export const InventoryItem = z.strictObject({ sku: Sku, available: z.number().int().min(0) });
export type InventoryItem = z.infer<typeof InventoryItem>;

export const CreateOrder = z.strictObject({ sku: Sku, quantity: Quantity });
export type CreateOrder = z.infer<typeof CreateOrder>;

export const Order = z.strictObject({
  id: Id,
  sku: Sku,
  quantity: Quantity,
  status: z.literal('confirmed'),
  amountCents: z.number().int().min(0),
  reservationId: Id,
  chargeId: Id,
  createdAt: z.iso.datetime(),
});
export type Order = z.infer<typeof Order>;

export const CreateReservation = z.strictObject({ sku: Sku, quantity: Quantity });
export type CreateReservation = z.infer<typeof CreateReservation>;

export const Reservation = z.strictObject({ id: Id, sku: Sku, quantity: Quantity, unitPriceCents: z.number().int().min(0) });
export type Reservation = z.infer<typeof Reservation>;

export const CreateCharge = z.strictObject({ reference: z.string().min(1).max(64), amountCents: z.number().int().min(0) });
export type CreateCharge = z.infer<typeof CreateCharge>;

export const Charge = z.strictObject({ id: Id, reference: z.string(), amountCents: z.number().int().min(0), status: z.literal('captured') });
export type Charge = z.infer<typeof Charge>;
