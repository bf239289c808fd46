import { randomBytes } from 'node:crypto';

/** `ord_3f9a0c1b2d4e5f60`: a prefix says what it is, 64 random bits say which. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
