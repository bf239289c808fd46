import { randomBytes } from 'node:crypto';

/** `ord_3f9a0c1b2d4e5f60`: a prefix says what it is, 64 random bits say which. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

/**
 * The same 64 bits under another prefix: the reservation of order `ord_X` is `res_X`, so orders
 * knows its reservation's id before it asks for it, and can release it even when the answer to
 * the reservation never came.
 */
export function relatedId(id: string, prefix: string): string {
  return `${prefix}_${id.slice(id.indexOf('_') + 1)}`;
}
