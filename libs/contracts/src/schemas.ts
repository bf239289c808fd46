import { z } from 'zod';

/** The shapes the services exchange. One definition each, used by the caller and the callee alike. */

export const Sku = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/, 'must be 1-32 upper-case letters, digits or dashes');
export const Quantity = z.number().int('must be a whole number').min(1).max(1_000);
export const Id = z.string().regex(/^[a-z]+_[0-9a-f]{16}$/, 'is not an id');

export const InventoryItem = z.strictObject({ sku: Sku, available: z.number().int().min(0) });
export type InventoryItem = z.infer<typeof InventoryItem>;

export const CreateOrder = z.strictObject({ sku: Sku, quantity: Quantity });
export type CreateOrder = z.infer<typeof CreateOrder>;

/**
 * `pending`: placed, its outcome not known yet (a charge whose answer never came is in doubt until
 * the reconciler has asked payments); `confirmed`: stock sold and money taken; `failed`: neither.
 */
export const OrderStatus = z.enum(['pending', 'confirmed', 'failed']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const Order = z.strictObject({
  id: Id,
  sku: Sku,
  quantity: Quantity,
  status: OrderStatus,
  amountCents: z.number().int().min(0).nullable(),
  reservationId: Id,
  chargeId: Id.nullable(),
  createdAt: z.iso.datetime(),
});
export type Order = z.infer<typeof Order>;

/** `id` is chosen by the caller (derived from its order): a retried reservation is the same one. */
export const CreateReservation = z.strictObject({ id: Id, sku: Sku, quantity: Quantity });
export type CreateReservation = z.infer<typeof CreateReservation>;

export const ReservationStatus = z.enum(['reserved', 'confirmed', 'released']);
export type ReservationStatus = z.infer<typeof ReservationStatus>;

export const Reservation = z.strictObject({
  id: Id,
  sku: Sku,
  quantity: Quantity,
  unitPriceCents: z.number().int().min(0),
  status: ReservationStatus,
  expiresAt: z.iso.datetime(),
});
export type Reservation = z.infer<typeof Reservation>;

export const ChargeReference = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, dashes or underscores');

export const CreateCharge = z.strictObject({ reference: ChargeReference, amountCents: z.number().int().min(0) });
export type CreateCharge = z.infer<typeof CreateCharge>;

export const ChargeStatus = z.enum(['captured', 'voided']);
export const Charge = z.strictObject({ id: Id, reference: z.string(), amountCents: z.number().int().min(0), status: ChargeStatus });
export type Charge = z.infer<typeof Charge>;

/** The header a client names its attempt with; retries with the same key are the same order. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Printable ASCII, as the IETF draft's sf-string; 255 characters is Stripe's limit. */
export const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters without spaces');
